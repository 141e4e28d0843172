import { Context, type Effect } from "effect"
import type { ChainEvent, PendingPayment } from "../chain-events.js"
import type { ChainFamily, Checkout, CheckoutStatus, DepositTargets, Mode, NetworkId } from "../domain.js"
import type { DepositKind } from "../family.js"
import type { CheckoutNotFound, IdempotencyConflict, StoreError } from "./errors.js"

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
  /** Derived from `allocateDerivationIndex`; `tonComment` is retried by the store on collision via `newComment`. */
  readonly targets: DepositTargets
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

/** Unmatched money kept for the operator (never dropped). */
export interface UnmatchedPaymentRecord {
  readonly id: string
  readonly network: NetworkId
  readonly txHash: string
  readonly logIndex: number
  readonly wallet: string
  readonly memo: string | null
  readonly token: string
  readonly amount: bigint
  readonly decimals: number
  readonly sender: string | null
  readonly reason: string
  readonly observedAt: Date
  readonly assignedCheckoutId: string | null
}

/** Deposit targets a watcher should match, for one chain family and mode. */
export interface OpenTargets {
  readonly addresses: ReadonlyArray<string>
  /** TON: (merchant wallet, comment) pairs. */
  readonly memos: ReadonlyArray<{ readonly wallet: string; readonly memo: string }>
  /** TON: every merchant wallet of the mode (raw `0:hex`), scanned even without open checkouts (unmatched money). */
  readonly wallets?: ReadonlyArray<string> | undefined
}

export interface ApplyResult {
  /** Events applied (a payment already recorded is a no-op and not counted). */
  readonly applied: number
  /** Webhook events written to the outbox in the same transaction. */
  readonly emitted: number
  /** applyChainEvents: events set aside because their data cannot be stored (absent when none). */
  readonly quarantined?: number
}

/**
 * Checkouts, their deposit targets and payments, chain cursors, and the expiry sweep.
 * Every status change is written together with the outbox events it emits, in one transaction,
 * decided by the core state machine (`transition`).
 */
export class CheckoutStore extends Context.Tag("@inzi/core/CheckoutStore")<
  CheckoutStore,
  {
    /** Next derivation index of the merchant: distinct under concurrency, never reused (gaps allowed). */
    readonly allocateDerivationIndex: (merchantId: string) => Effect.Effect<bigint, StoreError>
    readonly createCheckout: (
      input: NewCheckout,
      idempotency: IdempotencyInput | null,
    ) => Effect.Effect<CreateCheckoutResult, StoreError | IdempotencyConflict>
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
    /** Scoped to merchant and mode: anything foreign is `CheckoutNotFound`. */
    readonly getCheckout: (q: GetCheckoutQuery) => Effect.Effect<Checkout, StoreError | CheckoutNotFound>
    /** By the public page token (the 24 characters after `chk_live_`/`chk_test_`). */
    readonly getCheckoutByToken: (
      token: string,
      now: Date,
    ) => Effect.Effect<Checkout, StoreError | CheckoutNotFound>
    readonly listCheckouts: (q: ListCheckoutsQuery) => Effect.Effect<ListCheckoutsResult, StoreError>

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
     * Payments of a network still waiting for confirmations; with `confirmedSince`, also the counted payments
     * confirmed since then (flagged `confirmed`), for a re-check against reorganisations deeper than the
     * confirmations.
     */
    readonly pendingPayments: (
      network: NetworkId,
      options?: { readonly confirmedSince?: Date | undefined },
    ) => Effect.Effect<ReadonlyArray<PendingPayment>, StoreError>
    readonly getCursor: (network: NetworkId) => Effect.Effect<string | null, StoreError>
    /**
     * One transaction: apply each event through the state machine (payments unique on network + tx hash +
     * log index: a replay is a no-op), write status changes and their outbox events, and move the cursor
     * (when given). A crash before commit loses nothing: the scan is simply redone. Free text is made storable
     * (`storableChainEvent`); an event whose own data still cannot be written is kept aside for the operator
     * (quarantined) and the rest of the batch and the cursor commit; any other failure fails the whole batch.
     */
    readonly applyChainEvents: (input: {
      readonly network: NetworkId
      readonly mode: Mode
      readonly requiredConfirmations: number
      readonly events: ReadonlyArray<ChainEvent>
      readonly cursor: string | null
      readonly now: Date
    }) => Effect.Effect<ApplyResult, StoreError>
    /** Moves overdue `pending` checkouts to `expired` with their `checkout.expired` event. */
    readonly sweepExpired: (now: Date, limit: number) => Effect.Effect<number, StoreError>

    readonly listUnmatched: (
      network?: NetworkId,
    ) => Effect.Effect<ReadonlyArray<UnmatchedPaymentRecord>, StoreError>
    /** Operator assigns unmatched money to a checkout: it is then applied like an observed payment. */
    readonly assignUnmatched: (
      unmatchedId: string,
      checkoutId: string,
      now: Date,
    ) => Effect.Effect<ApplyResult, StoreError | CheckoutNotFound>
  }
>() {}
