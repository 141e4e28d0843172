import type { Mode, StoreError } from "@inzi/core"
import { Effect } from "effect"
import type { Kysely } from "kysely"
import { sql } from "kysely"
import { run } from "./errors.js"
import { type QuarantineSummary, quarantineSummary } from "./quarantine.js"
import type { DB } from "./schema.js"
import { listWatcherStatus, type WatcherStatusRecord } from "./watcherStatus.js"

/** What the cluster-wide gauges (`/metrics`) report, read at scrape time so every server tells the same. */
export interface ClusterStats {
  /** Stored checkouts per (mode, status), from the list's counters (checkoutCounts.ts), not a scan. */
  readonly checkouts: ReadonlyArray<{ readonly mode: Mode; readonly status: string; readonly count: number }>
  /** Outbox events per delivery status, with the age in seconds of the oldest one of that status. */
  readonly outbox: ReadonlyArray<{
    readonly status: string
    readonly count: number
    readonly oldestSeconds: number | null
  }>
  /** Webhook delivery attempts recorded, by outcome. */
  readonly webhookAttempts: ReadonlyArray<{ readonly ok: boolean; readonly count: number }>
  readonly watchers: ReadonlyArray<WatcherStatusRecord>
  readonly quarantined: ReadonlyArray<QuarantineSummary>
}

/** Reads the cluster's stats (a few grouped queries; none scans the checkouts). */
export const clusterStats = (db: Kysely<DB>): Effect.Effect<ClusterStats, StoreError> =>
  Effect.gen(function* () {
    const counts = yield* run("clusterStats", async () => {
      // Rows per (merchant, mode, status) plus the deltas not folded yet, whatever the number of checkouts.
      const byStatus = await sql<{ mode: Mode; status: string; n: string }>`
        SELECT mode, status, sum(n)::text AS n FROM (
          SELECT mode, status, n FROM checkout_counts
          UNION ALL SELECT mode, status, n FROM checkout_count_deltas) c
        GROUP BY mode, status ORDER BY mode, status`.execute(db)
      const outbox = await sql<{ status: string; n: string; oldest: string | null }>`
        SELECT status, count(*)::text AS n,
               extract(epoch FROM (now() - min(created_at)))::text AS oldest
        FROM outbox_events GROUP BY status`.execute(db)
      const attempts = await sql<{ ok: boolean; n: string }>`
        SELECT ok, count(*)::text AS n FROM webhook_attempts GROUP BY ok`.execute(db)
      return {
        checkouts: byStatus.rows.map((r) => ({ mode: r.mode, status: r.status, count: Number(r.n) })),
        outbox: outbox.rows.map((r) => ({
          status: r.status,
          count: Number(r.n),
          oldestSeconds: r.oldest === null ? null : Number(r.oldest),
        })),
        webhookAttempts: attempts.rows.map((r) => ({ ok: r.ok, count: Number(r.n) })),
      }
    })
    const watchers = yield* listWatcherStatus(db)
    const quarantined = yield* quarantineSummary(db)
    return { ...counts, watchers, quarantined }
  })
