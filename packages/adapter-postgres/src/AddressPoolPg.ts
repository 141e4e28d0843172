import type { AddressPool, DerivationSlot, Merchant, PooledCreateResult, PoolXpubs } from "@inzi/core"
import type { FastPath } from "./FastPathPg.js"
import { type Context, Effect, Either } from "effect"
import { type Kysely, type Selectable, sql } from "kysely"
import { createdCheckout } from "./CheckoutStorePg.js"
import { constraintOf, run, sqlState, storeFailure } from "./errors.js"
import { P, precompile } from "./precompiled.js"
import { merchantFromRow, toBigInt } from "./rows.js"
import type { DB, MerchantsTable } from "./schema.js"
import type { SecretBox } from "./secrets.js"

/** The slot's xpubs are the merchant's current ones (`p` = address_pool, `m` = merchants). */
const matches = sql`p.evm_xpub IS NOT DISTINCT FROM m.evm_xpub AND p.tron_xpub IS NOT DISTINCT FROM m.tron_xpub`

/**
 * The lowest slot of the merchant derived from exactly `xpubs` (index range of address_pool_take, in order; the
 * xpubs are rechecked, not only their digest), provided they are still the merchant's (a one-time check), locked
 * with SKIP LOCKED: concurrent takers each get another slot, or none. A `(merchant_id, derivation_index)` row.
 */
const lowestSlot = (merchantId: string, { evmXpub, tronXpub }: PoolXpubs, above: bigint) =>
  lowestSlotSql(merchantId, evmXpub, tronXpub, above.toString())

const lowestSlotSql = (merchantId: string, evm: string | null, tron: string | null, above: string) => sql`
  SELECT p.merchant_id, p.derivation_index FROM address_pool p
  WHERE p.merchant_id = ${merchantId} AND p.derivation_index > ${above}::bigint
    AND p.xpubs_key = md5(coalesce(${evm}::text, '') || '/' || coalesce(${tron}::text, ''))
    AND p.evm_xpub IS NOT DISTINCT FROM ${evm}::text AND p.tron_xpub IS NOT DISTINCT FROM ${tron}::text
    AND EXISTS (SELECT 1 FROM merchants m WHERE m.id = ${merchantId}
      AND m.evm_xpub IS NOT DISTINCT FROM ${evm}::text AND m.tron_xpub IS NOT DISTINCT FROM ${tron}::text)
  ORDER BY p.derivation_index
  LIMIT 1
  FOR UPDATE OF p SKIP LOCKED`

/**
 * The pooled create statement, compiled once (precompiled.ts): slot taken + checkout + targets, one statement.
 * Its arguments, in order: id, merchant, mode, amount, description, metadata, email, redirect, webhook, networks
 * (JSON text), expiresAt, createdAt, evm, tron (booleans: the families to fill), comment, evmXpub, tronXpub,
 * above (the index the slot must lie above, as text).
 */
/** A row of the pooled create statement: the slot's index and the addresses written. */
type PooledRow = {
  readonly index: unknown
  readonly evm_address: string | null
  readonly tron_address: string | null
}

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
      evm: boolean,
      tron: boolean,
      comment: string,
      evmXpub: string | null,
      tronXpub: string | null,
      above: string,
    ) => sql<PooledRow>`
    WITH slot AS (
      DELETE FROM address_pool
      WHERE (merchant_id, derivation_index) = (${lowestSlotSql(merchantId, evmXpub, tronXpub, above)})
      RETURNING derivation_index, evm_address, tron_address
    ), c AS (
      INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, metadata,
        customer_email, redirect_url, webhook_url, networks, expires_at, created_at, updated_at)
      SELECT ${id}::text, ${merchantId}::text, ${mode}::text, 'pending', ${amount}::bigint, 'USD',
        ${description}::text, ${metadata}::text, ${email}::text, ${redirect}::text, ${webhook}::text,
        ${networks}::jsonb, ${expiresAt}::timestamptz, ${createdAt}::timestamptz, ${createdAt}::timestamptz
      WHERE EXISTS (SELECT 1 FROM slot)
      RETURNING id
    )
    INSERT INTO deposit_targets (checkout_id, merchant_id, derivation_index, evm_address, tron_address,
      ton_comment)
    SELECT c.id, ${merchantId}::text, slot.derivation_index,
      CASE WHEN ${evm}::boolean THEN slot.evm_address END,
      CASE WHEN ${tron}::boolean THEN slot.tron_address END, ${comment}::text
    FROM c, slot
    RETURNING derivation_index AS index, evm_address, tron_address`,
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
    P("evm") as unknown as boolean,
    P("tron") as unknown as boolean,
    P("comment"),
    P("evmXpub") as string | null,
    P("tronXpub") as string | null,
    P("above"),
  )

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
  const createPooledCheckout: FastPath["createPooledCheckout"] = (input, xpubs, families, done) => {
    const comment = input.targets.tonComment
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
          families.evm,
          families.tron,
          comment,
          xpubs.evmXpub,
          xpubs.tronXpub,
          above.toString(),
        ],
        (error, rows) => next(error === null ? Either.right(rows) : Either.left(error)),
      )
    const answer = (r: Either.Either<ReadonlyArray<PooledRow>, unknown>): PooledCreateResult => {
      if (Either.isLeft(r)) {
        // A taken TON comment aborts the whole statement (the slot stays in the pool): the caller redraws.
        const e = r.left
        const which = `${constraintOf(e) ?? ""} ${(e as { message?: unknown }).message ?? ""}`
        if (sqlState(e) === "23505" && /ton_comment/.test(which) && /deposit_targets/.test(which))
          return { _tag: "CommentTaken" }
        throw e
      }
      const row = r.right[0]
      if (row === undefined) return { _tag: "NoSlot" }
      const index = toBigInt(row.index)
      taken(input.merchantId, index)
      const targets = {
        derivationIndex: index,
        evmAddress: row.evm_address,
        tronAddress: row.tron_address,
        tonComment: comment,
      }
      return { _tag: "Created", checkout: createdCheckout({ ...input, targets }, comment) }
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
    takeSlot: (merchantId, xpubs) =>
      run("takeSlot", async () => {
        // One statement: the DELETE takes the lowest usable slot above `above`; only when it took nothing, and
        // `fresh`, does the second branch draw a fresh index (its NOT EXISTS is a one-time filter, so nextval is
        // not evaluated otherwise). The first look, above the hint, never draws one.
        const take = (above: bigint, fresh: boolean) =>
          sql<{
            index: unknown
            evm_address: string | null
            tron_address: string | null
            pooled: boolean
          }>`
        WITH taken AS (
          DELETE FROM address_pool
          WHERE (merchant_id, derivation_index) = (${lowestSlot(merchantId, xpubs, above)})
          RETURNING derivation_index, evm_address, tron_address
        )
        SELECT derivation_index AS index, evm_address, tron_address, true AS pooled FROM taken
        UNION ALL
        SELECT nextval(index_sequence::regclass), NULL, NULL, false FROM merchants
        WHERE ${fresh} AND id = ${merchantId} AND NOT EXISTS (SELECT 1 FROM taken)`.execute(db)
        // The last look is the one that may draw a fresh index.
        const r = await withHintAsync(merchantId, take, (x) => x.rows[0]?.pooled === true)
        const row = r.rows[0]
        if (row === undefined) throw new Error("unknown merchant")
        const slot: DerivationSlot = row.pooled
          ? {
              _tag: "Pooled",
              index: toBigInt(row.index),
              evmAddress: row.evm_address,
              tronAddress: row.tron_address,
            }
          : { _tag: "Fresh", index: toBigInt(row.index) }
        // A fresh index is above every slot this process could still find (refills allocate later indices); a
        // worker's batch allocated before it is found by the next look from the lowest index.
        taken(merchantId, slot.index)
        return slot
      }),

    createCheckout: (input, xpubs, families) =>
      Effect.async((resume) => createPooledCheckout(input, xpubs, families, resume)),

    poolSize: (merchantId) =>
      run("poolSize", async () => {
        const r = await sql<{ n: unknown }>`
        SELECT count(*) AS n FROM address_pool p JOIN merchants m ON m.id = p.merchant_id
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
              evm_xpub: s.evmXpub,
              evm_address: s.evmAddress,
              tron_xpub: s.tronXpub,
              tron_address: s.tronAddress,
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
        DELETE FROM address_pool p USING merchants m
        WHERE m.id = p.merchant_id AND NOT (${matches})
          ${merchantId === undefined ? sql`` : sql`AND p.merchant_id = ${merchantId}`}
        RETURNING 1`.execute(db)
        return r.rows.length
      }),

    lowPools: (below) =>
      run("lowPools", async () => {
        // The count per merchant stops at `below` rows: the pass costs at most `below` index entries a merchant.
        const rows = await db
          .selectFrom((eb) =>
            eb
              .selectFrom("merchants as m")
              .selectAll("m")
              .select(
                sql<unknown>`(SELECT count(*) FROM (
                SELECT 1 FROM address_pool p WHERE p.merchant_id = m.id AND ${matches} LIMIT ${below}) x)`.as(
                  "pool_size",
                ),
              )
              .where((w) => w.or([w("m.evm_xpub", "is not", null), w("m.tron_xpub", "is not", null)]))
              .as("s"),
          )
          .selectAll()
          .where(sql<boolean>`s.pool_size < ${below}`)
          .orderBy("s.seq_no")
          .execute()
        return rows.map((r): { merchant: Merchant; size: number } => ({
          // The subquery hands columns back unwrapped from their ColumnType; the row is a merchants row.
          merchant: merchantFromRow(r as unknown as Selectable<MerchantsTable>, options.secrets),
          size: Number(r.pool_size),
        }))
      }),
  }
  return { pool, createPooledCheckout }
}
