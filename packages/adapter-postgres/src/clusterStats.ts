import type { Mode, StoreError } from "@inzi/core"
import { Effect } from "effect"
import type { Kysely } from "kysely"
import { sql } from "kysely"
import { run } from "./errors.js"
import { readOpsCounts } from "./opsCounts.js"
import { type QuarantineSummary, quarantineSummary } from "./quarantine.js"
import type { DB } from "./schema.js"
import { listWatcherStatus, type WatcherStatusRecord } from "./watcherStatus.js"

/** What the cluster-wide gauges (`/metrics`) report, read at scrape time so every server tells the same. */
export interface ClusterStats {
  /** Stored checkouts per (mode, status), from the list's counters (checkoutCounts.ts), not a scan. */
  readonly checkouts: ReadonlyArray<{ readonly mode: Mode; readonly status: string; readonly count: number }>
  /**
   * Outbox events per delivery status (maintained counters, not a scan), with the age in seconds of the oldest
   * one for `pending` and `delivering` (null for the other statuses).
   */
  readonly outbox: ReadonlyArray<{
    readonly status: string
    readonly count: number
    readonly oldestSeconds: number | null
  }>
  /** Webhook delivery attempts recorded, by outcome (maintained counters, not a scan). */
  readonly webhookAttempts: ReadonlyArray<{ readonly ok: boolean; readonly count: number }>
  readonly watchers: ReadonlyArray<WatcherStatusRecord>
  readonly quarantined: ReadonlyArray<QuarantineSummary>
}

/** Reads the cluster's stats (a few small queries; none scans checkouts, outbox events or attempts). */
export const clusterStats = (db: Kysely<DB>): Effect.Effect<ClusterStats, StoreError> =>
  Effect.gen(function* () {
    const counts = yield* run("clusterStats", async () => {
      // Rows per (merchant, mode, status) plus the deltas not folded yet, whatever the number of checkouts.
      const byStatus = await sql<{ mode: Mode; status: string; n: string }>`
        SELECT mode, status, sum(n)::text AS n FROM (
          SELECT mode, status, n FROM checkout_counts
          UNION ALL SELECT mode, status, n FROM checkout_count_deltas) c
        GROUP BY mode, status ORDER BY mode, status`.execute(db)
      // Counts from the maintained counters (opsCounts.ts); the oldest age only for the backlog statuses, each
      // one end of the outbox_status index.
      const ops = await readOpsCounts(db)
      const oldest = await sql<{ status: string; oldest: string | null }>`
        SELECT s.status, extract(epoch FROM (now() - (
          SELECT min(created_at) FROM outbox_events e WHERE e.status = s.status)))::text AS oldest
        FROM (VALUES ('pending'), ('delivering')) s(status)`.execute(db)
      const oldestOf = new Map(
        oldest.rows.map((r) => [r.status, r.oldest === null ? null : Number(r.oldest)]),
      )
      return {
        checkouts: byStatus.rows.map((r) => ({ mode: r.mode, status: r.status, count: Number(r.n) })),
        outbox: ops
          .filter((r) => r.tbl === "outbox_events")
          .map((r) => ({ status: r.label, count: r.n, oldestSeconds: oldestOf.get(r.label) ?? null })),
        webhookAttempts: ops
          .filter((r) => r.tbl === "webhook_attempts")
          .map((r) => ({ ok: r.label === "true", count: r.n })),
      }
    })
    const watchers = yield* listWatcherStatus(db)
    const quarantined = yield* quarantineSummary(db)
    return { ...counts, watchers, quarantined }
  })
