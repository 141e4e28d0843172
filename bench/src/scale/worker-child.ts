/**
 * Child process: one real worker (`startWorker`: watcher, dispatcher, sweeper) on the devnet, its own process so
 * that its RSS is its own. Every query the worker's `pg` clients send is timed here (from the call to its
 * answer, the same `pg` module the store uses): the `ask` handler `db` reports the totals, split into the
 * watcher's target reads (the statements that read `deposit_targets`, and the fetches of a whole read's cursor)
 * and everything else, with the CPU time
 * the worker's PostgreSQL backends spent (their /proc/<pid>/stat; the pids are the `pg` clients' `processID`)
 * and this process's event-loop delay (so a slow answer can be told from a slow reader).
 * `statements` reports the totals per statement (its first 90 characters). Argv: DATABASE_URL, schema, devnet RPC URL.
 */
import { readFileSync } from "node:fs"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { evmNetwork } from "@inzi/adapter-evm"
import type { NetworkConfig } from "@inzi/core"
import { readEnv } from "@inzi/platform"
import { startWorker } from "@inzi/worker"
import pg from "pg"
import { serveAsks, signalReady } from "../lib/proc.js"

const [databaseUrl, schema, rpcUrl] = process.argv.slice(2) as [string, string, string]
const totals = { targetReads: 0, targetMs: 0, loads: 0, other: 0, otherMs: 0 }
const statements = new Map<string, { n: number; ms: number }>()
/** Backend pid → its CPU µs when last seen alive (a closed connection's time stays counted). */
const backends = new Map<number, number>()
const backendCpuUs = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(f[11]) + Number(f[12])) * 10_000
  } catch {
    return null
  }
}
const postgresCpuMs = () => {
  let us = 0
  for (const [pid, last] of backends) {
    const now = backendCpuUs(pid)
    if (now !== null) backends.set(pid, now)
    us += now ?? last
  }
  return us / 1000
}
const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
type Query = (this: pg.Client, ...args: Array<unknown>) => unknown
const original = pg.Client.prototype.query as unknown as Query
;(pg.Client.prototype as unknown as { query: Query }).query = function (this: pg.Client, ...args) {
  const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string })?.text ?? "")
  const pid = (this as unknown as { processID?: number }).processID
  if (pid !== undefined && !backends.has(pid)) backends.set(pid, backendCpuUs(pid) ?? 0)
  const t0 = performance.now()
  const r = original.apply(this, args)
  if (r instanceof Promise) {
    const targets =
      text.includes("deposit_targets") || text.includes("pg_snapshot_xmin") || text.includes("watch_whole")
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
        const key = text.replace(/\s+/g, " ").slice(0, 90)
        const s = statements.get(key) ?? { n: 0, ms: 0 }
        s.n++
        s.ms += ms
        statements.set(key, s)
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
serveAsks({
  db: () => {
    // Event-loop delay since the last ask, in ms (the histogram restarts on each ask).
    const loop = {
      loopMeanMs: delay.count > 0 ? delay.mean / 1e6 : 0,
      loopP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
      loopMaxMs: delay.count > 0 ? delay.max / 1e6 : 0,
    }
    delay.reset()
    return { ...totals, postgresCpuMs: postgresCpuMs(), ...loop }
  },
  statements: () => Object.fromEntries(statements),
})
signalReady({ pid: process.pid })
