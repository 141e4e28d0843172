/**
 * Child process: the real Inzi server (`startServer`) on real Postgres, in its own schema. Sends
 * `{ url, metricsUrl, key, merchantId }` when listening; answers `cpu`, `rss`, `merchant` (a new merchant + test key), `ids`
 * and `sameSql` (the hot statements' SQL, for the same-SQL baseline). Address pools are filled by another child
 * (pool-worker.ts), as the worker does in production.
 */
import { Session } from "node:inspector/promises"
import { hotStatements, PgDatabase } from "@inzi/adapter-postgres"
import { issueApiKey, registerMerchant } from "@inzi/core"
import { readEnv } from "@inzi/platform"
import { startServer } from "@inzi/server"
import { Effect } from "effect"
import { serveAsks, signalReady } from "../lib/proc.js"
import { accountXpub, BENCH_NETWORKS, DATABASE_URL, TON_WALLET } from "../lib/shared.js"

const schema = process.argv[2]
if (schema === undefined) throw new Error("usage: inzi-server.ts <schema>")
const env = readEnv({
  PORT: "0",
  HOST: "127.0.0.1",
  DATABASE_URL,
  INZI_DB_SCHEMA: schema,
  INZI_RATE_LIMIT: "0",
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
  // its own metrics listener (bench:metrics scrapes it); BENCH_METRICS_CACHE_MS=0 reads the gauges every scrape
  INZI_METRICS_ADDR: "127.0.0.1:0",
  INZI_METRICS_CACHE_MS: process.env.BENCH_METRICS_CACHE_MS ?? "5000",
})
const server = await startServer({ env, networks: BENCH_NETWORKS })
const rt = server.runtime
let accounts = 0

const merchant = () =>
  rt.runPromise(
    Effect.gen(function* () {
      const account = accounts++
      const m = yield* registerMerchant({
        name: `Bench ${account}`,
        payoutKeys: { evm: accountXpub(60, account), tron: accountXpub(195, account), ton: TON_WALLET },
      })
      return {
        merchantId: m.id,
        key: (yield* issueApiKey(m.id, "test")).key,
        payoutKeys: m.payoutKeys,
      }
    }),
  )

const ids = (arg: unknown) => {
  const { merchantId, n } = arg as { merchantId: string; n: number }
  return rt.runPromise(
    Effect.flatMap(PgDatabase, (d) =>
      Effect.promise(() =>
        d.database.db
          .selectFrom("checkouts")
          .select("id")
          .where("merchant_id", "=", merchantId)
          .limit(n)
          .execute()
          .then((rows) => rows.map((r) => r.id)),
      ),
    ),
  )
}

// On-demand CPU profile of a load window (bench:profile), without the start-up's module loading.
const inspector = new Session()
const profileStart = async () => {
  inspector.connect()
  await inspector.post("Profiler.enable")
  await inspector.post("Profiler.setSamplingInterval", { interval: 200 })
  await inspector.post("Profiler.start")
  return true
}
const profileStop = async () => {
  const { profile } = await inspector.post("Profiler.stop")
  inspector.disconnect()
  return profile
}

/** The SQL of the hot statements as this server runs them (for the same-SQL baseline server). */
const sameSql = () => rt.runPromise(Effect.map(PgDatabase, (d) => hotStatements(d.database.db)))

// Allocation sampling counting what scavenges and full GCs collected too (bench:profile with BENCH_HEAP=1).
const heapStart = async () => {
  inspector.connect()
  await inspector.post("HeapProfiler.enable")
  await inspector.post("HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  return true
}
const heapStop = async () => {
  const { profile } = await inspector.post("HeapProfiler.stopSampling")
  inspector.disconnect()
  return profile.head
}
serveAsks({ merchant, ids, profileStart, profileStop, sameSql, heapStart, heapStop })
const first = await merchant()
// Sanity: the server really is on our schema.
const current = await rt.runPromise(
  Effect.flatMap(PgDatabase, (d) =>
    Effect.promise(() =>
      d.database.db.selectNoFrom((eb) => eb.fn<string>("current_schema", []).as("s")).executeTakeFirst(),
    ),
  ),
)
if (current?.s !== schema) throw new Error(`server is on schema ${current?.s}, not ${schema}`)
process.on("SIGTERM", () => {
  server.close().finally(() => process.exit(0))
})
signalReady({ url: server.url, metricsUrl: server.metricsUrl, ...first })
