import { Context, type Effect } from "effect"
import type { NetworkId } from "../domain.js"
import type { CheckoutNotFound, StoreError } from "./errors.js"
import type { ApplyResult } from "./PaymentLedger.js"

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

/** Money that matched no checkout: listed for the operator, who may assign it to one. */
export interface UnmatchedPaymentsService {
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

export class UnmatchedPayments extends Context.Tag("@inzi/core/UnmatchedPayments")<
  UnmatchedPayments,
  UnmatchedPaymentsService
>() {}
