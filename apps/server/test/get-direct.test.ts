/**
 * The fiber-less GET of one checkout (`getCheckoutDirect`), over stub ports: when it answers, what it answers, and
 * that it hands a key the cache does not hold to the Effect route without touching anything. The black-box suite
 * (api/suite.ts) checks on a real database that both paths give the same responses.
 */
import type { FastPath as StoreFastPath } from "@inzi/adapter-postgres"
import { type ActiveKey, type Checkout, CheckoutNotFound, StoreError } from "@inzi/core"
import { FAMILIES } from "@inzi/platform"
import { Context, Either, Runtime } from "effect"
import { describe, expect, it } from "vitest"
import { ServerContext } from "../src/context.js"
import { FastPath } from "../src/fast-path.js"
import { makeRateLimiter } from "../src/http/rate-limit.js"
import type { HttpRequest } from "../src/http/response.js"
import { getCheckoutDirect } from "../src/routes/checkouts.js"
import { NETWORKS, PUBLIC_URL } from "./api/harness.js"
import { activeKey, cacheOf, callDirect, KEY, T0, testMerchant } from "./direct-helpers.js"

const ID = "chk_test_k3j9x2m1q8w7e5r4t6y0u2i9"
const found = activeKey(testMerchant())

const checkout: Checkout = {
  id: ID,
  merchantId: "mer_1",
  mode: "test",
  status: "pending",
  amountCents: 2500n,
  currency: "USD",
  description: "Order #1",
  metadataJson: '{"b":1,"a":2}',
  customerEmail: null,
  redirectUrl: null,
  webhookUrl: null,
  targets: { derivationIndex: 0n, entries: [{ family: "ton", address: null, memo: "K7P2M9QX" }] },
  networks: [],
  payments: [],
  expiresAt: new Date(Date.now() + 3_600_000),
  createdAt: T0,
  updatedAt: T0,
}

type Read = StoreFastPath["getCheckout"]

const setup = (opts: {
  readonly cached?: (hash: string) => ActiveKey | undefined
  readonly read?: Read
  readonly ratePerSecond?: number
}) => {
  const taken: Array<string> = []
  const limiter = makeRateLimiter(opts.ratePerSecond ?? 0, 1)
  const ctx = {
    env: { publicUrl: PUBLIC_URL },
    networks: NETWORKS,
    families: FAMILIES,
    rateLimiter: {
      take: (key: string, now: number) => {
        taken.push(key)
        return limiter.take(key, now)
      },
      peek: limiter.peek,
    },
    authFailures: makeRateLimiter(0, 1),
    trustedProxies: 0,
    cachedKey: opts.cached ?? null,
  } as unknown as ServerContext["Type"]
  const reads: Array<Parameters<Read>[0]> = []
  const base = Context.make(ServerContext, ctx)
  const store = {
    getCheckout: (q: Parameters<Read>[0], done: Parameters<Read>[1]) => {
      reads.push(q)
      opts.read?.(q, done)
    },
  } as unknown as StoreFastPath
  const services =
    opts.read === undefined
      ? base
      : base.pipe(Context.add(FastPath, { store, randomBytes: () => new Uint8Array(0) }))
  return {
    handler: getCheckoutDirect(
      Runtime.make({
        ...Runtime.defaultRuntime,
        context: services as Parameters<typeof getCheckoutDirect>[0]["context"],
      }),
    ),
    taken,
    reads,
  }
}

const request = (id: string, authorization: string | undefined = `Bearer ${KEY}`): HttpRequest =>
  ({
    method: "GET",
    url: `/api/v1/checkouts/${id}`,
    headers: authorization === undefined ? {} : { authorization },
    incoming: { socket: { remoteAddress: "127.0.0.1" }, headers: {} },
    params: { id },
    id: "req_1",
    body: null,
  }) as unknown as HttpRequest

const call = callDirect

const hit = cacheOf(found)
const serve: Read = (_q, done) => setImmediate(() => done(Either.right(checkout)))

describe("GET one checkout without a fiber (getCheckoutDirect)", () => {
  it("exists only with a key cache and a fast path", () => {
    expect(setup({ read: serve }).handler).toBeUndefined()
    expect(setup({ cached: hit }).handler).toBeUndefined()
    expect(setup({ cached: hit, read: serve }).handler).toBeTypeOf("function")
  })

  it("a cached key: the checkout read by the caller's merchant and mode, rendered as the API object", async () => {
    const s = setup({ cached: hit, read: serve })
    const out = await call(s.handler, request(ID))
    if (out.kind !== "respond") throw new Error(`expected a response, got ${out.kind}`)
    expect(out.r.status).toBe(200)
    expect(out.r.headers["content-type"]).toBe("application/json")
    const body = JSON.parse(out.r.body)
    expect(body).toMatchObject({ id: ID, amount: "25.00", currency: "USD", status: "pending" })
    // metadata spliced in byte for byte
    expect(out.r.body).toContain('"metadata":{"b":1,"a":2}')
    expect(s.reads).toHaveLength(1)
    expect(s.reads[0]).toMatchObject({ id: ID, merchantId: "mer_1", mode: "test" })
    expect(s.taken).toEqual(["key_1"])
  })

  it("a key the cache does not hold is passed on untouched: no read, no rate-limit token", async () => {
    const s = setup({ cached: () => undefined, read: serve })
    expect(await call(s.handler, request(ID))).toEqual({ kind: "passed" })
    expect(s.reads).toEqual([])
    expect(s.taken).toEqual([])
  })

  it("401 for a missing or malformed header and for a key cached as unknown; 429 with Retry-After", async () => {
    const s = setup({ cached: () => null, read: serve })
    for (const auth of [undefined, "Basic x", `Bearer ${KEY}`]) {
      const out = await call(s.handler, request(ID, auth))
      if (out.kind !== "respond") throw new Error(`expected a response, got ${out.kind}`)
      expect(out.r.status).toBe(401)
      expect(JSON.parse(out.r.body).error.type).toBe("authentication_error")
      expect(out.r.headers["www-authenticate"]).toBe('Bearer realm="inzi"')
    }
    const limited = setup({ cached: hit, read: serve, ratePerSecond: 1 })
    expect((await call(limited.handler, request(ID))).kind).toBe("respond")
    const out = await call(limited.handler, request(ID))
    if (out.kind !== "respond") throw new Error(`expected a response, got ${out.kind}`)
    expect(out.r.status).toBe(429)
    expect(out.r.headers["retry-after"]).toBe("1")
    expect(limited.reads).toHaveLength(1)
  })

  it("404 for a malformed id (without a read) and for a checkout the store does not find", async () => {
    const s = setup({
      cached: hit,
      read: (q, done) => done(Either.left(new CheckoutNotFound({ id: q.id }))),
    })
    for (const id of ["nope", `${ID}\u0000`, ID]) {
      const out = await call(s.handler, request(id))
      if (out.kind !== "respond") throw new Error(`expected a response, got ${out.kind}`)
      expect(out.r.status).toBe(404)
      expect(JSON.parse(out.r.body)).toEqual({
        error: { type: "not_found_error", code: "resource_missing", message: "No such checkout" },
      })
    }
    expect(s.reads.map((q) => q.id)).toEqual([ID])
  })

  it("a store error is a failure (the dispatcher's 500); a throw while rendering is a crash, never thrown back", async () => {
    const failing = setup({
      cached: hit,
      read: (_q, done) => done(Either.left(new StoreError({ message: "getCheckout failed (08006)" }))),
    })
    const out = await call(failing.handler, request(ID))
    expect(out).toMatchObject({ kind: "fail", crashed: false })
    if (out.kind === "fail") expect(out.e).toBeInstanceOf(StoreError)
    const broken = setup({
      cached: hit,
      // a checkout the renderer cannot render (no amount): the throw must not reach the driver's callback
      read: (_q, done) =>
        expect(() =>
          done(Either.right({ ...checkout, amountCents: undefined } as unknown as Checkout)),
        ).not.toThrow(),
    })
    expect(await call(broken.handler, request(ID))).toMatchObject({ kind: "fail", crashed: true })
  })
})
