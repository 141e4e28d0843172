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
 * - A transaction mined again in another block may carry its transfer under another key (EVM log index). Such
 *   a copy is the same money: while the first copy stands it is held (`duplicate`: recorded, never counted,
 *   not listed by the API); when that copy is reverted the held one counts in its place, judged by when the
 *   money was first seen, so nothing is counted twice or turned late.
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
  /**
   * The payment the event created or updated, if any (another may change with it: a held copy taking a
   * reverted payment's place; `state.payments` holds both).
   */
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

/** Both in one block: by hash when both have one, else by height. */
const sameBlock = (a: Payment, b: Payment): boolean =>
  a.blockHash !== null && b.blockHash !== null ? a.blockHash === b.blockHash : a.blockNumber === b.blockNumber

/** Counted, or late: the transfer stands (the merchant may have been told of it). */
const stands = (p: Payment): boolean => counts(p) || p.status === "late"

/** The same transaction, token, target and amount under another key. */
const twin = (a: Payment, b: Payment): boolean =>
  a.network === b.network &&
  a.txHash === b.txHash &&
  a.logIndex !== b.logIndex &&
  a.tokenContract === b.tokenContract &&
  a.recipient === b.recipient &&
  a.amount === b.amount

/**
 * A copy of the same transfer: EVM's log index is the log's position in its block, so a transaction mined again
 * elsewhere after a reorganisation usually gets a new key. It is the same money only in another block (two
 * equal transfers of one transaction in one block are two payments).
 */
const sameTransfer = (a: Payment, b: Payment): boolean => twin(a, b) && !sameBlock(a, b)

/**
 * Whether `p` must be held as a `duplicate`: a copy of its transfer still stands in another block. Counted per
 * copy, so a transaction with several equal transfers mined again holds one copy per standing original.
 */
const superseded = (payments: ReadonlyArray<Payment>, p: Payment): boolean => {
  let standing = 0
  let held = 0
  for (const q of payments) {
    if (!twin(q, p)) continue
    if (!sameBlock(q, p)) {
      if (stands(q)) standing++
    } else if (q.status === "duplicate") held++
  }
  return standing > held
}

/**
 * The status a payment takes when it starts to count, judged by when it was first seen (`detectedAt`): late
 * when first seen at or after `expiresAt` or when the checkout is `completed`.
 */
const admitted = (
  p: Payment,
  checkout: CheckoutStatus,
  expiresAt: Date,
  now: Date,
  opts: TransitionOptions,
): Payment => {
  const late = checkout === "completed" || p.detectedAt.getTime() >= expiresAt.getTime()
  const final = p.confirmations >= opts.requiredConfirmations
  return { ...p, status: late ? "late" : final ? "confirmed" : "detected", confirmedAt: final ? now : null }
}

const onObserved = (
  state: CheckoutState,
  e: PaymentObserved,
  now: Date,
  opts: TransitionOptions,
): TransitionResult => {
  const existing = state.payments.find((p) => sameKey(p, e))
  if (existing !== undefined && existing.status !== "reverted") return unchanged(state, existing)
  const seen: Payment = {
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
    status: "detected",
    confirmations: e.confirmations,
    detectedAt: e.observedAt,
    confirmedAt: null,
  }
  // "First seen": a payment reorganised away and mined again (same key, or a copy under another key) keeps the
  // time its money was first seen.
  let firstSeen = existing?.detectedAt ?? e.observedAt
  for (const q of state.payments)
    if (sameTransfer(q, seen) && q.detectedAt.getTime() < firstSeen.getTime()) firstSeen = q.detectedAt
  const dated: Payment = { ...seen, detectedAt: firstSeen }
  const add = (p: Payment) => (existing === undefined ? [...state.payments, p] : replace(state.payments, p))
  // A re-mined copy while the original stands: recorded, counted only if the original is reverted.
  if (superseded(state.payments, dated)) {
    const held: Payment = { ...dated, status: "duplicate" }
    return { state: { ...state, payments: add(held) }, emit: [], changed: true, payment: held }
  }
  const payment = admitted(dated, state.status, state.expiresAt, now, opts)
  const payments = add(payment)
  if (payment.status === "late") {
    const lateEvent: ReadonlyArray<WebhookEventType> =
      payment.confirmedAt !== null ? ["checkout.late_payment"] : []
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
  if (existing.status === "duplicate") {
    // Held: its confirmations are kept for the day it counts (onReverted), nothing else changes.
    if (existing.confirmations >= e.confirmations) return Either.right(unchanged(state, existing))
    return Either.right(quietly(state, { ...existing, confirmations: e.confirmations }))
  }
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
  opts: TransitionOptions,
): Either.Either<TransitionResult, TransitionRefused> => {
  const existing = state.payments.find((p) => sameKey(p, e))
  if (existing === undefined) return unknownPayment(e)
  if (existing.status === "reverted") return Either.right(unchanged(state, existing))
  const p: Payment = { ...existing, status: "reverted", confirmedAt: null }
  // A held copy was never counted nor told: it goes quietly.
  if (existing.status === "duplicate") return Either.right(quietly(state, p))
  // The merchant heard of a late payment only once it was confirmed (`checkout.late_payment`).
  const told = existing.status !== "late" || existing.confirmedAt !== null
  const reverted: ReadonlyArray<WebhookEventType> = told ? ["checkout.payment_reverted"] : []
  let payments = replace(state.payments, p)
  // A copy of the transfer mined again elsewhere and held meanwhile takes its place, judged by when its money
  // was first seen; a late one is confirmed (and told) by the watcher's next look at it.
  const held = payments.find(
    (q) => q.status === "duplicate" && sameTransfer(q, p) && !superseded(payments, q),
  )
  if (held !== undefined) {
    const status = deriveStatus({ ...state, payments }, now)
    const copy = admitted(held, status, state.expiresAt, now, opts)
    payments = replace(payments, copy.status === "late" ? { ...copy, confirmedAt: null } : copy)
  } else if (existing.status === "late") return Either.right({ ...quietly(state, p), emit: reverted })
  const settled = settle(state, payments, now, p)
  return Either.right({ ...settled, emit: [...reverted, ...settled.emit] })
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
      return onReverted(state, event, now, opts)
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
