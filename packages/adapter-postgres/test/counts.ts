import {
  type Checkout,
  type CheckoutStatus,
  depositTargetOf,
  type Mode,
  type NewCheckout,
  type PaymentObserved,
} from "@inzi/core"
import { Effect } from "effect"
import fc from "fast-check"
import { type Kysely, sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { COMPACT_AT, compactCheckoutCounts, countCheckouts } from "../src/checkoutCounts.js"
import { type DB, makeStores, type PgStores } from "../src/index.js"
import type { ContractBackend } from "./contract.js"

/**
 * The list totals kept by migration 0004's counters (checkoutCounts.ts) against `count(*)`: every way a
 * checkout's stored status changes, the time-dependent `pending` → `expired` read, compaction, concurrency,
 * and random operation sequences. Each test uses merchants of its own (no truncation between tests).
 */

const runP = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)
const T0 = new Date("2026-04-04T12:00:00.000Z")
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const STATUSES: ReadonlyArray<CheckoutStatus> = ["pending", "processing", "completed", "expired", "underpaid"]
const FILTERS: ReadonlyArray<CheckoutStatus | undefined> = [undefined, ...STATUSES]

let seq = 0
const uid = (p: string) => `${p}_${process.pid}_${Date.now().toString(36)}_${++seq}`

/** What a client reads, by `count(*)` over the rows (the reference the counters must equal). */
const referenceCount = async (
  db: Kysely<DB>,
  merchantId: string,
  mode: Mode,
  status: CheckoutStatus | undefined,
  now: Date,
): Promise<number> => {
  const filter =
    status === undefined
      ? sql`true`
      : status === "expired"
        ? sql`(status = 'expired' OR (status = 'pending' AND expires_at <= ${now}))`
        : status === "pending"
          ? sql`(status = 'pending' AND expires_at > ${now})`
          : sql`status = ${status}`
  const r = await sql<{ n: unknown }>`
    SELECT count(*) AS n FROM checkouts WHERE merchant_id = ${merchantId} AND mode = ${mode} AND ${filter}`.execute(
    db,
  )
  return Number(r.rows[0]?.n ?? 0)
}

const deltaRows = async (db: Kysely<DB>, merchantId?: string): Promise<number> => {
  const r = await sql<{ n: unknown }>`
    SELECT count(*) AS n FROM checkout_count_deltas
    WHERE ${merchantId === undefined ? sql`true` : sql`merchant_id = ${merchantId}`}`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}

export const countsContract = (name: string, open: () => Promise<ContractBackend>) =>
  describe(name, () => {
    let backend: ContractBackend
    let s: PgStores
    let db: Kysely<DB>

    beforeAll(async () => {
      backend = await open()
      db = backend.db
      s = makeStores(db)
    })
    afterAll(async () => {
      await backend?.close()
    })

    const merchant = async () =>
      (
        await runP(
          s.merchants.createMerchant({
            id: uid("mer"),
            name: "Acme",
            webhookUrl: null,
            webhookSecret: "whsec_test",
            payoutKeys: { evm: "xpub-evm", tron: "xpub-tron" },
            networks: { live: ["base"], test: ["devnet"] },
          }),
        )
      ).id

    /** A checkout created through the store (the API's path). */
    const created = async (merchantId: string, over: Partial<NewCheckout> = {}, stores: PgStores = s) => {
      const mode: Mode = over.mode ?? "test"
      const index = await runP(stores.checkouts.allocateDerivationIndex(merchantId))
      const n = ++seq
      const r = await runP(
        stores.checkouts.createCheckout(
          {
            id: `chk_${mode}_${uid("c").replace(/[^a-z0-9]/g, "")}`,
            merchantId,
            mode,
            amountCents: 2500n,
            description: null,
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: null,
            networks: ["devnet"],
            targets: {
              derivationIndex: index,
              entries: [
                {
                  family: "evm",
                  address: `0x${process.pid.toString(16)}e${Date.now().toString(16)}e${n}`,
                  memo: null,
                  lookup: `0x${process.pid.toString(16)}e${Date.now().toString(16)}e${n}`,
                },
                {
                  family: "ton",
                  address: null,
                  memo: `K${process.pid}X${n}`,
                  lookup: `${merchantId}:K${process.pid}X${n}`,
                },
              ],
            },
            expiresAt: at(1800),
            createdAt: T0,
            ...over,
          },
          null,
        ),
      )
      if (r._tag !== "Created") throw new Error("expected Created")
      return r.checkout
    }

    /** Several checkouts in one INSERT statement (targets alongside, so every path can load them). */
    const inserted = async (
      merchantId: string,
      rows: ReadonlyArray<{ mode: Mode; status: CheckoutStatus; expiresAt: Date }>,
    ): Promise<string[]> => {
      if (rows.length === 0) return []
      const ids = rows.map((r) => `chk_${r.mode}_${uid("r").replace(/[^a-z0-9]/g, "")}`)
      await db
        .insertInto("checkouts")
        .values(
          rows.map((r, i) => ({
            id: ids[i]!,
            merchant_id: merchantId,
            mode: r.mode,
            status: r.status,
            amount_cents: "2500",
            currency: "USD",
            description: null,
            metadata: null,
            customer_email: null,
            redirect_url: null,
            webhook_url: null,
            networks: '["devnet"]',
            expires_at: r.expiresAt,
            created_at: T0,
            updated_at: T0,
          })),
        )
        .execute()
      await db
        .insertInto("deposit_targets")
        .values(
          ids.map((id) => {
            const n = ++seq
            return {
              checkout_id: id,
              merchant_id: merchantId,
              derivation_index: String(1_000_000 + n),
              family: "ton",
              memo: `R${process.pid}X${n}`,
              lookup: `${merchantId}:R${process.pid}X${n}`,
            }
          }),
        )
        .execute()
      return ids
    }

    const total = async (merchantId: string, mode: Mode, status: CheckoutStatus | undefined, now: Date) =>
      (await runP(s.checkouts.listCheckouts({ merchantId, mode, status, limit: 100, offset: 0, now }))).total

    /** Every filter, both modes: the counters' total equals count(*). */
    const expectExact = async (merchantId: string, now: Date) => {
      for (const mode of ["test", "live"] as const)
        for (const status of FILTERS) {
          const want = await referenceCount(db, merchantId, mode, status, now)
          const got = await countCheckouts(db, { merchantId, mode, status, now })
          expect({ mode, status, n: got }).toEqual({ mode, status, n: want })
        }
    }

    const observed = (
      c: Pick<Checkout, "targets">,
      amount: bigint,
      over: Partial<PaymentObserved> = {},
    ): PaymentObserved => ({
      _tag: "PaymentObserved",
      network: "devnet",
      txHash: `0x${uid("tx").replace(/[^a-z0-9]/g, "")}`,
      logIndex: 0,
      target: { kind: "address", address: depositTargetOf(c.targets, "evm")!.address!.toLowerCase() },
      token: "USDT",
      tokenContract: "0xusdt",
      decimals: 6,
      amount,
      sender: "0xpayer",
      blockNumber: 100n,
      blockHash: "0xblock",
      confirmations: 1,
      observedAt: at(60),
      ...over,
    })
    const apply = (
      events: PaymentObserved[] | Parameters<PgStores["checkouts"]["applyChainEvents"]>[0]["events"],
      now: Date,
    ) =>
      runP(
        s.checkouts.applyChainEvents({
          network: "devnet",
          mode: "test",
          requiredConfirmations: 3,
          events,
          cursor: null,
          now,
        }),
      )

    it("totals are exact after creates and bulk inserts, per mode and per merchant", async () => {
      const a = await merchant()
      const b = await merchant()
      for (let i = 0; i < 3; i++) await created(a)
      await created(a, { mode: "live" })
      await created(b)
      await inserted(a, [
        { mode: "test", status: "completed", expiresAt: at(1800) },
        { mode: "test", status: "completed", expiresAt: at(1800) },
        { mode: "live", status: "underpaid", expiresAt: at(1800) },
      ])
      expect(await total(a, "test", undefined, at(10))).toBe(5)
      expect(await total(a, "test", "pending", at(10))).toBe(3)
      expect(await total(a, "test", "completed", at(10))).toBe(2)
      expect(await total(a, "live", undefined, at(10))).toBe(2)
      expect(await total(a, "live", "underpaid", at(10))).toBe(1)
      expect(await total(b, "test", undefined, at(10))).toBe(1)
      expect(await total(b, "live", undefined, at(10))).toBe(0)
      expect(await total(await merchant(), "test", undefined, at(10))).toBe(0)
      await expectExact(a, at(10))
      await expectExact(b, at(10))
    })

    it("follows every status transition: processing, completed, underpaid, expired by the sweeper", async () => {
      const m = await merchant()
      const paid = await created(m)
      const short = await created(m)
      const idle = await created(m, { expiresAt: at(100) })
      await apply([observed(paid, 25_000_000n)], at(61))
      expect(await total(m, "test", "processing", at(62))).toBe(1)
      expect(await total(m, "test", "pending", at(62))).toBe(2)
      await apply(
        [
          {
            _tag: "PaymentConfirmed",
            network: "devnet",
            txHash: (
              await runP(s.checkouts.getCheckout({ id: paid.id, merchantId: m, mode: "test", now: at(62) }))
            ).payments[0]!.txHash,
            logIndex: 0,
            confirmations: 3,
            confirmedAt: at(90),
          },
        ],
        at(91),
      )
      await apply([observed(short, 10_000_000n, { confirmations: 3 })], at(92))
      expect(await total(m, "test", "completed", at(93))).toBe(1)
      expect(await total(m, "test", "processing", at(93))).toBe(0)
      expect(await total(m, "test", "underpaid", at(93))).toBe(1)
      expect(await total(m, "test", "pending", at(93))).toBe(1)
      await expectExact(m, at(93))
      // The idle one expires at 100: read as expired before the sweep, and stored so after it.
      expect(await total(m, "test", "expired", at(150))).toBe(1)
      expect(await runP(s.checkouts.sweepExpired(at(150), 10))).toBeGreaterThanOrEqual(1)
      expect(await total(m, "test", "expired", at(150))).toBe(1)
      expect(await total(m, "test", "pending", at(150))).toBe(0)
      expect(await total(m, "test", undefined, at(150))).toBe(3)
      await expectExact(m, at(150))
      const stored = await sql<{
        status: string
      }>`SELECT status FROM checkouts WHERE id = ${idle.id}`.execute(db)
      expect(stored.rows[0]?.status).toBe("expired")
    })

    it("an overdue, unswept pending checkout counts as expired, not pending, and the page agrees", async () => {
      const m = await merchant()
      const due = await created(m, { expiresAt: at(5) })
      const open = await created(m, { expiresAt: at(1800) })
      await inserted(m, [{ mode: "test", status: "expired", expiresAt: at(-10) }])
      const list = (status: CheckoutStatus, now: Date) =>
        runP(s.checkouts.listCheckouts({ merchantId: m, mode: "test", status, limit: 100, offset: 0, now }))
      // Before expiry: two pending, one (stored) expired.
      expect((await list("pending", at(1))).total).toBe(2)
      expect((await list("expired", at(1))).total).toBe(1)
      // After expiry, before any sweep: the stored row still says pending.
      const expired = await list("expired", at(10))
      expect(expired.total).toBe(2)
      expect(expired.data.map((c) => c.id)).toContain(due.id)
      expect(expired.data).toHaveLength(expired.total)
      const pending = await list("pending", at(10))
      expect(pending.total).toBe(1)
      expect(pending.data.map((c) => c.id)).toEqual([open.id])
      expect(await total(m, "test", undefined, at(10))).toBe(3)
      await expectExact(m, at(10))
      // Exactly at expires_at the checkout reads expired (core's currentStatus: now >= expiresAt).
      expect((await list("expired", at(5))).total).toBe(2)
      expect((await list("pending", at(5))).total).toBe(1)
    })

    it("a date range is still counted over its rows, exactly", async () => {
      const m = await merchant()
      await created(m, { createdAt: at(1) })
      await created(m, { createdAt: at(2) })
      await created(m, { createdAt: at(3), expiresAt: at(4) })
      const r = await runP(
        s.checkouts.listCheckouts({
          merchantId: m,
          mode: "test",
          status: "expired",
          createdAfter: at(1),
          limit: 10,
          offset: 0,
          now: at(10),
        }),
      )
      expect(r.total).toBe(1)
      expect(
        (
          await runP(
            s.checkouts.listCheckouts({
              merchantId: m,
              mode: "test",
              createdBefore: at(3),
              limit: 10,
              offset: 0,
              now: at(10),
            }),
          )
        ).total,
      ).toBe(2)
    })

    it("compaction folds deltas without changing any total; a read compacts a pile of deltas", async () => {
      const m = await merchant()
      const other = await merchant()
      const ids = await inserted(
        m,
        Array.from({ length: 6 }, (_, i) => ({
          mode: i % 2 === 0 ? ("test" as const) : ("live" as const),
          status: STATUSES[i % STATUSES.length]!,
          expiresAt: at(i * 10),
        })),
      )
      for (let i = 0; i < 5; i++) await created(m, { expiresAt: at(i * 7) })
      await created(other)
      await sql`UPDATE checkouts SET status = 'processing' WHERE id = ${ids[0]!}`.execute(db)
      const now = at(20)
      await expectExact(m, now)
      expect(await deltaRows(db, m)).toBeGreaterThan(1)
      // Partial compactions (a few rows at a time), then the rest.
      expect(await compactCheckoutCounts(db, { merchantId: m, mode: "test", limit: 2 })).toBe(2)
      await expectExact(m, now)
      await compactCheckoutCounts(db, { merchantId: m, limit: 3 })
      await expectExact(m, now)
      while ((await compactCheckoutCounts(db, { merchantId: m })) > 0) {}
      expect(await deltaRows(db, m)).toBe(0)
      await expectExact(m, now)
      // Compacting one merchant leaves another's deltas alone.
      expect(await deltaRows(db, other)).toBe(1)
      expect(await total(other, "test", undefined, now)).toBe(1)

      // COMPACT_AT single-row statements: the read that finds them folds them after answering.
      const pile = await merchant()
      for (let i = 0; i < COMPACT_AT; i++)
        await inserted(pile, [
          { mode: "test", status: i % 3 === 0 ? "completed" : "pending", expiresAt: at(1800) },
        ])
      expect(await deltaRows(db, pile)).toBe(COMPACT_AT)
      expect(await total(pile, "test", undefined, at(0))).toBe(COMPACT_AT)
      expect(await deltaRows(db, pile)).toBe(0)
      expect(await total(pile, "test", undefined, at(0))).toBe(COMPACT_AT)
      await expectExact(pile, at(0))
    })

    it("a bulk status UPDATE and a DELETE are counted; a TRUNCATE empties the counters", async () => {
      const m = await merchant()
      const ids = await inserted(
        m,
        Array.from({ length: 10 }, () => ({
          mode: "test" as const,
          status: "pending" as const,
          expiresAt: at(1800),
        })),
      )
      await sql`UPDATE checkouts SET status = 'completed' WHERE id = ANY(${ids.slice(0, 6)})`.execute(db)
      await sql`UPDATE checkouts SET updated_at = ${at(5)} WHERE merchant_id = ${m}`.execute(db) // no status change
      await sql`DELETE FROM deposit_targets WHERE checkout_id = ANY(${ids.slice(4, 8)})`.execute(db)
      await sql`DELETE FROM checkouts WHERE id = ANY(${ids.slice(4, 8)})`.execute(db)
      expect(await total(m, "test", "completed", at(10))).toBe(4)
      expect(await total(m, "test", "pending", at(10))).toBe(2)
      expect(await total(m, "test", undefined, at(10))).toBe(6)
      await expectExact(m, at(10))
      // This backend is the counters suite's own: emptying checkouts here touches no other suite.
      await sql`TRUNCATE checkouts CASCADE`.execute(db)
      const left = await sql<{ n: unknown }>`
        SELECT (SELECT count(*) FROM checkout_counts) + (SELECT count(*) FROM checkout_count_deltas) AS n`.execute(
        db,
      )
      expect(Number(left.rows[0]?.n)).toBe(0)
      expect(await total(m, "test", undefined, at(10))).toBe(0)
      await inserted(m, [{ mode: "test", status: "pending", expiresAt: at(1800) }])
      expect(await total(m, "test", undefined, at(10))).toBe(1)
    })

    it("concurrent creates, status changes, reads and compactions from several connections stay exact", async () => {
      const ms = [await merchant(), await merchant()]
      const n = backend.concurrent ? 120 : 30
      let stop = false
      // Readers and compactors run alongside the writers for the whole test.
      const background = Promise.all([
        (async () => {
          while (!stop) await compactCheckoutCounts(db, { limit: 7 })
        })(),
        (async () => {
          while (!stop)
            for (const m of ms) await countCheckouts(db, { merchantId: m, mode: "test", now: at(10) })
        })(),
      ])
      const made = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          created(ms[i % 2]!, { mode: i % 3 === 0 ? "live" : "test", expiresAt: at(i % 4 === 0 ? 5 : 1800) }),
        ),
      )
      await Promise.all(
        made
          .filter((_, i) => i % 5 === 0)
          .map((c, i) =>
            sql`UPDATE checkouts SET status = ${STATUSES[i % STATUSES.length]!} WHERE id = ${c.id}`.execute(
              db,
            ),
          ),
      )
      await Promise.all([
        runP(s.checkouts.sweepExpired(at(10), 7)),
        runP(s.checkouts.sweepExpired(at(10), 7)),
      ])
      stop = true
      await background
      for (const m of ms) await expectExact(m, at(10))
      const all = await Promise.all(ms.map((m) => total(m, "test", undefined, at(10))))
      const live = await Promise.all(ms.map((m) => total(m, "live", undefined, at(10))))
      expect(all.reduce((x, y) => x + y) + live.reduce((x, y) => x + y)).toBe(n)
    })

    it("property: after random operation sequences the counters equal count(*) for every filter", async () => {
      type Op =
        | {
            k: "create"
            mode: Mode
            expiresIn: number
            store: boolean
            status: CheckoutStatus
            count: number
          }
        | { k: "status"; picks: number[]; status: CheckoutStatus }
        | { k: "touch"; picks: number[] }
        | { k: "delete"; picks: number[] }
        | { k: "sweep"; limit: number }
        | { k: "compact"; mine: boolean; limit: number }
        | { k: "advance"; seconds: number }
      const mode = fc.constantFrom<Mode>("test", "live")
      const status = fc.constantFrom(...STATUSES)
      const picks = fc.array(fc.nat(), { minLength: 1, maxLength: 4 })
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.record({
          k: fc.constant("create" as const),
          mode,
          expiresIn: fc.integer({ min: -60, max: 120 }),
          store: fc.boolean(),
          status,
          count: fc.integer({ min: 1, max: 4 }),
        }),
        fc.record({ k: fc.constant("status" as const), picks, status }),
        fc.record({ k: fc.constant("touch" as const), picks }),
        fc.record({ k: fc.constant("delete" as const), picks }),
        fc.record({ k: fc.constant("sweep" as const), limit: fc.integer({ min: 1, max: 5 }) }),
        fc.record({
          k: fc.constant("compact" as const),
          mine: fc.boolean(),
          limit: fc.integer({ min: 1, max: 8 }),
        }),
        fc.record({ k: fc.constant("advance" as const), seconds: fc.integer({ min: 0, max: 90 }) }),
      )
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
          const m = await merchant()
          const bystander = await merchant()
          await inserted(bystander, [{ mode: "test", status: "pending", expiresAt: at(30) }])
          const ids: string[] = []
          let now = at(0)
          const chosen = (ps: number[]) => [...new Set(ps.map((p) => ids[p % ids.length]!))]
          for (const o of ops) {
            if (o.k === "create") {
              const expiresAt = new Date(now.getTime() + o.expiresIn * 1000)
              if (o.store) ids.push((await created(m, { mode: o.mode, expiresAt })).id)
              else
                ids.push(
                  ...(await inserted(
                    m,
                    Array.from({ length: o.count }, () => ({ mode: o.mode, status: o.status, expiresAt })),
                  )),
                )
            } else if (o.k === "status" && ids.length > 0) {
              await sql`UPDATE checkouts SET status = ${o.status}, updated_at = ${now}
                WHERE id = ANY(${chosen(o.picks)})`.execute(db)
            } else if (o.k === "touch" && ids.length > 0) {
              await sql`UPDATE checkouts SET updated_at = ${now} WHERE id = ANY(${chosen(o.picks)})`.execute(
                db,
              )
            } else if (o.k === "delete" && ids.length > 0) {
              // Only checkouts nothing else refers to (no payment, no webhook event).
              const gone = await sql<{ id: string }>`
                SELECT id FROM checkouts c WHERE id = ANY(${chosen(o.picks)})
                  AND NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.checkout_id = c.id)
                  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.checkout_id = c.id)`.execute(db)
              const victims = gone.rows.map((r) => r.id)
              if (victims.length > 0) {
                await sql`DELETE FROM deposit_targets WHERE checkout_id = ANY(${victims})`.execute(db)
                await sql`DELETE FROM checkouts WHERE id = ANY(${victims})`.execute(db)
                for (const v of victims) ids.splice(ids.indexOf(v), 1)
              }
            } else if (o.k === "sweep") {
              await runP(s.checkouts.sweepExpired(now, o.limit))
            } else if (o.k === "compact") {
              await compactCheckoutCounts(db, o.mine ? { merchantId: m, limit: o.limit } : { limit: o.limit })
            } else if (o.k === "advance") {
              now = new Date(now.getTime() + o.seconds * 1000)
            }
            await expectExact(m, now)
          }
          await expectExact(bystander, now)
        }),
        { numRuns: backend.concurrent ? 40 : 25 },
      )
    }, 120_000)
  })
