import type { Database } from "@inzi/adapter-postgres"
import { sql } from "kysely"

export interface Gauge {
  readonly name: string
  readonly help: string
  readonly samples: ReadonlyArray<[Record<string, string>, number]>
}

/**
 * Cluster-wide gauges read from the database at scrape time, so any server reports the same truth however
 * many workers run: checkouts by status, webhook backlog and failures, outbox age, scanner lag per network.
 */
export const clusterGauges = async (database: Database): Promise<ReadonlyArray<Gauge>> => {
  const db = database.db
  const byStatus = await sql<{ mode: string; status: string; n: string }>`
    SELECT mode, status, count(*)::text AS n FROM checkouts GROUP BY mode, status`.execute(db)
  const outbox = await sql<{ status: string; n: string; oldest: string | null }>`
    SELECT status, count(*)::text AS n,
           extract(epoch FROM (now() - min(created_at)))::text AS oldest
    FROM outbox_events GROUP BY status`.execute(db)
  const watchers = await sql<{
    network: string
    head: string | null
    scanned_to: string | null
    last_error: string | null
    age: string
  }>`
    SELECT network, head::text, scanned_to::text, last_error,
           extract(epoch FROM (now() - updated_at))::text AS age
    FROM watcher_status`.execute(db)
  const pending = outbox.rows.filter((r) => r.status === "pending" || r.status === "delivering")
  return [
    {
      name: "inzi_checkouts",
      help: "Checkouts by mode and stored status.",
      samples: byStatus.rows.map((r) => [{ mode: r.mode, status: r.status }, Number(r.n)]),
    },
    {
      name: "inzi_webhook_events",
      help: "Outbox events by delivery status (pending = backlog, failed = gave up).",
      samples: outbox.rows.map((r) => [{ status: r.status }, Number(r.n)]),
    },
    {
      name: "inzi_outbox_oldest_pending_seconds",
      help: "Age of the oldest undelivered webhook event.",
      samples: [[{}, pending.reduce((m, r) => Math.max(m, Number(r.oldest ?? 0)), 0)]],
    },
    {
      name: "inzi_scanner_lag_blocks",
      help: "Chain head minus the scanner's cursor, per network.",
      samples: watchers.rows.map((r) => [
        { network: r.network },
        r.head !== null && r.scanned_to !== null
          ? Math.max(0, Number(BigInt(r.head) - BigInt(r.scanned_to)))
          : 0,
      ]),
    },
    {
      name: "inzi_scanner_last_cycle_age_seconds",
      help: "Seconds since the network's watcher last reported (scanner lag in time).",
      samples: watchers.rows.map((r) => [{ network: r.network }, Number(r.age)]),
    },
    {
      name: "inzi_scanner_error",
      help: "1 when the network's last watcher cycle failed.",
      samples: watchers.rows.map((r) => [{ network: r.network }, r.last_error ? 1 : 0]),
    },
  ]
}

/** Upserts one network's watcher status (for `inzi status` and the gauges above). */
export const recordWatcherStatus = async (
  database: Database,
  s: {
    network: string
    head: bigint | null
    scannedTo: bigint | null
    lastError: string | null
    rpcCalls?: number
    rpcErrors?: number
  },
): Promise<void> => {
  await sql`
    INSERT INTO watcher_status (network, head, scanned_to, last_error, updated_at)
    VALUES (${s.network}, ${s.head?.toString() ?? null}, ${s.scannedTo?.toString() ?? null}, ${s.lastError}, now())
    ON CONFLICT (network) DO UPDATE SET
      head = COALESCE(EXCLUDED.head, watcher_status.head),
      scanned_to = COALESCE(EXCLUDED.scanned_to, watcher_status.scanned_to),
      last_error = EXCLUDED.last_error,
      updated_at = now()`.execute(database.db)
}

export const watcherStatuses = async (database: Database) =>
  (
    await sql<{
      network: string
      head: string | null
      scanned_to: string | null
      last_error: string | null
      updated_at: Date
    }>`
      SELECT network, head::text, scanned_to::text, last_error, updated_at FROM watcher_status ORDER BY network`.execute(
      database.db,
    )
  ).rows
