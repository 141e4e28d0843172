import {
  type Checkout,
  type CheckoutNotFound as CheckoutNotFoundT,
  CheckoutNotFound,
  type CheckoutStore,
  type CreateCheckoutResult,
  type GetCheckoutQuery,
  IDEMPOTENCY_TTL_MS,
  idempotencyDecision,
  type ExpirySweepService,
  IdempotencyConflict,
  type IdempotentResponse,
  type NewCheckout,
  type PaymentLedgerService,
  type MemoTaken,
  StoreError,
  type StoredTarget,
  type UnmatchedPaymentsService,
} from "@inzi/core"
import { type Context, Effect, type Either } from "effect"
import { type Kysely, type Selectable, sql, type Transaction } from "kysely"
import { countCheckouts } from "./checkoutCounts.js"
import { constraintOf, Fail, run, runStatement, sqlState, statementDirect } from "./errors.js"
import { P, precompile } from "./precompiled.js"
import { type CheckoutRow, selectCheckouts, targetsJson, toCheckout, withPayments } from "./checkoutRows.js"
import { fromJson, paymentFromRow, toBigInt, toDate } from "./rows.js"
import type { DB, PaymentsTable } from "./schema.js"

type Db = Kysely<DB> | Transaction<DB>

/** Rows per page of a whole read of the watched targets (`watchTargets` without a cursor). */
const WATCH_PAGE = 20_000

/** How long an Idempotency-Key is remembered (API.md: 24 hours): core's retention. */
export { IDEMPOTENCY_TTL_MS }

/** An `idempotency_keys` row as core's `idempotencyDecision` reads it. */
const idempotencyRecord = (r: {
  readonly request_hash: string
  readonly response_status: number | null
  readonly response_body: string | null
  readonly created_at: Date | string
}) => ({
  requestHash: r.request_hash,
  response:
    r.response_status === null || r.response_body === null
      ? null
      : { status: Number(r.response_status), body: r.response_body },
  createdAt: toDate(r.created_at),
})

/** The `checkouts` row of a new checkout. */
const checkoutRow = (input: NewCheckout) => ({
  id: input.id,
  merchant_id: input.merchantId,
  mode: input.mode,
  status: "pending",
  amount_cents: input.amountCents.toString(),
  currency: "USD",
  description: input.description,
  metadata: input.metadataJson,
  customer_email: input.customerEmail,
  redirect_url: input.redirectUrl,
  webhook_url: input.webhookUrl,
  networks: JSON.stringify(input.networks),
  expires_at: input.expiresAt,
  created_at: input.createdAt,
  updated_at: input.createdAt,
})

/** The `deposit_targets` rows of a new checkout (one per family). */
export const targetRows = (input: NewCheckout) =>
  input.targets.entries.map((t) => ({
    checkout_id: input.id,
    family: t.family,
    merchant_id: input.merchantId,
    derivation_index: input.targets.derivationIndex.toString(),
    address: t.address,
    memo: t.memo,
    lookup: t.lookup,
  }))

/**
 * Whether a unique violation on the targets' lookup key is one of `entries`' memos already used by the
 * merchant (a draw to redo), rather than a derived address reused (a defect). Postgres names the key in
 * `detail`; without one, any memo of the checkout is taken to be it.
 */
export const memoTaken = (e: unknown, entries: ReadonlyArray<StoredTarget>): boolean => {
  if (sqlState(e) !== "23505") return false
  const which = `${constraintOf(e) ?? ""} ${(e as { message?: unknown }).message ?? ""}`
  if (!/deposit_targets_lookup/.test(which)) return false
  const memos = entries.filter((t) => t.memo !== null)
  const detail = (e as { detail?: unknown }).detail
  return typeof detail === "string"
    ? memos.some((t) => detail.includes(`(${t.lookup}, ${t.family})`))
    : memos.length > 0
}

/** The checkout as just created. */
export const createdCheckout = (input: NewCheckout): Checkout => ({
  id: input.id,
  merchantId: input.merchantId,
  mode: input.mode,
  status: "pending",
  amountCents: input.amountCents,
  currency: "USD",
  description: input.description,
  metadataJson: input.metadataJson,
  customerEmail: input.customerEmail,
  redirectUrl: input.redirectUrl,
  webhookUrl: input.webhookUrl,
  targets: {
    derivationIndex: input.targets.derivationIndex,
    entries: input.targets.entries
      .map((t) => ({ family: t.family, address: t.address, memo: t.memo }))
      .sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0)),
  },
  networks: [...input.networks],
  payments: [],
  expiresAt: input.expiresAt,
  createdAt: input.createdAt,
  updatedAt: input.createdAt,
})

/**
 * The payments of checkout `c.id` as one JSON array (numbers that can exceed 2^53 as text), in detection order.
 * The ordered aggregate runs only when the checkout has a payment (most reads are of checkouts without one): an
 * ordered aggregate sets a sort up on every execution, even over no rows — ≈ 24 KB malloc'd and freed per read,
 * which in some backends sat at the heap's top and cost two `brk` calls and a page fault per read (≈ 2 × the
 * backend's CPU per GET; bench/RESULTS.md, api). The EXISTS probe is the same index lookup the aggregate's scan
 * starts with (payments_checkout).
 */
const paymentsJson = sql<unknown>`(CASE WHEN EXISTS (SELECT FROM payments p WHERE p.checkout_id = c.id) THEN (
  SELECT coalesce(json_agg(json_build_object(
    'network', p.network, 'tx_hash', p.tx_hash, 'log_index', p.log_index, 'checkout_id', p.checkout_id,
    'token', p.token, 'token_contract', p.token_contract, 'decimals', p.decimals, 'amount', p.amount::text,
    'sender', p.sender, 'recipient', p.recipient, 'block_number', p.block_number::text,
    'block_hash', p.block_hash, 'status', p.status, 'confirmations', p.confirmations,
    'detected_at', p.detected_at, 'confirmed_at', p.confirmed_at, 'updated_at', p.updated_at
  ) ORDER BY p.detected_at, p.tx_hash, p.log_index), '[]'::json)
  FROM payments p WHERE p.checkout_id = c.id
) ELSE '[]'::json END)`

/**
 * One checkout (with its targets) and its payments in ONE query and ONE column: the row as a JSON object with
 * the column names of `CheckoutRow` (int8 as text, timestamps as ISO 8601 text) plus `payments_json`. One JSON
 * column instead of ≈ 20: the driver's per-execution work (a parser per described column, every timestamp
 * parsed apart) was ≈ 30 µs of the GET's client CPU; one JSON.parse is a few. Decoded by `checkoutWithPayments`.
 */
const selectCheckoutJson = (db: Db) =>
  db.selectFrom("checkouts as c").select(
    sql<unknown>`json_build_object(
        'id', c.id, 'merchant_id', c.merchant_id, 'mode', c.mode, 'status', c.status,
        'amount_cents', c.amount_cents::text, 'currency', c.currency, 'description', c.description,
        'metadata', c.metadata, 'customer_email', c.customer_email, 'redirect_url', c.redirect_url,
        'webhook_url', c.webhook_url, 'networks', c.networks, 'expires_at', c.expires_at,
        'created_at', c.created_at, 'updated_at', c.updated_at,
        'targets', ${targetsJson}, 'payments_json', ${paymentsJson}
      )`.as("checkout"),
  )

/** GET /checkouts/:id's read, compiled once: one parameter (the id), one row with one `checkout` JSON column. */
export const checkoutByIdStatement = (db: Kysely<DB>) =>
  precompile(db, (id: string) => selectCheckoutJson(db).where("c.id", "=", id), P("id"))

const checkoutWithPayments = (json: unknown, now: Date | null): Checkout => {
  const r = fromJson(json) as CheckoutRow & { readonly payments_json: unknown }
  return toCheckout(
    r,
    (fromJson(r.payments_json) as ReadonlyArray<Selectable<PaymentsTable>>).map(paymentFromRow),
    now,
  )
}

/** The checkout members of `CheckoutStore`; the ingestion ports are LedgerPg.ts, UnmatchedPg.ts, ExpirySweepPg.ts. */
export type CheckoutsPg = Omit<
  Context.Tag.Service<typeof CheckoutStore>,
  keyof PaymentLedgerService | keyof UnmatchedPaymentsService | keyof ExpirySweepService
>

/**
 * The GET read over `checkoutById` (`checkoutByIdStatement`): one precompiled statement, answered through `done`
 * once from the driver's callback (no fiber needed): `getCheckout`, and the server's fast path (FastPathPg.ts).
 */
export const readCheckout =
  (checkoutById: ReturnType<typeof checkoutByIdStatement>) =>
  (
    q: GetCheckoutQuery,
    done: (result: Either.Either<Checkout, StoreError | CheckoutNotFoundT>) => void,
  ): void =>
    statementDirect<{ checkout: unknown }, [string], Checkout, CheckoutNotFoundT>(
      "getCheckout",
      checkoutById,
      [q.id],
      (rows) => {
        const row = rows[0]
        const found = row === undefined ? undefined : checkoutWithPayments(row.checkout, q.now)
        // Another merchant's checkout, or the other mode's, does not exist for this caller.
        if (found === undefined || found.merchantId !== q.merchantId || found.mode !== q.mode)
          throw new Fail(new CheckoutNotFound({ id: q.id }))
        return found
      },
      done,
    )

/**
 * A create without an Idempotency-Key, compiled once (precompiled.ts): the checkout row, and its targets in one
 * multi-row insert through a CTE, one statement. Arguments: id, merchant, mode, amount, description, metadata,
 * email, redirect, webhook, networks (JSON text), expiresAt, createdAt, index (text), targets (JSON
 * `[{ family, address, memo, lookup }]`).
 */
const plainCreateStatement = (db: Kysely<DB>) =>
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
      index: string,
      targets: string,
    ) => sql<never>`
    WITH c AS (
      INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, metadata,
        customer_email, redirect_url, webhook_url, networks, expires_at, created_at, updated_at)
      VALUES (${id}::text, ${merchantId}::text, ${mode}::text, 'pending', ${amount}::bigint, 'USD',
        ${description}::text, ${metadata}::text, ${email}::text, ${redirect}::text, ${webhook}::text,
        ${networks}::jsonb, ${expiresAt}::timestamptz, ${createdAt}::timestamptz, ${createdAt}::timestamptz)
      RETURNING id
    )
    INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, memo, lookup)
    SELECT c.id, t.family, ${merchantId}::text, ${index}::bigint, t.address, t.memo, t.lookup
    FROM c, jsonb_to_recordset(${targets}::jsonb) AS t(family text, address text, memo text, lookup text)`,
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
    P("index"),
    P("targets"),
  )

/** A deposit target that collides with another checkout's: a reused derivation index or address. */
const collision = () =>
  new StoreError({
    message: "deposit targets collide with an existing checkout (derivation index or address reused?)",
  })

/** The checkouts of `CheckoutStore` over kysely: create, read, list, and the watchers' open targets. */
export const makeCheckoutStore = (db: Kysely<DB>): CheckoutsPg => {
  // The two reads behind GET /checkouts/:id and the hosted page, compiled once (precompiled.ts).
  // By primary key only; the owner is checked on the row. With "AND merchant_id = $2 AND mode = $3" in SQL, a
  // generic plan of the prepared statement (or a custom one on stale statistics) may take the merchant's list
  // index and walk every checkout of the merchant (the api bench's GET fell to ≈ 10 % of bare that way).
  const checkoutById = checkoutByIdStatement(db)
  const checkoutByToken = precompile(
    db,
    (live: string, test: string) => selectCheckoutJson(db).where("c.id", "in", [live, test]),
    P("live"),
    P("test"),
  )

  /**
   * A create without an Idempotency-Key in ONE statement (the checkout row, and its targets in one multi-row
   * insert, through a CTE): atomic on its own, one round trip instead of BEGIN/INSERT/INSERT/COMMIT. A memo the
   * merchant already uses aborts the statement: `MemoTaken`; any other conflict is a collision error.
   */
  const plainInsert = plainCreateStatement(db)
  const createPlain = async (input: NewCheckout): Promise<CreateCheckoutResult | MemoTaken> => {
    try {
      await plainInsert.execute(
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
        input.targets.derivationIndex.toString(),
        JSON.stringify(
          input.targets.entries.map((t) => ({
            family: t.family,
            address: t.address,
            memo: t.memo,
            lookup: t.lookup,
          })),
        ),
      )
      return { _tag: "Created", checkout: createdCheckout(input), response: null }
    } catch (e) {
      if (memoTaken(e, input.targets.entries)) return { _tag: "MemoTaken" }
      if (sqlState(e) === "23505") throw new Fail(collision())
      throw e
    }
  }

  /** Thrown inside the idempotent create's transaction to roll it back when a memo is taken. */
  const MEMO_TAKEN: MemoTaken = { _tag: "MemoTaken" }

  const getCheckoutWith = readCheckout(checkoutById)

  return {
    allocateDerivationIndex: (merchantId) =>
      run("allocateDerivationIndex", async () => {
        const r = await sql<{ index: unknown }>`
          SELECT nextval(index_sequence::regclass) AS index FROM merchants WHERE id = ${merchantId}`.execute(
          db,
        )
        const row = r.rows[0]
        if (row === undefined) throw new Error("unknown merchant")
        return toBigInt(row.index)
      }),

    createCheckout: (input, idem) =>
      run<CreateCheckoutResult | MemoTaken, IdempotencyConflict>("createCheckout", () =>
        idem === null
          ? createPlain(input)
          : db
              .transaction()
              .execute(async (trx): Promise<CreateCheckoutResult> => {
                if (idem !== null) {
                  const cutoff = new Date(input.createdAt.getTime() - IDEMPOTENCY_TTL_MS)
                  // Claim the key. A concurrent holder's uncommitted row makes this wait until it commits, then
                  // conflict; a record older than 24 h is taken over.
                  const claimed = await trx
                    .insertInto("idempotency_keys")
                    .values({
                      merchant_id: input.merchantId,
                      mode: input.mode,
                      key: idem.key,
                      request_hash: idem.requestHash,
                      response_status: null,
                      response_body: null,
                      checkout_id: null,
                      created_at: input.createdAt,
                    })
                    .onConflict((oc) =>
                      oc
                        .columns(["merchant_id", "mode", "key"])
                        .doUpdateSet({
                          request_hash: idem.requestHash,
                          response_status: null,
                          response_body: null,
                          checkout_id: null,
                          created_at: input.createdAt,
                        })
                        .where("idempotency_keys.created_at", "<=", cutoff),
                    )
                    .returning("key")
                    .executeTakeFirst()
                  if (claimed === undefined) {
                    const prior = await trx
                      .selectFrom("idempotency_keys")
                      .selectAll()
                      .where("merchant_id", "=", input.merchantId)
                      .where("mode", "=", input.mode)
                      .where("key", "=", idem.key)
                      .executeTakeFirstOrThrow()
                    // The claim waited for the holder's commit: a live record, answered (or a defect).
                    const decided = idempotencyDecision(idempotencyRecord(prior), {
                      requestHash: idem.requestHash,
                      now: input.createdAt,
                    })
                    if (decided._tag === "Conflict")
                      throw new Fail(new IdempotencyConflict({ key: idem.key }))
                    if (decided._tag === "Proceed") throw new Error("idempotency record without a response")
                    return { _tag: "Replayed", response: decided.response }
                  }
                }
                await trx.insertInto("checkouts").values(checkoutRow(input)).execute()
                // DO NOTHING keeps the error out of the transaction; a row left out is a memo taken (the
                // transaction is rolled back, the key's claim with it) or a reused address.
                const rows = targetRows(input)
                const written = await trx
                  .insertInto("deposit_targets")
                  .values(rows)
                  .onConflict((oc) => oc.doNothing())
                  .returning("family")
                  .execute()
                if (written.length < rows.length) {
                  const missing = input.targets.entries.filter(
                    (t) => !written.some((w) => w.family === t.family),
                  )
                  throw missing.every((t) => t.memo !== null) ? MEMO_TAKEN : new Fail(collision())
                }
                const checkout = createdCheckout(input)
                if (idem === null) return { _tag: "Created", checkout, response: null }
                const response = idem.render(checkout)
                await trx
                  .updateTable("idempotency_keys")
                  .set({
                    response_status: response.status,
                    response_body: response.body,
                    checkout_id: checkout.id,
                  })
                  .where("merchant_id", "=", input.merchantId)
                  .where("mode", "=", input.mode)
                  .where("key", "=", idem.key)
                  .execute()
                return { _tag: "Created", checkout, response }
              })
              .catch((e: unknown) => {
                if (e === MEMO_TAKEN) return MEMO_TAKEN
                throw e
              }),
      ),

    findIdempotentReplay: (q) =>
      run<IdempotentResponse | null, IdempotencyConflict>("findIdempotentReplay", async () => {
        const prior = await db
          .selectFrom("idempotency_keys")
          .select(["request_hash", "response_status", "response_body", "created_at"])
          .where("merchant_id", "=", q.merchantId)
          .where("mode", "=", q.mode)
          .where("key", "=", q.key)
          .executeTakeFirst()
        const decided = idempotencyDecision(prior === undefined ? null : idempotencyRecord(prior), q)
        if (decided._tag === "Conflict") throw new Fail(new IdempotencyConflict({ key: q.key }))
        return decided._tag === "Replay" ? decided.response : null
      }),

    getCheckout: (q) => Effect.async((resume) => getCheckoutWith(q, resume)),

    getCheckoutByToken: (token, now) =>
      runStatement<{ checkout: unknown }, [string, string], Checkout, CheckoutNotFoundT>(
        "getCheckoutByToken",
        checkoutByToken,
        [`chk_live_${token}`, `chk_test_${token}`],
        (rows) => {
          const row = rows[0]
          if (row === undefined) throw new Fail(new CheckoutNotFound({ id: token }))
          return checkoutWithPayments(row.checkout, now)
        },
      ),

    listCheckouts: (q) =>
      run("listCheckouts", async () => {
        let base = db
          .selectFrom("checkouts as c")
          .where("c.merchant_id", "=", q.merchantId)
          .where("c.mode", "=", q.mode)
        // The status filter reads statuses as a client does: an overdue pending checkout is expired.
        if (q.status === "expired") {
          base = base.where((eb) =>
            eb.or([
              eb("c.status", "=", "expired"),
              eb.and([eb("c.status", "=", "pending"), eb("c.expires_at", "<=", q.now)]),
            ]),
          )
        } else if (q.status === "pending") {
          base = base.where("c.status", "=", "pending").where("c.expires_at", ">", q.now)
        } else if (q.status !== undefined) {
          base = base.where("c.status", "=", q.status)
        }
        if (q.createdAfter !== undefined) base = base.where("c.created_at", ">", q.createdAfter)
        if (q.createdBefore !== undefined) base = base.where("c.created_at", "<", q.createdBefore)
        const ids = await base
          .select("c.id")
          .orderBy("c.created_at", "desc")
          .orderBy("c.id", "desc")
          .limit(q.limit)
          .offset(q.offset)
          .execute()
        // Exact either way: the maintained counters answer merchant + mode (+ status); a date range is
        // counted over its rows.
        const total =
          q.createdAfter === undefined && q.createdBefore === undefined
            ? await countCheckouts(db, q)
            : Number(
                (
                  await base
                    .select((eb) => eb.fn.countAll<string | number | bigint>().as("n"))
                    .executeTakeFirst()
                )?.n ?? 0,
              )
        if (ids.length === 0) return { data: [], total }
        const rows = await selectCheckouts(db)
          .where(
            "c.id",
            "in",
            ids.map((r) => r.id),
          )
          .orderBy("c.created_at", "desc")
          .orderBy("c.id", "desc")
          .execute()
        return { data: await withPayments(db, rows, q.now), total }
      }),

    openTargets: (q) =>
      run("openTargets", async () => {
        const open = (db: Db) =>
          db
            .selectFrom("checkouts as c")
            .innerJoin("deposit_targets as t", (j) =>
              j.onRef("t.checkout_id", "=", "c.id").on("t.family", "=", q.family),
            )
            .where("c.mode", "=", q.mode)
            .where(sql<boolean>`c.networks @> jsonb_build_array(${q.network}::text)`)
            .where((eb) =>
              eb.or([eb("c.expires_at", ">", q.since), eb("c.status", "in", ["pending", "processing"])]),
            )
        if (q.deposit.kind === "derived-address") {
          const rows = await open(db)
            .select("t.lookup as address")
            .where("t.address", "is not", null)
            .execute()
          return { addresses: rows.map((r) => r.address), memos: [] }
        }
        const rows = await open(db)
          .innerJoin("merchant_payout_keys as k", (j) =>
            j.onRef("k.merchant_id", "=", "c.merchant_id").on("k.family", "=", q.family),
          )
          .select(["k.key as wallet", "t.memo"])
          .where("t.memo", "is not", null)
          .execute()
        const wallets = await db
          .selectFrom("merchant_payout_keys as k")
          .innerJoin("merchants as m", "m.id", "k.merchant_id")
          .select("k.key as wallet")
          .where("k.family", "=", q.family)
          .where(sql<boolean>`m.networks -> ${q.mode}::text @> jsonb_build_array(${q.network}::text)`)
          .execute()
        return {
          addresses: [],
          memos: rows.map((r) => ({ wallet: r.wallet, memo: r.memo ?? "" })),
          wallets: [...new Set(wallets.map((w) => w.wallet))],
        }
      }),

    watchTargets: (q) =>
      run("watchTargets", async () => {
        const memos = q.deposit.kind === "wallet-memo"
        // Taken before reading: a transaction still open now has an id at or above it (and one not started
        // yet, a higher one), so the next read, from this cursor, sees every target this one may miss.
        const snap = await sql<{
          xmin: string
        }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(db)
        const cursor = snap.rows[0]?.xmin ?? "0"
        const targets = (db: Db) =>
          db
            .selectFrom("deposit_targets as t")
            .innerJoin("checkouts as c", "c.id", "t.checkout_id")
            .select([
              sql<string>`${sql.ref(memos ? "t.memo" : "t.lookup")}`.as("key"),
              "c.merchant_id",
              sql<number>`ceil(extract(epoch FROM c.expires_at) * 1000)::float8`.as("expires_ms"),
            ])
            .where("t.family", "=", q.family)
            .where(memos ? "t.memo" : "t.address", "is not", null)
            .where("c.mode", "=", q.mode)
            .where(sql<boolean>`c.networks @> jsonb_build_array(${q.network}::text)`)
        const toTarget = (r: { key: string; merchant_id: string; expires_ms: number | string }) => ({
          key: r.key,
          merchantId: r.merchant_id,
          expiresAtMs: Number(r.expires_ms),
        })
        const added: Array<ReturnType<typeof toTarget>> = []
        if (q.after === null) {
          // Whole: by pages in lookup order, so neither side holds a million rows at once. Targets are never
          // deleted and the filter is by time only: a page misses nothing committed before the cursor.
          let after: string | null = null
          for (;;) {
            let page = targets(db)
              .select("t.lookup")
              .where("c.expires_at", ">", q.since)
              .orderBy("t.lookup")
              .limit(WATCH_PAGE)
            if (after !== null) page = page.where("t.lookup", ">", after)
            const rows = await page.execute()
            for (const r of rows) added.push(toTarget(r))
            if (rows.length < WATCH_PAGE) break
            after = rows[rows.length - 1]!.lookup
          }
        } else {
          const rows = await targets(db)
            .where("c.expires_at", ">", q.since)
            .where(sql<boolean>`t.created_xid >= ${q.after}::xid8`)
            .execute()
          for (const r of rows) added.push(toTarget(r))
        }
        const held = await targets(db)
          .where("c.expires_at", "<=", q.since)
          .where("c.status", "in", ["pending", "processing"])
          .execute()
        const wallets = memos
          ? await db
              .selectFrom("merchant_payout_keys as k")
              .innerJoin("merchants as m", "m.id", "k.merchant_id")
              .select([
                "k.merchant_id",
                "k.key as wallet",
                sql<boolean>`coalesce(m.networks -> ${q.mode}::text @> jsonb_build_array(${q.network}::text), false)`.as(
                  "scanned",
                ),
              ])
              .where("k.family", "=", q.family)
              .execute()
          : undefined
        return {
          cursor,
          full: q.after === null,
          added,
          held: held.map(toTarget),
          wallets: wallets?.map((w) => ({ merchantId: w.merchant_id, wallet: w.wallet, scanned: w.scanned })),
        }
      }),
  }
}
