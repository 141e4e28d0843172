import { PgDatabase, recordWatcherStatus } from "@inzi/adapter-postgres"
import {
  type ChainError,
  type ChainScanner,
  Leases,
  type NetworkConfig,
  NetworkConfigError,
} from "@inzi/core"
import {
  appLayer,
  FAMILIES,
  type InziEnv,
  jsonLogs,
  type Logger,
  makeLogger,
  scannerFor,
} from "@inzi/platform"
import { Clock, Context, Effect, Fiber, Layer, ManagedRuntime, Queue } from "effect"
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
  /** Back-off between start-up checks of an unreachable network: doubles from `baseMs` up to `maxMs`. */
  readonly verifyRetry?: { readonly baseMs?: number; readonly maxMs?: number } | undefined
}

/** A chain refused the network's configuration (or a scanner cannot be built from it): stop the worker. */
const refused = (e: ChainError) => {
  const message = `network ${e.network}: ${e.message}; fix the network config`
  return new NetworkConfigError({ message, issues: [message], network: e.network })
}

/**
 * The network's start-up check (`verify`), retried while the network is unreachable. A mismatch (chain id,
 * token decimals, no contract, an endpoint that is not the expected API) fails with `NetworkConfigError` at
 * once. Each failed try is logged and written to the network's status row (`inzi status`, /metrics) when no
 * other worker holds the network, then waited out with a capped exponential back-off.
 */
const verifyUntilReady = (
  scanner: ChainScanner,
  opts: {
    readonly logger: Logger
    readonly baseMs: number
    readonly maxMs: number
    readonly report: (error: string, at: Date) => Effect.Effect<void>
  },
) =>
  Effect.gen(function* () {
    const network = scanner.network.id
    let since: Date | null = null
    for (let attempt = 1; ; attempt++) {
      const r = yield* Effect.either(scanner.verify())
      if (r._tag === "Right") {
        if (since !== null) opts.logger.info("network reachable again, watcher starting", { network })
        return
      }
      if (!r.left.retryable) return yield* Effect.fail(refused(r.left))
      const now = new Date(yield* Clock.currentTimeMillis)
      since ??= now
      const retryInMs = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt - 1, 20))
      opts.logger.warn("network unreachable, start-up check retried", {
        network,
        error: r.left.message,
        failingSince: since.toISOString(),
        attempt,
        retryInMs,
      })
      yield* opts.report(
        `start-up check failing since ${since.toISOString()} (attempt ${attempt}): ${r.left.message}`,
        now,
      )
      yield* Effect.sleep(retryInMs)
    }
  })

/**
 * The worker: one watcher per configured network (each under a lease, so several workers split networks and a
 * dead worker's networks are taken over), the expiry sweeper, the deposit address pool refill and the webhook
 * dispatcher. It holds no rule: scanners emit events, the store applies them through core's state machine.
 */
export const workerProgram = (opts: WorkerOptions) => {
  const logger =
    opts.logger ?? makeLogger(opts.env.logLevel, { service: "worker", worker: opts.env.workerId })
  return Effect.gen(function* () {
    const pg = yield* PgDatabase
    const leases = yield* Leases
    const scanners =
      opts.scanners ??
      (yield* Effect.forEach(opts.networks, (n) => scannerFor(n).pipe(Effect.mapError(refused))))
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
    const watchers = scanners.map((s) => {
      const lease = `watcher:${s.network.id}`
      const leaseMs = Math.max(15_000, s.network.pollIntervalMs * 5)
      // A failing check is reported only when no other worker watches the network (it may reach the chain).
      const report = (error: string, at: Date) =>
        leases.acquire(lease, holder, at, leaseMs).pipe(
          Effect.flatMap((held) =>
            held
              ? recordWatcherStatus(pg.database.db, {
                  network: s.network.id,
                  head: null,
                  scannedTo: null,
                  lastError: error,
                  at,
                }).pipe(Effect.zipRight(leases.release(lease, holder)))
              : Effect.void,
          ),
          Effect.ignore,
        )
      return verifyUntilReady(s, {
        logger,
        baseMs: opts.verifyRetry?.baseMs ?? 1_000,
        maxMs: opts.verifyRetry?.maxMs ?? 60_000,
        report,
      }).pipe(
        Effect.zipRight(
          runWatcher(s, {
            holder,
            leaseMs,
            lookbackMs: opts.lookbackMs ?? 30 * 24 * 3600 * 1000,
            onCycle,
          }),
        ),
        Effect.ensuring(leases.release(lease, holder).pipe(Effect.ignore)),
      )
    })
    logger.info("worker started", { networks: scanners.map((s) => s.network.id) })
    yield* Effect.all(
      [
        ...watchers,
        runSweeper({ holder, everyMs: opts.sweepEveryMs ?? 5_000 }).pipe(
          Effect.ensuring(leases.release("sweeper", holder).pipe(Effect.ignore)),
        ),
        runAddressPoolJob({
          holder,
          families: FAMILIES,
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
  }).pipe(Effect.provide(jsonLogs(logger)))
}

/** The running worker program, forked by `WorkerLayer`; `launchWorker` waits on it. */
export class WorkerFiber extends Context.Tag("@inzi/worker/WorkerFiber")<
  WorkerFiber,
  Fiber.RuntimeFiber<void, unknown>
>() {}

/** The worker as a layer; pass `base` to share one database with a server in the same process (`dev`). */
export const WorkerLayer = (
  opts: WorkerOptions,
  base: ReturnType<typeof appLayer> = appLayer(opts.env, opts.networks, { logger: opts.logger }),
) =>
  Layer.scoped(WorkerFiber, Effect.forkScoped(workerProgram(opts))).pipe(
    Layer.provide(Layer.mergeAll(base, NodeWebhookTransport.layer())),
  )

/**
 * Builds `layer` (a worker, perhaps with a server) and runs until the worker stops: its failure (a refused
 * network config, a crash) fails this effect, so the process exits non-zero instead of idling.
 */
export const launchWorker = <E>(layer: Layer.Layer<WorkerFiber, E>) =>
  Effect.scoped(Effect.flatMap(Layer.build(layer), (ctx) => Fiber.join(Context.get(ctx, WorkerFiber))))

/** Starts a worker in this process; `stop()` interrupts it (leases and claims are released). */
export const startWorker = async (opts: WorkerOptions) => {
  const rt = ManagedRuntime.make(WorkerLayer(opts))
  await rt.runPromise(Effect.void)
  return { stop: () => rt.dispose() }
}
