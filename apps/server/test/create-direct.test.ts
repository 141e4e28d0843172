/**
 * The fiber-less create (`createCheckoutDirect`), over stub ports: when it answers by itself, when it hands the
 * rest of the request to the use case's Effect (an Idempotency-Key, no pooled slot), and that a request costs one
 * rate-limit token whichever way it goes. The black-box suite (api/suite.ts) runs both paths on real databases.
 */
import type { FastPath as StoreFastPath } from "@inzi/adapter-postgres"
import {
  type ActiveKey,
  AddressDerivation,
  AddressPool,
  type Checkout,
  type CheckoutStore,
  checkoutPorts,
  type DerivationSlot,
  Ids,
  MerchantStore,
  type NewCheckout,
  type PooledCreateResult,
  seededRandomBytes,
  StoreError,
} from "@inzi/core"
import { FAMILIES } from "@inzi/platform"
import { Context, Effect, Either, Runtime } from "effect"
import { describe, expect, it } from "vitest"
import { ServerContext } from "../src/context.js"
import { FastPath } from "../src/fast-path.js"
import { makeRateLimiter } from "../src/http/rate-limit.js"
import type { HttpRequest, HttpResponse } from "../src/http/response.js"
import { createCheckoutDirect } from "../src/routes/checkouts.js"
import { accountXpub, evmAddressAt, NETWORKS, PUBLIC_URL, tronAddressAt } from "./api/harness.js"
import { activeKey, cacheOf, callDirect, KEY, type Outcome, testMerchant } from "./direct-helpers.js"

const EVM = "0x1111111111111111111111111111111111111111"
const TRON = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"
// Account 7 of the harness's mnemonic: an inline create derives from these.
const hit = cacheOf(
  activeKey(testMerchant({ payoutKeys: { evm: accountXpub(60, 7), tron: accountXpub(195, 7) } })),
)

/** The checkout a store writes for `input` on slot 5. */
const written = (input: NewCheckout): Checkout => ({
  ...input,
  status: "pending",
  currency: "USD",
  targets: {
    derivationIndex: 5n,
    entries: [
      { family: "evm", address: EVM, memo: null },
      { family: "tron", address: TRON, memo: null },
    ],
  },
  payments: [],
  updatedAt: input.createdAt,
})

type Direct = StoreFastPath["createPooledCheckout"]

const setup = (
  opts: {
    readonly cached?: ((hash: string) => ActiveKey | undefined) | null | undefined
    readonly direct?: ((input: NewCheckout) => Either.Either<PooledCreateResult, StoreError>) | null
    /** The fast path's take (default: a fresh index, 41). */
    readonly take?: () => Either.Either<DerivationSlot, StoreError>
    readonly ratePerSecond?: number
  } = {},
) => {
  const taken: Array<string> = []
  const calls = {
    direct: 0,
    effectCreate: 0,
    takeSlot: 0,
    storeCreate: [] as Array<unknown>,
    fastTake: 0,
    fastInsert: [] as Array<NewCheckout>,
  }
  const logs: Array<string> = []
  const limiter = makeRateLimiter(opts.ratePerSecond ?? 0, 1)
  const ctx = {
    env: { publicUrl: PUBLIC_URL, minAmountCents: 100n, maxAmountCents: 100_000_000n },
    networks: NETWORKS,
    families: FAMILIES,
    logger: { info: (msg: string) => logs.push(msg) },
    rateLimiter: {
      take: (key: string, now: number) => {
        taken.push(key)
        return limiter.take(key, now)
      },
      peek: limiter.peek,
    },
    authFailures: makeRateLimiter(0, 1),
    trustedProxies: 0,
    cachedKey: opts.cached === undefined ? hit : opts.cached,
  } as unknown as ServerContext["Type"]
  const answer =
    opts.direct === undefined
      ? (i: NewCheckout) => Either.right({ _tag: "Created" as const, checkout: written(i) })
      : opts.direct
  const direct: Direct | undefined =
    answer === null
      ? undefined
      : (input, _xpubs, _families, done) => {
          calls.direct++
          setImmediate(() => done(answer(input)))
        }
  const pool = {
    createCheckout: () => {
      calls.effectCreate++
      return Effect.succeed({ _tag: "NoSlot" as const })
    },
    takeSlot: () => {
      calls.takeSlot++
      return Effect.succeed({
        _tag: "Pooled" as const,
        index: 6n,
        targets: [
          { family: "evm" as const, address: EVM, memo: null, lookup: EVM },
          { family: "tron" as const, address: TRON, memo: null, lookup: TRON },
        ],
      })
    },
  } as unknown as AddressPool["Type"]
  const store = {
    findIdempotentReplay: () => Effect.succeed(null),
    createCheckout: (input: NewCheckout, idempotency: unknown) => {
      calls.storeCreate.push(idempotency)
      return Effect.succeed({ _tag: "Created" as const, checkout: written(input), response: null })
    },
  } as unknown as CheckoutStore["Type"]
  const ids = Effect.runSync(Effect.map(Ids, (i) => i).pipe(Effect.provide(Ids.Test(1))))
  const base = Context.make(ServerContext, ctx).pipe(
    Context.add(MerchantStore, {} as unknown as MerchantStore["Type"]),
    Context.add(AddressPool, pool),
    Context.merge(checkoutPorts(store)),
    Context.add(AddressDerivation, {} as AddressDerivation["Type"]),
    Context.add(Ids, ids),
  )
  const take = opts.take ?? (() => Either.right({ _tag: "Fresh" as const, index: 41n }))
  const fastStore: Partial<StoreFastPath> = {
    createPooledCheckout: direct,
    takeSlot: (_merchantId, _keys, done) => {
      calls.fastTake++
      setImmediate(() => done(take()))
    },
    createCheckout: (input, done) => {
      calls.fastInsert.push(input)
      setImmediate(() => done(Either.right({ _tag: "Created", checkout: written(input), response: null })))
    },
  }
  const fast = {
    store: fastStore as StoreFastPath,
    randomBytes: seededRandomBytes(1),
  }
  const context = direct === undefined ? base : base.pipe(Context.add(FastPath, fast))
  const handler = createCheckoutDirect(Runtime.make({ ...Runtime.defaultRuntime, context }))
  return { handler, taken, calls, logs }
}

const request = (body: unknown, headers: Record<string, string> = {}): HttpRequest =>
  ({
    method: "POST",
    url: "/api/v1/checkouts",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    incoming: { socket: { remoteAddress: "127.0.0.1" }, headers: {} },
    params: {},
    id: "req_1",
    body: { _tag: "Ok", text: typeof body === "string" ? body : JSON.stringify(body) },
  }) as unknown as HttpRequest

const call = callDirect

const responded = (o: Outcome): HttpResponse => {
  if (o.kind !== "respond") throw new Error(`expected a response, got ${o.kind}`)
  return o.r
}

const minimal = { amount: "25", currency: "USD", metadata: { b: 1, a: 2 } }

describe("POST /checkouts without a fiber (createCheckoutDirect)", () => {
  it("exists only with a key cache and a fast path", () => {
    expect(setup({ direct: null }).handler).toBeUndefined()
    expect(setup({ cached: null }).handler).toBeUndefined()
    expect(setup().handler).toBeTypeOf("function")
  })

  it("a cached key on a pooled slot: 201 with the checkout, one token, one pool call, no Effect create", async () => {
    const s = setup()
    const r = responded(await call(s.handler, request(minimal)))
    expect(r.status).toBe(201)
    const body = JSON.parse(r.body)
    expect(body).toMatchObject({ amount: "25.00", currency: "USD", status: "pending" })
    expect(body.id).toMatch(/^chk_test_[a-z0-9]{24}$/)
    expect(r.body).toContain('"metadata":{"b":1,"a":2}')
    expect(body.payment_options.map((o: { address: string }) => o.address)).toContain(EVM)
    expect(s.calls).toMatchObject({ direct: 1, effectCreate: 0, takeSlot: 0, storeCreate: [] })
    expect(s.taken).toEqual(["key_1"])
    expect(s.logs).toEqual(["checkout created"])
  })

  it("a key the cache does not hold is passed on untouched: no token, no pool call", async () => {
    const s = setup({ cached: () => undefined })
    expect(await call(s.handler, request(minimal))).toEqual({ kind: "passed" })
    expect(s.taken).toEqual([])
    expect(s.calls.direct).toBe(0)
  })

  it("an Idempotency-Key goes to the use case's Effect with its key and the principal already admitted", async () => {
    const s = setup()
    const r = responded(await call(s.handler, request(minimal, { "idempotency-key": "k-1" })))
    expect(r.status).toBe(201)
    expect(s.calls.direct).toBe(0)
    expect(s.calls.takeSlot).toBe(1)
    expect(s.calls.storeCreate).toMatchObject([{ key: "k-1" }])
    expect(s.taken).toEqual(["key_1"])
  })

  it("no pooled slot: the fiber-less take, derivation at its index and insert (one token, no Effect create)", async () => {
    const s = setup({ direct: () => Either.right({ _tag: "NoSlot" }) })
    const r = responded(await call(s.handler, request(minimal)))
    expect(r.status).toBe(201)
    expect(s.calls).toMatchObject({ direct: 1, fastTake: 1, effectCreate: 0, takeSlot: 0, storeCreate: [] })
    expect(s.calls.fastInsert).toHaveLength(1)
    const written = s.calls.fastInsert[0]!
    // The addresses of the merchant's account at the fresh index, as ethers derives them from the private keys.
    expect(written.targets.derivationIndex).toBe(41n)
    expect(written.targets.entries.map((t) => [t.family, t.address, t.lookup])).toEqual([
      ["evm", evmAddressAt(7, 41), evmAddressAt(7, 41)],
      ["tron", tronAddressAt(7, 41), tronAddressAt(7, 41)],
    ])
    expect(written.id).toBe(JSON.parse(r.body).id)
    expect(s.taken).toEqual(["key_1"])
    expect(s.logs).toEqual(["checkout created"])
  })

  it("no pooled slot, a slot found by the take: its addresses, nothing derived", async () => {
    const slot = {
      _tag: "Pooled" as const,
      index: 6n,
      targets: [
        { family: "evm" as const, address: EVM, memo: null, lookup: EVM },
        { family: "tron" as const, address: TRON, memo: null, lookup: TRON },
      ],
    }
    const s = setup({ direct: () => Either.right({ _tag: "NoSlot" }), take: () => Either.right(slot) })
    expect(responded(await call(s.handler, request(minimal))).status).toBe(201)
    expect(s.calls.fastInsert[0]?.targets).toEqual({ derivationIndex: 6n, entries: slot.targets })
    expect(s.calls).toMatchObject({ effectCreate: 0, takeSlot: 0, storeCreate: [] })
  })

  it("no pooled slot: a take's store error or a key that does not derive is a failure, nothing inserted", async () => {
    const error = new StoreError({ message: "takeSlot failed (08006)" })
    const failing = setup({ direct: () => Either.right({ _tag: "NoSlot" }), take: () => Either.left(error) })
    expect(await call(failing.handler, request(minimal))).toEqual({ kind: "fail", e: error, crashed: false })
    expect(failing.calls.fastInsert).toHaveLength(0)
    const bad = setup({
      direct: () => Either.right({ _tag: "NoSlot" }),
      take: () => Either.right({ _tag: "Fresh", index: 2n ** 31n }),
    })
    const out = await call(bad.handler, request(minimal))
    expect(out).toMatchObject({ kind: "fail", crashed: false, e: { _tag: "DerivationError" } })
    expect(bad.calls.fastInsert).toHaveLength(0)
  })

  it("refusals answer without touching the pool: invalid body, bad key, rate limit", async () => {
    const s = setup({ ratePerSecond: 1 })
    const bad = responded(await call(s.handler, request({ amount: "0.99", currency: "USD" })))
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error).toMatchObject({ code: "amount_too_small", param: "amount" })
    const limited = responded(await call(s.handler, request(minimal)))
    expect(limited.status).toBe(429)
    const unknown = setup({ cached: () => null })
    expect(responded(await call(unknown.handler, request(minimal))).status).toBe(401)
    expect(s.calls.direct + unknown.calls.direct).toBe(0)
  })

  it("a store error is a failure (the dispatcher's 500); a throw while answering is a crash, never thrown back", async () => {
    const error = new StoreError({ message: "createPooledCheckout failed (08006)" })
    const failing = setup({ direct: () => Either.left(error) })
    expect(await call(failing.handler, request(minimal))).toEqual({ kind: "fail", e: error, crashed: false })
    const broken = setup({
      direct: (input) =>
        Either.right({ _tag: "Created", checkout: { ...written(input), amountCents: undefined } as never }),
    })
    expect(await call(broken.handler, request(minimal))).toMatchObject({ kind: "fail", crashed: true })
  })
})
