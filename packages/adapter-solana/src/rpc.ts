import { ChainError } from "@inzi/core"
import { Effect } from "effect"

/**
 * A small fetch-based Solana JSON-RPC client: batches, rotates over the network's URLs, backs off on 429 and
 * rate-limit replies (a `Retry-After` wins) and on 5xx, timeouts and network errors, with the same policy as
 * the EVM adapter's transport. Nothing thrown by `fetch` escapes: every failure becomes a `ChainError`.
 */

export interface SolanaRpcOptions {
  /** Attempts per request, across all URLs, before failing with a retryable `ChainError` (default 6). */
  readonly maxAttempts?: number | undefined
  /** First back-off step; doubles per retry, with jitter (default 250 ms). */
  readonly baseDelayMs?: number | undefined
  /** Cap of one back-off wait (default 30 s). */
  readonly maxDelayMs?: number | undefined
  /** Largest `Retry-After` honoured; a longer one is cut to this (default 60 s). */
  readonly maxRetryAfterMs?: number | undefined
  /** Timeout of one HTTP request (default 15 s). */
  readonly timeoutMs?: number | undefined
  /** Largest number of calls in one JSON-RPC batch (default 100). `1` disables batching. */
  readonly batchSize?: number | undefined
  /** Injected `fetch` (default: the global one). */
  readonly fetch?: typeof globalThis.fetch | undefined
}

export interface RpcCall {
  readonly method: string
  readonly params: ReadonlyArray<unknown>
}

export interface SolanaRpc {
  /** Sends calls (batched up to `batchSize`) and returns one result per call, in order. */
  readonly batch: (calls: ReadonlyArray<RpcCall>) => Effect.Effect<ReadonlyArray<unknown>, ChainError>
  readonly call: (method: string, params: ReadonlyArray<unknown>) => Effect.Effect<unknown, ChainError>
  /** JSON-RPC calls sent (each element of a batch counts; retries count again) and failed attempts. */
  readonly stats: () => {
    readonly rpcCalls: number
    readonly rpcErrors: number
    readonly httpRequests: number
  }
}

interface Failure {
  readonly message: string
  readonly rate: boolean
  readonly retryAfterMs: number | null
  readonly fatal: boolean
}

// Agave's JSON-RPC server error codes that a later attempt (or another node) may answer: node behind or
// unhealthy (-32005), block not available yet (-32004), slot skipped or missing in long-term storage
// (-32007, -32009), minimum context slot not reached (-32016).
const TRANSIENT_CODES = new Set([-32004, -32005, -32007, -32009, -32014, -32016])
const RATE = /rate.?limit|too many requests|request limit|quota|credits/i

/** `Retry-After` as delta-seconds or an HTTP date; null when absent or unreadable. */
const parseRetryAfter = (value: string | null): number | null => {
  if (value === null) return null
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

/** Scheme and host only: an RPC URL may carry an API key in its path or query. */
const redactUrl = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}`
  } catch {
    return "rpc"
  }
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

export const makeSolanaRpc = (input: {
  readonly network: string
  readonly urls: ReadonlyArray<string>
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly options?: SolanaRpcOptions | undefined
}): SolanaRpc => {
  const { urls } = input
  const opts = input.options ?? {}
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 6)
  const baseDelayMs = opts.baseDelayMs ?? 250
  const maxDelayMs = opts.maxDelayMs ?? 30_000
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000
  const timeoutMs = opts.timeoutMs ?? 15_000
  const batchSize = Math.max(1, opts.batchSize ?? 100)
  const doFetch = opts.fetch ?? globalThis.fetch
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/json",
    ...(input.headers ?? {}),
  }
  let urlIndex = 0
  let nextId = 1
  const counters = { rpcCalls: 0, rpcErrors: 0, httpRequests: 0 }
  const chainError = (message: string, retryable: boolean) =>
    new ChainError({ network: input.network, message, retryable })
  const fail = (message: string, more: Partial<Failure> = {}): Effect.Effect<never, Failure> =>
    Effect.fail({ message, rate: false, retryAfterMs: null, fatal: false, ...more })

  /** One HTTP round trip: the results in call order, or why the attempt failed. */
  const attempt = (calls: ReadonlyArray<RpcCall>): Effect.Effect<ReadonlyArray<unknown>, Failure> =>
    Effect.gen(function* () {
      const url = urls[urlIndex]!
      const where = redactUrl(url)
      const ids = calls.map(() => nextId++)
      const payload = calls.map((c, i) => ({
        jsonrpc: "2.0",
        id: ids[i],
        method: c.method,
        params: c.params,
      }))
      counters.httpRequests++
      counters.rpcCalls += calls.length
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          doFetch(url, {
            method: "POST",
            headers,
            body: JSON.stringify(calls.length === 1 ? payload[0] : payload),
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          }),
        catch: (e): Failure => ({
          message: `${where}: ${e instanceof Error && e.name === "TimeoutError" ? "request timed out" : "request failed"}`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        }),
      })
      const text = yield* Effect.tryPromise({
        try: () => response.text(),
        catch: (): Failure => ({
          message: `${where}: reading the reply failed`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        }),
      })
      if (response.status === 429)
        return yield* fail(`${where}: HTTP 429 Too Many Requests`, {
          rate: true,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
        })
      if (response.status >= 500) return yield* fail(`${where}: HTTP ${response.status}`)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return yield* fail(`${where}: HTTP ${response.status}, not JSON`, {
          fatal: response.status >= 400 && response.status !== 408,
        })
      }
      const replies = Array.isArray(json) ? json : [json]
      const byId = new Map<unknown, Record<string, unknown>>()
      for (const r of replies) if (isObject(r)) byId.set(r.id, r)
      const results: Array<unknown> = []
      for (let i = 0; i < calls.length; i++) {
        const r = byId.get(ids[i])
        if (r === undefined) {
          // One error object for a whole batch, or a gateway's own error body.
          const err = isObject(json) && isObject(json.error) ? json.error : null
          const message =
            err === null ? `HTTP ${response.status}, no reply for id ${ids[i]}` : String(err.message)
          return yield* fail(`${where}: ${message}`, {
            rate: RATE.test(message) || Number(err?.code) === 429,
            fatal: response.status >= 400 && response.status !== 408 && !RATE.test(message),
          })
        }
        if (isObject(r.error)) {
          const code = Number(r.error.code ?? 0)
          const message = String(r.error.message ?? "error")
          if (code === 429 || RATE.test(message))
            return yield* fail(`${where}: ${message}`, {
              rate: true,
              retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
            })
          return yield* fail(`${where}: ${calls[i]!.method}: ${message} (code ${code})`, {
            fatal: !TRANSIENT_CODES.has(code) && code !== -32603,
          })
        }
        if (!("result" in r)) return yield* fail(`${where}: malformed reply`)
        results.push(r.result)
      }
      if (response.status >= 400 && response.status !== 408)
        return yield* fail(`${where}: HTTP ${response.status}`, { fatal: true })
      return results
    })

  const delayFor = (failures: number, f: Failure): number => {
    if (f.retryAfterMs !== null) return Math.min(maxRetryAfterMs, f.retryAfterMs)
    const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, failures - 1))
    return exp / 2 + Math.random() * (exp / 2)
  }

  /** One request's worth of calls with retries, URL rotation and back-off. */
  const sendChunk = (calls: ReadonlyArray<RpcCall>) =>
    Effect.gen(function* () {
      let last: Failure | null = null
      let failedSinceRotation = 0
      for (let n = 1; n <= maxAttempts; n++) {
        const result = yield* Effect.either(attempt(calls))
        if (result._tag === "Right") return result.right
        const f = result.left
        last = f
        counters.rpcErrors++
        if (f.fatal || n === maxAttempts) break
        failedSinceRotation++
        if (urls.length > 1) urlIndex = (urlIndex + 1) % urls.length
        // Back off at once on rate limits; on other failures only once every URL failed.
        if (f.rate || failedSinceRotation >= urls.length) yield* Effect.sleep(delayFor(n, f))
      }
      return yield* Effect.fail(
        chainError(
          `${[...new Set(calls.map((c) => c.method))].join(",")} failed: ${last?.message ?? "unknown"}`,
          !(last?.fatal ?? false),
        ),
      )
    })

  const batch = (calls: ReadonlyArray<RpcCall>) =>
    Effect.gen(function* () {
      const out: Array<unknown> = []
      for (let i = 0; i < calls.length; i += batchSize)
        out.push(...(yield* sendChunk(calls.slice(i, i + batchSize))))
      return out as ReadonlyArray<unknown>
    })

  return {
    batch,
    call: (method, params) => Effect.map(sendChunk([{ method, params }]), (r) => r[0]),
    stats: () => ({ ...counters }),
  }
}
