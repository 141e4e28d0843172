import { parseUsd } from "@inzi/core"
import { Redacted } from "effect"

/** Every environment variable the reference apps read (documented in the README's configuration table). */
export interface InziEnv {
  readonly databaseUrl: string | null
  readonly dataDir: string
  /** PostgreSQL schema to use (default public); lets several deployments or test runs share a database. */
  readonly dbSchema: string | undefined
  /** Connections of each process's PostgreSQL pool (server, worker, CLI); ignored on embedded PGlite. */
  readonly dbPoolSize: number
  readonly host: string
  readonly port: number
  readonly publicUrl: string
  readonly minAmountCents: bigint
  readonly maxAmountCents: bigint
  readonly logLevel: "debug" | "info" | "warn" | "error"
  readonly networksFile: string | null
  /** Requests per second per API key (0 disables), with a burst of twice that. */
  readonly rateLimitPerSecond: number
  /** Failed authentications per minute per client address (0 disables), with a burst of that many. */
  readonly authFailuresPerMinute: number
  /** Hosted page requests (/p/…) per second per client address (0 disables), with a burst of twice that. */
  readonly pageRatePerSecond: number
  /** Proxies in front of the server whose X-Forwarded-For entry is believed (0: the connection's peer). */
  readonly trustProxy: number
  /**
   * Where the server's separate metrics listener (GET /metrics only) listens; null: none. `explicit`: set by
   * INZI_METRICS_ADDR (a failure to listen there stops the server; on the default address it is only logged).
   */
  readonly metricsAddr: { readonly host: string; readonly port: number; readonly explicit: boolean } | null
  /** Bearer token /metrics requires; when set, /metrics also answers on the public port (with it). */
  readonly metricsToken: string | null
  /** How long a scrape's cluster-wide gauges are reused, in ms (concurrent scrapes always share one read). */
  readonly metricsCacheMs: number
  /** `INZI_RATE_LIMIT_SHARED=1`: the limit holds across every server, counted in PostgreSQL (rate_limits). */
  readonly rateLimitShared?: boolean | undefined
  /**
   * How long a server process trusts an API-key lookup (ms): a key revoked or a merchant changed by another
   * process takes effect within this; changes made through the same process at once. `0` looks up every request.
   */
  readonly keyCacheMs: number
  /** Let webhooks reach private, loopback and link-local addresses in either mode (development only). */
  readonly allowPrivateWebhooks: boolean
  /** Let test-mode webhooks reach loopback addresses (a local receiver; `inzi dev` sets it). */
  readonly allowTestLoopbackWebhooks: boolean
  readonly workerId: string
  /**
   * Pre-derived deposit addresses the worker keeps per merchant with an xpub (refilled when below half of it),
   * so a create takes one instead of deriving on the request path. `0` disables the refill (a create then
   * derives inline once any remaining slots are used).
   */
  readonly addressPool: number
  /**
   * `INZI_SECRET_KEY` (32 bytes, base64): seals merchants' webhook secrets at rest; `INZI_SECRET_KEY_OLD` still
   * opens rows sealed before a rotation. Unset: secrets are stored in clear (a warning says so at start-up).
   */
  readonly secretKey?: Redacted.Redacted<string> | undefined
  readonly secretKeyOld?: Redacted.Redacted<string> | undefined
  /** The operator console under /console (`INZI_CONSOLE=off` turns it off; absent: on). */
  readonly console?: boolean | undefined
}

export class EnvError extends Error {
  override readonly name = "EnvError"
}

const int = (env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number => {
  const raw = env[name]
  if (raw === undefined || raw === "") return dflt
  if (!/^[0-9]+$/.test(raw)) throw new EnvError(`${name} must be an integer, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new EnvError(`${name} must be between ${min} and ${max}, got ${n}`)
  return n
}

const usd = (env: NodeJS.ProcessEnv, name: string, dflt: string): bigint => {
  const raw = env[name] ?? dflt
  const r = parseUsd(raw)
  if (!r.ok) throw new EnvError(`${name} must be a USD amount like "1.00", got "${raw}"`)
  return r.cents
}

/** INZI_METRICS_ADDR: `off`, `host:port`, `[ipv6]:port` or a bare port (on 127.0.0.1). */
const metricsAddr = (env: NodeJS.ProcessEnv): InziEnv["metricsAddr"] => {
  const raw = env.INZI_METRICS_ADDR
  if (raw === undefined || raw === "") return { host: "127.0.0.1", port: 9464, explicit: false }
  if (raw === "off") return null
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):)?([0-9]{1,5})$/.exec(raw)
  const port = m === null ? Number.NaN : Number(m[2])
  if (m === null || port > 65535)
    throw new EnvError(`INZI_METRICS_ADDR must be host:port, a port, or off, got "${raw}"`)
  return { host: (m[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port, explicit: true }
}

const metricsToken = (env: NodeJS.ProcessEnv): string | null => {
  const raw = env.INZI_METRICS_TOKEN
  if (raw === undefined || raw === "") return null
  if (!/^[\x21-\x7e]{16,}$/.test(raw))
    throw new EnvError("INZI_METRICS_TOKEN must be at least 16 printable ASCII characters without spaces")
  return raw
}

/** Reads and validates the environment; throws `EnvError` with a readable message on bad input. */
export const readEnv = (env: NodeJS.ProcessEnv = process.env): InziEnv => {
  const port = int(env, "PORT", 3000, 0, 65535)
  const host = env.HOST ?? "127.0.0.1"
  const publicUrl = (env.PUBLIC_URL ?? `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`).replace(
    /\/+$/,
    "",
  )
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl))
    throw new EnvError(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`)
  const minAmountCents = usd(env, "INZI_MIN_AMOUNT", "1.00")
  const maxAmountCents = usd(env, "INZI_MAX_AMOUNT", "1000000.00")
  if (minAmountCents <= 0n || minAmountCents > maxAmountCents)
    throw new EnvError("INZI_MIN_AMOUNT must be positive and not above INZI_MAX_AMOUNT")
  const level = (env.LOG_LEVEL ?? "info").toLowerCase()
  if (!["debug", "info", "warn", "error"].includes(level))
    throw new EnvError(`LOG_LEVEL must be debug, info, warn or error, got "${level}"`)
  return {
    databaseUrl: env.DATABASE_URL && env.DATABASE_URL !== "" ? env.DATABASE_URL : null,
    dataDir: env.INZI_DATA_DIR ?? "./.inzi",
    dbSchema: env.INZI_DB_SCHEMA && env.INZI_DB_SCHEMA !== "" ? env.INZI_DB_SCHEMA : undefined,
    dbPoolSize: int(env, "INZI_DB_POOL_SIZE", 10, 1, 1_000),
    host,
    port,
    publicUrl,
    minAmountCents,
    maxAmountCents,
    logLevel: level as InziEnv["logLevel"],
    networksFile: env.INZI_NETWORKS && env.INZI_NETWORKS !== "" ? env.INZI_NETWORKS : null,
    rateLimitPerSecond: int(env, "INZI_RATE_LIMIT", 50, 0, 1_000_000),
    authFailuresPerMinute: int(env, "INZI_AUTH_FAILURE_LIMIT", 60, 0, 1_000_000),
    pageRatePerSecond: int(env, "INZI_PAGE_RATE_LIMIT", 20, 0, 1_000_000),
    trustProxy: int(env, "INZI_TRUST_PROXY", 0, 0, 16),
    metricsAddr: metricsAddr(env),
    metricsToken: metricsToken(env),
    metricsCacheMs: int(env, "INZI_METRICS_CACHE_MS", 5000, 0, 600_000),
    rateLimitShared: env.INZI_RATE_LIMIT_SHARED === "1" || env.INZI_RATE_LIMIT_SHARED === "true",
    keyCacheMs: int(env, "INZI_KEY_CACHE_MS", 1000, 0, 60_000),
    allowPrivateWebhooks:
      env.INZI_ALLOW_PRIVATE_WEBHOOKS === "1" || env.INZI_ALLOW_PRIVATE_WEBHOOKS === "true",
    allowTestLoopbackWebhooks:
      env.INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS === "1" || env.INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS === "true",
    workerId: env.INZI_WORKER_ID ?? `worker-${process.pid}`,
    addressPool: int(env, "INZI_ADDRESS_POOL", 500, 0, 1_000_000),
    secretKey: secretKey(env, "INZI_SECRET_KEY"),
    secretKeyOld: secretKey(env, "INZI_SECRET_KEY_OLD"),
    console: !["off", "0", "false"].includes((env.INZI_CONSOLE ?? "on").toLowerCase()),
  }
}

const secretKey = (env: NodeJS.ProcessEnv, name: string): Redacted.Redacted<string> | undefined => {
  const v = env[name]?.trim()
  if (v === undefined || v === "") return undefined
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(v))
    throw new EnvError(`${name} must be 32 random bytes in base64 (openssl rand -base64 32)`)
  return Redacted.make(v)
}
