import { createServer as createNetServer } from "node:net"
import {
  cryptoRandomBytes,
  type FamilyRegistry,
  MerchantStore,
  makeCheckoutJsonCache,
  makePaymentOptionsCache,
  type NetworkConfig,
  withKeyCache,
} from "@inzi/core"
import { ConsoleStoreLive, PgDatabase, PgFastPath } from "@inzi/adapter-postgres"
import { appLayer, clusterGauges, FAMILIES, type InziEnv, type Logger, makeLogger } from "@inzi/platform"
import { Context, Effect, Layer, ManagedRuntime } from "effect"
import { KeyCache, ServerContext } from "./context.js"
import { FastPath } from "./fast-path.js"
import { makeRateLimiter } from "./http/rate-limit.js"
import { sharedRateLimiter } from "./http/shared-rate-limit.js"
import { makeHttpMetrics, Registry, sharedFor } from "./metrics.js"
import { HttpListener, HttpServerLive } from "./server.js"

export interface ServerOptions {
  readonly env: InziEnv
  readonly networks: ReadonlyArray<NetworkConfig>
  readonly logger?: Logger | undefined
  /** Default: the platform's `FAMILIES`. */
  readonly families?: FamilyRegistry | undefined
}

const contextLayer = (opts: ServerOptions) =>
  Layer.scoped(
    ServerContext,
    Effect.gen(function* () {
      const pg = yield* PgDatabase
      const keys = yield* KeyCache
      const registry = new Registry()
      const rate = opts.env.rateLimitPerSecond
      const logger = opts.logger ?? makeLogger(opts.env.logLevel, { service: "server" })
      return {
        env: opts.env,
        networks: opts.networks,
        families: opts.families ?? FAMILIES,
        optionsCache: makePaymentOptionsCache(10_000),
        jsonCache: makeCheckoutJsonCache(),
        logger,
        registry,
        http: makeHttpMetrics(registry),
        rateLimiter: opts.env.rateLimitShared
          ? yield* sharedRateLimiter(pg.database.db, rate, makeRateLimiter(rate, rate * 2), logger)
          : makeRateLimiter(rate, rate * 2),
        // a bucket of a minute's failures, refilled evenly over the minute
        authFailures: makeRateLimiter(opts.env.authFailuresPerMinute / 60, opts.env.authFailuresPerMinute),
        pageLimiter: makeRateLimiter(opts.env.pageRatePerSecond, opts.env.pageRatePerSecond * 2),
        trustedProxies: opts.env.trustProxy,
        cachedKey: keys.cachedActiveKey,
        holdsKey: keys.holdsKey,
        ready: () => Effect.runPromise(pg.ready),
        clusterMetrics: sharedFor(opts.env.metricsCacheMs, () => clusterGauges(pg.database)),
      }
    }),
  )

/**
 * The whole server as a layer: database first (so no request waits on PGlite's start), then the context,
 * then the HTTP listener.
 */
export const ServerLayer = (
  opts: ServerOptions,
  base: ReturnType<typeof appLayer> = appLayer(opts.env, opts.networks, { logger: opts.logger }),
) => {
  // API-key lookups cached for INZI_KEY_CACHE_MS (core's withKeyCache): one round trip less per request.
  const keys = Layer.effectContext(
    Effect.gen(function* () {
      const cache = yield* withKeyCache(yield* MerchantStore, {
        ttlMs: opts.env.keyCacheMs,
        capacity: 10_000,
      })
      return Context.make(MerchantStore, cache.store).pipe(Context.add(KeyCache, cache))
    }),
  ).pipe(Layer.provide(base))
  const consoleStore = ConsoleStoreLive.pipe(Layer.provide(base))
  // The fiber-less routes' statements and randomness (fast-path.ts).
  const fast = Layer.effect(
    FastPath,
    Effect.map(PgFastPath, (store) => ({ store, randomBytes: cryptoRandomBytes() })),
  ).pipe(Layer.provide(base))
  const ctx = contextLayer(opts).pipe(Layer.provideMerge(Layer.mergeAll(base, keys, consoleStore, fast)))
  return HttpServerLive({ host: opts.env.host, port: opts.env.port, metrics: opts.env.metricsAddr }).pipe(
    Layer.provideMerge(ctx),
  )
}

/** A free TCP port on `host` (asked from the OS). */
export const freePort = (host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createNetServer()
    s.once("error", reject)
    s.listen(0, host, () => {
      const a = s.address()
      s.close(() => (typeof a === "object" && a !== null ? resolve(a.port) : reject(new Error("no port"))))
    })
  })

/**
 * Starts the server and resolves once it listens; for tests, `dev` and benchmarks. With port 0 a free port
 * is chosen first, so that `PUBLIC_URL` (when not set explicitly) names the real port in `checkout_url`.
 */
export const startServer = async (
  opts: ServerOptions & {
    readonly explicitPublicUrl?: boolean
    /** The storage + derivation + ids layer, from the final environment (default: the platform's `appLayer`). */
    readonly base?: ((env: InziEnv) => ReturnType<typeof appLayer>) | undefined
  },
) => {
  let env = opts.env
  if (env.port === 0) {
    const port = await freePort(env.host)
    env = {
      ...env,
      port,
      publicUrl: opts.explicitPublicUrl
        ? env.publicUrl
        : `http://${env.host === "0.0.0.0" ? "127.0.0.1" : env.host}:${port}`,
    }
  }
  const rt = ManagedRuntime.make(ServerLayer({ ...opts, env }, opts.base?.(env)))
  const address = await rt.runPromise(HttpListener)
  const urlOf = (a: { readonly hostname: string; readonly port: number }) => {
    const host = a.hostname === "::" || a.hostname === "0.0.0.0" ? "127.0.0.1" : a.hostname
    return `http://${host.includes(":") ? `[${host}]` : host}:${a.port}`
  }
  return {
    url: urlOf(address),
    port: address.port,
    /** The metrics listener's base URL (GET /metrics), or null when it is off or did not start. */
    metricsUrl: address.metrics === null ? null : urlOf(address.metrics),
    runtime: rt,
    close: () => rt.dispose(),
  }
}
