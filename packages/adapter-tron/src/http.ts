import { ChainError } from "@inzi/core"
import { Clock, Duration, Effect, Random } from "effect"

/** Retry and transport settings of the Tron HTTP client. All optional; defaults suit TronGrid's free tier. */
export interface TronHttpOptions {
  /** Attempts per call, across all URLs, before the call fails with a retryable `ChainError` (default 6). */
  readonly maxAttempts?: number | undefined
  /** First back-off step; each retry doubles it, with full jitter (default 250 ms). */
  readonly baseDelayMs?: number | undefined
  /** Cap of one back-off wait (default 30 s). */
  readonly maxDelayMs?: number | undefined
  /**
   * Longest wait for a `Retry-After`: when every URL asks for more, calls fail at once (retryable) instead of
   * blocking the worker, and no request is sent before the server's time is up (default 120 s).
   */
  readonly maxRetryAfterMs?: number | undefined
  /** Timeout of one HTTP request (default 15 s). */
  readonly timeoutMs?: number | undefined
}

/** Why one attempt failed; internal to the adapter, mapped to `ChainError` at the port. */
interface AttemptFailure {
  readonly message: string
  readonly retryable: boolean
  /** Milliseconds the server asked us to wait (`Retry-After`), if it did. */
  readonly retryAfterMs: number | null
}

/** Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `nowMs`. */
export const parseRetryAfter = (value: string | null, nowMs: number): number | null => {
  if (value === null) return null
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

/**
 * A small JSON-over-HTTP client for java-tron's `wallet/*` and `walletsolidity/*` APIs: rotates over several
 * base URLs, sends the configured headers (`TRON-PRO-API-KEY`), backs off with full jitter on 429 / 5xx /
 * network errors and honours `Retry-After`. It never lets a fetch error escape: every failure is a `ChainError`.
 */
export interface TronHttp {
  readonly post: (path: string, body: unknown) => Effect.Effect<unknown, ChainError>
  readonly stats: () => { readonly rpcCalls: number; readonly rpcErrors: number }
}

export const makeTronHttp = (input: {
  readonly network: string
  readonly urls: ReadonlyArray<string>
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly options?: TronHttpOptions | undefined
}): TronHttp => {
  const urls = input.urls.map((u) => u.replace(/\/+$/, ""))
  const maxAttempts = Math.max(1, input.options?.maxAttempts ?? 6)
  const baseDelayMs = input.options?.baseDelayMs ?? 250
  const maxDelayMs = input.options?.maxDelayMs ?? 30_000
  const maxRetryAfterMs = input.options?.maxRetryAfterMs ?? 120_000
  const timeoutMs = input.options?.timeoutMs ?? 15_000
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/json",
    ...(input.headers ?? {}),
  }
  let current = 0
  let rpcCalls = 0
  let rpcErrors = 0

  const attempt = (url: string, path: string, body: string): Effect.Effect<unknown, AttemptFailure> =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(`${url}/${path}`, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        })
        const text = await response.text()
        return { status: response.status, retryAfter: response.headers.get("retry-after"), text }
      },
      catch: (cause): AttemptFailure => ({
        message: `${path}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : "request failed"}`,
        retryable: true,
        retryAfterMs: null,
      }),
    }).pipe(
      Effect.flatMap(({ status, retryAfter, text }) => {
        if (status === 429 || status >= 500) {
          return Effect.fail<AttemptFailure>({
            message: `${path}: HTTP ${status}`,
            retryable: true,
            retryAfterMs: parseRetryAfter(retryAfter, Date.now()),
          })
        }
        if (status < 200 || status >= 300) {
          return Effect.fail<AttemptFailure>({
            message: `${path}: HTTP ${status}${status === 401 || status === 403 ? " (check the API key header)" : ""}`,
            retryable: false,
            retryAfterMs: null,
          })
        }
        try {
          const json: unknown = JSON.parse(text)
          // java-tron reports some failures as HTTP 200 with `{"Error": "…"}`.
          if (json !== null && typeof json === "object" && "Error" in json) {
            return Effect.fail<AttemptFailure>({
              message: `${path}: node error: ${String((json as { Error: unknown }).Error).slice(0, 200)}`,
              retryable: false,
              retryAfterMs: null,
            })
          }
          return Effect.succeed(json)
        } catch {
          return Effect.fail<AttemptFailure>({
            message: `${path}: response is not JSON`,
            retryable: true,
            retryAfterMs: null,
          })
        }
      }),
    )

  /** Per URL: epoch ms before which it must not be called again (its last `Retry-After`). */
  const notBefore = urls.map(() => 0)

  /** The URL to use next: the current one unless it asked us to wait and another one did not. */
  const pick = (nowMs: number): number => {
    let best = current % urls.length
    for (let k = 0; k < urls.length; k++) {
      const i = (current + k) % urls.length
      if (notBefore[i]! <= nowMs) return i
      if (notBefore[i]! < notBefore[best]!) best = i
    }
    return best
  }

  const post = (path: string, body: unknown): Effect.Effect<unknown, ChainError> => {
    const payload = JSON.stringify(body)
    const loop = (
      n: number,
      delayMs: number,
      last: AttemptFailure | null,
    ): Effect.Effect<unknown, ChainError> =>
      Effect.gen(function* () {
        let now = yield* Clock.currentTimeMillis
        let index = pick(now)
        const blockedFor = notBefore[index]! - now
        if (blockedFor > maxRetryAfterMs) {
          // Every URL asked us to stay away longer than we are willing to block the worker.
          const reason = last?.message ?? `${path}: rate limited`
          return yield* Effect.fail(
            new ChainError({
              network: input.network,
              message: `${reason} (Retry-After ${Math.ceil(blockedFor / 1000)} s too long)`,
              retryable: true,
            }),
          )
        }
        // Wait the back-off, and at least until the chosen URL's Retry-After has passed.
        const wait = Math.max(delayMs, blockedFor)
        if (wait > 0) {
          yield* Effect.sleep(Duration.millis(wait))
          now = yield* Clock.currentTimeMillis
          index = pick(now)
        }
        current = index
        rpcCalls++
        const result = yield* Effect.either(attempt(urls[index]!, path, payload))
        if (result._tag === "Right") return result.right
        const failure = result.left
        rpcErrors++
        const toChainError = (message: string) =>
          new ChainError({ network: input.network, message, retryable: failure.retryable })
        if (!failure.retryable) return yield* Effect.fail(toChainError(failure.message))
        if (failure.retryAfterMs !== null) {
          notBefore[index] = (yield* Clock.currentTimeMillis) + failure.retryAfterMs
        }
        // The next attempt goes to the next URL; a healthy URL stays current across calls (sticky).
        current = (index + 1) % urls.length
        if (n + 1 >= maxAttempts) {
          return yield* Effect.fail(
            toChainError(`${failure.message} (gave up after ${maxAttempts} attempts)`),
          )
        }
        const jitter = yield* Random.nextIntBetween(0, Math.min(maxDelayMs, baseDelayMs * 2 ** n) + 1)
        return yield* loop(n + 1, jitter, failure)
      })
    return loop(0, 0, null)
  }

  return { post, stats: () => ({ rpcCalls, rpcErrors }) }
}
