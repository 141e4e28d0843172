import { type Kysely, sql } from "kysely"
import { toBigInt } from "./rows.js"
import type { DB } from "./schema.js"

/**
 * Adds `counts` (requests per key seen by one process) to the shared counters of the window starting at
 * `windowStart`, in one statement, and returns each key's total for the window across every process. Keys are
 * written in sorted order, so two processes flushing overlapping keys never deadlock.
 * @example const totals = await addRateCounts(db, new Date(Math.floor(Date.now() / 1000) * 1000), new Map([["key_1", 3]]))
 */
export const addRateCounts = async (
  db: Kysely<DB>,
  windowStart: Date,
  counts: ReadonlyMap<string, number>,
): Promise<Map<string, number>> => {
  if (counts.size === 0) return new Map()
  const keys = [...counts.keys()].sort()
  const ns = keys.map((k) => counts.get(k) ?? 0)
  const r = await sql<{ key: string; count: unknown }>`
    INSERT INTO rate_limits (key, window_start, count)
    SELECT k, ${windowStart}, n FROM unnest(${keys}::text[], ${ns}::bigint[]) WITH ORDINALITY AS t(k, n, o)
    ORDER BY o
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + EXCLUDED.count
    RETURNING key, count`.execute(db)
  return new Map(r.rows.map((x) => [x.key, Number(toBigInt(x.count))]))
}

/** Deletes the counters of windows that started before `before` (the limiter calls it now and then). */
export const pruneRateCounts = async (db: Kysely<DB>, before: Date): Promise<void> => {
  await db.deleteFrom("rate_limits").where("window_start", "<", before).execute()
}
