import type {
  AddressPool,
  ChainFamily,
  DerivationSlot,
  Merchant,
  PayoutKeys,
  PooledCreateResult,
  StoredTarget,
} from "@inzi/core"
import type { FastPath } from "./FastPathPg.js"
import { type Context, Effect, Either } from "effect"
import { type Kysely, sql } from "kysely"
import { createdCheckout, memoTaken } from "./CheckoutStorePg.js"
import { selectMerchants } from "./MerchantStorePg.js"
import { run, storeFailure } from "./errors.js"
import { P, precompile } from "./precompiled.js"
import { fromJson, merchantFromRow, toBigInt } from "./rows.js"
import type { DB } from "./schema.js"
import type { SecretBox } from "./secrets.js"

/**
 * The merchant's current payout keys as the pool compares them: one jsonb object `{ "<family>": key }` (its
 * text form is canonical, so its md5 is the take index's key). `merchant` is an SQL expression of its id.
 */
const currentKeys = (
  merchant: ReturnType<typeof sql>,
) => sql`(SELECT coalesce(jsonb_object_agg(k.family, k.key),
  '{}'::jsonb) FROM merchant_payout_keys k WHERE k.merchant_id = ${merchant})`

/** The slot was derived under the merchant's current payout keys (`p` = address_pool). */
const matches = sql`p.keys = ${currentKeys(sql`p.merchant_id`)}`

/** Payout keys as the JSON text the statements take (`$keys::jsonb`). */
const keysText = (keys: PayoutKeys): string => JSON.stringify(keys)

/**
 * The lowest slot of the merchant derived under exactly `keys` (JSON text; index range of address_pool_take,
 * in order; the keys are rechecked, not only their digest), provided they are still the merchant's (a one-time
 * check), locked with SKIP LOCKED: concurrent takers each get another slot, or none. A
 * `(merchant_id, derivation_index)` row.
 */
const lowestSlotSql = (merchantId: string, keys: string, above: string) => sql`
  SELECT p.merchant_id, p.derivation_index FROM address_pool p
  WHERE p.merchant_id = ${merchantId} AND p.derivation_index > ${above}::bigint
    AND p.keys_key = md5(${keys}::jsonb::text) AND p.keys = ${keys}::jsonb
    AND ${currentKeys(sql`${merchantId}::text`)} = ${keys}::jsonb
  ORDER BY p.derivation_index
  LIMIT 1
  FOR UPDATE OF p SKIP LOCKED`

/** A row of the pooled create statement: one target written, with the slot's index. */
type PooledRow = {
  readonly index: unknown
  readonly family: string
  readonly address: string | null
}

/**
 * The pooled create statement, compiled once (precompiled.ts): slot taken + checkout + targets, one statement,
 * the targets in one multi-row insert (the slot's addresses of the `derived` families and the drawn memos).
 * Its arguments, in order: id, merchant, mode, amount, description, metadata, email, redirect, webhook, networks
 * (JSON text), expiresAt, createdAt, derived (JSON array of family names), memos (JSON `[{ family, memo,
 * lookup }]`), keys (JSON object), above (the index the slot must lie above, as text).
 */
export const pooledCreateStatement = (db: Kysely<DB>) =>
  precompile(
    db,
    (
      id: string,
      merchantId: string,
      mode: string,
      amount: string,
      description: string | null,
      metadata: string | null,
      email: string | null,
      redirect: string | null,
      webhook: string | null,
      networks: string,
      expiresAt: Date,
      createdAt: Date,
      derived: string,
      memos: string,
      keys: string,
      above: string,
    ) => sql<PooledRow>`
    WITH slot AS (
      DELETE FROM address_pool
      WHERE (merchant_id, derivation_index) = (${lowestSlotSql(merchantId, keys, above)})
      RETURNING derivation_index, targets
    ), c AS (
      INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, metadata,
        customer_email, redirect_url, webhook_url, networks, expires_at, created_at, updated_at)
      SELECT ${id}::text, ${merchantId}::text, ${mode}::text, 'pending', ${amount}::bigint, 'USD',
        ${description}::text, ${metadata}::text, ${email}::text, ${redirect}::text, ${webhook}::text,
        ${networks}::jsonb, ${expiresAt}::timestamptz, ${createdAt}::timestamptz, ${createdAt}::timestamptz
      FROM slot
      RETURNING id
    )
    INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, memo, lookup)
    SELECT c.id, e.family, ${merchantId}::text, slot.derivation_index, e.address, e.memo, e.lookup
    FROM c, slot, LATERAL (
      SELECT a.family, a.address, NULL::text AS memo, a.lookup
      FROM jsonb_to_recordset(slot.targets) AS a(family text, address text, lookup text)
      WHERE ${derived}::jsonb ? a.family
      UNION ALL
      SELECT m.family, NULL, m.memo, m.lookup
      FROM jsonb_to_recordset(${memos}::jsonb) AS m(family text, memo text, lookup text)
    ) e
    RETURNING derivation_index AS index, family, address`,
    P("id"),
    P("merchant"),
    P("mode"),
    P("amount"),
    P("description") as string | null,
    P("metadata") as string | null,
    P("email") as string | null,
    P("redirect") as string | null,
    P("webhook") as string | null,
    P("networks"),
    new Date(0),
    new Date(1),
    P("derived"),
    P("memos"),
    P("keys"),
    P("above"),
  )

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
  } = {},
): {
  readonly pool: Context.Tag.Service<typeof AddressPool>
  readonly createPooledCheckout: FastPath["createPooledCheckout"]
} => {
  const emptyRecheckMs = options.emptyRecheckMs ?? 1_000
  /**
   * Per merchant, the highest index this process took. Takes look above it first: the slots below were taken
   * (deleted), and their dead index entries stay until VACUUM, so a take that always started from the lowest
   * index walked more of them each time (measured: a warm-pool create fell from ≈ 900 to ≈ 95 req/s after ≈ 9 000
   * takes). Indices come from a sequence, so refills land above the hint; only a slot skipped while another
   * session held it can sit below, and the second look (from the start) finds it once nothing is left above.
   */
  const hints = new Map<string, bigint>()
  const pooledInsert = pooledCreateStatement(db)
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
  /** `withHint` over a promise-returning look, as a promise. */
  const withHintAsync = <A>(
    merchantId: string,
    attempt: (above: bigint, last: boolean) => Promise<A>,
    found: (a: A) => boolean,
  ): Promise<A> =>
    new Promise((resolve, reject) =>
      withHint<A>(
        merchantId,
        (above, last, next) =>
          attempt(above, last).then(
            (a) => next(Either.right(a)),
            (e) => next(Either.left(e)),
          ),
        found,
        (r) => (Either.isRight(r) ? resolve(r.right) : reject(r.left)),
      ),
    )
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
        [
          input.id,
          input.merchantId,
          input.mode,
          input.amountCents.toString(),
          input.description,
          input.metadataJson,
          input.customerEmail,
          input.redirectUrl,
          input.webhookUrl,
          JSON.stringify(input.networks),
          input.expiresAt,
          input.createdAt,
          derivedJson,
          memosJson,
          keysJson,
          above.toString(),
        ],
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
  const pool: Context.Tag.Service<typeof AddressPool> = {
    takeSlot: (merchantId, keys) =>
      run("takeSlot", async () => {
        // One statement: the DELETE takes the lowest usable slot above `above`; only when it took nothing, and
        // `fresh`, does the second branch draw a fresh index (its NOT EXISTS is a one-time filter, so nextval is
        // not evaluated otherwise). The first look, above the hint, never draws one.
        const keysJson = keysText(keys)
        const take = (above: bigint, fresh: boolean) =>
          sql<{ index: unknown; targets: unknown; pooled: boolean }>`
        WITH taken AS (
          DELETE FROM address_pool
          WHERE (merchant_id, derivation_index) = (${lowestSlotSql(merchantId, keysJson, above.toString())})
          RETURNING derivation_index, targets
        )
        SELECT derivation_index AS index, targets, true AS pooled FROM taken
        UNION ALL
        SELECT nextval(index_sequence::regclass), NULL, false FROM merchants
        WHERE ${fresh} AND id = ${merchantId} AND NOT EXISTS (SELECT 1 FROM taken)`.execute(db)
        // The last look is the one that may draw a fresh index.
        const r = await withHintAsync(merchantId, take, (x) => x.rows[0]?.pooled === true)
        const row = r.rows[0]
        if (row === undefined) throw new Error("unknown merchant")
        const slot: DerivationSlot = row.pooled
          ? { _tag: "Pooled", index: toBigInt(row.index), targets: slotTargets(row.targets) }
          : { _tag: "Fresh", index: toBigInt(row.index) }
        // A fresh index is above every slot this process could still find (refills allocate later indices); a
        // worker's batch allocated before it is found by the next look from the lowest index.
        taken(merchantId, slot.index)
        return slot
      }),

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
  return { pool, createPooledCheckout }
}
