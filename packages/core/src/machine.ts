import { Data, Either } from "effect"
import type {
  PaymentConfirmationsUpdated,
  PaymentConfirmed,
  PaymentObserved,
  PaymentReverted,
} from "./chain-events.js"
import type { CheckoutState, CheckoutStatus, Payment, PaymentKey, WebhookEventType } from "./domain.js"
import { denormalizeUnitsCeil, NORMALIZED_DECIMALS, normalizeUnits, unitsToCentsFloor } from "./money.js"
import { acceptedUnits } from "./tolerance.js"

/**
 * The checkout state machine: a pure function of (state, event, now). Chain watchers and the expiry sweeper
 * only produce events; this decides statuses and the webhook events to emit. Rules (API.md "Statuses"):
 *
 * - A payment counts when first seen before `expiresAt` and before the checkout completed; otherwise it is
 *   `late`: recorded, status unchanged, `checkout.late_payment` emitted once it is confirmed.
 * - completed ⇔ confirmed counted sum ≥ accepted amount (A − max(1% A, 0.05)), compared in integer units.
 * - Some counted payment still unconfirmed (and not yet completed) ⇒ processing.
 * - Only confirmed payments, below the accepted amount ⇒ underpaid; a top-up before expiry moves it on.
 * - Nothing counted ⇒ pending before `expiresAt`, expired after.
 * - `completed` is left only when a reorganisation deeper than the confirmations reverts a confirmed payment.
 *   `expired` is terminal for late money; it is left only when a payment first seen before `expiresAt` is
 *   reported after the sweep (the checkout was in fact paid in time).
 * - A reverted payment stops counting, `checkout.payment_reverted` is emitted (for a late payment only if it
 *   was confirmed: the merchant heard of it) and the status is recomputed from the remaining payments, with
 *   its own event when it has one (there is no `checkout.pending`).
 * - Replaying an event is a no-op: a payment is identified by (network, txHash, logIndex).
 */

export type MachineEvent =
  | PaymentObserved
  | PaymentConfirmed
  | PaymentConfirmationsUpdated
  | PaymentReverted
  | { readonly _tag: "ExpiryTick" }

export class TransitionRefused extends Data.TaggedError("TransitionRefused")<{
  readonly reason: "unknown_payment" | "terminal"
  readonly message: string
}> {}

export interface TransitionResult {
  readonly state: CheckoutState
  /**
   * Webhook events to write to the outbox in the same transaction, in order: at most one status event, after
   * `checkout.payment_reverted` for a reverted payment; `checkout.late_payment` for a late payment once
   * confirmed (an overdue, unswept `pending` checkout gets `checkout.expired` first). The payment events are
   * about `payment`.
   */
  readonly emit: ReadonlyArray<WebhookEventType>
  /** False when the event changed nothing (a replay): nothing needs to be written. */
  readonly changed: boolean
  /** The payment created or updated by the event, if any. */
  readonly payment: Payment | null
}

export interface TransitionOptions {
  /** Confirmations after which a payment is confirmed (the network's setting). */
  readonly requiredConfirmations: number
}

export const sameKey = (a: PaymentKey, b: PaymentKey): boolean =>
  a.network === b.network && a.txHash === b.txHash && a.logIndex === b.logIndex

const counts = (p: Payment): boolean => p.status === "detected" || p.status === "confirmed"

/** The accepted amount in normalized units (so payments in tokens of different decimals add up exactly). */
export const acceptedNormalized = (amountCents: bigint): bigint =>
  acceptedUnits(amountCents, NORMALIZED_DECIMALS)

const sumNormalized = (payments: ReadonlyArray<Payment>, pred: (p: Payment) => boolean): bigint =>
  payments.reduce((acc, p) => (pred(p) ? acc + normalizeUnits(p.amount, p.decimals) : acc), 0n)

/** Sum of counted payments (detected or confirmed) in USD cents, rounded down. */
export const amountPaidCents = (payments: ReadonlyArray<Payment>): bigint =>
  unitsToCentsFloor(sumNormalized(payments, counts), NORMALIZED_DECIMALS)

/**
 * What the payer still owes, in base units of a token with `decimals` (full amount, not the tolerance),
 * rounded up; 0 when nothing is due.
 */
export const amountDueUnits = (state: CheckoutState, decimals: number): bigint => {
  const total = normalizeUnits(state.amountCents, 2)
  const due = total - sumNormalized(state.payments, counts)
  return due > 0n ? denormalizeUnitsCeil(due, decimals) : 0n
}

/** The status implied by the payments, at `now`. */
export const deriveStatus = (state: CheckoutState, now: Date): CheckoutStatus => {
  const confirmed = sumNormalized(state.payments, (p) => p.status === "confirmed")
  if (confirmed >= acceptedNormalized(state.amountCents) && confirmed > 0n) return "completed"
  if (state.payments.some((p) => p.status === "detected")) return "processing"
  if (confirmed > 0n) return "underpaid"
  return now.getTime() >= state.expiresAt.getTime() ? "expired" : "pending"
}

/** The status a client reads: an overdue `pending` checkout reads `expired` before the sweeper runs. */
export const currentStatus = (
  state: Pick<CheckoutState, "status" | "expiresAt">,
  now: Date,
): CheckoutStatus =>
  state.status === "pending" && now.getTime() >= state.expiresAt.getTime() ? "expired" : state.status

const EVENT_OF: Partial<Record<CheckoutStatus, WebhookEventType>> = {
  processing: "checkout.processing",
  completed: "checkout.completed",
  underpaid: "checkout.underpaid",
  expired: "checkout.expired",
}

const settle = (
  before: CheckoutState,
  payments: ReadonlyArray<Payment>,
  now: Date,
  payment: Payment,
): TransitionResult => {
  const draft: CheckoutState = { ...before, payments }
  const next = deriveStatus(draft, now)
  const state: CheckoutState = { ...draft, status: next }
  const event = next !== before.status ? EVENT_OF[next] : undefined
  return { state, emit: event ? [event] : [], changed: true, payment }
}

const unchanged = (state: CheckoutState, payment: Payment | null): TransitionResult => ({
  state,
  emit: [],
  changed: false,
  payment,
})

const replace = (payments: ReadonlyArray<Payment>, p: Payment): ReadonlyArray<Payment> =>
  payments.map((q) => (sameKey(q, p) ? p : q))

const onObserved = (
  state: CheckoutState,
  e: PaymentObserved,
  now: Date,
  opts: TransitionOptions,
): TransitionResult => {
  const existing = state.payments.find((p) => sameKey(p, e))
  if (existing !== undefined && existing.status !== "reverted") return unchanged(state, existing)
  const seenAt = e.observedAt
  // "First seen": a payment reorganised away and mined again keeps the time it was first seen.
  const firstSeen = existing?.detectedAt ?? seenAt
  const late = state.status === "completed" || firstSeen.getTime() >= state.expiresAt.getTime()
  const final = e.confirmations >= opts.requiredConfirmations
  const payment: Payment = {
    network: e.network,
    txHash: e.txHash,
    logIndex: e.logIndex,
    token: e.token,
    tokenContract: e.tokenContract,
    decimals: e.decimals,
    amount: e.amount,
    sender: e.sender,
    recipient: e.target.kind === "address" ? e.target.address : e.target.wallet,
    blockNumber: e.blockNumber,
    blockHash: e.blockHash,
    status: late ? "late" : final ? "confirmed" : "detected",
    confirmations: e.confirmations,
    detectedAt: firstSeen,
    confirmedAt: final ? now : null,
  }
  const payments = existing === undefined ? [...state.payments, payment] : replace(state.payments, payment)
  if (late) {
    const lateEvent: ReadonlyArray<WebhookEventType> = final ? ["checkout.late_payment"] : []
    // Late and still `pending` means overdue but not swept yet: expire it now, so the merchant gets
    // `checkout.expired` before `checkout.late_payment` (and the sweeper has nothing left to emit).
    if (state.status === "pending")
      return {
        state: { ...state, status: "expired", payments },
        emit: ["checkout.expired", ...lateEvent],
        changed: true,
        payment,
      }
    return { state: { ...state, payments }, emit: lateEvent, changed: true, payment }
  }
  return settle(state, payments, now, payment)
}

/** An event about a payment this checkout does not have: refused, nothing changes. */
const unknownPayment = (key: PaymentKey): Either.Either<never, TransitionRefused> =>
  Either.left(new TransitionRefused({ reason: "unknown_payment", message: `no payment ${key.txHash}` }))

/** Records a payment's new details without a status change or event (progress, late confirmations). */
const quietly = (state: CheckoutState, p: Payment): TransitionResult => ({
  state: { ...state, payments: replace(state.payments, p) },
  emit: [],
  changed: true,
  payment: p,
})

const onConfirmed = (
  state: CheckoutState,
  e: PaymentConfirmed,
  now: Date,
): Either.Either<TransitionResult, TransitionRefused> => {
  const existing = state.payments.find((p) => sameKey(p, e))
  if (existing === undefined) return unknownPayment(e)
  if (existing.status === "confirmed" || existing.status === "reverted")
    return Either.right(unchanged(state, existing))
  if (existing.status === "late") {
    if (existing.confirmedAt !== null) return Either.right(unchanged(state, existing))
    const late = quietly(state, { ...existing, confirmations: e.confirmations, confirmedAt: e.confirmedAt })
    return Either.right({ ...late, emit: ["checkout.late_payment"] })
  }
  const p: Payment = {
    ...existing,
    status: "confirmed",
    confirmations: e.confirmations,
    confirmedAt: e.confirmedAt,
  }
  return Either.right(settle(state, replace(state.payments, p), now, p))
}

const onProgress = (
  state: CheckoutState,
  e: PaymentConfirmationsUpdated,
): Either.Either<TransitionResult, TransitionRefused> => {
  const existing = state.payments.find((p) => sameKey(p, e))
  if (existing === undefined) return unknownPayment(e)
  const moved = e.moved !== undefined && e.moved.blockNumber !== existing.blockNumber ? e.moved : undefined
  if (
    (existing.confirmations === e.confirmations && moved === undefined) ||
    existing.status === "reverted" ||
    existing.status === "confirmed"
  )
    return Either.right(unchanged(state, existing))
  return Either.right(
    quietly(state, {
      ...existing,
      confirmations: e.confirmations,
      ...(moved === undefined ? {} : { blockNumber: moved.blockNumber, blockHash: moved.blockHash }),
    }),
  )
}

const onReverted = (
  state: CheckoutState,
  e: PaymentReverted,
  now: Date,
): Either.Either<TransitionResult, TransitionRefused> => {
  const existing = state.payments.find((p) => sameKey(p, e))
  if (existing === undefined) return unknownPayment(e)
  if (existing.status === "reverted") return Either.right(unchanged(state, existing))
  const p: Payment = { ...existing, status: "reverted", confirmedAt: null }
  if (existing.status === "late") {
    // The merchant heard of a late payment only once it was confirmed (`checkout.late_payment`).
    const quiet = quietly(state, p)
    return Either.right(
      existing.confirmedAt === null ? quiet : { ...quiet, emit: ["checkout.payment_reverted"] },
    )
  }
  const settled = settle(state, replace(state.payments, p), now, p)
  return Either.right({ ...settled, emit: ["checkout.payment_reverted", ...settled.emit] })
}

/**
 * Applies one event to a checkout.
 * @example
 * const r = transition(state, observed, new Date(), { requiredConfirmations: 12 })
 * if (Either.isRight(r) && r.right.changed) save(r.right.state, r.right.emit)
 */
export const transition = (
  state: CheckoutState,
  event: MachineEvent,
  now: Date,
  opts: TransitionOptions,
): Either.Either<TransitionResult, TransitionRefused> => {
  switch (event._tag) {
    case "PaymentObserved":
      return Either.right(onObserved(state, event, now, opts))
    case "PaymentConfirmed":
      return onConfirmed(state, event, now)
    case "PaymentConfirmationsUpdated":
      return onProgress(state, event)
    case "PaymentReverted":
      return onReverted(state, event, now)
    case "ExpiryTick": {
      if (state.status !== "pending" || now.getTime() < state.expiresAt.getTime())
        return Either.right(unchanged(state, null))
      return Either.right({
        state: { ...state, status: "expired" },
        emit: ["checkout.expired"],
        changed: true,
        payment: null,
      })
    }
  }
}
