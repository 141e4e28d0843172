import { addRateCounts, type Database, pruneRateCounts } from "@inzi/adapter-postgres"
import type { Logger } from "@inzi/platform"
import { Effect } from "effect"
import type { RateLimiter } from "./rate-limit.js"

/** Adds one process's per-key counts to a window's shared counters; resolves every key's total for the window. */
export type FlushCounts = (
  windowStart: Date,
  counts: ReadonlyMap<string, number>,
) => Promise<Map<string, number>>

export interface SharedRateLimiterOptions {
  /** Requests per second per key across every server (the window is one second). */
  readonly ratePerSecond: number
  readonly flush: FlushCounts
  /** Drops counters of old windows (called about once a minute). */
  readonly prune?: ((before: Date) => Promise<void>) | undefined
  /** How often the process adds its counts to the shared ones (ms, default 100). */
  readonly flushMs?: number | undefined
  readonly onError?: ((e: unknown) => void) | undefined
}

export interface SharedRateLimiter extends RateLimiter {
  /** Adds the pending counts now (the timer does it every `flushMs`). */
  readonly flushNow: () => Promise<void>
  readonly close: () => void
}

const WINDOW_MS = 1000

/**
 * A per-key limit shared by every server through PostgreSQL (`INZI_RATE_LIMIT_SHARED=1`): the process's own
 * bucket (`local`) stays in front and answers every request without a round trip; the requests it admits are
 * counted per one-second window and added to the shared counters every `flushMs`. Once a key's window total
 * across all servers reaches `ratePerSecond`, every server refuses that key until the window ends. Overshoot
 * is bounded by what the servers admit between two flushes. When the database cannot be reached the local
 * bucket alone applies (`onError` is told).
 */
export const makeSharedRateLimiter = (
  local: RateLimiter,
  opts: SharedRateLimiterOptions,
): SharedRateLimiter => {
  const limit = opts.ratePerSecond
  /** Admitted requests not yet flushed, per window start (ms) and key. */
  const pending = new Map<number, Map<string, number>>()
  /** Keys refused until the end of a window (ms), after the shared total reached the limit. */
  const blocked = new Map<string, number>()
  let lastPrune = 0
  /** The latest clock `take` was given (ends of blocks are compared with it). */
  let latest = 0
  let flushing: Promise<void> = Promise.resolve()

  const flushOnce = async () => {
    const now = Date.now()
    for (const [start, counts] of [...pending]) {
      pending.delete(start)
      try {
        const totals = await opts.flush(new Date(start), counts)
        for (const [key, total] of totals)
          if (total >= limit) blocked.set(key, Math.max(blocked.get(key) ?? 0, start + WINDOW_MS))
      } catch (e) {
        opts.onError?.(e)
      }
    }
    for (const [key, until] of blocked) if (until <= latest) blocked.delete(key)
    if (opts.prune !== undefined && now - lastPrune > 60_000) {
      lastPrune = now
      await opts.prune(new Date(now - 60_000)).catch((e) => opts.onError?.(e))
    }
  }
  const flushNow = () => {
    flushing = flushing.then(flushOnce)
    return flushing
  }
  const timer = setInterval(() => void flushNow(), opts.flushMs ?? 100)
  timer.unref()

  return {
    peek: (key, nowMs) => {
      if (limit <= 0) return 0
      const until = blocked.get(key)
      if (until !== undefined && until > nowMs) return Math.max(1, Math.ceil((until - nowMs) / 1000))
      return local.peek(key, nowMs)
    },
    take: (key, nowMs) => {
      if (limit <= 0) return 0
      latest = Math.max(latest, nowMs)
      const until = blocked.get(key)
      if (until !== undefined && until > nowMs) return Math.max(1, Math.ceil((until - nowMs) / 1000))
      const wait = local.take(key, nowMs)
      if (wait > 0) return wait
      const start = Math.floor(nowMs / WINDOW_MS) * WINDOW_MS
      let counts = pending.get(start)
      if (counts === undefined) {
        counts = new Map()
        pending.set(start, counts)
      }
      const n = (counts.get(key) ?? 0) + 1
      // This process alone already used the window's share: no need to wait for the flush.
      if (n > limit) {
        blocked.set(key, start + WINDOW_MS)
        return 1
      }
      counts.set(key, n)
      return 0
    },
    flushNow,
    close: () => clearInterval(timer),
  }
}

/** The shared limiter over the server's database, its timer stopped with the scope; errors logged once a minute. */
export const sharedRateLimiter = (
  db: Database["db"],
  ratePerSecond: number,
  local: RateLimiter,
  logger: Logger,
) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let warned = 0
      return makeSharedRateLimiter(local, {
        ratePerSecond,
        flush: (windowStart, counts) => addRateCounts(db, windowStart, counts),
        prune: (before) => pruneRateCounts(db, before),
        onError: (e) => {
          if (Date.now() - warned < 60_000) return
          warned = Date.now()
          logger.warn("shared rate limit unavailable: this server's own limit applies", {
            error: e instanceof Error ? e.message : String(e),
          })
        },
      })
    }),
    (limiter) => Effect.sync(() => limiter.close()),
  )
