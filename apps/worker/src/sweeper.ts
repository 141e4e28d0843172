import { ExpirySweep, Leases } from "@inzi/core"
import { Clock, Duration, Effect, Schedule } from "effect"

/** Moves overdue `pending` checkouts to `expired` (with `checkout.expired`), in batches. */
export const sweepOnce = (batch = 500) =>
  Effect.gen(function* () {
    const store = yield* ExpirySweep
    const now = new Date(yield* Clock.currentTimeMillis)
    let total = 0
    for (;;) {
      const n = yield* store.sweepExpired(now, batch)
      total += n
      if (n < batch) return total
    }
  })

/** The sweeper loop; several workers may run it (each row is locked with SKIP LOCKED by the store). */
export const runSweeper = (opts: { readonly holder: string; readonly everyMs: number }) =>
  Effect.gen(function* () {
    const leases = yield* Leases
    const now = new Date(yield* Clock.currentTimeMillis)
    const held = yield* leases.acquire("sweeper", opts.holder, now, opts.everyMs * 3)
    if (held) yield* sweepOnce()
  }).pipe(
    Effect.catchAll((e) => Effect.logWarning("expiry sweep failed", e)),
    Effect.zipRight(Effect.sleep(Duration.millis(opts.everyMs))),
    Effect.repeat(Schedule.forever),
  )
