import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Either, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ApiCheckout,
  type Checkout,
  Inzi,
  InziApiError,
  InziClient,
  InziConnectionError,
  InziResponseError,
  makeInziClient,
  parseRetryAfter,
} from "../src/index.js"
import { startTestServer, type TestMerchant, type TestServer } from "./server.js"

// One real server (PGlite in memory) for the file. Rate limit 5/s per key, burst 10: each test uses its own
// key, and the rate-limit tests exhaust theirs on purpose.
let server: TestServer
let shop: TestMerchant
let other: TestMerchant

beforeAll(async () => {
  server = await startTestServer({ rateLimit: 5 })
  shop = await server.merchant()
  other = await server.merchant()
}, 120_000)
afterAll(async () => {
  await server?.close()
})

const clientFor = async (mode: "live" | "test" = "test", extra: { maxRetries?: number } = {}) =>
  new InziClient({ apiKey: await shop.key(mode), baseUrl: server.url, ...extra })

/** Runs `f` and returns what it rejected with (fails the test when it resolves). */
const rejection = async (f: () => Promise<unknown>): Promise<unknown> => {
  try {
    await f()
  } catch (e) {
    return e
  }
  throw new Error("expected a rejection")
}

describe("checkouts.create", () => {
  it("creates a checkout and decodes it with core's ApiCheckout Schema", async () => {
    const inzi = await clientFor()
    const c = await inzi.checkouts.create({
      amount: "25",
      currency: "usd",
      description: "Order #1",
      metadata: { order_id: "A-1", nested: { n: [1, 2] } },
      customer_email: "buyer@example.com",
      redirect_url: "https://shop.example/thanks",
      expires_in: 600,
    })
    expect(c.id).toMatch(/^chk_test_[a-z0-9]{24}$/)
    expect(c.status).toBe("pending")
    expect(c.amount).toBe("25.00")
    expect(c.currency).toBe("USD")
    expect(c.description).toBe("Order #1")
    expect(c.metadata).toEqual({ order_id: "A-1", nested: { n: [1, 2] } })
    expect(c.customer_email).toBe("buyer@example.com")
    expect(c.redirect_url).toBe("https://shop.example/thanks")
    expect(c.checkout_url).toBe(`${server.url}/p/${c.id.slice("chk_test_".length)}`)
    expect(c.payment).toBeNull()
    expect(c.amount_paid).toBe("0.00")
    expect(c.payments).toEqual([])
    // test mode: the devnet's USDT, USDC and USDT18 at one derived address (base is live-only)
    expect(c.payment_options.map((o) => `${o.network}/${o.crypto_currency}`).sort()).toEqual([
      "devnet/USDC",
      "devnet/USDT",
      "devnet/USDT18",
    ])
    expect(new Set(c.payment_options.map((o) => o.address)).size).toBe(1)
    expect(c.payment_options.find((o) => o.crypto_currency === "USDT18")?.amount_crypto).toBe(
      `25.${"0".repeat(18)}`,
    )
    expect(Date.parse(c.expires_at) - Date.parse(c.created_at)).toBe(600_000)
    // what the client returned is, in wire form, a valid ApiCheckout again
    expect(Either.isRight(Schema.decodeUnknownEither(ApiCheckout)(JSON.parse(JSON.stringify(c))))).toBe(true)
  })

  it("a live key creates a live checkout offering the live networks", async () => {
    const inzi = await clientFor("live")
    const c = await inzi.checkouts.create({ amount: "10.50", currency: "USD" })
    expect(c.id).toMatch(/^chk_live_/)
    expect(c.amount).toBe("10.50")
    expect(c.payment_options.map((o) => o.network)).toEqual(["base"])
  })

  it("rejects invalid input with the server's code and param", async () => {
    const inzi = await clientFor()
    const e = await rejection(() => inzi.checkouts.create({ amount: "25.001", currency: "USD" }))
    expect(e).toBeInstanceOf(InziApiError)
    expect(e).toMatchObject({
      _tag: "InziApiError",
      status: 400,
      type: "invalid_request_error",
      code: "amount_invalid",
      param: "amount",
      retryAfter: null,
    })
    expect((e as InziApiError).message).toMatch(/amount/)

    const unknown = await rejection(() =>
      // a field the API does not know (the type forbids it; plain JavaScript callers can still send it)
      inzi.checkouts.create({ amount: "5", currency: "USD", colour: "red" } as never),
    )
    expect(unknown).toMatchObject({ status: 400, code: "parameter_unknown", param: "colour" })

    const eur = await rejection(() => inzi.checkouts.create({ amount: "5", currency: "EUR" }))
    expect(eur).toMatchObject({ status: 400, code: "currency_unsupported", param: "currency" })
  })

  it("Idempotency-Key: the same body returns the first checkout, another body is a 409", async () => {
    const inzi = await clientFor()
    const key = `order-${Date.now()}`
    const body = { amount: "12.00", currency: "USD", metadata: { order: key } }
    const first = await inzi.checkouts.create(body, { idempotencyKey: key })
    const again = await inzi.checkouts.create(body, { idempotencyKey: key })
    expect(again).toEqual(first)
    const page = await inzi.checkouts.list({ limit: 100 })
    expect(page.data.filter((c) => c.metadata.order === key)).toHaveLength(1)

    const e = await rejection(() =>
      inzi.checkouts.create({ ...body, amount: "13.00" }, { idempotencyKey: key }),
    )
    expect(e).toMatchObject({ status: 409, type: "idempotency_error" })
  })

  it("with retries on, a create carries a generated Idempotency-Key; with retries off, none", async () => {
    const sent: Array<string | null> = []
    const spy = (input: string, init: RequestInit) => {
      sent.push(new Headers(init.headers).get("idempotency-key"))
      return fetch(input, init)
    }
    const key = await shop.key("test")
    await new InziClient({ apiKey: key, baseUrl: server.url, fetch: spy }).checkouts.create({
      amount: "3",
      currency: "USD",
    })
    await new InziClient({ apiKey: key, baseUrl: server.url, fetch: spy, maxRetries: 0 }).checkouts.create({
      amount: "3",
      currency: "USD",
    })
    expect(sent[0]).toMatch(/^inzi-client-[0-9a-f-]{36}$/)
    expect(sent[1]).toBeNull()
  })
})

describe("checkouts.retrieve", () => {
  it("returns the checkout as created", async () => {
    const inzi = await clientFor()
    const c = await inzi.checkouts.create({ amount: "7", currency: "USD", metadata: { a: 1 } })
    expect(await inzi.checkouts.retrieve(c.id)).toEqual(c)
  })

  it("another merchant's checkout, another mode's checkout and an unknown id are 404s", async () => {
    const inzi = await clientFor()
    const mine = await inzi.checkouts.create({ amount: "7", currency: "USD" })
    const stranger = new InziClient({ apiKey: await other.key("test"), baseUrl: server.url })
    const live = await clientFor("live")
    for (const [client, id] of [
      [stranger, mine.id],
      [live, mine.id],
      [inzi, "chk_test_000000000000000000000000"],
      [inzi, "not an id/../../"],
    ] as const) {
      const e = await rejection(() => client.checkouts.retrieve(id))
      expect(e).toBeInstanceOf(InziApiError)
      expect(e).toMatchObject({ status: 404, type: "not_found_error" })
    }
  })

  it("refuses an empty id before sending anything", async () => {
    const inzi = await clientFor()
    await expect(inzi.checkouts.retrieve("")).rejects.toThrow(TypeError)
  })
})

describe("checkouts.list and iterate", () => {
  it("filters, pages and iterates over every checkout, newest first", async () => {
    const m = await server.merchant()
    const inzi = new InziClient({ apiKey: await m.key("test"), baseUrl: server.url })
    const before = new Date(Date.now() - 1000)
    const created: Array<Checkout> = []
    for (let i = 0; i < 5; i++)
      created.push(await inzi.checkouts.create({ amount: `${i + 1}`, currency: "USD" }))
    const page = await inzi.checkouts.list({ limit: 2, offset: 1, created_after: before })
    expect(page.total).toBe(5)
    expect(page.limit).toBe(2)
    expect(page.offset).toBe(1)
    expect(page.data).toHaveLength(2)
    expect((await inzi.checkouts.list({ status: "completed" })).total).toBe(0)
    expect((await inzi.checkouts.list({ status: "pending" })).total).toBe(5)
    const all: Array<string> = []
    for await (const c of inzi.checkouts.iterate({ limit: 2 })) all.push(c.id)
    expect(new Set(all)).toEqual(new Set(created.map((c) => c.id)))
    expect(all).toHaveLength(5)
    // newest first: created_at desc, then id desc
    const full = await inzi.checkouts.list({ limit: 100 })
    expect(full.data.map((c) => c.id)).toEqual(all)
  })

  it("a bad query parameter names itself", async () => {
    const inzi = await clientFor()
    expect(await rejection(() => inzi.checkouts.list({ limit: 101 }))).toMatchObject({
      status: 400,
      code: "limit_invalid",
      param: "limit",
    })
    expect(await rejection(() => inzi.checkouts.list({ created_before: "yesterday" }))).toMatchObject({
      code: "created_before_invalid",
      param: "created_before",
    })
  })
})

describe("errors", () => {
  it("a revoked-looking or unknown key is an authentication_error", async () => {
    const inzi = new InziClient({ apiKey: `sk_test_${"x".repeat(40)}`, baseUrl: server.url })
    const e = await rejection(() => inzi.checkouts.list())
    expect(e).toBeInstanceOf(InziApiError)
    expect(e).toMatchObject({ status: 401, type: "authentication_error" })
    // the key never appears in the error
    expect(JSON.stringify(e)).not.toContain("x".repeat(40))
  })

  it("429 carries retryAfter from Retry-After when retries are off", async () => {
    const inzi = await clientFor("test", { maxRetries: 0 })
    let limited: InziApiError | null = null
    for (let i = 0; i < 30 && limited === null; i++) {
      const e = await inzi.checkouts.list({ limit: 1 }).catch((x: unknown) => x)
      if (e instanceof InziApiError) limited = e
    }
    expect(limited).not.toBeNull()
    expect(limited).toMatchObject({ status: 429, type: "rate_limit_error", code: "rate_limited" })
    expect(limited?.retryAfter).toBeGreaterThanOrEqual(1)
  })

  it("with retries on, a rate-limited call waits Retry-After and succeeds", async () => {
    let attempts = 0
    const statuses: Array<number> = []
    const spy = async (input: string, init: RequestInit) => {
      attempts++
      const r = await fetch(input, init)
      statuses.push(r.status)
      return r
    }
    const key = await shop.key("test")
    const inzi = new InziClient({ apiKey: key, baseUrl: server.url, fetch: spy, maxRetries: 3 })
    // exhaust the burst (10) with retries off, on the same key
    const burner = new InziClient({ apiKey: key, baseUrl: server.url, maxRetries: 0 })
    for (let i = 0; i < 15; i++) await burner.checkouts.list({ limit: 1 }).catch(() => {})
    const page = await inzi.checkouts.list({ limit: 1 })
    expect(page.limit).toBe(1)
    expect(statuses[0]).toBe(429)
    expect(statuses.at(-1)).toBe(200)
    expect(attempts).toBeGreaterThanOrEqual(2)
  })

  it("no server: InziConnectionError (and retries do not hide it)", async () => {
    const dead = await new Promise<number>((resolve) => {
      const s = createServer()
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port
        s.close(() => resolve(port))
      })
    })
    const inzi = new InziClient({
      apiKey: "sk_test_whatever",
      baseUrl: `http://127.0.0.1:${dead}`,
      maxRetries: 1,
      maxRetryDelayMs: 10,
    })
    const e = await rejection(() => inzi.checkouts.list())
    expect(e).toBeInstanceOf(InziConnectionError)
    expect(e).toMatchObject({ _tag: "InziConnectionError", timedOut: false })
  })

  describe("a server that is not Inzi", () => {
    let odd: Server
    let url = ""
    let delayMs = 0
    beforeAll(async () => {
      odd = createServer((req, res) => {
        setTimeout(() => {
          if (req.url?.includes("/checkouts/html")) {
            res.writeHead(502, { "content-type": "text/html" }).end("<html>Bad gateway</html>")
          } else if (req.url?.includes("/checkouts/shape")) {
            res.writeHead(200, { "content-type": "application/json" }).end('{"id":"chk_x","amount":25}')
          } else res.writeHead(418).end('{"error":"teapot"}')
        }, delayMs)
      })
      await new Promise<void>((r) => odd.listen(0, "127.0.0.1", r))
      url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`
    })
    afterAll(() => new Promise<void>((r) => odd.close(() => r())))

    it("answers that are not the API's become InziResponseError", async () => {
      const inzi = new InziClient({ apiKey: "sk_test_x", baseUrl: url, maxRetries: 0 })
      const html = await rejection(() => inzi.checkouts.retrieve("html"))
      expect(html).toBeInstanceOf(InziResponseError)
      expect(html).toMatchObject({ status: 502, body: "<html>Bad gateway</html>" })
      const shape = await rejection(() => inzi.checkouts.retrieve("shape"))
      expect(shape).toBeInstanceOf(InziResponseError)
      expect((shape as InziResponseError).message).toMatch(/does not match the API schema/)
      const teapot = await rejection(() => inzi.checkouts.retrieve("tea"))
      expect(teapot).toMatchObject({ _tag: "InziResponseError", status: 418 })
    })

    it("a slow answer times out as InziConnectionError with timedOut", async () => {
      delayMs = 500
      const inzi = new InziClient({ apiKey: "sk_test_x", baseUrl: url, maxRetries: 0, timeoutMs: 50 })
      const e = await rejection(() => inzi.checkouts.retrieve("html"))
      delayMs = 0
      expect(e).toMatchObject({ _tag: "InziConnectionError", timedOut: true })
    })
  })

  it("parseRetryAfter reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3)
    expect(
      parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")),
    ).toBe(10)
    expect(parseRetryAfter("soon")).toBeNull()
    expect(parseRetryAfter(null)).toBeNull()
  })

  it("refuses a missing key or a bad base URL at construction", () => {
    expect(() => new InziClient({ apiKey: "", baseUrl: server.url })).toThrow(/apiKey/)
    expect(() => new InziClient({ apiKey: "sk_test_x", baseUrl: "pay.example.com" })).toThrow(/baseUrl/)
    expect(() => new InziClient({ apiKey: "sk_test_x", baseUrl: "ftp://pay.example.com" })).toThrow(/baseUrl/)
  })
})

describe("base URL", () => {
  it("accepts a URL that already ends in /api/v1, with or without a trailing slash", async () => {
    const key = await shop.key("test")
    for (const base of [`${server.url}/api/v1`, `${server.url}/api/v1/`, `${server.url}/`]) {
      const page = await new InziClient({ apiKey: key, baseUrl: base }).checkouts.list({ limit: 1 })
      expect(page.limit).toBe(1)
    }
  })
})

describe("Effect API", () => {
  it("the Inzi service creates and reads checkouts; failures are tagged errors", async () => {
    const apiKey = await shop.key("test")
    const program = Effect.gen(function* () {
      const inzi = yield* Inzi
      const c = yield* inzi.checkouts.create({ amount: "9.99", currency: "USD" }, { idempotencyKey: "fx-1" })
      const again = yield* inzi.checkouts.retrieve(c.id)
      const missing = yield* inzi.checkouts
        .retrieve("chk_test_zzzzzzzzzzzzzzzzzzzzzzzz")
        .pipe(Effect.catchTag("InziApiError", (e) => Effect.succeed(e.status)))
      return { c, again, missing }
    })
    const r = await Effect.runPromise(
      program.pipe(Effect.provide(Inzi.layer({ apiKey, baseUrl: server.url }))),
    )
    expect(r.again).toEqual(r.c)
    expect(r.c.amount).toBe("9.99")
    expect(r.missing).toBe(404)
  })

  it("makeInziClient fails with InziApiError in the error channel", async () => {
    const inzi = makeInziClient({ apiKey: await shop.key("test"), baseUrl: server.url })
    const r = await Effect.runPromise(
      Effect.either(inzi.checkouts.create({ amount: "0.5", currency: "USD" })),
    )
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) {
      expect(r.left._tag).toBe("InziApiError")
      expect(r.left).toMatchObject({ code: "amount_too_small", param: "amount" })
    }
  })
})
