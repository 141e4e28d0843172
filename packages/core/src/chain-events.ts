import { Effect } from "effect"
import type { PaymentKey } from "./domain.js"
import type { ChainError } from "./ports/errors.js"

/**
 * What chain watchers produce. A watcher never changes a checkout: it turns raw chain data into these
 * normalized events and the core state machine decides.
 */

/** Where a transfer went: a per-checkout address (EVM, Tron) or the merchant's wallet plus a memo (TON). */
export type TransferTarget =
  | { readonly kind: "address"; readonly address: string }
  | { readonly kind: "memo"; readonly wallet: string; readonly memo: string }

export interface PaymentObserved extends PaymentKey {
  readonly _tag: "PaymentObserved"
  readonly target: TransferTarget
  readonly token: string
  readonly tokenContract: string
  readonly decimals: number
  readonly amount: bigint
  readonly sender: string | null
  readonly blockNumber: bigint | null
  readonly blockHash: string | null
  /** Confirmations already reached when observed (≥ required ⇒ the payment is confirmed at once). */
  readonly confirmations: number
  readonly observedAt: Date
}

export interface PaymentConfirmed extends PaymentKey {
  readonly _tag: "PaymentConfirmed"
  readonly confirmations: number
  readonly confirmedAt: Date
}

/** Progress without finality (confirmations x/N for the hosted page). */
export interface PaymentConfirmationsUpdated extends PaymentKey {
  readonly _tag: "PaymentConfirmationsUpdated"
  readonly confirmations: number
  /** Set when the transaction moved to another block (a fork re-included it): its new place. */
  readonly moved?: { readonly blockNumber: bigint; readonly blockHash: string | null } | undefined
}

export interface PaymentReverted extends PaymentKey {
  readonly _tag: "PaymentReverted"
  readonly reason: string
}

/** Money that arrived but matched no checkout (e.g. a TON transfer with a missing or unknown comment). */
export interface UnmatchedTransfer extends PaymentKey {
  readonly _tag: "UnmatchedTransfer"
  readonly wallet: string
  readonly memo: string | null
  readonly token: string
  readonly tokenContract: string
  readonly decimals: number
  readonly amount: bigint
  readonly sender: string | null
  readonly observedAt: Date
  readonly reason: string
}

export type ChainEvent =
  | PaymentObserved
  | PaymentConfirmed
  | PaymentConfirmationsUpdated
  | PaymentReverted
  | UnmatchedTransfer

/** A payment the watcher must keep checking until it is confirmed or reverted. */
export interface PendingPayment extends PaymentKey {
  readonly blockNumber: bigint | null
  readonly blockHash: string | null
  readonly confirmations: number
  /**
   * Already confirmed, handed back only to a scanner that watches for reorganisations deeper than the
   * confirmations (`ChainScanner.deepReorgWindowMs`): it emits `PaymentReverted` or nothing for it.
   */
  readonly confirmed?: boolean | undefined
}

/** The watched deposit targets of one network, queried in O(1) per transfer. */
export interface WatchSet {
  /** Normalized address (EVM lower-case hex, Tron base58, TON raw `0:hex`). */
  readonly hasAddress: (address: string) => boolean
  /** TON: merchant wallet (raw form) and memo; true when a checkout owns that memo for that wallet. */
  readonly hasMemo: (wallet: string, memo: string) => boolean
  /** TON: the merchant wallets to scan (raw form). */
  readonly wallets: ReadonlyArray<string>
  /**
   * TON: the wallets among `wallets` that have at least one open memo target (a scanner that must ration its
   * per-wallet reads reads these first). Absent: every wallet counts as having one.
   */
  readonly openWallets?: ReadonlyArray<string> | undefined
}

/**
 * The watch set a scan matches against: a fixed set, or how to load it (the worker's case: the scanner runs it
 * after fixing the end of its range, see `ChainScanner.scan`). Each run loads the current open targets.
 */
export type WatchSource<E = never> = WatchSet | Effect.Effect<WatchSet, E>

/** Loads a `WatchSource` now. */
export const loadWatch = <E>(source: WatchSource<E>): Effect.Effect<WatchSet, E> =>
  Effect.isEffect(source) ? source : Effect.succeed(source)

export interface ScanResult {
  readonly events: ReadonlyArray<ChainEvent>
  /** Opaque, adapter-defined; persisted in the same transaction as the events. */
  readonly cursor: string
  /** Chain head seen during this scan (for lag metrics). */
  readonly head: bigint
  /** Height (or logical time) the cursor now stands at. */
  readonly scannedTo: bigint
  /** True when the scanner is caught up with the head (the worker may sleep a poll interval). */
  readonly caughtUp: boolean
  /**
   * Set when the scan stopped early on a failure after reading part of its range: `events` and `cursor` cover
   * exactly the part read (never a block whose read failed). The worker commits them, then backs off.
   */
  readonly error?: ChainError | undefined
}
