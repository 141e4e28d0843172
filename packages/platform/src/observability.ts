import { clusterStats, type Database } from "@inzi/adapter-postgres"
import { Effect } from "effect"

export interface Gauge {
  readonly name: string
  readonly help: string
  readonly samples: ReadonlyArray<[Record<string, string>, number]>
}

/**
 * Cluster-wide gauges read from the database at scrape time, so any server reports the same truth however
 * many workers run: checkouts by status (stored status, from the maintained counters), webhook backlog and
 * failures, outbox age, scanner lag and quarantined chain events per network.
 */
export const clusterGauges = async (database: Database): Promise<ReadonlyArray<Gauge>> => {
  const { checkouts, outbox, watchers, quarantined, webhookAttempts } = await Effect.runPromise(
    clusterStats(database.db),
  )
  const nowMs = Date.now()
  const pending = outbox.filter((r) => r.status === "pending" || r.status === "delivering")
  return [
    {
      name: "inzi_checkouts",
      help: "Checkouts by mode and stored status.",
      samples: checkouts.map((r) => [{ mode: r.mode, status: r.status }, r.count]),
    },
    {
      name: "inzi_webhook_events",
      help: "Outbox events by delivery status (pending = backlog, failed = gave up).",
      samples: outbox.map((r) => [{ status: r.status }, r.count]),
    },
    {
      name: "inzi_outbox_oldest_pending_seconds",
      help: "Age of the oldest undelivered webhook event.",
      samples: [[{}, pending.reduce((m, r) => Math.max(m, r.oldestSeconds ?? 0), 0)]],
    },
    {
      name: "inzi_scanner_lag_blocks",
      help: "Chain head minus the scanner's cursor, per network.",
      samples: watchers.map((r) => [
        { network: r.network },
        r.head !== null && r.scannedTo !== null ? Math.max(0, Number(r.head - r.scannedTo)) : 0,
      ]),
    },
    {
      name: "inzi_scanner_last_cycle_age_seconds",
      help: "Seconds since the network's watcher last reported (scanner lag in time).",
      samples: watchers.map((r) => [
        { network: r.network },
        Math.max(0, (nowMs - r.updatedAt.getTime()) / 1000),
      ]),
    },
    {
      name: "inzi_scanner_error",
      help: "1 when the network's last watcher cycle failed.",
      samples: watchers.map((r) => [{ network: r.network }, r.lastError ? 1 : 0]),
    },
    {
      name: "inzi_scanner_rpc_calls",
      help: "RPC / API calls of the network's current scanner (lease holder) since it started.",
      samples: watchers.map((r) => [{ network: r.network }, r.rpcCalls]),
    },
    {
      name: "inzi_scanner_rpc_errors",
      help: "Failed RPC / API calls of the network's current scanner since it started.",
      samples: watchers.map((r) => [{ network: r.network }, r.rpcErrors]),
    },
    {
      name: "inzi_quarantined_events",
      help: "Chain events set aside because their data could not be stored (`inzi quarantine list`), per network.",
      samples: quarantined.map((q) => [{ network: q.network }, q.count]),
    },
    {
      name: "inzi_webhook_attempts",
      help: "Webhook delivery attempts recorded, by outcome.",
      samples: webhookAttempts.map((r) => [{ outcome: r.ok ? "ok" : "failed" }, r.count]),
    },
  ]
}
