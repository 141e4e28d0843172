/**
 * Child process: the worker's address-pool job for the api bench — tops a merchant's deposit address pool up with
 * core's `refillAddressPool` on the real adapters, in a process of its own as apps/worker runs it, so the server
 * under measurement never carries the derivations' CPU or their garbage (a server does not refill pools).
 * Answers `poolFill` (with the CPU it took here) and `poolSize`.
 */
import { AddressPool, MerchantStore, refillAddressPool } from "@inzi/core"
import { appLayer, FAMILIES, readEnv } from "@inzi/platform"
import { Effect, ManagedRuntime } from "effect"
import { serveAsks, signalReady } from "../lib/proc.js"
import { BENCH_NETWORKS, DATABASE_URL } from "../lib/shared.js"

const schema = process.argv[2]
if (schema === undefined) throw new Error("usage: pool-worker.ts <schema>")
const env = readEnv({ DATABASE_URL, INZI_DB_SCHEMA: schema, LOG_LEVEL: "error" })
const rt = ManagedRuntime.make(appLayer(env, BENCH_NETWORKS, { migrate: false }))

/**
 * Tops the merchant's address pool up to `target`, measuring this process's CPU for it: the derivation moved off
 * the request path, plus the driver's share of the INSERTs (Postgres's own share is in the database process).
 */
const poolFill = async (arg: unknown) => {
  const { merchantId, target, batch } = arg as { merchantId: string; target: number; batch?: number }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const added = await rt.runPromise(
    Effect.gen(function* () {
      const m = yield* (yield* MerchantStore).getMerchant(merchantId)
      return yield* refillAddressPool(m, FAMILIES, { target, batch: batch ?? 500 })
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return { added, cpuUs: cpu.user + cpu.system, wallMs: performance.now() - t0 }
}

const poolSize = (arg: unknown) =>
  rt.runPromise(Effect.flatMap(AddressPool, (p) => p.poolSize((arg as { merchantId: string }).merchantId)))

serveAsks({ poolFill, poolSize })
process.on("SIGTERM", () => {
  rt.dispose().finally(() => process.exit(0))
})
signalReady({})
