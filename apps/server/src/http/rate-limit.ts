/**
 * Per-key token bucket, in process memory: each server enforces `ratePerSecond` with bursts of `burst`.
 * With N servers behind a load balancer the effective limit is at most N × the setting (documented).
 */
export interface RateLimiter {
  /** 0 when allowed, else the seconds to wait (for `Retry-After`). */
  readonly take: (key: string, nowMs: number) => number
}

export const makeRateLimiter = (ratePerSecond: number, burst: number, maxKeys = 100_000): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take: (key, nowMs) => {
      if (ratePerSecond <= 0) return 0
      let b = buckets.get(key)
      if (b === undefined) {
        if (buckets.size >= maxKeys) buckets.clear()
        b = { tokens: burst, at: nowMs }
        buckets.set(key, b)
      }
      b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * ratePerSecond)
      b.at = nowMs
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond))
    },
  }
}
