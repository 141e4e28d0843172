import { Context, type Effect } from "effect"
import type { ChainEvent, PendingPayment } from "../chain-events.js"
import type { Mode, NetworkId } from "../domain.js"
import type { StoreError } from "./errors.js"

export interface ApplyResult {
  /** Events applied (a payment already recorded is a no-op and not counted). */
  readonly applied: number
  /** Webhook events written to the outbox in the same transaction. */
  readonly emitted: number
  /** applyChainEvents: events set aside because their data cannot be stored (absent when none). */
  readonly quarantined?: number
}

export interface ApplyChainEventsInput {
  readonly network: NetworkId
  readonly mode: Mode
  readonly requiredConfirmations: number
  readonly events: ReadonlyArray<ChainEvent>
  readonly cursor: string | null
  readonly now: Date
}

/** Payments of chain events, the chain cursors, and the re-check list of a watcher. */
export interface PaymentLedgerService {
  /**
   * Payments of a network still waiting for confirmations; with `confirmedSince`, also the counted payments
   * confirmed since then (flagged `confirmed`), for a re-check against reorganisations deeper than the
   * confirmations. The rule is core's `needsRecheck` (usecases/ingest.ts).
   */
  readonly pendingPayments: (
    network: NetworkId,
    options?: { readonly confirmedSince?: Date | undefined },
  ) => Effect.Effect<ReadonlyArray<PendingPayment>, StoreError>
  readonly getCursor: (network: NetworkId) => Effect.Effect<string | null, StoreError>
  /**
   * One transaction: each event's changes as decided by core (`decideChainEvent`: payments unique on
   * network + tx hash + log index, so a replay is a no-op), status changes with their outbox events, and the
   * cursor (when given). A crash before commit loses nothing: the scan is simply redone. Free text is made
   * storable (`storableChainEvent`); an event whose own data still cannot be written is kept aside for the
   * operator (quarantined) and the rest of the batch and the cursor commit; any other failure fails the whole
   * batch.
   */
  readonly applyChainEvents: (input: ApplyChainEventsInput) => Effect.Effect<ApplyResult, StoreError>
}

export class PaymentLedger extends Context.Tag("@inzi/core/PaymentLedger")<
  PaymentLedger,
  PaymentLedgerService
>() {}
