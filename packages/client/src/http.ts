import { ApiErrorBody } from "@inzi/wire"
import { Duration, Effect, Either, ParseResult, Schema } from "effect"
import { InziApiError, InziConnectionError, type InziError, InziResponseError } from "./errors.js"

/** The `fetch` this client calls: the global one (Node ≥ 18, browsers, Deno, Bun) or any compatible one. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface InziClientOptions {
  /** `sk_live_…` or `sk_test_…`: decides the merchant and the mode. Never logged by this client. */
  readonly apiKey: string
  /**
   * Where the Inzi server answers, e.g. `https://pay.example.com` (the client adds `/api/v1`). A URL that
   * already ends in `/api/v1` is used as is.
   */
  readonly baseUrl: string
  /** Default: the global `fetch`. */
  readonly fetch?: FetchLike | undefined
  /** Per attempt, in milliseconds. Default 30 000. */
  readonly timeoutMs?: number | undefined
  /**
   * Retries after a connection error, a 429 (honouring `Retry-After`) or a 5xx. Default 2; 0 disables.
   * `checkouts.create` is only retried under an `Idempotency-Key`: when retries are on and none is given,
   * the client generates one, so a retried create never makes a second checkout.
   */
  readonly maxRetries?: number | undefined
  /** Longest wait between two attempts, in milliseconds (caps `Retry-After` too). Default 10 000. */
  readonly maxRetryDelayMs?: number | undefined
}

export interface HttpRequest {
  readonly method: "GET" | "POST"
  /** Path below `/api/v1`, with its query string. */
  readonly path: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Whether a failed attempt may be sent again (true for GETs and for POSTs with an idempotency key). */
  readonly retryable: boolean
}

interface Config {
  readonly apiKey: string
  readonly apiBase: string
  readonly fetch: FetchLike
  readonly timeoutMs: number
  readonly maxRetries: number
  readonly maxRetryDelayMs: number
}

/** Resolves the options (throws a TypeError on a missing key or a bad base URL: a programming error). */
export const resolveConfig = (o: InziClientOptions): Config => {
  if (typeof o.apiKey !== "string" || o.apiKey.trim() === "")
    throw new TypeError("InziClient: apiKey is required (sk_live_… or sk_test_…)")
  let base: URL
  try {
    base = new URL(o.baseUrl)
  } catch {
    throw new TypeError(`InziClient: baseUrl must be an absolute http(s) URL, got "${o.baseUrl}"`)
  }
  if (base.protocol !== "http:" && base.protocol !== "https:")
    throw new TypeError(`InziClient: baseUrl must be an absolute http(s) URL, got "${o.baseUrl}"`)
  const trimmed = `${base.origin}${base.pathname}`.replace(/\/+$/, "")
  const apiBase = /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`
  const f = o.fetch ?? globalThis.fetch
  if (typeof f !== "function") throw new TypeError("InziClient: no global fetch; pass options.fetch")
  return {
    apiKey: o.apiKey.trim(),
    apiBase,
    fetch: f,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxRetries: Math.max(0, Math.floor(o.maxRetries ?? 2)),
    maxRetryDelayMs: o.maxRetryDelayMs ?? 10_000,
  }
}

const snippet = (s: string) => s.slice(0, 500)

/** `Retry-After` in seconds (delta-seconds or an HTTP date), or null. */
export const parseRetryAfter = (value: string | null, now: number = Date.now()): number | null => {
  if (value === null) return null
  const v = value.trim()
  if (/^[0-9]+$/.test(v)) return Number(v)
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : Math.max(0, Math.ceil((t - now) / 1000))
}

interface RawResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

const once = (cfg: Config, req: HttpRequest): Effect.Effect<RawResponse, InziConnectionError> =>
  Effect.tryPromise({
    try: async (signal) => {
      const timeout = AbortSignal.timeout(cfg.timeoutMs)
      const headers: Record<string, string> = {
        accept: "application/json",
        authorization: `Bearer ${cfg.apiKey}`,
        "user-agent": "inzi-client/0.1.0",
        ...req.headers,
      }
      let body: string | undefined
      if (req.body !== undefined) {
        body = JSON.stringify(req.body)
        headers["content-type"] = "application/json"
      }
      const res = await cfg.fetch(`${cfg.apiBase}${req.path}`, {
        method: req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.any([signal, timeout]),
      })
      return { status: res.status, headers: res.headers, text: await res.text() }
    },
    catch: (e) => {
      const timedOut = e instanceof Error && e.name === "TimeoutError"
      return new InziConnectionError({
        message: timedOut
          ? `no answer from ${cfg.apiBase} within ${cfg.timeoutMs} ms`
          : `request to ${cfg.apiBase} failed: ${e instanceof Error ? e.message : String(e)}`,
        timedOut,
        cause: e,
      })
    },
  })

const decodeErrorBody = Schema.decodeUnknownEither(ApiErrorBody)

const toError = (r: RawResponse): InziApiError | InziResponseError => {
  let json: unknown
  try {
    json = JSON.parse(r.text)
  } catch {
    return new InziResponseError({
      status: r.status,
      message: `HTTP ${r.status} with a body that is not JSON`,
      body: snippet(r.text),
    })
  }
  const decoded = decodeErrorBody(json)
  if (Either.isLeft(decoded))
    return new InziResponseError({
      status: r.status,
      message: `HTTP ${r.status} with a body that is not an Inzi error`,
      body: snippet(r.text),
    })
  const e = decoded.right.error
  return new InziApiError({
    status: r.status,
    type: e.type,
    code: e.code,
    message: e.message,
    param: e.param ?? null,
    retryAfter: r.status === 429 ? parseRetryAfter(r.headers.get("retry-after")) : null,
  })
}

const shouldRetry = (e: InziError): boolean =>
  e._tag === "InziConnectionError" ||
  (e._tag === "InziApiError" && (e.status === 429 || e.status >= 500)) ||
  (e._tag === "InziResponseError" && (e.status === 429 || e.status >= 500))

/** Exponential backoff with full jitter (0.5 s base), or the server's `Retry-After`; capped. */
const delayFor = (cfg: Config, e: InziError, attempt: number): number => {
  if (e._tag === "InziApiError" && e.retryAfter !== null)
    return Math.min(cfg.maxRetryDelayMs, e.retryAfter * 1000)
  const exp = Math.min(cfg.maxRetryDelayMs, 500 * 2 ** attempt)
  return Math.round(exp / 2 + (Math.random() * exp) / 2)
}

/**
 * Sends one API request (with retries when allowed) and decodes a 2xx body with `schema`. Non-2xx answers
 * fail with `InziApiError`; unreadable ones with `InziResponseError`.
 */
export const request = <A, I>(
  cfg: Config,
  req: HttpRequest,
  schema: Schema.Schema<A, I>,
): Effect.Effect<{ readonly value: A; readonly headers: Headers; readonly status: number }, InziError> => {
  const attempt = (n: number): Effect.Effect<RawResponse, InziError> =>
    once(cfg, req).pipe(
      Effect.flatMap((r) =>
        r.status >= 200 && r.status < 300 ? Effect.succeed(r) : Effect.fail(toError(r)),
      ),
      Effect.catchAll((e: InziError) =>
        req.retryable && n < cfg.maxRetries && shouldRetry(e)
          ? Effect.sleep(Duration.millis(delayFor(cfg, e, n))).pipe(Effect.zipRight(attempt(n + 1)))
          : Effect.fail(e),
      ),
    )
  return attempt(0).pipe(
    Effect.flatMap((r) => {
      let json: unknown
      try {
        json = JSON.parse(r.text)
      } catch {
        return Effect.fail(
          new InziResponseError({
            status: r.status,
            message: `HTTP ${r.status} with a body that is not JSON`,
            body: snippet(r.text),
          }),
        )
      }
      const decoded = Schema.decodeUnknownEither(schema)(json, { onExcessProperty: "ignore" })
      return Either.isRight(decoded)
        ? Effect.succeed({ value: decoded.right, headers: r.headers, status: r.status })
        : Effect.fail(
            new InziResponseError({
              status: r.status,
              message: `the response does not match the API schema: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`,
              body: snippet(r.text),
            }),
          )
    }),
  )
}
