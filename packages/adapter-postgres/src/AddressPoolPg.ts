import type {
  AddressPool,
  ChainFamily,
  DerivationSlot,
  Merchant,
  PooledCreateResult,
  StoreError,
  StoredTarget,
} from "@inzi/core"
import type { FastPath } from "./FastPathPg.js"
import { type Context, Effect, Either } from "effect"
import { type Kysely, sql } from "kysely"
import { checkoutValues, createdCheckout, memoTaken } from "./checkoutWrites.js"
import {
  keysText,
  matches,
  type PooledRow,
  pooledCreateStatement,
  type TakeRow,
  takeSlotStatement,
} from "./pooledCreate.js"
import { selectMerchants } from "./MerchantStorePg.js"
import { run, storeFailure } from "./errors.js"
import { fromJson, merchantFromRow, toBigInt } from "./rows.js"
import type { DB } from "./schema.js"
import type { SecretBox } from "./secrets.js"

/** A slot's `targets` column as core's stored targets. */
const slotTargets = (json: unknown): ReadonlyArray<StoredTarget> =>
  (
    (fromJson(json) ?? []) as ReadonlyArray<{
      readonly family: string
      readonly address: string
      readonly lookup: string
    }>
  ).map((t) => ({ family: t.family as ChainFamily, address: t.address, memo: null, lookup: t.lookup }))

/**
 * `AddressPool` over kysely (table `address_pool`, migration 0005). Indices come from the merchant's own
 * sequence (`merchants.index_sequence`, the one `allocateDerivationIndex` draws from): pooled and inline
 * indices never collide, and a slot is deleted when taken, so no address is handed out twice.
 */
export const makeAddressPool = (
  db: Kysely<DB>,
  options: Parameters<typeof addressPoolPg>[1] = {},
): Context.Tag.Service<typeof AddressPool> => addressPoolPg(db, options).pool

/**
 * `makeAddressPool`, with its pooled create statement as a callback for the server's fast path (FastPathPg.ts):
 * both share the per-merchant hints below.
 */
export const addressPoolPg = (
  db: Kysely<DB>,
  options: {
    /**
     * After a look from the lowest index found the merchant's pool empty, takes look only above the hint for
     * this long (ms, default 1 000): see `emptyUntil`.
     */
    readonly emptyRecheckMs?: number
    /** Opens the merchants' webhook secrets (secrets.ts). */
    readonly secrets?: SecretBox | null | undefined
    /**
     * Fresh indices a take draws at once when the pool has no slot (default 1): the rest serve the next takes
     * while the pool is known empty, without a statement (see `reserve`).
     */
    readonly freshBlock?: number | undefined
  } = {},
): {
  readonly pool: Context.Tag.Service<typeof AddressPool>
  readonly createPooledCheckout: FastPath["createPooledCheckout"]
  readonly takeSlot: FastPath["takeSlot"]
} => {
  const emptyRecheckMs = options.emptyRecheckMs ?? 1_000
  const freshBlock = Math.max(1, Math.floor(options.freshBlock ?? 1))
  /**
   * Per merchant, the highest index this process took. Takes look above it first: the slots below were taken
   * (deleted), and their dead index entries stay until VACUUM, so a take that always started from the lowest
   * index walked more of them each time (measured: a warm-pool create fell from ≈ 900 to ≈ 95 req/s after ≈ 9 000
   * takes). Indices come from a sequence, so refills land above the hint; only a slot skipped while another
   * session held it can sit below, and the second look (from the start) finds it once nothing is left above.
   */
  const hints = new Map<string, bigint>()
  const pooledInsert = pooledCreateStatement(db)
  const takeStatement = takeSlotStatement(db)
  const taken = (merchantId: string, index: bigint) => {
    if (index > (hints.get(merchantId) ?? -1n)) hints.set(merchantId, index)
  }
  /**
   * Per merchant, until when its pool is known empty (this process found nothing from the lowest index). A look
   * from the lowest index walks the dead index entries of every slot taken since the last VACUUM: with the pool
   * run dry, every create paid that walk (measured: ≈ 2–4 ms of Postgres CPU per create). Meanwhile takes look
   * only above the hint; a refill by this process ends it at once, one by the worker within `emptyRecheckMs`.
   */
  const emptyUntil = new Map<string, number>()
  const knownEmpty = (merchantId: string) => {
    const until = emptyUntil.get(merchantId)
    if (until === undefined) return false
    if (Date.now() < until) return true
    emptyUntil.delete(merchantId)
    return false
  }
  const markEmpty = (merchantId: string) => emptyUntil.set(merchantId, Date.now() + emptyRecheckMs)
  /**
   * `attempt(above, last, next)`: above the hint first, then from the lowest index (`last` = no look after this
   * one); `done` gets the last look's outcome (callbacks: the create's fiber-less path runs on it too).
   */
  const withHint = <A>(
    merchantId: string,
    attempt: (above: bigint, last: boolean, next: (r: Either.Either<A, unknown>) => void) => void,
    found: (a: A) => boolean,
    done: (r: Either.Either<A, unknown>) => void,
  ): void => {
    const fromLowest = () =>
      attempt(-1n, true, (r) => {
        if (Either.isRight(r) && !found(r.right)) markEmpty(merchantId)
        done(r)
      })
    const hint = hints.get(merchantId)
    if (hint === undefined) {
      fromLowest()
      return
    }
    const emptyBelow = knownEmpty(merchantId)
    attempt(hint, emptyBelow, (r) => {
      if (Either.isLeft(r) || found(r.right) || emptyBelow) done(r)
      else fromLowest()
    })
  }
  /**
   * The pooled create (`createCheckout` and the fast path's): slot taken, checkout and targets inserted in ONE
   * statement (one round trip, one commit): the slot is deleted exactly when the checkout is written. No slot:
   * the checkout insert selects nothing. Answers through `done` once, from the driver's callback.
   */
  const createPooledCheckout: FastPath["createPooledCheckout"] = (input, keys, derived, done) => {
    const memos = input.targets.entries.filter((t) => t.memo !== null)
    const memosJson = JSON.stringify(memos.map((t) => ({ family: t.family, memo: t.memo, lookup: t.lookup })))
    const derivedJson = JSON.stringify(derived)
    const keysJson = keysText(keys)
    const insert = (
      above: bigint,
      _last: boolean,
      next: (r: Either.Either<ReadonlyArray<PooledRow>, unknown>) => void,
    ) =>
      pooledInsert.query(
        [...checkoutValues(input), derivedJson, memosJson, keysJson, above.toString()],
        (error, rows) => next(error === null ? Either.right(rows) : Either.left(error)),
      )
    const answer = (r: Either.Either<ReadonlyArray<PooledRow>, unknown>): PooledCreateResult => {
      if (Either.isLeft(r)) {
        // A taken memo aborts the whole statement (the slot stays in the pool): the caller redraws.
        if (memoTaken(r.left, memos)) return { _tag: "MemoTaken" }
        throw r.left
      }
      const first = r.right[0]
      if (first === undefined) return { _tag: "NoSlot" }
      const index = toBigInt(first.index)
      taken(input.merchantId, index)
      const addresses = r.right.filter((row) => row.address !== null)
      const entries = [
        ...addresses.map((row) => ({
          family: row.family as ChainFamily,
          address: row.address,
          memo: null,
          lookup: "",
        })),
        ...memos,
      ]
      return {
        _tag: "Created",
        checkout: createdCheckout({ ...input, targets: { derivationIndex: index, entries } }),
      }
    }
    try {
      // Known empty: no look at all. The caller's `takeSlot` still looks above the hint (a refill found at once)
      // in the very statement that draws a fresh index, so a create on an empty pool is two statements, not four.
      if (knownEmpty(input.merchantId)) {
        done(Either.right({ _tag: "NoSlot" }))
        return
      }
      withHint(
        input.merchantId,
        insert,
        (rows) => rows.length > 0,
        (r) => {
          let out: PooledCreateResult
          try {
            out = answer(r)
          } catch (e) {
            done(Either.left(storeFailure("createPooledCheckout", e)))
            return
          }
          done(Either.right(out))
        },
      )
    } catch (e) {
      done(Either.left(storeFailure("createPooledCheckout", e)))
    }
  }
  /**
   * Per merchant, fresh indices this process drew ahead (`freshBlock` a statement), ascending. While the merchant's
   * pool is known empty a take hands the next one out without any statement, so an inline create is one statement
   * (its insert), not two. They come from the merchant's sequence (nextval: never handed out twice, whether
   * anything commits or not); those left when the process ends, killed or not, are gaps in the sequence.
   */
  const reserve = new Map<string, Array<bigint>>()
  /** Per merchant, the takes waiting for the block a take is drawing (concurrent takes do not each draw one). */
  const drawing = new Map<string, Array<() => void>>()
  const fromReserve = (merchantId: string): bigint | undefined => {
    const r = reserve.get(merchantId)
    const index = r?.shift()
    if (r !== undefined && r.length === 0) reserve.delete(merchantId)
    return index
  }
  /**
   * `takeSlot` (the port's and the fast path's): ONE statement (`takeSlotStatement`) — the first look, above the
   * hint, never draws a fresh index, the last look may (`freshBlock` of them, the rest kept in `reserve`) — or
   * none, on a pool known empty with a reserved index at hand. Answers through `done` once, from the driver's
   * callback (or at once, from the reserve).
   */
  const takeSlot: FastPath["takeSlot"] = (merchantId, keys, done) => {
    if (knownEmpty(merchantId)) {
      const index = fromReserve(merchantId)
      if (index !== undefined) {
        taken(merchantId, index)
        done(Either.right({ _tag: "Fresh", index }))
        return
      }
      const waiting = drawing.get(merchantId)
      if (waiting !== undefined) {
        waiting.push(() => takeSlot(merchantId, keys, done))
        return
      }
    }
    const drawer = freshBlock > 1 && !drawing.has(merchantId)
    if (drawer) drawing.set(merchantId, [])
    /** Answers this take, then lets the takes that waited for its block go again (to the reserve, mostly). */
    const finish = (r: Either.Either<DerivationSlot, StoreError>) => {
      const waiting = drawer ? drawing.get(merchantId) : undefined
      if (drawer) drawing.delete(merchantId)
      done(r)
      if (waiting !== undefined) for (const again of waiting) again()
    }
    const keysJson = keysText(keys)
    let fresh = 0
    const take = (
      above: bigint,
      last: boolean,
      next: (r: Either.Either<ReadonlyArray<TakeRow>, unknown>) => void,
    ) => {
      // Reserved indices are used up before any more are drawn.
      fresh = last && !reserve.has(merchantId) ? freshBlock : 0
      takeStatement.query([merchantId, keysJson, above.toString(), String(fresh)], (error, rows) =>
        next(error === null ? Either.right(rows) : Either.left(error)),
      )
    }
    const answer = (r: Either.Either<ReadonlyArray<TakeRow>, unknown>): DerivationSlot | null => {
      if (Either.isLeft(r)) throw r.left
      const row = r.right[0]
      if (row?.pooled === true) {
        const index = toBigInt(row.index)
        taken(merchantId, index)
        return { _tag: "Pooled", index, targets: slotTargets(row.targets) }
      }
      if (row === undefined && fresh > 0) throw new Error("unknown merchant")
      if (row !== undefined) {
        const drawn = r.right.map((x) => toBigInt(x.index)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        reserve.set(
          merchantId,
          [...(reserve.get(merchantId) ?? []), ...drawn].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      }
      const index = fromReserve(merchantId)
      if (index === undefined) return null
      // A fresh index is above every slot this process could still find (refills allocate later indices); a
      // worker's batch allocated before it is found by the next look from the lowest index.
      taken(merchantId, index)
      return { _tag: "Fresh", index }
    }
    try {
      withHint(
        merchantId,
        take,
        (rows) => rows[0]?.pooled === true,
        (r) => {
          let out: DerivationSlot | null
          try {
            out = answer(r)
          } catch (e) {
            finish(Either.left(storeFailure("takeSlot", e)))
            return
          }
          if (out !== null) return finish(Either.right(out))
          // The reserve ran dry while this look ran without drawing (other takes used it): this take goes again.
          const waiting = drawer ? drawing.get(merchantId) : undefined
          if (drawer) drawing.delete(merchantId)
          takeSlot(merchantId, keys, done)
          if (waiting !== undefined) for (const again of waiting) again()
        },
      )
    } catch (e) {
      finish(Either.left(storeFailure("takeSlot", e)))
    }
  }
  const pool: Context.Tag.Service<typeof AddressPool> = {
    takeSlot: (merchantId, keys) => Effect.async((resume) => takeSlot(merchantId, keys, resume)),

    createCheckout: (input, keys, derived) =>
      Effect.async((resume) => createPooledCheckout(input, keys, derived, resume)),

    poolSize: (merchantId) =>
      run("poolSize", async () => {
        const r = await sql<{ n: unknown }>`
        SELECT count(*) AS n FROM address_pool p
        WHERE p.merchant_id = ${merchantId} AND ${matches}`.execute(db)
        return Number(r.rows[0]?.n ?? 0)
      }),

    allocateIndices: (merchantId, count) =>
      run("allocateIndices", async () => {
        if (count <= 0) return []
        const r = await sql<{ index: unknown }>`
        SELECT nextval(m.index_sequence::regclass) AS index
        FROM merchants m, generate_series(1, ${Math.floor(count)}::int)
        WHERE m.id = ${merchantId}`.execute(db)
        if (r.rows.length === 0) throw new Error("unknown merchant")
        return r.rows.map((x) => toBigInt(x.index)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      }),

    addSlots: (merchantId, slots) =>
      run("addSlots", async () => {
        if (slots.length === 0) return 0
        const rows = await db
          .insertInto("address_pool")
          .values(
            slots.map((s) => ({
              merchant_id: merchantId,
              derivation_index: s.index.toString(),
              keys: keysText(s.keys),
              targets: JSON.stringify(
                s.targets.map((t) => ({ family: t.family, address: t.address, lookup: t.lookup })),
              ),
            })),
          )
          .onConflict((oc) => oc.columns(["merchant_id", "derivation_index"]).doNothing())
          .returning("derivation_index")
          .execute()
        // Slots added by this process are found at once (not after the empty pool's recheck interval).
        emptyUntil.delete(merchantId)
        return rows.length
      }),

    dropStale: (merchantId) =>
      run("dropStale", async () => {
        const r = await sql`
        DELETE FROM address_pool p
        WHERE NOT (${matches})
          ${merchantId === undefined ? sql`` : sql`AND p.merchant_id = ${merchantId}`}
        RETURNING 1`.execute(db)
        return r.rows.length
      }),

    lowPools: (below, derived) =>
      run("lowPools", async () => {
        if (derived.length === 0) return []
        // The count per merchant stops at `below` rows: the pass costs at most `below` index entries a merchant.
        const rows = await selectMerchants(db)
          .select(
            sql<unknown>`(SELECT count(*) FROM (
              SELECT 1 FROM address_pool p WHERE p.merchant_id = m.id AND ${matches} LIMIT ${below}) x)`.as(
              "pool_size",
            ),
          )
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom("merchant_payout_keys as k")
                .select(sql<number>`1`.as("one"))
                .whereRef("k.merchant_id", "=", "m.id")
                .where("k.family", "in", derived),
            ),
          )
          .orderBy("m.seq_no")
          .execute()
        return rows
          .filter((r) => Number(r.pool_size) < below)
          .map((r): { merchant: Merchant; size: number } => ({
            merchant: merchantFromRow(r, options.secrets),
            size: Number(r.pool_size),
          }))
      }),
  }
  return { pool, createPooledCheckout, takeSlot }
}
