import {
  type Checkout,
  type CheckoutNotFound as CheckoutNotFoundT,
  CheckoutNotFound,
  type CheckoutsService,
  currentStatus,
  type GetCheckoutQuery,
  type StoreError,
} from "@inzi/core"
import { Effect, type Either } from "effect"
import { type Kysely, type Selectable, sql, type Transaction } from "kysely"
import { countCheckouts } from "./checkoutCounts.js"
import { Fail, run, runStatement, statementDirect } from "./errors.js"
import { P, precompile } from "./precompiled.js"
import { type CheckoutRow, selectCheckouts, targetsJson, toCheckout, withPayments } from "./checkoutRows.js"
import { fromJson, paymentFromRow } from "./rows.js"
import type { DB, PaymentsTable } from "./schema.js"

type Db = Kysely<DB> | Transaction<DB>

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
 * One checkout (with its targets) and its payments in ONE query and ONE column: the row as the text of a JSON
 * object with the column names of `CheckoutRow` (int8 as text, timestamps as ISO 8601 text) plus `payments_json`.
 * One column instead of ≈ 20: the driver's per-execution work (a parser per described column, every timestamp
 * parsed apart) was most of the GET's client CPU. As text (`::text`), not `json`: the driver hands it over
 * unparsed, so a read whose text is what was decoded before skips the parse (`makeDecodedCheckouts`).
 */
const checkoutJsonText = sql<string>`json_build_object(
        'id', c.id, 'merchant_id', c.merchant_id, 'mode', c.mode, 'status', c.status,
        'amount_cents', c.amount_cents::text, 'currency', c.currency, 'description', c.description,
        'metadata', c.metadata, 'customer_email', c.customer_email, 'redirect_url', c.redirect_url,
        'webhook_url', c.webhook_url, 'networks', c.networks, 'expires_at', c.expires_at,
        'created_at', c.created_at, 'updated_at', c.updated_at,
        'targets', ${targetsJson}, 'payments_json', ${paymentsJson}
      )::text`

const selectCheckoutJson = (db: Db) => db.selectFrom("checkouts as c").select(checkoutJsonText.as("checkout"))

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

/**
 * How many decoded checkouts a GET read keeps (`makeDecodedCheckouts`, one set per store: the port and the fast
 * path share it): with its row text, the object and the server's rendered JSON beside it, ≈ 7 KB each for a
 * checkout without payments (each payment adds its share), so ≈ 14 MB when full of those.
 */
const DECODED_CHECKOUTS = 2_000

/**
 * The checkouts a read decoded lately, by id, each with the row text it came from (`selectCheckoutJson`): a read
 * of the same text gets the same object back, neither parsed nor decoded again, and the presenter's render cache
 * (core's `makeCheckoutJsonCache`, keyed by the object) answers for it too. Any change to the checkout, its
 * targets or its payments changes the text. The status is derived per read (an overdue pending checkout reads
 * `expired`: one more object, kept beside the stored one). At most `capacity` entries; the oldest written goes
 * first. A `Checkout` is never mutated, so handing one object to many readers is safe.
 */
export const makeDecodedCheckouts = (capacity: number) => {
  const entries = new Map<string, { readonly text: string; readonly stored: Checkout; current: Checkout }>()
  return (id: string, text: string, now: Date): Checkout => {
    let e = entries.get(id)
    if (e === undefined || e.text !== text) {
      if (e === undefined && entries.size >= capacity) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      const stored = checkoutWithPayments(text, null)
      e = { text, stored, current: stored }
      entries.set(id, e)
    }
    const status = currentStatus(e.stored, now)
    if (e.current.status !== status)
      e.current = status === e.stored.status ? e.stored : { ...e.stored, status }
    return e.current
  }
}

/**
 * The GET read over `checkoutById` (`checkoutByIdStatement`): one precompiled statement, answered through `done`
 * once from the driver's callback (no fiber needed): `getCheckout`, and the server's fast path (FastPathPg.ts).
 */
export const readCheckout =
  (
    checkoutById: ReturnType<typeof checkoutByIdStatement>,
    decoded: ReturnType<typeof makeDecodedCheckouts> = makeDecodedCheckouts(DECODED_CHECKOUTS),
  ) =>
  (
    q: GetCheckoutQuery,
    done: (result: Either.Either<Checkout, StoreError | CheckoutNotFoundT>) => void,
  ): void =>
    statementDirect<{ checkout: string }, [string], Checkout, CheckoutNotFoundT>(
      "getCheckout",
      checkoutById,
      [q.id],
      (rows) => {
        const row = rows[0]
        const found = row === undefined ? undefined : decoded(q.id, row.checkout, q.now)
        // Another merchant's checkout, or the other mode's, does not exist for this caller.
        if (found === undefined || found.merchantId !== q.merchantId || found.mode !== q.mode)
          throw new Fail(new CheckoutNotFound({ id: q.id }))
        return found
      },
      done,
    )

/** The reads of `Checkouts` over kysely: one checkout (by id, by page token) and the merchant's list. */
export const makeCheckoutReads = (
  db: Kysely<DB>,
  getCheckoutWith: ReturnType<typeof readCheckout> = readCheckout(checkoutByIdStatement(db)),
): Pick<CheckoutsService, "getCheckout" | "getCheckoutByToken" | "listCheckouts" | "checkoutVersions"> => {
  // The two reads behind GET /checkouts/:id (`getCheckoutWith`, shared with the fast path by `makeStores`, so one
  // set of decoded checkouts) and the hosted page, compiled once (precompiled.ts).
  // By primary key only; the owner is checked on the row. With "AND merchant_id = $2 AND mode = $3" in SQL, a
  // generic plan of the prepared statement (or a custom one on stale statistics) may take the merchant's list
  // index and walk every checkout of the merchant (the api bench's GET fell to ≈ 10 % of bare that way).
  const checkoutByToken = precompile(
    db,
    (live: string, test: string) => selectCheckoutJson(db).where("c.id", "in", [live, test]),
    P("live"),
    P("test"),
  )

  return {
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

    checkoutVersions: (ids) =>
      run("checkoutVersions", async () => {
        const versions = new Map<string, string>()
        if (ids.length === 0) return versions
        // The MD5 of the very text a read decodes (`checkoutJsonText`): exact by construction, 32 characters a row.
        const rows = await db
          .selectFrom("checkouts as c")
          .select(["c.id", sql<string>`md5(${checkoutJsonText})`.as("version")])
          .where("c.id", "in", ids)
          .execute()
        for (const r of rows) versions.set(r.id, r.version)
        return versions
      }),

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
  }
}
