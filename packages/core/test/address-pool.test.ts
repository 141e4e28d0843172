import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import type { ChainFamily, Merchant, PayoutKeys } from "../src/domain.js"
import { AddressDerivation } from "../src/ports/AddressDerivation.js"
import { AddressPool, type PooledCreateResult, type PoolSlot } from "../src/ports/AddressPool.js"
import type { CheckoutStore, NewCheckout } from "../src/ports/CheckoutStore.js"
import { DerivationError, IdempotencyConflict, StoreError } from "../src/ports/errors.js"
import { Ids, seededRandomBytes } from "../src/ports/Ids.js"
import {
  checkoutNetworks,
  createCheckout,
  createCheckoutWith,
  type CreateStatements,
  type SyncDerive,
  syncDeriver,
  makeAddressPoolRefiller,
  refillAddressPool,
  refillLowPools,
} from "../src/usecases/create-checkout.js"
import { createPorts, NETWORKS } from "./helpers.js"
import { FAMILIES } from "./families.js"

const merchant: Merchant = {
  id: "mer_1",
  name: "Shop",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  testWebhookUrl: null,
  testWebhookSecret: "whsec_y",
  payoutKeys: { evm: "xpub-evm", tron: "xpub-tron", ton: "UQwallet" },
  networks: { live: [], test: [] },
  createdAt: new Date(0),
}

const sameKeys = (a: PayoutKeys, b: PayoutKeys) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())

/** A written checkout's targets as `{ derivationIndex, evm, tron, ton }` (null: no target of that family). */
const view = (c: NewCheckout | undefined) => {
  const of = (f: ChainFamily) => c?.targets.entries.find((t) => t.family === f)
  return {
    derivationIndex: c?.targets.derivationIndex,
    evm: of("evm")?.address ?? null,
    tron: of("tron")?.address ?? null,
    ton: of("ton")?.memo ?? null,
  }
}

/**
 * An in-memory AddressPool with the Postgres one's rules: one sequence per merchant shared by pooled and
 * fresh indices, a slot handed out once, only when its xpubs are the merchant's current ones.
 */
const memoryPool = (inserted: Array<NewCheckout> = []) => {
  const merchants = new Map<string, Merchant>([[merchant.id, merchant]])
  const seq = new Map<string, bigint>()
  const slots = new Map<string, Array<PoolSlot>>()
  const next = (id: string) => {
    const n = seq.get(id) ?? 0n
    seq.set(id, n + 1n)
    return n
  }
  const usable = (id: string) => {
    const m = merchants.get(id)
    return (slots.get(id) ?? []).filter((s) => m && sameKeys(s.keys, m.payoutKeys))
  }
  const take = (id: string, keys: PayoutKeys) => {
    const m = merchants.get(id)
    const ok = m && sameKeys(m.payoutKeys, keys)
    const s = ok ? usable(id).sort((a, b) => (a.index < b.index ? -1 : 1))[0] : undefined
    if (s !== undefined)
      slots.set(
        id,
        (slots.get(id) ?? []).filter((x) => x !== s),
      )
    return s
  }
  const service: AddressPool["Type"] = {
    takeSlot: (id, xpubs) =>
      Effect.sync(() => {
        const s = take(id, xpubs)
        if (s === undefined) return { _tag: "Fresh" as const, index: next(id) }
        return { _tag: "Pooled" as const, index: s.index, targets: s.targets }
      }),
    createCheckout: (input, keys, derived) =>
      Effect.sync(() => {
        const s = take(input.merchantId, keys)
        if (s === undefined) return { _tag: "NoSlot" as const }
        inserted.push({
          ...input,
          targets: {
            derivationIndex: s.index,
            entries: [...s.targets.filter((t) => derived.includes(t.family)), ...input.targets.entries],
          },
        })
        return { _tag: "Created" as const, checkout: {} as never }
      }),
    poolSize: (id) => Effect.sync(() => usable(id).length),
    allocateIndices: (id, count) => Effect.sync(() => Array.from({ length: count }, () => next(id))),
    addSlots: (id, added) =>
      Effect.sync(() => {
        slots.set(id, [...(slots.get(id) ?? []), ...added])
        return added.length
      }),
    dropStale: () =>
      Effect.sync(() => {
        let n = 0
        for (const [id, list] of slots) {
          const keep = usable(id)
          n += list.length - keep.length
          slots.set(id, keep)
        }
        return n
      }),
    lowPools: (below, derived) =>
      Effect.sync(() =>
        [...merchants.values()]
          .filter((m) => derived.some((f) => m.payoutKeys[f] !== undefined) && usable(m.id).length < below)
          .map((m) => ({ merchant: m, size: usable(m.id).length })),
      ),
  }
  return { service, merchants, slots, seq, layer: Layer.succeed(AddressPool, service) }
}

/** Counts derivations: the point of the pool is that a create does none. */
const countingDerivation = () => {
  const calls: Array<string> = []
  const layer = Layer.succeed(AddressDerivation, {
    derive: (family, xpub, index) =>
      Effect.sync(() => {
        calls.push(`${family}:${index}`)
        return `${family}:${xpub}:${index}`
      }),
    validateXpub: () => Effect.void,
  })
  return { calls, layer }
}

const storeStub = (
  inserted: Array<NewCheckout>,
  allocated: { n: bigint },
  more: Partial<CheckoutStore["Type"]> = {},
) =>
  createPorts(
    new Proxy(
      {
        ...more,
        allocateDerivationIndex: () => Effect.sync(() => allocated.n++),
        createCheckout: (input: NewCheckout) =>
          Effect.sync(() => {
            inserted.push(input)
            return { _tag: "Created" as const, checkout: {} as never, response: null }
          }),
      },
      {
        get: (t, k) => (k in t ? t[k as keyof typeof t] : () => Effect.dieMessage(`unexpected ${String(k)}`)),
      },
    ) as unknown as CheckoutStore["Type"],
  )

const command = {
  amountCents: 2500n,
  description: null,
  metadataJson: null,
  customerEmail: null,
  redirectUrl: null,
  webhookUrl: null,
  expiresInSeconds: 1800,
}

const create = (m: Merchant, networkIds: ReadonlyArray<string>) =>
  createCheckout({
    merchant: m,
    mode: "live",
    command,
    networks: checkoutNetworks(m, "live", NETWORKS).filter((n) => networkIds.includes(n.id)),
    families: FAMILIES,
    idempotency: null,
    now: new Date("2026-04-04T12:00:00Z"),
  })

describe("address pool in createCheckout", () => {
  it.effect("a refill derives each family's batch in one deriveMany call when the derivation has it", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const pool = memoryPool(inserted)
      const calls: Array<string> = []
      const batched = Layer.succeed(AddressDerivation, {
        derive: () => Effect.die("derive called: a refill should use deriveMany"),
        deriveMany: (family, xpub, indices) =>
          Effect.sync(() => {
            calls.push(`${family}:${indices.join(",")}`)
            return indices.map((i) => `${family}:${xpub}:${i}`)
          }),
        validateXpub: () => Effect.void,
      })
      const layer = Layer.mergeAll(pool.layer, batched, storeStub(inserted, { n: 1000n }), Ids.Test(1))
      expect(
        yield* refillAddressPool(merchant, FAMILIES, { target: 5, batch: 3 }).pipe(Effect.provide(layer)),
      ).toBe(5)
      expect(calls).toEqual(["evm:0,1,2", "tron:0,1,2", "evm:3,4", "tron:3,4"])
      const a = yield* create(merchant, ["bsc", "tron"]).pipe(Effect.provide(layer))
      expect(inserted.map(view)).toEqual([
        { derivationIndex: 0n, evm: "evm:xpub-evm:0", tron: "tron:xpub-tron:0", ton: null },
      ])
      expect(a.addresses).toBe("pooled")
    }),
  )

  it.effect("a warm pool: the create takes a slot and derives nothing", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const pool = memoryPool(inserted)
      const d = countingDerivation()
      const layer = Layer.mergeAll(pool.layer, d.layer, storeStub(inserted, { n: 1000n }), Ids.Test(1))
      expect(
        yield* refillAddressPool(merchant, FAMILIES, { target: 3, batch: 2 }).pipe(Effect.provide(layer)),
      ).toBe(3)
      // A batch per family (batches of 2: indices 0–1, then 2).
      expect(d.calls).toEqual(["evm:0", "evm:1", "tron:0", "tron:1", "evm:2", "tron:2"])
      d.calls.length = 0
      const a = yield* create(merchant, ["bsc", "tron"]).pipe(Effect.provide(layer))
      yield* create(merchant, ["bsc"]).pipe(Effect.provide(layer))
      expect(d.calls).toEqual([])
      expect(a.addresses).toBe("pooled")
      expect(inserted.map(view)).toEqual([
        { derivationIndex: 0n, evm: "evm:xpub-evm:0", tron: "tron:xpub-tron:0", ton: null },
        // Only the families the checkout is payable on are stored, as on the inline path.
        { derivationIndex: 1n, evm: "evm:xpub-evm:1", tron: null, ton: null },
      ])
      expect(yield* pool.service.poolSize(merchant.id)).toBe(1)
    }),
  )

  it.effect("an empty pool falls back to inline derivation at a fresh index of the same sequence", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const pool = memoryPool(inserted)
      const d = countingDerivation()
      const layer = Layer.mergeAll(pool.layer, d.layer, storeStub(inserted, { n: 1000n }), Ids.Test(2))
      yield* refillAddressPool(merchant, FAMILIES, { target: 1 }).pipe(Effect.provide(layer))
      d.calls.length = 0
      yield* create(merchant, ["bsc", "tron"]).pipe(Effect.provide(layer))
      const b = yield* create(merchant, ["bsc", "tron"]).pipe(Effect.provide(layer))
      expect(b.addresses).toBe("derived")
      expect(inserted.map((c) => c.targets.derivationIndex)).toEqual([0n, 1n])
      expect(d.calls).toEqual(["evm:1", "tron:1"])
      expect(view(inserted[1])).toMatchObject({ evm: "evm:xpub-evm:1", tron: "tron:xpub-tron:1" })
    }),
  )

  it.effect("a keyed replay or conflict is answered from the key's record before any slot is drawn", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const pool = memoryPool(inserted)
      const d = countingDerivation()
      const records = new Map<string, { hash: string; response: { status: number; body: string } | null }>([
        ["done", { hash: "h1", response: { status: 201, body: '{"id":"chk_live_x"}' } }],
        ["flying", { hash: "h1", response: null }],
      ])
      const looked: Array<string> = []
      const store = storeStub(
        inserted,
        { n: 1000n },
        {
          findIdempotentReplay: (q) => {
            looked.push(`${q.merchantId}/${q.mode}/${q.key}`)
            const r = records.get(q.key)
            if (r === undefined) return Effect.succeed(null)
            if (r.hash !== q.requestHash) return Effect.fail(new IdempotencyConflict({ key: q.key }))
            return Effect.succeed(r.response)
          },
        },
      )
      const layer = Layer.mergeAll(pool.layer, d.layer, store, Ids.Test(4))
      yield* refillAddressPool(merchant, FAMILIES, { target: 2 }).pipe(Effect.provide(layer))
      d.calls.length = 0
      const keyed = (key: string, requestHash: string) =>
        createCheckout({
          merchant,
          mode: "live",
          command,
          networks: checkoutNetworks(merchant, "live", NETWORKS).filter((n) => n.id === "bsc"),
          families: FAMILIES,
          idempotency: { key, requestHash, render: () => ({ status: 201, body: "rendered" }) },
          now: new Date("2026-04-04T12:00:00Z"),
        }).pipe(Effect.provide(layer))
      const replay = yield* keyed("done", "h1")
      expect(replay).toEqual({
        _tag: "Replayed",
        response: { status: 201, body: '{"id":"chk_live_x"}' },
        addresses: "none",
      })
      const conflict = yield* Effect.flip(keyed("done", "h2"))
      expect(conflict._tag).toBe("IdempotencyConflict")
      // Nothing drawn, derived or written for either.
      expect(yield* pool.service.poolSize(merchant.id)).toBe(2)
      expect(d.calls).toEqual([])
      expect(inserted).toEqual([])
      // No record yet, or one in flight: the create takes its slot and the store's insert decides.
      yield* keyed("new", "h1")
      yield* keyed("flying", "h1")
      expect(inserted.map((c) => c.targets.derivationIndex)).toEqual([0n, 1n])
      expect(looked).toEqual(["mer_1/live/done", "mer_1/live/done", "mer_1/live/new", "mer_1/live/flying"])
    }),
  )

  it.effect("a TON-only checkout takes no pooled slot; without a pool wired, creates derive inline", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const pool = memoryPool(inserted)
      const d = countingDerivation()
      const allocated = { n: 1000n }
      const layer = Layer.mergeAll(pool.layer, d.layer, storeStub(inserted, allocated), Ids.Test(3))
      yield* refillAddressPool(merchant, FAMILIES, { target: 2 }).pipe(Effect.provide(layer))
      d.calls.length = 0
      expect((yield* create(merchant, ["ton"]).pipe(Effect.provide(layer))).addresses).toBe("none")
      expect(view(inserted[0])).toMatchObject({ derivationIndex: 1000n, evm: null, tron: null })
      expect(view(inserted[0]).ton).toMatch(/^[2-9A-HJKMNP-Z]{8}$/)
      expect(yield* pool.service.poolSize(merchant.id)).toBe(2)
      const noPool = Layer.mergeAll(d.layer, storeStub(inserted, allocated), Ids.Test(3))
      yield* create(merchant, ["bsc"]).pipe(Effect.provide(noPool))
      expect(view(inserted[1])).toMatchObject({ derivationIndex: 1001n, evm: "evm:xpub-evm:1001" })
      expect(d.calls).toEqual(["evm:1001"])
    }),
  )

  it.effect("after an xpub change no old slot is handed out; the upkeep drops them and refills", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const pool = memoryPool(inserted)
      const d = countingDerivation()
      const layer = Layer.mergeAll(pool.layer, d.layer, storeStub(inserted, { n: 1000n }), Ids.Test(4))
      yield* refillAddressPool(merchant, FAMILIES, { target: 4 }).pipe(Effect.provide(layer))
      const changed = { ...merchant, payoutKeys: { ...merchant.payoutKeys, evm: "xpub-evm-2" } }
      pool.merchants.set(merchant.id, changed)
      yield* create(changed, ["bsc", "tron"]).pipe(Effect.provide(layer))
      expect(view(inserted[0])).toMatchObject({ derivationIndex: 4n, evm: "evm:xpub-evm-2:4" })
      // The caller's merchant is stale (old xpub): no slot either, it derives from what it knows.
      yield* create(merchant, ["bsc"]).pipe(Effect.provide(layer))
      expect(view(inserted[1])).toMatchObject({ derivationIndex: 5n, evm: "evm:xpub-evm:5" })
      const r = yield* refillLowPools({ families: FAMILIES, target: 3, lowWater: 2 }).pipe(
        Effect.provide(layer),
      )
      expect(r).toEqual({ dropped: 4, refilled: 1, added: 3, failed: [] })
      expect((pool.slots.get(merchant.id) ?? []).map((s) => [s.index, s.targets[0]?.address])).toEqual([
        [6n, "evm:xpub-evm-2:6"],
        [7n, "evm:xpub-evm-2:7"],
        [8n, "evm:xpub-evm-2:8"],
      ])
      // At or above the low-water mark: nothing to do.
      expect(
        yield* refillLowPools({ families: FAMILIES, target: 3, lowWater: 2 }).pipe(Effect.provide(layer)),
      ).toEqual({
        dropped: 0,
        refilled: 0,
        added: 0,
        failed: [],
      })
    }),
  )

  it.effect("a merchant whose derivation fails is reported and does not stop the upkeep", () =>
    Effect.gen(function* () {
      const pool = memoryPool()
      const other = { ...merchant, id: "mer_2", payoutKeys: { evm: "xpub-ok" } }
      const broken = { ...merchant, payoutKeys: { ...merchant.payoutKeys, evm: "broken" } }
      pool.merchants.set(broken.id, broken)
      pool.merchants.set(other.id, other)
      const failing = Layer.succeed(AddressDerivation, {
        derive: (family, xpub, index) =>
          xpub === "broken"
            ? Effect.fail(new DerivationError({ family, message: "not an xpub" }))
            : Effect.succeed(`${family}:${xpub}:${index}`),
        validateXpub: () => Effect.void,
      })
      const r = yield* refillLowPools({ families: FAMILIES, target: 2, lowWater: 1 }).pipe(
        Effect.provide(Layer.mergeAll(pool.layer, failing)),
      )
      expect(r.failed).toEqual(["mer_1"])
      expect(r.added).toBe(2)
      expect(yield* pool.service.poolSize("mer_2")).toBe(2)
    }),
  )

  it.live("the server's refiller runs one background refill per merchant at a time", () =>
    Effect.gen(function* () {
      const pool = memoryPool()
      const d = countingDerivation()
      const refiller = makeAddressPoolRefiller({ families: FAMILIES, target: 40, batch: 4 })
      const layer = Layer.mergeAll(pool.layer, d.layer)
      yield* Effect.all([refiller.trigger(merchant), refiller.trigger(merchant)]).pipe(Effect.provide(layer))
      expect([...refiller.running()]).toEqual([merchant.id])
      while (refiller.running().size > 0) yield* Effect.sleep("5 millis")
      // One refill of 40, not two (which would have allocated 80 indices).
      expect(yield* pool.service.poolSize(merchant.id)).toBe(40)
      expect(pool.seq.get(merchant.id)).toBe(40n)
      // Disabled: nothing starts.
      yield* makeAddressPoolRefiller({ families: FAMILIES, target: 0 })
        .trigger(merchant)
        .pipe(Effect.provide(layer))
      expect(d.calls.length).toBe(80)
    }),
  )
})

describe("createCheckoutWith (the fiber-less create)", () => {
  type Statement = CreateStatements["createPooled"]
  const args = (networkIds: ReadonlyArray<string>) => ({
    merchant,
    mode: "live" as const,
    command: { ...command, description: "direct", metadataJson: '{"a":1}' },
    networks: checkoutNetworks(merchant, "live", NETWORKS).filter((n) => networkIds.includes(n.id)),
    now: new Date("2026-04-04T12:00:00.750Z"),
    families: FAMILIES,
  })
  const unused = (what: string) => () => {
    throw new Error(`${what} called`)
  }
  /** The countingDerivation's addresses as plain code. */
  const fakeDerive: SyncDerive = (family, key, index) => Either.right(`${family}:${key}:${index}`)
  const run = (
    statement: Statement,
    seed: number,
    networkIds: ReadonlyArray<string> = ["bsc", "tron", "ton"],
    inline: Partial<Omit<CreateStatements, "createPooled">> & { derive?: SyncDerive | null } = {},
  ) =>
    new Promise<Either.Either<unknown, unknown>>((resolve) =>
      createCheckoutWith(
        args(networkIds),
        {
          statements: {
            createPooled: statement,
            takeSlot: inline.takeSlot ?? unused("takeSlot"),
            insert: inline.insert ?? unused("insert"),
          },
          randomBytes: seededRandomBytes(seed),
          derive: inline.derive === undefined ? null : inline.derive,
        },
        (r) => resolve(Either.map(r, (x) => (x === null ? null : x.checkout))),
      ),
    )
  /** A pooled statement answering from `script` in turn, recording each input. */
  const scripted = (script: ReadonlyArray<Either.Either<PooledCreateResult, StoreError>>) => {
    const calls: Array<NewCheckout> = []
    const pool: Statement = (input, _keys, _derived, done) => {
      calls.push(input)
      done(script[calls.length - 1] ?? Either.left(new StoreError({ message: "script ran out" })))
    }
    return { pool, calls }
  }
  const created = Either.right({ _tag: "Created" as const, checkout: { id: "the checkout" } as never })
  /** The memory pool's statements as callbacks (`viaPool`: what the Effect route would run). */
  const callbacks = (p: ReturnType<typeof memoryPool>, inserted: Array<NewCheckout>) => ({
    pool: ((input, keys, derived, done) =>
      done(Effect.runSync(Effect.either(p.service.createCheckout(input, keys, derived))))) as Statement,
    takeSlot: ((id, keys, done) =>
      done(Effect.runSync(Effect.either(p.service.takeSlot(id, keys))))) as CreateStatements["takeSlot"],
    insert: ((input, done) => {
      inserted.push(input)
      done(Either.right({ _tag: "Created", checkout: { id: input.id } as never, response: null }))
    }) as CreateStatements["insert"],
  })

  it("writes exactly what createCheckout writes for the same randomness (ids, comment, fields, slot)", async () => {
    const viaEffect: Array<NewCheckout> = []
    const a = memoryPool(viaEffect)
    const d = countingDerivation()
    const layer = Layer.mergeAll(a.layer, d.layer, storeStub(viaEffect, { n: 1000n }), Ids.Test(7))
    await Effect.runPromise(refillAddressPool(merchant, FAMILIES, { target: 2 }).pipe(Effect.provide(layer)))
    await Effect.runPromise(
      createCheckout({ ...args(["bsc", "tron", "ton"]), idempotency: null }).pipe(Effect.provide(layer)),
    )
    const direct: Array<NewCheckout> = []
    const b = memoryPool(direct)
    await Effect.runPromise(
      refillAddressPool(merchant, FAMILIES, { target: 2 }).pipe(
        Effect.provide(Layer.mergeAll(b.layer, d.layer)),
      ),
    )
    expect(Either.isRight(await run(callbacks(b, direct).pool, 7))).toBe(true)
    expect(direct).toHaveLength(1)
    expect(direct).toEqual(viaEffect)
    expect(direct[0]).toMatchObject({
      id: expect.stringMatching(/^chk_live_[a-z0-9]{24}$/),
      description: "direct",
      createdAt: new Date("2026-04-04T12:00:00Z"),
      expiresAt: new Date("2026-04-04T12:30:00Z"),
      networks: ["ton", "tron", "bsc"],
    })
    expect(view(direct[0])).toMatchObject({
      derivationIndex: 0n,
      evm: "evm:xpub-evm:0",
      tron: "tron:xpub-tron:0",
    })
  })

  it("on an empty pool: takes a fresh index, derives inline and inserts exactly what createCheckout does", async () => {
    for (const networkIds of [["bsc", "tron", "ton"], ["tron"], ["bsc", "ton"]]) {
      const viaEffect: Array<NewCheckout> = []
      const a = memoryPool()
      const d = countingDerivation()
      const layer = Layer.mergeAll(a.layer, d.layer, storeStub(viaEffect, { n: 1000n }), Ids.Test(9))
      a.seq.set(merchant.id, 41n)
      const e = await Effect.runPromise(
        createCheckout({ ...args(networkIds), idempotency: null }).pipe(Effect.provide(layer)),
      )
      expect(e.addresses).toBe("derived")
      const direct: Array<NewCheckout> = []
      const b = memoryPool()
      b.seq.set(merchant.id, 41n)
      const cb = callbacks(b, direct)
      let addresses: unknown
      await new Promise<void>((resolve) =>
        createCheckoutWith(
          args(networkIds),
          {
            statements: { createPooled: cb.pool, takeSlot: cb.takeSlot, insert: cb.insert },
            randomBytes: seededRandomBytes(9),
            derive: fakeDerive,
          },
          (r) => {
            addresses = Either.getOrThrow(r)?.addresses
            resolve()
          },
        ),
      )
      expect(addresses).toBe("derived")
      expect(direct).toEqual(viaEffect)
      expect(view(direct[0])).toMatchObject({
        derivationIndex: 41n,
        evm: networkIds.includes("bsc") ? "evm:xpub-evm:41" : null,
        tron: networkIds.includes("tron") ? "tron:xpub-tron:41" : null,
      })
    }
  })

  it("a slot refilled between the pooled look and the take: its addresses, nothing derived", async () => {
    const direct: Array<NewCheckout> = []
    const b = memoryPool()
    const cb = callbacks(b, direct)
    const derived: Array<string> = []
    const r = await run(scripted([Either.right({ _tag: "NoSlot" })]).pool, 2, undefined, {
      takeSlot: (id, keys, done) => {
        b.slots.set(id, [
          {
            index: 7n,
            keys: merchant.payoutKeys,
            targets: [{ family: "evm", address: "pooled-evm", memo: null, lookup: "pooled-evm" }],
          },
        ])
        cb.takeSlot(id, keys, done)
      },
      insert: cb.insert,
      derive: (family, key, index) => {
        derived.push(family)
        return fakeDerive(family, key, index)
      },
    })
    expect(Either.isRight(r)).toBe(true)
    expect(view(direct[0])).toMatchObject({
      derivationIndex: 7n,
      evm: "pooled-evm",
      tron: "tron:xpub-tron:7",
    })
    expect(derived).toEqual(["tron"])
  })

  it("redraws a taken TON comment, with the same checkout id", async () => {
    const taken = Either.right({ _tag: "MemoTaken" as const })
    const { pool, calls } = scripted([taken, taken, created])
    const r = await run(pool, 3)
    expect(r).toEqual(Either.right({ id: "the checkout" }))
    expect(calls).toHaveLength(3)
    expect(new Set(calls.map((c) => c.id)).size).toBe(1)
    expect(new Set(calls.map((c) => view(c).ton)).size).toBe(3)
    for (const c of calls) expect(view(c).ton).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/)
  })

  it("redraws a taken comment on the inline insert at the same index; fails after 8", async () => {
    const insertScript = (taken: number) => {
      const calls: Array<NewCheckout> = []
      const insert: CreateStatements["insert"] = (input, done) => {
        calls.push(input)
        done(
          Either.right(
            calls.length <= taken
              ? { _tag: "MemoTaken" }
              : { _tag: "Created", checkout: { id: input.id } as never, response: null },
          ),
        )
      }
      return { insert, calls }
    }
    const fresh: CreateStatements["takeSlot"] = (_id, _keys, done) =>
      done(Either.right({ _tag: "Fresh", index: 3n }))
    const two = insertScript(2)
    const ok = await run(scripted([Either.right({ _tag: "NoSlot" })]).pool, 6, undefined, {
      takeSlot: fresh,
      insert: two.insert,
      derive: fakeDerive,
    })
    expect(Either.isRight(ok)).toBe(true)
    expect(two.calls).toHaveLength(3)
    expect(new Set(two.calls.map((c) => view(c).ton)).size).toBe(3)
    expect(new Set(two.calls.map((c) => `${c.id} ${view(c).derivationIndex} ${view(c).tron}`))).toEqual(
      new Set([`${two.calls[0]!.id} 3 tron:xpub-tron:3`]),
    )
    const all = insertScript(99)
    const failed = await run(scripted([Either.right({ _tag: "NoSlot" })]).pool, 6, undefined, {
      takeSlot: fresh,
      insert: all.insert,
      derive: fakeDerive,
    })
    expect(Either.isLeft(failed) && (failed.left as StoreError).message).toMatch(/every memo drawn in 8/)
    expect(all.calls).toHaveLength(8)
  })

  it("leaves the create to createCheckout (null, nothing written) without a deriver, after 8 taken comments or without a slot", async () => {
    const taken = Either.right({ _tag: "MemoTaken" as const })
    const eight = scripted(Array(9).fill(taken))
    expect(await run(eight.pool, 4)).toEqual(Either.right(null))
    expect(eight.calls).toHaveLength(8)
    const empty = scripted([Either.right({ _tag: "NoSlot" as const })])
    expect(await run(empty.pool, 4)).toEqual(Either.right(null))
    expect(empty.calls).toHaveLength(1)
  })

  it("passes a store or derivation error on; runs no statement for a TON-only checkout", async () => {
    const error = new StoreError({ message: "boom" })
    const failing = scripted([Either.left(error)])
    expect(await run(failing.pool, 5)).toEqual(Either.left(error))
    const tonOnly = scripted([created])
    expect(await run(tonOnly.pool, 5, ["ton"])).toEqual(Either.right(null))
    expect(tonOnly.calls).toHaveLength(0)
    const noSlot = () => scripted([Either.right({ _tag: "NoSlot" as const })]).pool
    expect(
      await run(noSlot(), 5, undefined, {
        takeSlot: (_i, _k, done) => done(Either.left(error)),
        derive: fakeDerive,
      }),
    ).toEqual(Either.left(error))
    const bad = new DerivationError({ family: "tron", message: "bad key" })
    const inserts: Array<NewCheckout> = []
    expect(
      await run(noSlot(), 5, undefined, {
        takeSlot: (_i, _k, done) => done(Either.right({ _tag: "Fresh", index: 1n })),
        insert: (input, done) => {
          inserts.push(input)
          done(Either.left(error))
        },
        derive: (family, key, index) =>
          family === "tron" ? Either.left(bad) : fakeDerive(family, key, index),
      }),
    ).toEqual(Either.left(bad))
    expect(inserts).toHaveLength(0)
  })

  it("syncDeriver: the modules' deriveSync by family, or null when a derived family has none", () => {
    expect(syncDeriver(FAMILIES)).toBeNull()
    const withSync = {
      ...FAMILIES,
      evm: {
        ...FAMILIES.evm,
        deriver: { ...stubDeriver("evm"), deriveSync: (x: string, i: bigint) => Either.right(`e:${x}:${i}`) },
      },
      tron: {
        ...FAMILIES.tron,
        deriver: {
          ...stubDeriver("tron"),
          deriveSync: (x: string, i: bigint) => Either.right(`t:${x}:${i}`),
        },
      },
    } as typeof FAMILIES
    const derive = syncDeriver(withSync)
    expect(derive?.("evm", "k", 3n)).toEqual(Either.right("e:k:3"))
    expect(derive?.("tron", "k", 4n)).toEqual(Either.right("t:k:4"))
  })
})

/** A deriver of `family` whose Effect members are never called here. */
const stubDeriver = (family: ChainFamily) => ({
  family,
  validateXpub: () => Effect.void,
  derive: () => Effect.die("not used"),
})
