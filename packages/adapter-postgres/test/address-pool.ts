import type { DerivationSlot, NewCheckout, PayoutKeys, PoolSlot, StoredTarget } from "@inzi/core"
import { Either } from "effect"
import { type Kysely, sql } from "kysely"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type DB, makeAddressPool, makeStores, type PgStores } from "../src/index.js"
import { type ContractBackend, fail, runP } from "./contract.js"

let seq = 0
const uid = (p: string) => `${p}_${process.pid}_${++seq}`

/** The payout keys of a merchant with these xpubs (and no wallet). */
const keysOf = (evmXpub: string | null, tronXpub: string | null): PayoutKeys => ({
  ...(evmXpub === null ? {} : { evm: evmXpub }),
  ...(tronXpub === null ? {} : { tron: tronXpub }),
})

/** The targets of a slot at `index` derived under these xpubs (addresses made up from key and index). */
const slotTargets = (index: bigint, evmXpub: string | null, tronXpub: string | null): Array<StoredTarget> => [
  ...(evmXpub === null
    ? []
    : [
        {
          family: "evm" as const,
          address: `evm:${evmXpub}:${index}`,
          memo: null,
          lookup: `evm:${evmXpub}:${index}`,
        },
      ]),
  ...(tronXpub === null
    ? []
    : [
        {
          family: "tron" as const,
          address: `tron:${tronXpub}:${index}`,
          memo: null,
          lookup: `tron:${tronXpub}:${index}`,
        },
      ]),
]

const slotsAt = (
  indices: ReadonlyArray<bigint>,
  evmXpub: string | null,
  tronXpub: string | null,
): ReadonlyArray<PoolSlot> =>
  indices.map((index) => ({
    index,
    keys: keysOf(evmXpub, tronXpub),
    targets: slotTargets(index, evmXpub, tronXpub),
  }))

const pooledAt = (index: bigint, evmXpub: string | null, tronXpub: string | null): DerivationSlot => ({
  _tag: "Pooled",
  index,
  targets: slotTargets(index, evmXpub, tronXpub),
})

/**
 * The AddressPool port (migration 0005) against one backend. `openMore` gives extra independent connection
 * pools to the same database (real Postgres only) for the concurrency tests.
 */
export const addressPoolContract = (
  name: string,
  open: () => Promise<ContractBackend & { readonly openMore?: () => Promise<ContractBackend> }>,
) =>
  describe(name, () => {
    let backend: ContractBackend & { readonly openMore?: () => Promise<ContractBackend> }
    let s: PgStores
    let db: Kysely<DB>

    beforeAll(async () => {
      backend = await open()
      db = backend.db
      // One fresh index per statement, as the tests below pin indices; the reserved block has its own test.
      s = makeStores(db, { freshIndexBlock: 1 })
    })
    afterAll(async () => {
      await backend?.close()
    })
    beforeEach(async () => {
      await sql`TRUNCATE address_pool, deposit_targets, checkouts, merchants CASCADE`.execute(db)
    })

    const merchant = async (evmXpub: string | null = "xpub-evm", tronXpub: string | null = "xpub-tron") =>
      runP(
        s.merchants.createMerchant({
          id: uid("mer"),
          name: "Acme",
          webhookUrl: null,
          webhookSecret: "whsec_test",
          payoutKeys: keysOf(evmXpub, tronXpub),
          networks: { live: [], test: [] },
        }),
      )

    const fill = async (merchantId: string, n: number, evm: string | null, tron: string | null) => {
      const indices = await runP(s.addressPool.allocateIndices(merchantId, n))
      expect(await runP(s.addressPool.addSlots(merchantId, slotsAt(indices, evm, tron)))).toBe(n)
      return indices
    }

    it("allocates index batches from the merchant's own sequence, shared with allocateDerivationIndex", async () => {
      const m = await merchant()
      expect(await runP(s.checkouts.allocateDerivationIndex(m.id))).toBe(0n)
      expect(await runP(s.addressPool.allocateIndices(m.id, 5))).toEqual([1n, 2n, 3n, 4n, 5n])
      expect(await runP(s.checkouts.allocateDerivationIndex(m.id))).toBe(6n)
      expect(await runP(s.addressPool.allocateIndices(m.id, 0))).toEqual([])
      const other = await merchant()
      expect(await runP(s.addressPool.allocateIndices(other.id, 2))).toEqual([0n, 1n])
    })

    it("hands out the lowest usable slot once, then falls back to fresh indices of the same sequence", async () => {
      const m = await merchant()
      await fill(m.id, 3, "xpub-evm", "xpub-tron")
      expect(await runP(s.addressPool.poolSize(m.id))).toBe(3)
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      const got: Array<DerivationSlot> = []
      for (let i = 0; i < 5; i++) got.push(await runP(s.addressPool.takeSlot(m.id, xpubs)))
      expect(got).toEqual([
        pooledAt(0n, "xpub-evm", "xpub-tron"),
        pooledAt(1n, "xpub-evm", "xpub-tron"),
        pooledAt(2n, "xpub-evm", "xpub-tron"),
        { _tag: "Fresh", index: 3n },
        { _tag: "Fresh", index: 4n },
      ])
      expect(await runP(s.addressPool.poolSize(m.id))).toBe(0)
      // An index already pooled is not added twice.
      await fill(m.id, 1, "xpub-evm", "xpub-tron")
      expect(await runP(s.addressPool.addSlots(m.id, slotsAt([5n], "xpub-evm", "xpub-tron")))).toBe(0)
    })

    it("a pool found empty is looked up only above the hint for emptyRecheckMs, then from the lowest again", async () => {
      const m = await merchant()
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      const server = makeAddressPool(db, { emptyRecheckMs: 300 }) // the server's pool
      const worker = makeAddressPool(db) // another process refilling
      const take = () => runP(server.takeSlot(m.id, xpubs))
      const add = async (indices: ReadonlyArray<bigint>) =>
        runP(worker.addSlots(m.id, slotsAt(indices, "xpub-evm", "xpub-tron")))
      await add(await runP(worker.allocateIndices(m.id, 2)))
      expect((await take())._tag).toBe("Pooled")
      expect(await take()).toMatchObject({ _tag: "Pooled", index: 1n })
      expect(await take()).toEqual({ _tag: "Fresh", index: 2n }) // looked from the lowest: empty
      // A refill lands above the hint: found at once.
      await add(await runP(worker.allocateIndices(m.id, 1)))
      expect(await take()).toMatchObject({ _tag: "Pooled", index: 3n })
      // A batch allocated before a fresh draw sits below the hint: not looked for while the pool is known empty…
      const early = await runP(worker.allocateIndices(m.id, 1))
      expect(await take()).toEqual({ _tag: "Fresh", index: 5n })
      await add(early)
      expect(await take()).toEqual({ _tag: "Fresh", index: 6n })
      // …and found by the look from the lowest index once the interval is over.
      await new Promise((r) => setTimeout(r, 350))
      expect(await take()).toMatchObject({ _tag: "Pooled", index: 4n })
      expect(await runP(server.poolSize(m.id))).toBe(0)
    })

    it("a merchant without a Tron xpub: slots carry no address of that family and still match", async () => {
      const m = await merchant("xpub-evm", null)
      await fill(m.id, 1, "xpub-evm", null)
      expect(await runP(s.addressPool.takeSlot(m.id, keysOf("xpub-evm", null)))).toEqual(
        pooledAt(0n, "xpub-evm", null),
      )
    })

    it("never hands out a slot of a replaced xpub; dropStale removes exactly those", async () => {
      const m = await merchant()
      const other = await merchant()
      await fill(m.id, 3, "xpub-evm", "xpub-tron")
      await fill(other.id, 2, "xpub-evm", "xpub-tron")
      await runP(s.merchants.updateMerchant(m.id, { payoutKeys: { evm: "xpub-evm-2" } }))
      expect(await runP(s.addressPool.poolSize(m.id))).toBe(0)
      // Caller with the new xpub: the old slots are not usable, a fresh index comes back.
      expect(await runP(s.addressPool.takeSlot(m.id, keysOf("xpub-evm-2", "xpub-tron")))).toEqual({
        _tag: "Fresh",
        index: 3n,
      })
      // Caller still holding the old merchant: the database says the xpub changed, so no old slot either.
      expect(await runP(s.addressPool.takeSlot(m.id, keysOf("xpub-evm", "xpub-tron")))).toEqual({
        _tag: "Fresh",
        index: 4n,
      })
      // Adding a Tron xpub to a merchant whose slots have none makes those stale too.
      const evmOnly = await merchant("xpub-evm", null)
      await fill(evmOnly.id, 2, "xpub-evm", null)
      await runP(s.merchants.updateMerchant(evmOnly.id, { payoutKeys: { tron: "xpub-tron" } }))
      expect(await runP(s.addressPool.poolSize(evmOnly.id))).toBe(0)
      // So does a wallet added or changed: a slot is handed out only under the keys it was made with.
      const walleted = await merchant()
      await fill(walleted.id, 1, "xpub-evm", "xpub-tron")
      await runP(s.merchants.updateMerchant(walleted.id, { payoutKeys: { ton: "0:wallet" } }))
      expect(await runP(s.addressPool.poolSize(walleted.id))).toBe(0)
      expect(await runP(s.addressPool.dropStale(walleted.id))).toBe(1)

      expect(await runP(s.addressPool.dropStale(m.id))).toBe(3)
      expect(await runP(s.addressPool.dropStale())).toBe(2)
      const left = await db.selectFrom("address_pool").select(["merchant_id", "derivation_index"]).execute()
      expect(left.map((r) => [r.merchant_id, String(r.derivation_index)]).sort()).toEqual([
        [other.id, "0"],
        [other.id, "1"],
      ])
      // Slots derived from the new xpubs are handed out again.
      await fill(m.id, 1, "xpub-evm-2", "xpub-tron")
      expect(await runP(s.addressPool.takeSlot(m.id, keysOf("xpub-evm-2", "xpub-tron")))).toEqual(
        pooledAt(5n, "xpub-evm-2", "xpub-tron"),
      )
    })

    it("lowPools: merchants with an xpub below the mark, with their usable size", async () => {
      const full = await merchant()
      const low = await merchant()
      const empty = await merchant(null, "xpub-tron")
      await merchant(null, null) // TON-only: nothing to derive, never listed
      await fill(full.id, 4, "xpub-evm", "xpub-tron")
      await fill(low.id, 1, "xpub-evm", "xpub-tron")
      const rows = await runP(s.addressPool.lowPools(3, ["evm", "tron"]))
      expect(rows.map((r) => [r.merchant.id, r.size])).toEqual([
        [low.id, 1],
        [empty.id, 0],
      ])
      expect(rows[1]?.merchant.payoutKeys).toEqual({ tron: "xpub-tron" })
      // Only the families asked about count.
      expect((await runP(s.addressPool.lowPools(3, ["evm"]))).map((r) => r.merchant.id)).toEqual([low.id])
    })

    it("an unknown merchant is a StoreError", async () => {
      const e = await fail(s.addressPool.takeSlot("mer_nope", keysOf(null, null)))
      expect(e._tag).toBe("StoreError")
      expect(e.message).toMatch(/^takeSlot failed/)
      expect((await fail(s.addressPool.allocateIndices("mer_nope", 2)))._tag).toBe("StoreError")
    })

    const pooledInput = (merchantId: string, comment: string): NewCheckout => ({
      id: uid("chk_test"),
      merchantId,
      mode: "test",
      amountCents: 2500n,
      description: "d",
      metadataJson: '{"b":1,"a":[2]}',
      customerEmail: null,
      redirectUrl: null,
      webhookUrl: null,
      networks: ["devnet", "tron-nile"],
      targets: {
        derivationIndex: -1n,
        entries: [{ family: "ton", address: null, memo: comment, lookup: `${merchantId}:${comment}` }],
      },
      expiresAt: new Date("2026-04-04T12:30:00Z"),
      createdAt: new Date("2026-04-04T12:00:00Z"),
    })

    it("createCheckout on a slot: one statement, the slot gone exactly when the checkout exists", async () => {
      const m = await merchant()
      await fill(m.id, 2, "xpub-evm", "xpub-tron")
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      const a = await runP(
        s.addressPool.createCheckout(pooledInput(m.id, "AAAA2222"), xpubs, ["evm", "tron"]),
      )
      if (a._tag !== "Created") throw new Error(`expected Created, got ${a._tag}`)
      expect(a.checkout.targets).toEqual({
        derivationIndex: 0n,
        entries: [
          { family: "evm", address: "evm:xpub-evm:0", memo: null },
          { family: "ton", address: null, memo: "AAAA2222" },
          { family: "tron", address: "tron:xpub-tron:0", memo: null },
        ],
      })
      const read = await runP(
        s.checkouts.getCheckout({
          id: a.checkout.id,
          merchantId: m.id,
          mode: "test",
          now: new Date("2026-04-04T12:01:00Z"),
        }),
      )
      expect(read).toEqual(a.checkout)
      // A taken comment: nothing written, the slot stays.
      const dup = pooledInput(m.id, "AAAA2222")
      expect(await runP(s.addressPool.createCheckout(dup, xpubs, ["evm", "tron"]))).toEqual({
        _tag: "MemoTaken",
      })
      expect(await runP(s.addressPool.poolSize(m.id))).toBe(1)
      expect(await db.selectFrom("checkouts").select("id").where("id", "=", dup.id).execute()).toEqual([])
      // Only the families asked for get an address.
      const b = await runP(s.addressPool.createCheckout(pooledInput(m.id, "BBBB2222"), xpubs, ["evm"]))
      expect(b._tag === "Created" && b.checkout.targets).toEqual({
        derivationIndex: 1n,
        entries: [
          { family: "evm", address: "evm:xpub-evm:1", memo: null },
          { family: "ton", address: null, memo: "BBBB2222" },
        ],
      })
      // Empty pool (or other xpubs): nothing written.
      const c = pooledInput(m.id, "CCCC2222")
      expect(await runP(s.addressPool.createCheckout(c, xpubs, ["evm", "tron"]))).toEqual({
        _tag: "NoSlot",
      })
      await fill(m.id, 1, "xpub-evm", "xpub-tron")
      expect(
        await runP(s.addressPool.createCheckout(c, keysOf("other", "xpub-tron"), ["evm", "tron"])),
      ).toEqual({ _tag: "NoSlot" })
      expect(await db.selectFrom("checkouts").select("id").where("id", "=", c.id).execute()).toEqual([])
      expect(await runP(s.addressPool.poolSize(m.id))).toBe(1)
    })

    it("a pool known empty: the pooled create does not look; takeSlot finds a refill above the hint at once", async () => {
      const m = await merchant()
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      const server = makeAddressPool(db, { emptyRecheckMs: 60_000 })
      const worker = makeAddressPool(db)
      // Found empty from the lowest index (a fresh index drawn in the same statement).
      expect(await runP(server.takeSlot(m.id, xpubs))).toEqual({ _tag: "Fresh", index: 0n })
      const refill = await runP(worker.allocateIndices(m.id, 1))
      expect(await runP(worker.addSlots(m.id, slotsAt(refill, "xpub-evm", "xpub-tron")))).toBe(1)
      // No look while known empty: the create falls back untouched (nothing written, the slot stays)…
      const c = pooledInput(m.id, "DDDD2222")
      expect(await runP(server.createCheckout(c, xpubs, ["evm", "tron"]))).toEqual({ _tag: "NoSlot" })
      expect(await db.selectFrom("checkouts").select("id").where("id", "=", c.id).execute()).toEqual([])
      expect(await runP(server.poolSize(m.id))).toBe(1)
      // …to takeSlot, whose one statement looks above the hint before drawing a fresh index.
      expect(await runP(server.takeSlot(m.id, xpubs))).toEqual(pooledAt(1n, "xpub-evm", "xpub-tron"))
      expect(await runP(server.takeSlot(m.id, xpubs))).toEqual({ _tag: "Fresh", index: 2n })
    })

    it("the fast path's takeSlot and createCheckout answer through their callbacks, once, as the ports do", async () => {
      const m = await merchant()
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      /** A callback's answer; a second call would show as an error here. */
      const once = <A>(start: (done: (r: A) => void) => void) =>
        new Promise<A>((resolve, reject) => {
          let calls = 0
          let first: A
          start((r) => {
            calls++
            if (calls === 1) first = r
            setTimeout(() => (calls === 1 ? resolve(first) : reject(new Error("answered twice"))), 20)
          })
        })
      const take = () =>
        once<Either.Either<DerivationSlot, unknown>>((d) => s.fastPath.takeSlot(m.id, xpubs, d))
      await fill(m.id, 1, "xpub-evm", "xpub-tron")
      expect(await take()).toEqual(Either.right(pooledAt(0n, "xpub-evm", "xpub-tron")))
      expect(await take()).toEqual(Either.right({ _tag: "Fresh", index: 1n }))
      // The port runs the same callback: the next index of the same sequence, and the same hint.
      expect(await runP(s.addressPool.takeSlot(m.id, xpubs))).toEqual({ _tag: "Fresh", index: 2n })
      const unknown = await once<Either.Either<DerivationSlot, unknown>>((d) =>
        s.fastPath.takeSlot("mer_nope", keysOf(null, null), d),
      )
      expect(Either.isLeft(unknown) && unknown.left).toMatchObject({
        _tag: "StoreError",
        message: expect.stringMatching(/^takeSlot failed/),
      })
      // The plain insert at a taken index, with the slot's addresses and a comment.
      const at = (index: bigint, comment: string): NewCheckout => {
        const base = pooledInput(m.id, comment)
        return {
          ...base,
          targets: {
            derivationIndex: index,
            entries: [...slotTargets(index, "xpub-evm", "xpub-tron"), ...base.targets.entries],
          },
        }
      }
      const insert = (input: NewCheckout) =>
        once<Either.Either<{ readonly _tag: string }, unknown>>((d) => s.fastPath.createCheckout(input, d))
      const first = at(1n, "EEEE2222")
      const r = await insert(first)
      expect(Either.isRight(r) && r.right).toMatchObject({ _tag: "Created", response: null })
      const read = await runP(
        s.checkouts.getCheckout({ id: first.id, merchantId: m.id, mode: "test", now: first.createdAt }),
      )
      expect(Either.isRight(r) && (r.right as { checkout?: unknown }).checkout).toEqual(read)
      expect(read.targets.derivationIndex).toBe(1n)
      // A taken comment: MemoTaken, nothing written; a reused address: a StoreError, nothing written.
      const dup = at(2n, "EEEE2222")
      expect(await insert(dup)).toEqual(Either.right({ _tag: "MemoTaken" }))
      const reused = at(1n, "FFFF2222")
      const collided = await insert(reused)
      expect(Either.isLeft(collided) && collided.left).toMatchObject({
        _tag: "StoreError",
        message: expect.stringMatching(/collide/),
      })
      for (const c of [dup, reused])
        expect(await db.selectFrom("checkouts").select("id").where("id", "=", c.id).execute()).toEqual([])
    })

    it("an empty pool: a take draws a block of fresh indices in one statement, the next takes use it without one", async () => {
      const m = await merchant()
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      const worker = makeAddressPool(db)
      /** The next index of the merchant's sequence (drawn, so it is never handed out either). */
      const next = async () => (await runP(worker.allocateIndices(m.id, 1)))[0]
      const a = makeAddressPool(db, { freshBlock: 4 })
      const take = (p: typeof a) => runP(p.takeSlot(m.id, xpubs))
      expect(await take(a)).toEqual({ _tag: "Fresh", index: 0n }) // looked from the lowest: known empty
      for (const i of [1n, 2n, 3n]) expect(await take(a)).toEqual({ _tag: "Fresh", index: i })
      // Four takes, one block of four drawn: the sequence moved by exactly four.
      expect(await next()).toBe(4n)
      // Concurrent takes on a known-empty pool wait for one block instead of each drawing one.
      const burst = await Promise.all(Array.from({ length: 12 }, () => take(a)))
      expect(burst.map((t) => t.index)).toEqual([5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n, 13n, 14n, 15n, 16n])
      expect(await next()).toBe(17n)
      // Another process draws its own block; this one keeps using its reserve: no index twice.
      expect(await take(a)).toEqual({ _tag: "Fresh", index: 18n })
      const b = makeAddressPool(db, { freshBlock: 4 })
      expect(await take(b)).toEqual({ _tag: "Fresh", index: 22n })
      expect(await take(a)).toEqual({ _tag: "Fresh", index: 19n })
      // A process killed with indices in its reserve (20, 21): a new one never hands them out.
      const c = makeAddressPool(db, { freshBlock: 4 })
      const after = (await Promise.all(Array.from({ length: 6 }, () => take(c)))).map((t) => t.index)
      expect(new Set(after).size).toBe(6)
      expect(after.every((i) => i >= 26n)).toBe(true)
      const rows = await db
        .selectFrom("address_pool")
        .select("derivation_index")
        .where("merchant_id", "=", m.id)
        .execute()
      expect(rows).toEqual([])
    })

    it("concurrent pooled creates never share a slot", async () => {
      const m = await merchant()
      const pooled = 60
      await fill(m.id, pooled, "xpub-evm", "xpub-tron")
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      const n = 100
      const got = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          runP(s.addressPool.createCheckout(pooledInput(m.id, `C${i}`), xpubs, ["evm", "tron"])),
        ),
      )
      const created = got.flatMap((g) => (g._tag === "Created" ? [g.checkout] : []))
      expect(got.every((g) => g._tag !== "MemoTaken")).toBe(true)
      expect(new Set(created.map((c) => c.targets.derivationIndex)).size).toBe(created.length)
      expect(created.length + (await runP(s.addressPool.poolSize(m.id)))).toBe(pooled)
      const rows = await db
        .selectFrom("deposit_targets")
        .select("derivation_index")
        .where("merchant_id", "=", m.id)
        .execute()
      // One row per family and checkout: the EVM and Tron addresses and the TON comment.
      expect(rows.length).toBe(created.length * 3)
      if (!backend.concurrent) expect(created.length).toBe(pooled)
    })

    it("concurrent takes from several connections never hand out a slot twice", async () => {
      const m = await merchant()
      const pooled = 120
      await fill(m.id, pooled, "xpub-evm", "xpub-tron")
      const extra =
        backend.concurrent && backend.openMore ? [await backend.openMore(), await backend.openMore()] : []
      try {
        const all = [s, ...extra.map((b) => makeStores(b.db))]
        const n = backend.concurrent ? 300 : 150
        const xpubs = keysOf("xpub-evm", "xpub-tron")
        const got = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            runP((all[i % all.length] as PgStores).addressPool.takeSlot(m.id, xpubs)),
          ),
        )
        const indices = got.map((g) => g.index)
        expect(new Set(indices).size).toBe(n)
        const fromPool = got.filter((g) => g._tag === "Pooled")
        // Every pooled slot went out exactly once (a taker that found all remaining slots locked by others
        // takes a fresh index instead: never waits, never shares).
        expect(fromPool.length + (await runP(s.addressPool.poolSize(m.id)))).toBe(pooled)
        expect(fromPool.every((g) => g.index < BigInt(pooled))).toBe(true)
        expect(got.filter((g) => g._tag === "Fresh").every((g) => g.index >= BigInt(pooled))).toBe(true)
        if (!backend.concurrent) expect(fromPool.length).toBe(pooled)
      } finally {
        for (const b of extra) await b.close()
      }
    })

    it("a slot locked by an open transaction is skipped, not waited for", async () => {
      if (!backend.concurrent) return
      const m = await merchant()
      await fill(m.id, 2, "xpub-evm", "xpub-tron")
      const xpubs = keysOf("xpub-evm", "xpub-tron")
      let release: () => void = () => {}
      const held = new Promise<void>((r) => {
        release = r
      })
      let locked: () => void = () => {}
      const isLocked = new Promise<void>((r) => {
        locked = r
      })
      const holder = db.transaction().execute(async (trx) => {
        await sql`SELECT 1 FROM address_pool WHERE merchant_id = ${m.id} AND derivation_index = 0 FOR UPDATE`.execute(
          trx,
        )
        locked()
        await held
      })
      await isLocked
      const pool = makeAddressPool(db, { emptyRecheckMs: 100 })
      expect(await runP(pool.takeSlot(m.id, xpubs))).toMatchObject({ _tag: "Pooled", index: 1n })
      expect(await runP(pool.takeSlot(m.id, xpubs))).toEqual({ _tag: "Fresh", index: 2n })
      release()
      await holder
      // The skipped slot is found by the next look from the lowest index, once the pool's "known empty"
      // interval is over.
      await new Promise((r) => setTimeout(r, 150))
      expect(await runP(pool.takeSlot(m.id, xpubs))).toMatchObject({ _tag: "Pooled", index: 0n })
    })
  })
