import { type FamilyRegistry, Leases, refillLowPools } from "@inzi/core"
import { Clock, Duration, Effect, Schedule } from "effect"

export interface AddressPoolJobOptions {
  readonly holder: string
  /** The family modules: which families' addresses a slot holds (`deposit`). */
  readonly families: FamilyRegistry
  /** Slots kept per merchant with an xpub (`INZI_ADDRESS_POOL`); 0: no refill, only stale slots are dropped. */
  readonly target: number
  readonly everyMs: number
  /** Slots derived per batch between event-loop turns (default 50). */
  readonly batch?: number | undefined
  readonly onPass?:
    | ((r: {
        readonly dropped: number
        readonly added: number
        readonly failed: ReadonlyArray<string>
      }) => void)
    | undefined
}

/**
 * Keeps each merchant's pre-derived deposit addresses topped up (core's `refillLowPools`): drops slots of
 * replaced payout keys, and refills a pool below half of `target` back to `target`. One worker at a time (lease
 * `address-pool`): two refills would only overshoot, but deriving twice is wasted CPU.
 */
export const runAddressPoolJob = (opts: AddressPoolJobOptions) =>
  Effect.gen(function* () {
    const leases = yield* Leases
    const now = new Date(yield* Clock.currentTimeMillis)
    const held = yield* leases.acquire("address-pool", opts.holder, now, Math.max(opts.everyMs * 3, 60_000))
    if (!held) return
    const r = yield* refillLowPools({
      families: opts.families,
      target: opts.target,
      lowWater: Math.ceil(opts.target / 2),
      batch: opts.batch ?? 50,
    })
    opts.onPass?.(r)
  }).pipe(
    Effect.catchAll((e) => Effect.logWarning("address pool refill failed", e)),
    Effect.zipRight(Effect.sleep(Duration.millis(opts.everyMs))),
    Effect.repeat(Schedule.forever),
  )
