import { Context, type Effect } from "effect"
import type { ChainFamily, Checkout, CheckoutStatus, Mode, NetworkId, StoredTarget } from "../domain.js"
import type { DepositKind } from "../family.js"
import type { CheckoutNotFound, IdempotencyConflict, StoreError } from "./errors.js"
import { ExpirySweep, type ExpirySweepService } from "./ExpirySweep.js"
import { PaymentLedger, type PaymentLedgerService } from "./PaymentLedger.js"
import { UnmatchedPayments, type UnmatchedPaymentsService } from "./UnmatchedPayments.js"

export interface NewCheckout {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  readonly amountCents: bigint
  readonly description: string | null
  readonly metadataJson: string | null
  readonly customerEmail: string | null
  readonly redirectUrl: string | null
  readonly webhookUrl: string | null
  readonly networks: ReadonlyArray<NetworkId>
  /**
   * The index from `allocateDerivationIndex` (or a pool slot) and one target per family of the checkout, with
   * its lookup key (`depositLookup`): all written in one multi-row insert.
   */
  readonly targets: { readonly derivationIndex: bigint; readonly entries: ReadonlyArray<StoredTarget> }
  readonly expiresAt: Date
  readonly createdAt: Date
}

/** What an idempotent create stores and replays: the first response, byte for byte. */
export interface IdempotentResponse {
  readonly status: number
  readonly body: string
}

export interface IdempotencyInput {
  readonly key: string
  /** SHA-256 hex of the canonical request (method, path, body). */
  readonly requestHash: string
  /** Renders the response to store for the created checkout (runs inside the transaction). */
  readonly render: (checkout: Checkout) => IdempotentResponse
}

/** A create that wrote nothing because the merchant already uses one of its memos (`CheckoutStore`). */
export interface MemoTaken {
  readonly _tag: "MemoTaken"
}

export type CreateCheckoutResult =
  | { readonly _tag: "Created"; readonly checkout: Checkout; readonly response: IdempotentResponse | null }
  | { readonly _tag: "Replayed"; readonly response: IdempotentResponse }

/** One checkout of one merchant in one mode (`getCheckout`). */
export interface GetCheckoutQuery {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  /** Used to read an overdue `pending` checkout as `expired`. */
  readonly now: Date
}

export interface ListCheckoutsQuery {
  readonly merchantId: string
  readonly mode: Mode
  readonly status?: CheckoutStatus | undefined
  /** Exclusive bounds. */
  readonly createdAfter?: Date | undefined
  readonly createdBefore?: Date | undefined
  readonly limit: number
  readonly offset: number
  /** Used to read overdue `pending` checkouts as `expired` (the status a client reads is always current). */
  readonly now: Date
}

export interface ListCheckoutsResult {
  readonly data: ReadonlyArray<Checkout>
  readonly total: number
}

/** Deposit targets a watcher should match, for one chain family and mode. */
export interface OpenTargets {
  /** Derived addresses, as their lookup keys (`depositLookup`). */
  readonly addresses: ReadonlyArray<string>
  /** Memo families: (merchant wallet, memo) pairs. */
  readonly memos: ReadonlyArray<{ readonly wallet: string; readonly memo: string }>
  /** Memo families: every merchant wallet of the mode, scanned even without open checkouts (unmatched money). */
  readonly wallets?: ReadonlyArray<string> | undefined
}

/** One watched deposit target, as `watchTargets` reads it. */
export interface WatchedTarget {
  /** Derived-address families: the lookup key (`depositLookup`); memo families: the memo as stored. */
  readonly key: string
  /** Memo families: the checkout's merchant; derived-address families may leave it empty (the key is unique). */
  readonly merchantId: string
  /** The checkout's `expires_at` in milliseconds, rounded up (so `expiresAtMs > since` iff it expires after). */
  readonly expiresAtMs: number
}

/** What changed in a network's watched targets since a cursor (`WatchTargets.watchTargets`). */
export interface WatchTargetsDelta {
  /** Where the next read starts: every target committed later, or not yet committed now, is at or after it. */
  readonly cursor: string
  /** True when `added` is the whole set (no cursor was given): the reader starts afresh. */
  readonly full: boolean
  /**
   * Targets of checkouts expiring after `since`, stored since the cursor (a target may come again in a later
   * read: adding it twice changes nothing).
   */
  readonly added: ReadonlyArray<WatchedTarget>
  /** Every target of a checkout that expired by `since` but is still pending or processing, at this read. */
  readonly held: ReadonlyArray<WatchedTarget>
  /**
   * Memo families: each merchant's wallet (its payout key of the family; null: it has none now), and whether the
   * merchant has the network in the mode (its wallet is scanned even without open checkouts). A whole read lists
   * every merchant with a wallet; a read from a cursor only the merchants whose wallet or networks changed since.
   */
  readonly wallets?:
    | ReadonlyArray<{
        readonly merchantId: string
        readonly wallet: string | null
        readonly scanned: boolean
      }>
    | undefined
}

/** Checkouts: create (with its derivation index) and read, scoped to merchant and mode. */
export interface CheckoutsService {
  /** Next derivation index of the merchant: distinct under concurrency, never reused (gaps allowed). */
  readonly allocateDerivationIndex: (merchantId: string) => Effect.Effect<bigint, StoreError>
  /**
   * Inserts the checkout and its targets (with the idempotency record when a key is given), all or nothing.
   * `MemoTaken` when the merchant already uses one of the memos (nothing written: the caller draws again).
   */
  readonly createCheckout: (
    input: NewCheckout,
    idempotency: IdempotencyInput | null,
  ) => Effect.Effect<CreateCheckoutResult | MemoTaken, StoreError | IdempotencyConflict>
  /** Scoped to merchant and mode: anything foreign is `CheckoutNotFound`. */
  readonly getCheckout: (q: GetCheckoutQuery) => Effect.Effect<Checkout, StoreError | CheckoutNotFound>
  /** By the public page token (the 24 characters after `chk_live_`/`chk_test_`). */
  readonly getCheckoutByToken: (
    token: string,
    now: Date,
  ) => Effect.Effect<Checkout, StoreError | CheckoutNotFound>
  readonly listCheckouts: (q: ListCheckoutsQuery) => Effect.Effect<ListCheckoutsResult, StoreError>
  /**
   * For each checkout id of `ids` that exists, a short text that changes whenever anything stored about the checkout
   * changes (its row, targets or payments): one call for many watchers (the hosted page's event streams ask every
   * second which of their checkouts changed, and read only those). Ids not found are absent from the map.
   */
  readonly checkoutVersions: (
    ids: ReadonlyArray<string>,
  ) => Effect.Effect<ReadonlyMap<string, string>, StoreError>
}
export class Checkouts extends Context.Tag("@inzi/core/Checkouts")<Checkouts, CheckoutsService>() {}

/** Idempotency-Key records of keyed creates (`createCheckout` claims a key; this reads one first). */
export interface IdempotencyRecordsService {
  /**
   * The stored answer to an Idempotency-Key, looked up before a keyed create draws its deposit slot, so that a
   * replay uses up no slot and derives nothing: what `idempotencyDecision` says of the key's record — its
   * response, `IdempotencyConflict`, or `null` when there is none yet, it has expired, or its create is still in
   * flight (then `createCheckout` claims the key and decides: it stays the authority under concurrency).
   */
  readonly findIdempotentReplay: (q: {
    readonly merchantId: string
    readonly mode: Mode
    readonly key: string
    readonly requestHash: string
    readonly now: Date
  }) => Effect.Effect<IdempotentResponse | null, StoreError | IdempotencyConflict>
}
export class IdempotencyRecords extends Context.Tag("@inzi/core/IdempotencyRecords")<
  IdempotencyRecords,
  IdempotencyRecordsService
>() {}

/** What a watcher matches a scan against: the deposit targets of checkouts that may still receive money. */
export interface WatchTargetsService {
  /**
   * Targets of checkouts that may still receive money (including recently expired/completed: late payments),
   * read the way the family's module gets its deposit target (`deposit`).
   */
  readonly openTargets: (q: {
    readonly family: ChainFamily
    readonly deposit: DepositKind
    readonly mode: Mode
    readonly network: NetworkId
    readonly since: Date
  }) => Effect.Effect<OpenTargets, StoreError>
  /**
   * The same targets as `openTargets`, read incrementally: all of them without `after`; with the cursor of the
   * previous read, only the targets stored since (a transaction that commits after a later one included) and
   * the status-held ones. Core's `makeWatchIndex` keeps the set between reads and drops expired targets.
   */
  readonly watchTargets: (q: {
    readonly family: ChainFamily
    readonly deposit: DepositKind
    readonly mode: Mode
    readonly network: NetworkId
    readonly since: Date
    readonly after: string | null
    /**
     * A whole read only: receives its targets a page at a time as they are fetched (then `added` is empty), so
     * the caller applies them without a million of them alive at once.
     */
    readonly onPage?: ((page: ReadonlyArray<WatchedTarget>) => void) | undefined
  }) => Effect.Effect<WatchTargetsDelta, StoreError>
}
export class WatchTargets extends Context.Tag("@inzi/core/WatchTargets")<
  WatchTargets,
  WatchTargetsService
>() {}

/** One store implementing every checkout port. */
export type CheckoutStoreService = CheckoutsService &
  IdempotencyRecordsService &
  WatchTargetsService &
  PaymentLedgerService &
  UnmatchedPaymentsService &
  ExpirySweepService

/**
 * The union of the small checkout ports (`Checkouts`, `IdempotencyRecords`, `WatchTargets`, `PaymentLedger`,
 * `UnmatchedPayments`, `ExpirySweep`) as one service: a convenience for code that seeds or inspects a whole
 * store (tests, embedders) and for the create use case (`createCheckout`), which uses checkouts and
 * idempotency records together. The apps ask for the small port they use. Every status change is written
 * together with the outbox events it emits, in one transaction, as decided by core (usecases/ingest.ts over
 * the state machine `transition`).
 */
export class CheckoutStore extends Context.Tag("@inzi/core/CheckoutStore")<
  CheckoutStore,
  CheckoutStoreService
>() {}

/** Every checkout port a store provides. */
export type CheckoutPorts =
  | CheckoutStore
  | Checkouts
  | IdempotencyRecords
  | WatchTargets
  | PaymentLedger
  | UnmatchedPayments
  | ExpirySweep

/** One store as each of its ports (and the union): what a layer over a whole store provides. */
export const checkoutPorts = (store: CheckoutStoreService): Context.Context<CheckoutPorts> =>
  Context.make(CheckoutStore, store).pipe(
    Context.add(Checkouts, store),
    Context.add(IdempotencyRecords, store),
    Context.add(WatchTargets, store),
    Context.add(PaymentLedger, store),
    Context.add(UnmatchedPayments, store),
    Context.add(ExpirySweep, store),
  )
