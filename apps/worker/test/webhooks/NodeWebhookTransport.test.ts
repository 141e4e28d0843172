import * as http from "node:http"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  type WebhookRequest,
  type WebhookResponse,
  WebhookTransport,
  type WebhookTransportError,
} from "@inzi/core"
import { Effect, Either } from "effect"
import { NodeWebhookTransport, type ResolveHost } from "../../src/webhooks/NodeWebhookTransport.js"
import { type Receiver, startReceiver } from "./receiver.js"

const request = (url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  url,
  headers: { "Content-Type": "application/json", "Inzi-Event-Id": "evt_test" },
  body: '{"id":"evt_test"}',
  timeoutMs: 5_000,
  blockPrivateAddresses: false,
  ...overrides,
})

/** Resolver for made-up hostnames, falling back to the system for the rest. Counts calls per name. */
const fakeDns = (table: Record<string, ReadonlyArray<string> | ((n: number) => ReadonlyArray<string>)>) => {
  const calls: Record<string, number> = {}
  const resolve: ResolveHost = async (hostname, _family) => {
    calls[hostname] = (calls[hostname] ?? 0) + 1
    const entry = table[hostname]
    if (entry === undefined) {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`)
      err.code = "ENOTFOUND"
      throw err
    }
    const addrs = typeof entry === "function" ? entry(calls[hostname]!) : entry
    return addrs.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
  }
  return { resolve, calls }
}

/** The transport error of a failed send (fails the test on success). */
const errorOf = (r: Either.Either<WebhookResponse, WebhookTransportError>): WebhookTransportError => {
  if (Either.isRight(r)) throw new Error(`expected a transport error, got status ${r.right.statusCode}`)
  return r.left
}

const send = (req: WebhookRequest, resolve?: ResolveHost) =>
  Effect.gen(function* () {
    const t = yield* WebhookTransport
    return yield* Effect.either(t.send(req))
  }).pipe(Effect.provide(NodeWebhookTransport.layer(resolve === undefined ? {} : { resolve })), Effect.scoped)

describe("NodeWebhookTransport", () => {
  let rx: Receiver
  let rx6: Receiver
  beforeAll(async () => {
    rx = await startReceiver()
    rx6 = await startReceiver(() => 200, { host: "::1" })
  })
  afterAll(async () => {
    await rx.close()
    await rx6.close()
  })

  it.live("POSTs the body and headers; any 2xx is success with a latency", () =>
    Effect.gen(function* () {
      const before = rx.requests.length
      for (const status of [200, 201, 204, 299]) {
        rx.respond = () => status
        const r = yield* send(request(`${rx.origin}/hooks?x=1`))
        expect(Either.getOrThrow(r).statusCode).toBe(status)
        expect(Either.getOrThrow(r).latencyMs).toBeGreaterThanOrEqual(0)
      }
      const got = rx.requests.slice(before)
      expect(got).toHaveLength(4)
      expect(got[0]!.method).toBe("POST")
      expect(got[0]!.path).toBe("/hooks?x=1")
      expect(got[0]!.body).toBe('{"id":"evt_test"}')
      expect(got[0]!.headers["content-type"]).toBe("application/json")
      expect(got[0]!.headers["inzi-event-id"]).toBe("evt_test")
      expect(got[0]!.headers["content-length"]).toBe(String(Buffer.byteLength('{"id":"evt_test"}')))
      rx.respond = () => 200
    }),
  )

  it.live("a non-2xx answer is a response, not an error", () =>
    Effect.gen(function* () {
      rx.respond = () => 500
      const r = yield* send(request(`${rx.origin}/`))
      expect(Either.getOrThrow(r).statusCode).toBe(500)
      rx.respond = () => 200
    }),
  )

  it.live("does not follow redirects", () =>
    Effect.gen(function* () {
      const target = yield* Effect.promise(() => startReceiver())
      rx.respond = () => ({ status: 307, headers: { location: `${target.origin}/stolen` } })
      const r = yield* send(request(`${rx.origin}/`))
      expect(Either.getOrThrow(r).statusCode).toBe(307)
      expect(target.requests).toHaveLength(0)
      rx.respond = () => 200
      yield* Effect.promise(() => target.close())
    }),
  )

  it.live("reads a huge response body only up to the cap", () =>
    Effect.gen(function* () {
      // A receiver streaming an endless 200 body: the transport must return, not buffer it all.
      const server = http.createServer((_req, res) => {
        res.writeHead(200)
        const chunk = Buffer.alloc(64 * 1024, 97)
        const pump = () => {
          while (res.write(chunk)) {
            if (res.destroyed) return
          }
          res.once("drain", pump)
        }
        pump()
      })
      yield* Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r())))
      const port = (server.address() as AddressInfo).port
      const r = yield* send(request(`http://127.0.0.1:${port}/`, { timeoutMs: 5_000 }))
      expect(Either.getOrThrow(r).statusCode).toBe(200)
      expect(Either.getOrThrow(r).latencyMs).toBeLessThan(4_000)
      server.closeAllConnections()
      yield* Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
    }),
  )

  it.live("times out on a receiver that never answers", () =>
    Effect.gen(function* () {
      const hang = yield* Effect.promise(() => startReceiver(() => "hang"))
      const t0 = Date.now()
      const r = yield* send(request(`${hang.origin}/`, { timeoutMs: 300 }))
      const took = Date.now() - t0
      expect(Either.isLeft(r)).toBe(true)
      const e = errorOf(r)
      expect(e.message).toContain("timed out after 300 ms")
      expect(e.refused).toBe(false)
      expect(took).toBeGreaterThanOrEqual(290)
      expect(took).toBeLessThan(3_000)
      expect(hang.requests).toHaveLength(1)
      yield* Effect.promise(() => hang.close())
    }),
  )

  it.live("a closed port is a transport error (not refused)", () =>
    Effect.gen(function* () {
      const gone = yield* Effect.promise(() => startReceiver())
      const url = `${gone.origin}/`
      yield* Effect.promise(() => gone.close())
      const r = yield* send(request(url))
      const e = errorOf(r)
      expect(e.refused).toBe(false)
      expect(e.message).toContain("ECONNREFUSED")
    }),
  )

  /**
   * A raw HTTP/1.1 receiver: `reply(connection, nth)` (both from 1) answers 200 on a kept-alive connection or
   * closes it without answering. Records the connection each request came on.
   */
  const rawReceiver = async (reply: (connection: number, nth: number) => "answer" | "close") => {
    const seen: number[] = []
    let connections = 0
    const server = net.createServer((socket) => {
      const connection = ++connections
      let buf = Buffer.alloc(0)
      let nth = 0
      socket.on("error", () => {})
      socket.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d])
        for (;;) {
          const end = buf.indexOf("\r\n\r\n")
          if (end < 0) return
          const head = buf.subarray(0, end).toString("latin1")
          const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0)
          if (buf.length < end + 4 + length) return
          buf = buf.subarray(end + 4 + length)
          seen.push(connection)
          if (reply(connection, ++nth) === "close") return void socket.destroy()
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        }
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      seen,
      close: () => new Promise<void>((r) => server.close(() => r())),
    }
  }

  /** Two sends through one transport (one keep-alive pool). */
  const sendTwice = (url: string) =>
    Effect.gen(function* () {
      const t = yield* WebhookTransport
      const a = yield* Effect.either(t.send(request(url)))
      const b = yield* Effect.either(t.send(request(url)))
      return [a, b] as const
    }).pipe(Effect.provide(NodeWebhookTransport.layer()), Effect.scoped)

  it.live(
    "a kept-alive connection the receiver closes as the next request goes out: sent again on a new one",
    () =>
      Effect.gen(function* () {
        // A receiver closing an idle connection (its keep-alive timeout) just as a delivery reuses it: "socket
        // hang up" before any answer, on a reused socket. Sent once more on a fresh connection, not failed.
        const srv = yield* Effect.promise(() => rawReceiver((_, nth) => (nth === 1 ? "answer" : "close")))
        const [a, b] = yield* sendTwice(srv.url)
        expect(Either.getOrThrow(a).statusCode).toBe(200)
        expect(Either.getOrThrow(b).statusCode).toBe(200)
        expect(srv.seen).toEqual([1, 1, 2])
        yield* Effect.promise(() => srv.close())
      }),
  )

  it.live(
    "a connection closed before any answer is a failed attempt when it was fresh; one resend at most",
    () =>
      Effect.gen(function* () {
        const fresh = yield* Effect.promise(() => rawReceiver(() => "close"))
        const r = yield* send(request(fresh.url))
        expect(errorOf(r).message).toBe("ECONNRESET: socket hang up")
        expect(fresh.seen).toEqual([1])
        // A reused connection closed, then the fresh one too: the attempt fails after the one resend.
        const twice = yield* Effect.promise(() =>
          rawReceiver((connection, nth) => (connection === 1 && nth === 1 ? "answer" : "close")),
        )
        const [a, b] = yield* sendTwice(twice.url)
        expect(Either.getOrThrow(a).statusCode).toBe(200)
        expect(errorOf(b).message).toBe("ECONNRESET: socket hang up")
        expect(twice.seen).toEqual([1, 1, 2])
        yield* Effect.promise(() => fresh.close())
        yield* Effect.promise(() => twice.close())
      }),
  )

  it.live("refuses a non-http scheme and reports an invalid URL", () =>
    Effect.gen(function* () {
      const a = yield* send(request("ftp://example.com/x"))
      expect(errorOf(a).refused).toBe(true)
      const b = yield* send(request("not a url"))
      expect(errorOf(b)).toMatchObject({ message: "invalid webhook URL", refused: false })
    }),
  )

  it.live("a header Node refuses to send is a transport error, not a crash", () =>
    Effect.gen(function* () {
      const before = rx.requests.length
      const r = yield* send(
        request(`${rx.origin}/`, { headers: { "Inzi-Event-Id": "evt\r\nX-Injected: 1" } }),
      )
      expect(errorOf(r).refused).toBe(false)
      expect(rx.requests.length).toBe(before)
    }),
  )

  describe("SSRF protection", () => {
    const refusedCases = (port: number) => [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://2130706433:${port}/`, // 127.0.0.1 spelled as one number (the URL parser normalizes it)
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.7/",
      "http://192.168.1.1/",
      "http://100.64.0.1/",
      "http://0.0.0.0/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
    ]

    it.live("refuses loopback, private, link-local and metadata destinations when blocking", () =>
      Effect.gen(function* () {
        const before = rx.requests.length + rx6.requests.length
        for (const url of refusedCases(rx.port)) {
          const r = yield* send(request(url, { blockPrivateAddresses: true, timeoutMs: 2_000 }))
          const e = errorOf(r)
          expect(e.refused, `${url}: ${e.message}`).toBe(true)
          expect(e.message).toMatch(/^refused: /)
        }
        expect(rx.requests.length + rx6.requests.length).toBe(before)
      }),
    )

    it.live("allows loopback destinations when not blocking (operator setting)", () =>
      Effect.gen(function* () {
        const before = rx.requests.length
        for (const url of [`http://127.0.0.1:${rx.port}/`, `http://localhost:${rx.port}/`]) {
          const r = yield* send(request(url, { blockPrivateAddresses: false }))
          expect(Either.getOrThrow(r).statusCode, url).toBe(200)
        }
        // localhost may resolve to ::1 first: the IPv4-only receiver then got it through happy eyeballs fallback
        expect(rx.requests.length - before).toBe(2)
        const r6 = yield* send(request(`http://[::1]:${rx6.port}/`, { blockPrivateAddresses: false }))
        expect(Either.getOrThrow(r6).statusCode).toBe(200)
        expect(rx6.requests.length).toBe(1)
      }),
    )

    it.live("checks the address at connect time: a hostname that rebinds to 127.0.0.1 is refused", () =>
      Effect.gen(function* () {
        // First answer public (what a check-then-connect validator would see), every later answer loopback.
        const dnsA = fakeDns({ "rebind.test": (n) => (n === 1 ? ["93.184.216.34"] : ["127.0.0.1"]) })
        // A validator that resolved first would have seen the public address; our only lookup is the connect:
        yield* Effect.promise(() => dnsA.resolve("rebind.test", 0)) // burns the "public" answer
        const before = rx.requests.length
        const r = yield* send(
          request(`http://rebind.test:${rx.port}/`, { blockPrivateAddresses: true }),
          dnsA.resolve,
        )
        expect(errorOf(r)).toMatchObject({
          refused: true,
          message: "refused: rebind.test resolves to 127.0.0.1 (loopback)",
        })
        expect(dnsA.calls["rebind.test"]).toBe(2)
        expect(rx.requests.length).toBe(before)

        // A mixed answer (one public, one private) is refused as a whole.
        const dnsB = fakeDns({ "mixed.test": ["93.184.216.34", "10.1.2.3"] })
        const m = yield* send(request("http://mixed.test/", { blockPrivateAddresses: true }), dnsB.resolve)
        expect(errorOf(m)).toMatchObject({
          refused: true,
          message: "refused: mixed.test resolves to 10.1.2.3 (private)",
        })
        const meta = fakeDns({ "metadata.test": ["169.254.169.254"] })
        const md = yield* send(
          request("http://metadata.test/", { blockPrivateAddresses: true }),
          meta.resolve,
        )
        expect(errorOf(md).message).toBe(
          "refused: metadata.test resolves to 169.254.169.254 (link-local / cloud metadata)",
        )
      }),
    )

    it.live("the same rebinding hostname is delivered when not blocking", () =>
      Effect.gen(function* () {
        const d = fakeDns({ "rebind.test": ["127.0.0.1"] })
        const before = rx.requests.length
        const r = yield* send(
          request(`http://rebind.test:${rx.port}/x`, { blockPrivateAddresses: false }),
          d.resolve,
        )
        expect(Either.getOrThrow(r).statusCode).toBe(200)
        expect(rx.requests.length).toBe(before + 1)
        expect(rx.requests.at(-1)!.headers.host).toBe(`rebind.test:${rx.port}`)
      }),
    )

    it.live(
      "a kept-alive connection opened while allowed is not reused once blocking (remote address check)",
      () =>
        Effect.gen(function* () {
          const d = fakeDns({ "reuse.test": ["127.0.0.1"] })
          const before = rx.requests.length
          const url = `http://reuse.test:${rx.port}/k`
          const [allowed, blocked] = yield* Effect.gen(function* () {
            const t = yield* WebhookTransport
            const a = yield* Effect.either(t.send(request(url, { blockPrivateAddresses: false })))
            const b = yield* Effect.either(t.send(request(url, { blockPrivateAddresses: true })))
            return [a, b] as const
          }).pipe(Effect.provide(NodeWebhookTransport.layer({ resolve: d.resolve })), Effect.scoped)
          expect(Either.getOrThrow(allowed).statusCode).toBe(200)
          // The pooled socket skipped the lookup; the connected-address check still refused it.
          expect(d.calls["reuse.test"]).toBe(1)
          expect(errorOf(blocked)).toMatchObject({
            refused: true,
            message: "refused: connected to 127.0.0.1 (loopback)",
          })
          expect(rx.requests.length).toBe(before + 1)
        }),
    )

    it.live("unknown hostnames fail as DNS errors, not refusals", () =>
      Effect.gen(function* () {
        const d = fakeDns({})
        const r = yield* send(request("http://nowhere.test/", { blockPrivateAddresses: true }), d.resolve)
        const e = errorOf(r)
        expect(e.refused).toBe(false)
        expect(e.message).toContain("ENOTFOUND")
      }),
    )
  })
})
