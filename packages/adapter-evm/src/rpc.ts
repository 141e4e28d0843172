import { ChainError } from "@inzi/core"
import { Data, Effect } from "effect"

/**
 * A small fetch-based JSON-RPC client for EVM nodes: batches, rotates over several URLs, backs off on 429
 * and rate-limit replies, and classifies "block range too large / too many results" replies so the scanner
 * can halve its range. Nothing thrown by `fetch` escapes: every failure becomes a `ChainError` or a
 * `RangeTooLarge`.
 */

/** Transport settings. All optional. */
export interface EvmRpcOptions {
  /** Attempts per request, across all URLs, before failing with a retryable `ChainError` (default 6). */
  readonly maxAttempts?: number | undefined
  /** First back-off step; doubles per retry, with jitter (default 250 ms). */
  readonly baseDelayMs?: number | undefined
  /** Cap of one back-off wait, also of an honoured `Retry-After` (default 30 s). */
  readonly maxDelayMs?: number | undefined
  /** Largest `Retry-After` honoured; longer waits are cut to this (default 60 s). */
  readonly maxRetryAfterMs?: number | undefined
  /** Timeout of one HTTP request (default 15 s). */
  readonly timeoutMs?: number | undefined
  /** Largest number of calls in one JSON-RPC batch (default 50). `1` disables batching. */
  readonly maxBatchSize?: number | undefined
  /** Injected `fetch` (default: the global one). */
  readonly fetch?: typeof globalThis.fetch | undefined
}

export interface RpcCall {
  readonly method: string
  readonly params: ReadonlyArray<unknown>
}

/** One call's outcome inside a (batch) reply. JSON-RPC errors the transport does not retry stay here. */
export type RpcOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: number; readonly message: string; readonly kind: RpcErrorKind }

/** How an error reply is handled: `range` → the caller shrinks its block range; `rate` → back off and retry;
 * `transient` → retry on the next URL; `fatal` → fail at once (bad params, method missing). */
export type RpcErrorKind = "range" | "rate" | "transient" | "fatal"

/** The node refused a log query as too large (range, result count or response size). */
export class RangeTooLarge extends Data.TaggedError("RangeTooLarge")<{ readonly message: string }> {}

export interface EvmRpcStats {
  /** JSON-RPC calls sent (each element of a batch counts; retries count again). */
  readonly rpcCalls: number
  /** Failed attempts: transport failures, HTTP errors, error replies. */
  readonly rpcErrors: number
  /** HTTP requests sent. */
  readonly httpRequests: number
  /** Times the client moved to the next RPC URL. */
  readonly urlRotations: number
  /** Back-off waits taken (429, rate-limit replies, every URL failing). */
  readonly backoffs: number
}

export interface EvmRpc {
  /** Sends calls (batched up to `maxBatchSize`) and returns one outcome per call, in order. */
  readonly batch: (calls: ReadonlyArray<RpcCall>) => Effect.Effect<ReadonlyArray<RpcOutcome>, ChainError>
  /** One call; error replies become `ChainError` (or `RangeTooLarge` for range errors). */
  readonly call: (
    method: string,
    params: ReadonlyArray<unknown>,
  ) => Effect.Effect<unknown, ChainError | RangeTooLarge>
  readonly stats: () => EvmRpcStats
  /** The URL currently in use (for logs; it may carry an API key, so do not print it raw). */
  readonly currentUrlIndex: () => number
}

// Phrases the big providers and clients use when a log query is too large. Matched case-insensitively.
// geth/Infura: "query returned more than 10000 results"; Alchemy: "Log response size exceeded";
// QuickNode: "eth_getLogs is limited to a 10,000 range"; BSC/public: "exceed maximum block range: 5000";
// Ankr/Polygon: "block range is too wide"; Erigon/others: "block range too large", "limit exceeded".
const RANGE_PATTERNS: ReadonlyArray<RegExp> = [
  /returned more than \d+/i,
  /too many (results|logs|blocks)/i,
  /(block )?range (is )?too (large|wide|big)/i,
  /exceed(s|ed)? (the )?max(imum)? (block )?range/i,
  /max(imum)? (block )?range/i,
  /range (limit )?exceeded/i,
  /response size (exceeded|is larger|too large)/i,
  /log response size/i,
  /limited to (a )?[\d,]+ (block )?range/i,
  /is limited to/i,
  /query timeout exceeded/i,
  /limit exceeded/i,
  /block range/i,
]
const RATE_PATTERNS: ReadonlyArray<RegExp> = [
  /rate.?limit/i,
  /too many requests/i,
  /request limit/i,
  /capacity (exceeded|limit)/i,
  /quota/i,
  /compute units/i,
  /throughput/i,
]

/** Classifies a JSON-RPC error reply. Exported for tests. */
export const classifyRpcError = (code: number, message: string, method?: string): RpcErrorKind => {
  if (RATE_PATTERNS.some((re) => re.test(message)) || code === 429) return "rate"
  if ((method === undefined || method === "eth_getLogs") && RANGE_PATTERNS.some((re) => re.test(message)))
    return "range"
  if (method === "eth_getLogs" && code === -32005) return "range"
  if (code === -32601 || code === -32602 || code === -32600 || code === -32700) return "fatal"
  if (code === 3 || /execution reverted/i.test(message)) return "fatal"
  return "transient"
}

interface AttemptFailure {
  readonly message: string
  readonly rate: boolean
  readonly retryAfterMs: number | null
  readonly fatal: boolean
  /** The URL answered, but not as a JSON-RPC endpoint (wrong path, a web page, 401/403): a config error. */
  readonly notApi?: boolean
}

/** A reply that says the URL is not a JSON-RPC endpoint of ours (404/405 of a wrong path, 401/403 …). */
const notApiReply = (where: string, status: number, what: string): AttemptFailure => ({
  message: `${where}: HTTP ${status}, ${what}; not a JSON-RPC endpoint (check the RPC URL and its API key)`,
  rate: false,
  retryAfterMs: null,
  fatal: false,
  notApi: true,
})

/** 2xx or a 4xx other than 408/429: the server answered for this URL, so retrying will not change it. */
const answeredForUrl = (status: number) =>
  (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 408 && status !== 429)

const parseRetryAfter = (value: string | null): number | null => {
  if (value === null) return null
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

const redactUrl = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}`
  } catch {
    return "rpc"
  }
}

/** undici hides the reason ("fetch failed"); its `cause` says ECONNREFUSED, a timeout, a reset … */
const describeFetchError = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e)
  const cause = (e as { cause?: unknown }).cause
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return `${e.message} (${typeof code === "string" ? code : cause.message})`
  }
  return e.name === "TimeoutError" ? "request timed out" : e.message
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

export const makeEvmRpc = (input: {
  readonly network: string
  readonly urls: ReadonlyArray<string>
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly options?: EvmRpcOptions | undefined
}): EvmRpc => {
  const urls = input.urls
  if (urls.length === 0) throw new Error(`network ${input.network}: no RPC URL configured`)
  const opts = input.options ?? {}
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 6)
  const baseDelayMs = opts.baseDelayMs ?? 250
  const maxDelayMs = opts.maxDelayMs ?? 30_000
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000
  const timeoutMs = opts.timeoutMs ?? 15_000
  const maxBatchSize = Math.max(1, opts.maxBatchSize ?? 50)
  const doFetch = opts.fetch ?? globalThis.fetch
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/json",
    ...(input.headers ?? {}),
  }

  let urlIndex = 0
  let nextId = 1
  const stats = { rpcCalls: 0, rpcErrors: 0, httpRequests: 0, urlRotations: 0, backoffs: 0 }

  const rotate = () => {
    if (urls.length > 1) {
      urlIndex = (urlIndex + 1) % urls.length
      stats.urlRotations++
    }
  }

  const chainError = (message: string, retryable: boolean) =>
    new ChainError({ network: input.network, message, retryable })

  /** One HTTP round trip. Resolves to the parsed replies in call order, or an attempt failure. */
  const attempt = (calls: ReadonlyArray<RpcCall>): Effect.Effect<ReadonlyArray<RpcOutcome>, AttemptFailure> =>
    Effect.gen(function* () {
      const url = urls[urlIndex]!
      const ids = calls.map(() => nextId++)
      const payload = calls.map((c, i) => ({
        jsonrpc: "2.0",
        id: ids[i],
        method: c.method,
        params: c.params,
      }))
      const body = JSON.stringify(calls.length === 1 ? payload[0] : payload)
      stats.httpRequests++
      stats.rpcCalls += calls.length
      const where = redactUrl(url)
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          doFetch(url, {
            method: "POST",
            headers,
            body,
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          }),
        catch: (e): AttemptFailure => ({
          message: `${where}: ${describeFetchError(e)}`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        }),
      })
      const text = yield* Effect.tryPromise({
        try: () => response.text(),
        catch: (): AttemptFailure => ({
          message: `${where}: reading the reply failed`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        }),
      })
      if (response.status === 429) {
        return yield* Effect.fail<AttemptFailure>({
          message: `${where}: HTTP 429 Too Many Requests`,
          rate: true,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
          fatal: false,
        })
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        if (answeredForUrl(response.status))
          return yield* Effect.fail(notApiReply(where, response.status, "not JSON"))
        return yield* Effect.fail<AttemptFailure>({
          message: `${where}: HTTP ${response.status}, not JSON`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        })
      }
      // One error object in reply to a batch (e.g. "batch too large"), or an HTTP error with a JSON body.
      if (!Array.isArray(json) && calls.length > 1) {
        const err = isObject(json) && isObject(json.error) ? json.error : null
        const message = err !== null ? String(err.message ?? "error") : `HTTP ${response.status}`
        const kind = classifyRpcError(Number(err?.code ?? 0), message)
        return yield* Effect.fail<AttemptFailure>({
          message: `${where}: ${message}`,
          rate: kind === "rate",
          retryAfterMs: null,
          fatal: false,
        })
      }
      const replies = Array.isArray(json) ? json : [json]
      const byId = new Map<unknown, Record<string, unknown>>()
      for (const r of replies) if (isObject(r)) byId.set(r.id, r)
      const outcomes: Array<RpcOutcome> = []
      for (let i = 0; i < calls.length; i++) {
        const r = calls.length === 1 ? (replies[0] as Record<string, unknown> | undefined) : byId.get(ids[i])
        if (
          (r === undefined || !isObject(r) || !("result" in r || isObject(r.error))) &&
          response.status >= 400
        ) {
          if (answeredForUrl(response.status))
            return yield* Effect.fail(notApiReply(where, response.status, "no JSON-RPC reply"))
        }
        if (r === undefined || !isObject(r)) {
          return yield* Effect.fail<AttemptFailure>({
            message: `${where}: HTTP ${response.status}, reply without id ${ids[i]}`,
            rate: false,
            retryAfterMs: null,
            fatal: false,
          })
        }
        if (isObject(r.error)) {
          const code = Number(r.error.code ?? 0)
          const message = String(r.error.message ?? "error")
          outcomes.push({ ok: false, code, message, kind: classifyRpcError(code, message, calls[i]!.method) })
        } else if ("result" in r) {
          outcomes.push({ ok: true, result: r.result })
        } else {
          return yield* Effect.fail<AttemptFailure>({
            message: `${where}: HTTP ${response.status}, malformed reply`,
            rate: false,
            retryAfterMs: null,
            fatal: false,
          })
        }
      }
      if (response.status >= 500) {
        // Some gateways wrap an upstream failure in a JSON-RPC error with a 5xx: retry elsewhere.
        return yield* Effect.fail<AttemptFailure>({
          message: `${where}: HTTP ${response.status}`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        })
      }
      const rate = outcomes.find((o) => !o.ok && o.kind === "rate")
      if (rate !== undefined && !rate.ok) {
        return yield* Effect.fail<AttemptFailure>({
          message: `${where}: ${rate.message}`,
          rate: true,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
          fatal: false,
        })
      }
      const transient = outcomes.find((o) => !o.ok && o.kind === "transient")
      if (transient !== undefined && !transient.ok) {
        return yield* Effect.fail<AttemptFailure>({
          message: `${where}: ${transient.message}`,
          rate: false,
          retryAfterMs: null,
          fatal: false,
        })
      }
      return outcomes
    })

  const delayFor = (failures: number, f: AttemptFailure): number => {
    if (f.retryAfterMs !== null) return Math.min(maxRetryAfterMs, f.retryAfterMs)
    const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, failures - 1))
    return exp / 2 + Math.random() * (exp / 2)
  }

  /** Sends one HTTP request's worth of calls with retries, rotation and back-off. */
  const sendChunk = (calls: ReadonlyArray<RpcCall>): Effect.Effect<ReadonlyArray<RpcOutcome>, ChainError> =>
    Effect.gen(function* () {
      let last: AttemptFailure | null = null
      let failuresSinceRotationStart = 0
      let notApiInARow = 0
      for (let n = 1; n <= maxAttempts; n++) {
        const result = yield* Effect.either(attempt(calls))
        if (result._tag === "Right") return result.right
        const f = result.left
        last = f
        stats.rpcErrors++
        if (f.fatal) break
        notApiInARow = f.notApi ? notApiInARow + 1 : 0
        // Every URL answered, none as a JSON-RPC endpoint: a configuration error, not worth retrying.
        if (notApiInARow >= urls.length) break
        failuresSinceRotationStart++
        rotate()
        if (n === maxAttempts) break
        // Back off on rate limits at once; on other failures only after every URL failed once.
        if (f.rate || failuresSinceRotationStart >= urls.length) {
          stats.backoffs++
          yield* Effect.sleep(delayFor(n, f))
        }
      }
      return yield* Effect.fail(
        chainError(
          `${calls.map((c) => c.method).join(",")} failed: ${last?.message ?? "unknown"}`,
          !last?.fatal && notApiInARow < urls.length,
        ),
      )
    })

  const batch = (calls: ReadonlyArray<RpcCall>) =>
    Effect.gen(function* () {
      const out: Array<RpcOutcome> = []
      for (let i = 0; i < calls.length; i += maxBatchSize) {
        out.push(...(yield* sendChunk(calls.slice(i, i + maxBatchSize))))
      }
      return out as ReadonlyArray<RpcOutcome>
    })

  const call = (
    method: string,
    params: ReadonlyArray<unknown>,
  ): Effect.Effect<unknown, ChainError | RangeTooLarge> =>
    Effect.flatMap(
      sendChunk([{ method, params }]),
      ([o]): Effect.Effect<unknown, ChainError | RangeTooLarge> => {
        if (o!.ok) return Effect.succeed(o!.result)
        if (o!.kind === "range") return Effect.fail(new RangeTooLarge({ message: o!.message }))
        return Effect.fail(chainError(`${method}: ${o!.message} (code ${o!.code})`, o!.kind !== "fatal"))
      },
    )

  return {
    batch,
    call,
    stats: () => ({ ...stats }),
    currentUrlIndex: () => urlIndex,
  }
}
