import { ChainError, type NetworkConfig } from "@inzi/core"
import { Effect, Random, Schema } from "effect"
import { ToncenterTransaction } from "./transaction.js"
import { JettonTransfersV3 } from "./v3.js"

/** Retry and transport settings of the toncenter v2 client. */
export interface ToncenterClientOptions {
  /** Injected `fetch` (default: the global one). */
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Per-request timeout (default 15 s). */
  readonly timeoutMs?: number | undefined
  /** Attempts per call across all URLs before failing with a retryable `ChainError` (default 8). */
  readonly maxAttempts?: number | undefined
  /** First backoff step; doubles per attempt, with full jitter (default 300 ms). */
  readonly baseDelayMs?: number | undefined
  /** Backoff ceiling (default 10 s). */
  readonly maxDelayMs?: number | undefined
  /**
   * Minimum spacing between requests, to stay under toncenter's per-key rate (about 1 request/s without a
   * key, 10/s with a free one). Default 0: rely on 429 handling alone.
   */
  readonly minIntervalMs?: number | undefined
  /** Largest `Retry-After` honoured; a longer one fails the call instead of stalling the scan (default 60 s). */
  readonly maxRetryAfterMs?: number | undefined
  /**
   * toncenter **v3** base URLs (`https://toncenter.com/api/v3`), for the `"jetton-transfers"` source. Default:
   * each of `network.rpcUrls` with its trailing `/api/v2` replaced by `/api/v3`.
   */
  readonly v3Urls?: ReadonlyArray<string> | undefined
}

/** toncenter v3 `GET /api/v3/jetton/transfers` parameters (the ones the scanner sends). */
export interface GetJettonTransfersParameters {
  /** Any address form; one master per call. */
  readonly jettonMaster: string
  readonly limit: number
  readonly offset?: number | undefined
  /** `lt >= startLt`. */
  readonly startLt?: bigint | undefined
  /** `now <= endUtime`; note that toncenter then orders by time, not lt. */
  readonly endUtime?: number | undefined
  readonly sort: "asc" | "desc"
}

export interface GetTransactionsParameters {
  /** Any address form toncenter accepts (we send raw `0:hex`). */
  readonly address: string
  readonly limit: number
  /** Start from this transaction (inclusive), newest first; both or neither. */
  readonly lt?: bigint | undefined
  readonly hashBase64?: string | undefined
  /** Stop before this logical time (exclusive: only transactions with lt > toLt are returned). */
  readonly toLt?: bigint | undefined
}

/** A toncenter v2 stack entry, e.g. `["num", "0x1"]` or `["cell", { "bytes": "te6…" }]`. */
export type ToncenterStackEntry = readonly [string, unknown]

export interface RunGetMethodResult {
  readonly exitCode: number
  readonly stack: ReadonlyArray<ToncenterStackEntry>
}

export interface ToncenterClient {
  readonly getTransactions: (
    params: GetTransactionsParameters,
  ) => Effect.Effect<ReadonlyArray<ToncenterTransaction>, ChainError>
  readonly runGetMethod: (
    address: string,
    method: string,
    stack: ReadonlyArray<ToncenterStackEntry>,
  ) => Effect.Effect<RunGetMethodResult, ChainError>
  /** toncenter v3 jetton transfers (needs v3 URLs, see `ToncenterClientOptions.v3Urls`). */
  readonly getJettonTransfers: (
    params: GetJettonTransfersParameters,
  ) => Effect.Effect<JettonTransfersV3, ChainError>
  readonly stats: () => { readonly rpcCalls: number; readonly rpcErrors: number }
}

const Envelope = Schema.Struct({
  ok: Schema.Boolean,
  result: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.String),
  code: Schema.optional(Schema.Number),
})
const TransactionsResult = Schema.Array(ToncenterTransaction)
const RunResult = Schema.Struct({
  exit_code: Schema.Number,
  stack: Schema.Array(Schema.Tuple([Schema.String], Schema.Unknown)),
})

type Attempt =
  | { readonly _tag: "ok"; readonly result: unknown }
  | { readonly _tag: "retry"; readonly message: string; readonly waitMs: number | null }
  | { readonly _tag: "fatal"; readonly message: string }

/** `Retry-After` as delta-seconds or an HTTP date; null when absent or unreadable. */
export const parseRetryAfter = (value: string | null, nowMs: number): number | null => {
  if (value === null || value.trim() === "") return null
  const s = value.trim()
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000)
  const at = Date.parse(s)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

const baseUrlOf = (url: string): string => url.replace(/\/+$/, "").replace(/\/jsonRPC$/, "")

/** The v3 base URL of a toncenter v2 base URL (`…/api/v2` → `…/api/v3`); null when it does not end so. */
export const v3UrlOf = (v2Url: string): string | null => {
  const base = baseUrlOf(v2Url)
  return /\/api\/v2$/.test(base) ? base.replace(/\/api\/v2$/, "/api/v3") : null
}

type Api = "v2" | "v3"
/** toncenter v3 answers errors as `{ "error": "…" }` with the HTTP status. */
const V3Error = Schema.Struct({ error: Schema.String })

/**
 * A small toncenter v2 HTTP client over `fetch`. Every request carries `network.headers` (the `X-API-Key`);
 * 429, 5xx, timeouts and network errors are retried with exponential backoff and full jitter (a
 * `Retry-After` header wins), rotating through `network.rpcUrls`; other answers fail at once. Every failure
 * leaves as a `ChainError`.
 */
export const makeToncenterClient = (
  network: NetworkConfig,
  options: ToncenterClientOptions = {},
): ToncenterClient => {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 15_000
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8)
  const baseDelayMs = options.baseDelayMs ?? 300
  const maxDelayMs = options.maxDelayMs ?? 10_000
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
  const minIntervalMs = options.minIntervalMs ?? 0
  const urlsOf: Record<Api, ReadonlyArray<string>> = {
    v2: network.rpcUrls.map(baseUrlOf),
    v3: (options.v3Urls ?? network.rpcUrls.flatMap((u) => v3UrlOf(u) ?? [])).map(baseUrlOf),
  }
  let nextSlot = 0
  let current = 0
  let rpcCalls = 0
  let rpcErrors = 0

  const chainError = (message: string, retryable: boolean) =>
    new ChainError({ network: network.id, message: `toncenter: ${message}`, retryable })

  const once = (
    api: Api,
    path: string,
    init: { method: "GET" | "POST"; query?: URLSearchParams; body?: unknown },
  ) =>
    Effect.promise(async (signal): Promise<Attempt> => {
      const urls = urlsOf[api]
      const base = urls[current % urls.length]!
      const url = base + path + (init.query ? `?${init.query.toString()}` : "")
      const headers: Record<string, string> = { accept: "application/json", ...(network.headers ?? {}) }
      if (init.body !== undefined) headers["content-type"] = "application/json"
      let status: number
      let retryAfter: string | null
      let text: string
      try {
        const res = await fetchImpl(url, {
          method: init.method,
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        })
        status = res.status
        retryAfter = res.headers.get("retry-after")
        text = await res.text()
      } catch (e) {
        return {
          _tag: "retry",
          message: `${base}${path}: ${e instanceof Error ? e.message : String(e)}`,
          waitMs: null,
        }
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      if (api === "v3") {
        const err = Schema.decodeUnknownOption(V3Error)(json)
        const detail = err._tag === "Some" ? err.value.error : text.slice(0, 200)
        if (status === 429) {
          const wait = parseRetryAfter(retryAfter, Date.now())
          return { _tag: "retry", message: `${base}${path}: 429 rate limited`, waitMs: wait }
        }
        if (status >= 500)
          return { _tag: "retry", message: `${base}${path}: HTTP ${status} ${detail}`, waitMs: null }
        if (status !== 200) return { _tag: "fatal", message: `${base}${path}: HTTP ${status} ${detail}` }
        if (json === undefined)
          return { _tag: "retry", message: `${base}${path}: not a toncenter answer`, waitMs: null }
        return { _tag: "ok", result: json }
      }
      const env = Schema.decodeUnknownOption(Envelope)(json)
      const apiError =
        env._tag === "Some" ? (env.value.error ?? String(env.value.result ?? "")) : text.slice(0, 200)
      const code = env._tag === "Some" && env.value.code !== undefined ? env.value.code : status
      if (status === 429 || code === 429) {
        const wait = parseRetryAfter(retryAfter, Date.now())
        return { _tag: "retry", message: `${base}${path}: 429 rate limited`, waitMs: wait }
      }
      if (status >= 500 || code >= 500) {
        return { _tag: "retry", message: `${base}${path}: HTTP ${status} ${apiError}`, waitMs: null }
      }
      if (status !== 200) return { _tag: "fatal", message: `${base}${path}: HTTP ${status} ${apiError}` }
      if (env._tag === "None")
        return { _tag: "retry", message: `${base}${path}: not a toncenter answer`, waitMs: null }
      if (!env.value.ok) return { _tag: "fatal", message: `${base}${path}: ${apiError} (code ${code})` }
      return { _tag: "ok", result: env.value.result }
    })

  const call = (
    path: string,
    init: { method: "GET" | "POST"; query?: URLSearchParams; body?: unknown },
    api: Api = "v2",
  ) =>
    Effect.gen(function* () {
      const urls = urlsOf[api]
      if (urls.length === 0)
        return yield* Effect.fail(chainError(`no toncenter ${api} URL configured (options.v3Urls)`, false))
      for (let attempt = 1; ; attempt++) {
        if (minIntervalMs > 0) {
          const t = Date.now()
          const wait = nextSlot - t
          nextSlot = Math.max(t, nextSlot) + minIntervalMs
          if (wait > 0) yield* Effect.sleep(wait)
        }
        rpcCalls++
        const r = yield* once(api, path, init)
        if (r._tag === "ok") return r.result
        rpcErrors++
        if (r._tag === "fatal") return yield* Effect.fail(chainError(r.message, false))
        if (attempt >= maxAttempts) {
          return yield* Effect.fail(chainError(`${r.message} (gave up after ${attempt} attempts)`, true))
        }
        if (r.waitMs !== null && r.waitMs > maxRetryAfterMs) {
          return yield* Effect.fail(chainError(`${r.message}; Retry-After ${r.waitMs} ms is too long`, true))
        }
        current = (current + 1) % urls.length
        const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
        const jitter = yield* Random.nextIntBetween(0, Math.max(1, Math.floor(cap)))
        const wait = r.waitMs ?? jitter
        yield* Effect.logDebug(`toncenter retry ${attempt}/${maxAttempts} in ${wait} ms: ${r.message}`)
        yield* Effect.sleep(wait)
      }
    })

  const decode =
    <A, I>(schema: Schema.Schema<A, I>, what: string) =>
    (u: unknown) =>
      Schema.decodeUnknown(schema)(u).pipe(
        Effect.mapError((e) => chainError(`unexpected ${what} answer: ${e.message.slice(0, 300)}`, false)),
      )

  return {
    getTransactions: (p) => {
      const query = new URLSearchParams({ address: p.address, limit: String(p.limit), archival: "true" })
      if (p.lt !== undefined && p.hashBase64 !== undefined) {
        query.set("lt", p.lt.toString())
        query.set("hash", p.hashBase64)
      }
      if (p.toLt !== undefined) query.set("to_lt", p.toLt.toString())
      return call("/getTransactions", { method: "GET", query }).pipe(
        Effect.flatMap(decode(TransactionsResult, "getTransactions")),
      )
    },
    runGetMethod: (address, method, stack) =>
      call("/runGetMethod", { method: "POST", body: { address, method, stack } }).pipe(
        Effect.flatMap(decode(RunResult, "runGetMethod")),
        Effect.map((r) => ({ exitCode: r.exit_code, stack: r.stack as ReadonlyArray<ToncenterStackEntry> })),
      ),
    getJettonTransfers: (p) => {
      const query = new URLSearchParams({
        jetton_master: p.jettonMaster,
        limit: String(p.limit),
        sort: p.sort,
      })
      if (p.offset !== undefined && p.offset > 0) query.set("offset", String(p.offset))
      if (p.startLt !== undefined) query.set("start_lt", p.startLt.toString())
      if (p.endUtime !== undefined) query.set("end_utime", String(p.endUtime))
      return call("/jetton/transfers", { method: "GET", query }, "v3").pipe(
        Effect.flatMap(decode(JettonTransfersV3, "jetton/transfers")),
      )
    },
    stats: () => ({ rpcCalls, rpcErrors }),
  }
}
