import {
  applyStepwise,
  type ChainScanner,
  type FamilyRegistry,
  Leases,
  makeWatchIndex,
  type NetworkConfig,
  PaymentLedger,
  type ScanResult,
  type WatchedTarget,
  WatchTargets,
  type WatchIndex,
} from "@inzi/core"
import { FAMILIES } from "@inzi/platform"
import { Clock, Duration, Effect, Schedule } from "effect"

export interface WatcherOptions {
  readonly holder: string
  /** How far back checkouts still receive money (late payments are recorded too). */
  readonly lookbackMs: number
  readonly leaseMs: number
  /** Called after every cycle (metrics, `inzi status`). */
  readonly onCycle?: (r: WatcherCycle) => Effect.Effect<void>
  /** How each family's deposit targets are read (default: the platform's `FAMILIES`). */
  readonly families?: FamilyRegistry | undefined
  /**
   * The network's watch set kept between cycles (`runWatcher` makes one): each cycle then reads only the
   * targets stored since the last. Without one, every cycle reads them all.
   */
  readonly watchIndex?: WatchIndex | undefined
}

export interface WatcherCycle {
  readonly network: NetworkConfig
  readonly held: boolean
  readonly scan: ScanResult | null
  readonly applied: number
  readonly emitted: number
  readonly pending: number
  /** Why the cycle failed, or why its scan stopped early (the part it read is committed). */
  readonly error: string | null
}

/**
 * One cycle of a network's watcher: if this worker holds the network's lease, re-check payments waiting for
 * confirmations, then scan the next block range against the open deposit targets (loaded by the scanner after
 * it has fixed the range's end) and apply its events with the new cursor in one transaction.
 */
export const watcherCycle = (scanner: ChainScanner, opts: WatcherOptions) =>
  Effect.gen(function* () {
    const ledger = yield* PaymentLedger
    const targets = yield* WatchTargets
    const leases = yield* Leases
    const network = scanner.network
    const now = new Date(yield* Clock.currentTimeMillis)
    const held = yield* leases.acquire(`watcher:${network.id}`, opts.holder, now, opts.leaseMs)
    const index = opts.watchIndex ?? makeWatchIndex()
    if (!held) {
      // Another worker watches the network meanwhile: the set is read whole again when the lease comes back.
      index.reset()
      return {
        network,
        held,
        scan: null,
        applied: 0,
        emitted: 0,
        pending: 0,
        error: null,
      } satisfies WatcherCycle
    }
    // Re-check first: a payment reverted by a reorg is marked before the next scan, so the scanner's rescan
    // of that height can count the transaction again if it was re-mined (adapter-evm README). A failed
    // re-check does not hold the scan back: new payments are still recorded, and the cycle reports it.
    const window = scanner.deepReorgWindowMs
    const pending = yield* ledger.pendingPayments(
      network.id,
      window === undefined ? undefined : { confirmedSince: new Date(now.getTime() - window) },
    )
    let applied = 0
    let emitted = 0
    let recheckError: string | null = null
    if (pending.length > 0) {
      const rechecked = yield* Effect.either(scanner.recheck(pending, now))
      const events = rechecked._tag === "Right" ? rechecked.right : []
      if (rechecked._tag === "Left") recheckError = `recheck: ${rechecked.left.message}`
      if (events.length > 0) {
        const r = yield* ledger.applyChainEvents({
          network: network.id,
          mode: network.mode,
          requiredConfirmations: network.confirmations,
          events,
          cursor: null,
          now,
        })
        applied += r.applied
        emitted += r.emitted
      }
    }
    const cursor = yield* ledger.getCursor(network.id)
    // Loaded by the scanner once it has fixed the end of its range: a checkout created before the load is
    // matched, one created after it is paid beyond that end and matched by the next cycle. Each load reads
    // only what was stored since the previous one (all of it the first time).
    const deposit = (opts.families ?? FAMILIES)[network.family].deposit
    const since = now.getTime() - opts.lookbackMs
    const memos = deposit.kind === "wallet-memo"
    const watch = Effect.suspend(() => {
      const after = index.cursorFor(since)
      // A whole read (start, lease taken over) is applied page by page as it is fetched: no million targets
      // alive at once, no pass over them all holding the event loop. One that fails leaves nothing half-read.
      let paged = false
      const onPage = (page: ReadonlyArray<WatchedTarget>) => {
        index.apply({ cursor: "", full: !paged, added: page, held: [] }, since, memos)
        paged = true
      }
      return targets
        .watchTargets({
          family: network.family,
          deposit,
          mode: network.mode,
          network: network.id,
          since: new Date(since),
          after,
          onPage: after === null ? onPage : undefined,
        })
        .pipe(
          Effect.flatMap((delta) =>
            applyStepwise(index, paged ? { ...delta, full: false } : delta, since, memos),
          ),
          Effect.onError(() => Effect.sync(() => (paged ? index.reset() : undefined))),
        )
    })
    const scan = yield* scanner.scan({ cursor, watch, now })
    // The events and the cursor that covers them commit together: a crash before this loses nothing. A scan
    // that failed part-way still commits the part it read; its error then backs the watcher off.
    const r = yield* ledger.applyChainEvents({
      network: network.id,
      mode: network.mode,
      requiredConfirmations: network.confirmations,
      events: scan.events,
      cursor: scan.cursor,
      now,
    })
    applied += r.applied
    emitted += r.emitted
    return {
      network,
      held,
      scan,
      applied,
      emitted,
      pending: pending.filter((p) => p.confirmed !== true).length,
      error: [recheckError, scan.error?.message ?? null].filter((e) => e !== null).join("; ") || null,
    } satisfies WatcherCycle
  })

/**
 * Runs a network's watcher forever: a cycle, then sleep the poll interval when caught up (immediately again
 * when behind). Errors (a failed cycle, or a scan that stopped early after its prefix was committed) are
 * reported and retried with backoff; nothing is lost because the cursor moves only in the transaction that
 * stores the events.
 */
export const runWatcher = (scanner: ChainScanner, opts: WatcherOptions) => {
  const poll = Duration.millis(scanner.network.pollIntervalMs)
  const index = opts.watchIndex ?? makeWatchIndex()
  const cycle = watcherCycle(scanner, { ...opts, watchIndex: index }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed({
        network: scanner.network,
        held: true,
        scan: null,
        applied: 0,
        emitted: 0,
        pending: 0,
        error: "message" in e ? String(e.message) : String(e),
      } satisfies WatcherCycle),
    ),
    Effect.tap((r) => (opts.onCycle ? opts.onCycle(r) : Effect.void)),
  )
  let failures = 0
  return cycle.pipe(
    Effect.flatMap((r) => {
      failures = r.error ? failures + 1 : 0
      if (r.error) return Effect.sleep(Duration.millis(Math.min(30_000, 500 * 2 ** Math.min(failures, 6))))
      if (r.scan !== null && !r.scan.caughtUp) return Effect.void
      return Effect.sleep(poll)
    }),
    Effect.repeat(Schedule.forever),
  )
}
