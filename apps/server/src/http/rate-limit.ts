/**
 * Token buckets, in process memory: each server enforces `ratePerSecond` with bursts of `burst`, per key (an
 * API key's id, a client address). With N servers behind a load balancer the effective limit is at most N × the
 * setting (documented). At most `maxKeys` buckets are held; past that the oldest one is dropped (a dropped bucket
 * starts full again).
 */
export interface RateLimiter {
  /** Takes a token: 0 when allowed, else the seconds to wait (for `Retry-After`). */
  readonly take: (key: string, nowMs: number) => number
  /** The seconds to wait before `key` has a token again (0: it has one now), without taking it. */
  readonly peek: (key: string, nowMs: number) => number
}

export const makeRateLimiter = (ratePerSecond: number, burst: number, maxKeys = 100_000): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const refill = (key: string, nowMs: number, create: boolean) => {
    let b = buckets.get(key)
    if (b === undefined) {
      if (!create) return undefined
      if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next()
        if (oldest.done !== true) buckets.delete(oldest.value)
      }
      b = { tokens: burst, at: nowMs }
      buckets.set(key, b)
    }
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * ratePerSecond)
    b.at = nowMs
    return b
  }
  const wait = (tokens: number) => (tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerSecond)))
  return {
    take: (key, nowMs) => {
      if (ratePerSecond <= 0) return 0
      const b = refill(key, nowMs, true)!
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return wait(b.tokens)
    },
    peek: (key, nowMs) => {
      if (ratePerSecond <= 0) return 0
      const b = refill(key, nowMs, false)
      return b === undefined ? 0 : wait(b.tokens)
    },
  }
}
