import type { Effect } from "effect"
import type { ChainEvent, PendingPayment, ScanResult, WatchSet } from "../chain-events.js"
import type { NetworkConfig } from "../domain.js"
import type { ChainError } from "./errors.js"

/**
 * One network's watcher, provided by a chain adapter. The number of remote calls per scan must not depend
 * on how many checkouts are open: the adapter fetches the token transfers of a block range and matches them
 * in memory against `watch`.
 */
export interface ChainScanner {
  readonly network: NetworkConfig
  /** Check the configuration against the chain (e.g. token decimals); fails to refuse start-up. */
  readonly verify: () => Effect.Effect<void, ChainError>
  /** Scan forward from `cursor` (null: start at the configured start block or the head). */
  readonly scan: (input: {
    readonly cursor: string | null
    readonly watch: WatchSet
    readonly now: Date
  }) => Effect.Effect<ScanResult, ChainError>
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
