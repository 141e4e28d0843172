/**
 * When to retry a webhook delivery: exponential backoff with jitter, 15 attempts in all, spanning at least
 * 3 days (API.md "Webhooks").
 *
 * The nominal delay after the n-th failed attempt is `min(1 min × 2^(n−1), 24 h)`; the actual delay is the
 * nominal one times a uniform factor in [0.8, 1.2). Why not "full jitter" (uniform in [0, nominal))? Full
 * jitter gives no lower bound, so it could not promise the contract's "at least 3 days"; ±20 % still spreads
 * a burst of failures over hours at the tail, which is what jitter is for.
 *
 * | after attempt | nominal delay | earliest (×0.8) | latest (×1.2) | nominal time since 1st attempt |
 * |---|---|---|---|---|
 * | 1  | 1 min    | 48 s      | 1 min 12 s | 1 min |
 * | 2  | 2 min    | 1 min 36 s | 2 min 24 s | 3 min |
 * | 3  | 4 min    | 3 min 12 s | 4 min 48 s | 7 min |
 * | 4  | 8 min    | 6 min 24 s | 9 min 36 s | 15 min |
 * | 5  | 16 min   | 12.8 min  | 19.2 min   | 31 min |
 * | 6  | 32 min   | 25.6 min  | 38.4 min   | 63 min |
 * | 7  | 64 min   | 51.2 min  | 76.8 min   | 2 h 7 min |
 * | 8  | 2 h 8 min | 1 h 42 min | 2 h 34 min | 4 h 15 min |
 * | 9  | 4 h 16 min | 3 h 25 min | 5 h 7 min | 8 h 31 min |
 * | 10 | 8 h 32 min | 6 h 50 min | 10 h 14 min | 17 h 3 min |
 * | 11 | 17 h 4 min | 13 h 39 min | 20 h 29 min | 1 d 10 h 7 min |
 * | 12 | 24 h     | 19 h 12 min | 28 h 48 min | 2 d 10 h 7 min |
 * | 13 | 24 h     | 19 h 12 min | 28 h 48 min | 3 d 10 h 7 min |
 * | 14 | 24 h     | 19 h 12 min | 28 h 48 min | 4 d 10 h 7 min |
 * | 15 | —  (marked failed, listed for the operator) | | | |
 *
 * Span from the first to the 15th attempt: nominal ≈ 4 d 10 h, at least ≈ 3 d 12 h 53 min, at most ≈ 5 d 7 h.
 */

export const WEBHOOK_MAX_ATTEMPTS = 15
export const WEBHOOK_BASE_DELAY_MS = 60_000
export const WEBHOOK_MAX_DELAY_MS = 24 * 60 * 60_000
export const WEBHOOK_JITTER_MIN = 0.8
export const WEBHOOK_JITTER_MAX = 1.2

/** The nominal delay (ms) after `attempts` failed attempts (1-based), before jitter. */
export const nominalRetryDelayMs = (attempts: number): number =>
  Math.min(WEBHOOK_BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), WEBHOOK_MAX_DELAY_MS)

/**
 * When to try again after `attempts` attempts have failed (counting the one that just failed), or null when
 * the event has had all its attempts and is to be marked failed. `random` is uniform in [0, 1) (inject it:
 * `Math.random()` in production, a fixed value in tests).
 * @example nextAttemptAt(1, now, Math.random()) // now + 48..72 s
 */
export const nextAttemptAt = (attempts: number, now: Date, random: number): Date | null => {
  if (attempts >= WEBHOOK_MAX_ATTEMPTS) return null
  const r = Math.min(Math.max(random, 0), 1)
  const factor = WEBHOOK_JITTER_MIN + (WEBHOOK_JITTER_MAX - WEBHOOK_JITTER_MIN) * r
  return new Date(now.getTime() + Math.round(nominalRetryDelayMs(attempts) * factor))
}
