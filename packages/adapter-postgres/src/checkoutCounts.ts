import type { CheckoutStatus, Mode } from "@inzi/core"
import { type Kysely, sql, type Transaction } from "kysely"
import type { DB } from "./schema.js"

/**
 * Exact list totals without a `count(*)` over a merchant's checkouts (migration 0004).
 *
 * The triggers on `checkouts` append, in the writing transaction, one row per (merchant, mode, stored status)
 * a statement changes to `checkout_count_deltas` (+n inserted, −n removed). No writer ever updates a shared
 * counter row, so concurrent creates never queue on one. A read sums the compacted `checkout_counts` rows and
 * the deltas of its (merchant, mode) in one statement, so it sees one snapshot: the sum is exactly what
 * `count(*)` would return in that snapshot. Compaction moves deltas into `checkout_counts` in one statement
 * (delete + upsert, atomic), so no snapshot sees a delta both folded and unfolded.
 *
 * Stored status is not quite the status a client reads: a `pending` checkout whose `expires_at` has passed
 * reads `expired` before the sweeper writes it. That difference is counted exactly, in the same statement,
 * from the partial index `checkouts_pending_expiry (merchant_id, mode, expires_at) WHERE status = 'pending'`:
 * only the overdue, not yet swept rows are scanned (a few, while the sweeper runs).
 */

type Db = Kysely<DB> | Transaction<DB>

/** A read that finds at least this many delta rows for its (merchant, mode) compacts them afterwards. */
export const COMPACT_AT = 256
/** Delta rows folded per compaction statement. */
export const COMPACT_BATCH = 10_000

export interface CountQuery {
  /** null: every merchant (the operator console). */
  readonly merchantId: string | null
  /** undefined: both modes (the operator console). */
  readonly mode?: Mode | undefined
  /** The status as a client reads it (overdue `pending` is `expired`); undefined: every status. */
  readonly status?: CheckoutStatus | undefined
  readonly now: Date
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v))

/**
 * The exact number of checkouts of a merchant and mode with the status a client reads at `q.now`
 * (API.md list `total`). Compacts the pair's deltas when they have piled up (best effort: a compaction that
 * fails leaves them for the next read or the sweeper; the total returned is exact either way).
 */
export const countCheckouts = async (db: Kysely<DB>, q: CountQuery): Promise<number> => {
  // Stored statuses summed: the read status itself, plus `pending` for `expired` (its overdue part).
  const stored = q.status === undefined ? null : q.status
  const overdueSign = q.status === "expired" ? 1 : q.status === "pending" ? -1 : 0
  const statusMatch = stored === null ? sql<boolean>`true` : sql<boolean>`status = ${stored}`
  const key = sql.join(
    [
      q.merchantId === null ? sql`true` : sql`merchant_id = ${q.merchantId}`,
      q.mode === undefined ? sql`true` : sql`mode = ${q.mode}`,
    ],
    sql` AND `,
  )
  const overdue =
    overdueSign === 0
      ? sql<number>`0`
      : sql<number>`(SELECT count(*) FROM checkouts
          WHERE ${key} AND status = 'pending' AND expires_at <= ${q.now})`
  const r = await sql<{ base: unknown; delta: unknown; delta_rows: unknown; overdue: unknown }>`
    SELECT
      (SELECT coalesce(sum(n), 0) FROM checkout_counts WHERE ${key} AND ${statusMatch}) AS base,
      d.delta, d.delta_rows,
      ${overdue} AS overdue
    FROM (SELECT coalesce(sum(n) FILTER (WHERE ${statusMatch}), 0) AS delta, count(*) AS delta_rows
          FROM checkout_count_deltas WHERE ${key}) d`.execute(db)
  const row = r.rows[0]
  const total = num(row?.base) + num(row?.delta) + overdueSign * num(row?.overdue)
  if (num(row?.delta_rows) >= COMPACT_AT) {
    await compactCheckoutCounts(db, { merchantId: q.merchantId ?? undefined, mode: q.mode }).catch(() => 0)
  }
  return total
}

/**
 * Folds up to `limit` delta rows (of one merchant and mode, or of anyone) into `checkout_counts`; returns how
 * many it folded. One statement: the rows it deletes are the rows it adds, atomically. Rows another
 * compaction holds are skipped (SKIP LOCKED), never waited on; the upsert takes the counter rows in key order,
 * so two compactions cannot deadlock. Safe to run from any number of processes at once.
 */
export const compactCheckoutCounts = async (
  db: Db,
  opts: {
    readonly merchantId?: string | undefined
    readonly mode?: Mode | undefined
    readonly limit?: number
  } = {},
): Promise<number> => {
  const where =
    opts.merchantId === undefined
      ? sql`true`
      : opts.mode === undefined
        ? sql`merchant_id = ${opts.merchantId}`
        : sql`merchant_id = ${opts.merchantId} AND mode = ${opts.mode}`
  const r = await sql<{ folded: unknown }>`
    WITH gone AS (
      DELETE FROM checkout_count_deltas
      WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM checkout_count_deltas WHERE ${where}
        LIMIT ${opts.limit ?? COMPACT_BATCH} FOR UPDATE SKIP LOCKED))
      RETURNING merchant_id, mode, status, n
    ), folded AS (
      INSERT INTO checkout_counts (merchant_id, mode, status, n)
      SELECT merchant_id, mode, status, sum(n)::bigint FROM gone
      GROUP BY merchant_id, mode, status ORDER BY merchant_id, mode, status
      ON CONFLICT (merchant_id, mode, status) DO UPDATE SET n = checkout_counts.n + excluded.n
    )
    SELECT count(*) AS folded FROM gone`.execute(db)
  return num(r.rows[0]?.folded)
}
