import { type Kysely, sql, type Transaction } from "kysely"
import { COMPACT_AT, COMPACT_BATCH } from "./checkoutCounts.js"
import type { DB } from "./schema.js"

/**
 * Row counts of `outbox_events` by status and of `webhook_attempts` by outcome for `/metrics`, without scanning
 * either table (both grow with every checkout). Migration 0022's triggers append one delta row per (table,
 * label) a statement changes to `ops_count_deltas`; a read sums the compacted `ops_counts` and the deltas in
 * one statement (one snapshot: exactly what `count(*)` would say). Same scheme as checkoutCounts.ts.
 */

type Db = Kysely<DB> | Transaction<DB>
export type OpsTable = "outbox_events" | "webhook_attempts"

/** Count per label of every table (`webhook_attempts` labels are `true` / `false`); compacts when piled up. */
export const readOpsCounts = async (
  db: Kysely<DB>,
): Promise<ReadonlyArray<{ readonly tbl: OpsTable; readonly label: string; readonly n: number }>> => {
  const r = await sql<{ tbl: OpsTable; label: string; n: string; delta_rows: string }>`
    SELECT tbl, label, sum(n)::text AS n, (SELECT count(*) FROM ops_count_deltas)::text AS delta_rows
    FROM (SELECT tbl, label, n FROM ops_counts UNION ALL SELECT tbl, label, n FROM ops_count_deltas) c
    GROUP BY tbl, label ORDER BY tbl, label`.execute(db)
  if (Number(r.rows[0]?.delta_rows ?? 0) >= COMPACT_AT) await compactOpsCounts(db).catch(() => 0)
  return r.rows.filter((x) => x.n !== "0").map((x) => ({ tbl: x.tbl, label: x.label, n: Number(x.n) }))
}

/**
 * Folds up to `limit` delta rows into `ops_counts`; returns how many. One statement (the rows it deletes are
 * the rows it adds); rows another compaction holds are skipped, never waited on; counter rows taken in key
 * order, so two compactions cannot deadlock.
 */
export const compactOpsCounts = async (db: Db, limit = COMPACT_BATCH): Promise<number> => {
  const r = await sql<{ folded: string }>`
    WITH gone AS (
      DELETE FROM ops_count_deltas
      WHERE ctid = ANY(ARRAY(SELECT ctid FROM ops_count_deltas LIMIT ${limit} FOR UPDATE SKIP LOCKED))
      RETURNING tbl, label, n
    ), folded AS (
      INSERT INTO ops_counts (tbl, label, n)
      SELECT tbl, label, sum(n)::bigint FROM gone GROUP BY tbl, label ORDER BY tbl, label
      ON CONFLICT (tbl, label) DO UPDATE SET n = ops_counts.n + excluded.n
    )
    SELECT count(*)::text AS folded FROM gone`.execute(db)
  return Number(r.rows[0]?.folded ?? 0)
}
