import { PgDatabase, recordWatcherStatus } from "@inzi/adapter-postgres"
import { type ChainScanner, Leases, type NetworkConfig } from "@inzi/core"
import { appLayer, type InziEnv, type Logger, makeLogger, scannerFor } from "@inzi/platform"
import { Effect, Layer, ManagedRuntime, Queue } from "effect"
import { runAddressPoolJob } from "./address-pool.js"
import { runSweeper } from "./sweeper.js"
import { runWatcher, type WatcherCycle } from "./watcher.js"
import { NodeWebhookTransport } from "./webhooks/NodeWebhookTransport.js"
import { dispatcherLoop } from "./webhooks/WebhookDispatcher.js"

export interface WorkerOptions {
  readonly env: InziEnv
  readonly networks: ReadonlyArray<NetworkConfig>
  readonly logger?: Logger | undefined
  /** Build scanners (tests inject wrapped ones); default: the chain adapters. */
  readonly scanners?: ReadonlyArray<ChainScanner> | undefined
  readonly dispatcher?: { readonly pollIntervalMs?: number; readonly timeoutMs?: number } | undefined
  readonly sweepEveryMs?: number | undefined
  /** How often the deposit address pools are checked and refilled (default 10 s; see `INZI_ADDRESS_POOL`). */
  readonly addressPoolEveryMs?: number | undefined
  /** How far back deposit targets are watched (late payments to old checkouts are still recorded). */
  readonly lookbackMs?: number | undefined
}

/**
 * The worker: one watcher per configured network (each under a lease, so several workers split networks and a
 * dead worker's networks are taken over), the expiry sweeper, the deposit address pool refill and the webhook
 * dispatcher. It holds no rule: scanners emit events, the store applies them through core's state machine.
 */
export const workerProgram = (opts: WorkerOptions) =>
  Effect.gen(function* () {
    const logger =
      opts.logger ?? makeLogger(opts.env.logLevel, { service: "worker", worker: opts.env.workerId })
    const pg = yield* PgDatabase
    const leases = yield* Leases
    const scanners = opts.scanners ?? (yield* Effect.forEach(opts.networks, (n) => scannerFor(n)))
    for (const s of scanners) {
      yield* s
        .verify()
        .pipe(
          Effect.tapError((e) =>
            Effect.sync(() =>
              logger.error("network verification failed", { network: s.network.id, error: e.message }),
            ),
          ),
        )
    }
    const statsOf = new Map(scanners.map((s) => [s.network.id, s.stats]))
    // Watchers that wrote webhook events wake the dispatcher at once (other workers still find them by polling).
    const wake = yield* Queue.sliding<void>(1)
    const onCycle = (c: WatcherCycle) => {
      if (!c.held) return Effect.void
      if (c.error) logger.warn("watcher cycle failed", { network: c.network.id, error: c.error })
      else if (c.applied > 0)
        logger.info("payments applied", { network: c.network.id, applied: c.applied, emitted: c.emitted })
      const stats = statsOf.get(c.network.id)?.()
      const nudge = c.emitted > 0 ? Queue.offer(wake, undefined) : Effect.void
      return recordWatcherStatus(pg.database.db, {
        network: c.network.id,
        head: c.scan?.head ?? null,
        scannedTo: c.scan?.scannedTo ?? null,
        lastError: c.error,
        at: new Date(),
        rpcCalls: stats?.rpcCalls,
        rpcErrors: stats?.rpcErrors,
      }).pipe(Effect.ignore, Effect.zipRight(nudge))
    }
    const holder = opts.env.workerId
    const watchers = scanners.map((s) =>
      runWatcher(s, {
        holder,
        leaseMs: Math.max(15_000, s.network.pollIntervalMs * 5),
        lookbackMs: opts.lookbackMs ?? 30 * 24 * 3600 * 1000,
        onCycle,
      }).pipe(Effect.ensuring(leases.release(`watcher:${s.network.id}`, holder).pipe(Effect.ignore))),
    )
    logger.info("worker started", { networks: scanners.map((s) => s.network.id) })
    yield* Effect.all(
      [
        ...watchers,
        runSweeper({ holder, everyMs: opts.sweepEveryMs ?? 5_000 }).pipe(
          Effect.ensuring(leases.release("sweeper", holder).pipe(Effect.ignore)),
        ),
        runAddressPoolJob({
          holder,
          target: opts.env.addressPool,
          everyMs: opts.addressPoolEveryMs ?? 10_000,
          onPass: (r) => {
            if (r.added > 0 || r.dropped > 0)
              logger.info("address pools refilled", { added: r.added, dropped: r.dropped })
            if (r.failed.length > 0) logger.warn("address pool refill failed", { merchants: r.failed })
          },
        }).pipe(Effect.ensuring(leases.release("address-pool", holder).pipe(Effect.ignore))),
        dispatcherLoop(
          {
            worker: holder,
            privateAddresses: opts.env.allowPrivateWebhooks
              ? "allow"
              : opts.env.allowTestLoopbackWebhooks
                ? "allow-test-loopback"
                : "block-all",
            pollIntervalMs: opts.dispatcher?.pollIntervalMs ?? 1_000,
            timeoutMs: opts.dispatcher?.timeoutMs ?? 10_000,
          },
          Queue.take(wake),
        ),
      ],
      { concurrency: "unbounded", discard: true },
    )
  })

/** The worker as a layer; pass `base` to share one database with a server in the same process (`dev`). */
export const WorkerLayer = (
  opts: WorkerOptions,
  base: ReturnType<typeof appLayer> = appLayer(opts.env, opts.networks),
) =>
  Layer.scopedDiscard(Effect.forkScoped(workerProgram(opts))).pipe(
    Layer.provide(Layer.mergeAll(base, NodeWebhookTransport.layer())),
  )

/** Starts a worker in this process; `stop()` interrupts it (leases and claims are released). */
export const startWorker = async (opts: WorkerOptions) => {
  const rt = ManagedRuntime.make(WorkerLayer(opts))
  await rt.runPromise(Effect.void)
  return { stop: () => rt.dispose() }
}
