import type {
  ActiveKey,
  CheckoutJsonCache,
  KeyCache as CoreKeyCache,
  FamilyRegistry,
  NetworkConfig,
  PaymentOptionsCache,
} from "@inzi/core"
import type { InziEnv, Logger } from "@inzi/platform"
import { Context } from "effect"
import type { makeHttpMetrics, Registry } from "./metrics.js"
import type { RateLimiter } from "./http/rate-limit.js"

/** Everything the HTTP layer needs besides the ports: configuration, networks, logs, metrics. */
export interface ServerContextShape {
  readonly env: InziEnv
  /** Operator-configured networks (both modes), with their tokens. */
  readonly networks: ReadonlyArray<NetworkConfig>
  /** One module per chain family (payment options, labels, explorer links). */
  readonly families: FamilyRegistry
  /** Payment options' JSON of recently listed checkouts (a merchant's list pages render the same ones again). */
  readonly optionsCache: PaymentOptionsCache
  /** Whole JSON of read checkouts, by the object the store's GET read hands back while a checkout is unchanged. */
  readonly jsonCache: CheckoutJsonCache
  readonly logger: Logger
  readonly registry: Registry
  readonly http: ReturnType<typeof makeHttpMetrics>
  /** Requests per API key (INZI_RATE_LIMIT). */
  readonly rateLimiter: RateLimiter
  /** Failed authentications per client address (INZI_AUTH_FAILURE_LIMIT). */
  readonly authFailures: RateLimiter
  /** Hosted page requests (/p/…) per client address (INZI_PAGE_RATE_LIMIT). */
  readonly pageLimiter: RateLimiter
  /** Proxies in front of the server whose X-Forwarded-For is believed (INZI_TRUST_PROXY). */
  readonly trustedProxies: number
  /** The key cache read from memory; `null` without a key cache (see `AuthLimits`). */
  readonly cachedKey: ((hash: string) => ActiveKey | undefined) | null
  /** Whether the key cache holds a key, without claiming its refresh; `null` without a key cache. */
  readonly holdsKey: ((hash: string) => boolean) | null
  /** True once migrations are applied and the database answered (for /readyz). */
  readonly ready: () => Promise<boolean>
  /** Cluster-wide gauges read at scrape time (checkouts by status, outbox, watchers). */
  readonly clusterMetrics: () => Promise<
    ReadonlyArray<{ name: string; help: string; samples: ReadonlyArray<[Record<string, string>, number]> }>
  >
}

export class ServerContext extends Context.Tag("@inzi/server/ServerContext")<
  ServerContext,
  ServerContextShape
>() {}

/** The API-key cache of this server (core's `withKeyCache`), built with the cached `MerchantStore` (app.ts). */
export class KeyCache extends Context.Tag("@inzi/server/KeyCache")<KeyCache, CoreKeyCache>() {}
