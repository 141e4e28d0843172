import type { Effect } from "effect"
import type { ChainEvent, PendingPayment, ScanResult, WatchSource } from "../chain-events.js"
import type { NetworkConfig } from "../domain.js"
import type { ChainError } from "./errors.js"

/**
 * One network's watcher, provided by a chain adapter. The number of remote calls per scan must not depend
 * on how many checkouts are open: the adapter fetches the token transfers of a block range and matches them
 * in memory against `watch`.
 */
export interface ChainScanner {
  readonly network: NetworkConfig
  /**
   * Check the configuration against the chain (e.g. token decimals). A mismatch fails with `retryable: false`
   * (the worker stops); an unreachable chain with `retryable: true` (the worker re-checks with back-off).
   */
  readonly verify: () => Effect.Effect<void, ChainError>
  /**
   * Scan forward from `cursor` (null: start at the configured start block or the head). The scanner loads
   * `watch` only after it has fixed the end of what it will read (the head, or the data itself), so a checkout
   * created during the scan is never matched against a set that predates it while its payment is read: its
   * payment lands beyond that end and is seen by the next scan. When a later part of the range fails after an
   * earlier part was read, the scan succeeds with the prefix and sets `ScanResult.error`.
   */
  readonly scan: <E = never>(input: {
    readonly cursor: string | null
    readonly watch: WatchSource<E>
    readonly now: Date
  }) => Effect.Effect<ScanResult, ChainError | E>
  /**
   * Re-check payments waiting for confirmations: emits `PaymentConfirmed` when final, `PaymentReverted` when
   * their transaction is no longer canonical, `PaymentConfirmationsUpdated` otherwise.
   */
  readonly recheck: (
    pending: ReadonlyArray<PendingPayment>,
    now: Date,
  ) => Effect.Effect<ReadonlyArray<ChainEvent>, ChainError>
  /**
   * Set by adapters that detect reorganisations deeper than the confirmations: payments confirmed within this
   * many milliseconds are handed to `recheck` too, flagged `confirmed`.
   */
  readonly deepReorgWindowMs?: number | undefined
  /** Calls made so far (for metrics and the O(1) proof). */
  readonly stats: () => { readonly rpcCalls: number; readonly rpcErrors: number }
}

/** What each chain adapter exports to build a scanner from network config. */
export type ChainScannerFactory = (network: NetworkConfig) => Effect.Effect<ChainScanner, ChainError>
