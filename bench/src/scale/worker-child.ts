/**
 * Child process: one real worker (`startWorker`: watcher, dispatcher, sweeper) on the devnet, its own process so
 * that its RSS is its own. Every query the worker's `pg` clients send is timed here (from the call to its
 * answer, the same `pg` module the store uses): the `ask` handler `db` reports the totals, split into the
 * watcher's target reads (the statements that read `deposit_targets`) and everything else.
 * Argv: DATABASE_URL, schema, devnet RPC URL.
 */
import { evmNetwork } from "@inzi/adapter-evm"
import type { NetworkConfig } from "@inzi/core"
import { readEnv } from "@inzi/platform"
import { startWorker } from "@inzi/worker"
import pg from "pg"
import { serveAsks, signalReady } from "../lib/proc.js"

const [databaseUrl, schema, rpcUrl] = process.argv.slice(2) as [string, string, string]
const totals = { targetReads: 0, targetMs: 0, loads: 0, other: 0, otherMs: 0 }
type Query = (this: pg.Client, ...args: Array<unknown>) => unknown
const original = pg.Client.prototype.query as unknown as Query
;(pg.Client.prototype as unknown as { query: Query }).query = function (this: pg.Client, ...args) {
  const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string })?.text ?? "")
  const t0 = performance.now()
  const r = original.apply(this, args)
  if (r instanceof Promise) {
    const targets = text.includes("deposit_targets") || text.includes("pg_snapshot_xmin")
    if (text.includes("pg_snapshot_xmin")) totals.loads++
    r.then(
      () => {
        const ms = performance.now() - t0
        if (targets) {
          totals.targetReads++
          totals.targetMs += ms
        } else {
          totals.other++
          totals.otherMs += ms
        }
      },
      () => {},
    )
  }
  return r
}

const env = readEnv({
  DATABASE_URL: databaseUrl,
  INZI_DB_SCHEMA: schema,
  INZI_ADDRESS_POOL: "0",
  LOG_LEVEL: "warn",
  INZI_ALLOW_PRIVATE_WEBHOOKS: "1",
})
const networks: ReadonlyArray<NetworkConfig> = [
  evmNetwork("devnet", { rpcUrls: [rpcUrl], confirmations: 3, pollIntervalMs: 1000 }) as NetworkConfig,
]
const worker = await startWorker({ env, networks, dispatcher: { pollIntervalMs: 1000 } })
process.on("SIGTERM", () => {
  worker.stop().finally(() => process.exit(0))
})
serveAsks({ db: () => ({ ...totals }) })
signalReady({ pid: process.pid })
