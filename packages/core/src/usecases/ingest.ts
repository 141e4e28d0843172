import { Either } from "effect"
import type {
  ChainEvent,
  PaymentObserved,
  PendingPayment,
  TransferTarget,
  UnmatchedTransfer,
} from "../chain-events.js"
import type {
  ChainFamily,
  CheckoutState,
  CheckoutStatus,
  Mode,
  Payment,
  PaymentKey,
  StoredTarget,
  WebhookEventType,
} from "../domain.js"
import { addressLookups, memoLookups } from "../family.js"
import { type MachineEvent, transition } from "../machine.js"

/**
 * Ingestion as core decides it: given one chain event and the state the store read for it, every change to
 * write (payments, status, outbox events with their sequence and URL, unmatched money). The store only reads
 * what `lookupFor` names, locks it, calls `decideChainEvent` and writes the `IngestDecision` in the batch's
 * transaction; a second store implements the same reads and writes, never the rules.
 */

/** What the store reads, under its lock, about the checkout an event concerns. */
export interface LedgerCheckout extends CheckoutState {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  /** The checkout's own webhook URL (wins over the merchant's defaults). */
  readonly webhookUrl: string | null
  /** The merchant's default endpoints per mode. */
  readonly merchantWebhookUrls: Readonly<Record<Mode, string | null>>
  /** Outbox events written for this checkout so far: the last `sequence`. */
  readonly eventSeq: number
}

/** An outbox event as decided: written with the status change, in the same transaction. */
export interface DecidedEvent {
  readonly type: WebhookEventType
  /** 1, 2, … per checkout, in the order the events were created. */
  readonly sequence: number
  /** Where it is delivered; `null`: recorded as `skipped` (no endpoint configured). */
  readonly url: string | null
  /** The payment a payment event (`checkout.payment_reverted`, `checkout.late_payment`) is about; else null. */
  readonly payment: Payment | null
}

export interface CheckoutChange {
  readonly checkoutId: string
  readonly statusBefore: CheckoutStatus
  readonly status: CheckoutStatus
  /** Payments to write, new or changed: upserted on (network, txHash, logIndex). */
  readonly payments: ReadonlyArray<Payment>
  /** The checkout's state after the change (what an event body shows). */
  readonly state: CheckoutState
  /** The checkout's last event sequence after the change. */
  readonly eventSeq: number
  readonly events: ReadonlyArray<DecidedEvent>
}

/** Money that matched no checkout, to record once per (network, txHash, logIndex). */
export type UnmatchedMoney = Omit<UnmatchedTransfer, "_tag">

export type IngestDecision =
  /** A replay, or an event about a payment no checkout holds: nothing to write. */
  | { readonly _tag: "Nothing" }
  | { readonly _tag: "Unmatched"; readonly money: UnmatchedMoney }
  | { readonly _tag: "Change"; readonly change: CheckoutChange }

/** What the store must read for an event: the checkout owning a deposit target, or holding a payment. */
export type IngestLookup =
  | { readonly _tag: "Target"; readonly target: TransferTarget }
  | { readonly _tag: "Payment"; readonly key: PaymentKey }
  | { readonly _tag: "None" }

export interface IngestContext {
  readonly requiredConfirmations: number
  readonly now: Date
}

const NOTHING: IngestDecision = { _tag: "Nothing" }

export const UNMATCHED_REASON_NO_OWNER = "no checkout owns this deposit target"

/**
 * Whether a checkout's deposit target receives a transfer: a derived address whose lookup key is the
 * transfer's address under its family's case rule (`addressLookups`), or a memo whose key is the transfer's
 * memo (`memoLookups`) sent to the merchant's payout wallet of that family. A store's lookup implements this
 * rule with one index probe per key.
 */
export const ownsTarget = (
  owner: {
    readonly merchantId: string
    readonly targets: ReadonlyArray<StoredTarget>
    readonly payoutKeys: Readonly<Partial<Record<ChainFamily, string>>>
  },
  target: TransferTarget,
): boolean =>
  target.kind === "address"
    ? owner.targets.some((t) => t.address !== null && addressLookups(target.address).includes(t.lookup))
    : owner.targets.some(
        (t) =>
          t.memo !== null &&
          owner.payoutKeys[t.family] === target.wallet &&
          memoLookups(owner.merchantId, target.memo).includes(t.lookup),
      )

/** Which checkout an event concerns: a transfer by its target, any later news of a payment by its key. */
export const lookupFor = (e: ChainEvent): IngestLookup => {
  switch (e._tag) {
    case "UnmatchedTransfer":
      return { _tag: "None" }
    case "PaymentObserved":
      return { _tag: "Target", target: e.target }
    case "PaymentConfirmed":
    case "PaymentConfirmationsUpdated":
    case "PaymentReverted":
      return { _tag: "Payment", key: { network: e.network, txHash: e.txHash, logIndex: e.logIndex } }
  }
}

/** A test checkout never falls back to the live endpoint (nor a live one to the test endpoint). */
export const webhookUrlOf = (c: Pick<LedgerCheckout, "webhookUrl" | "mode" | "merchantWebhookUrls">) =>
  c.webhookUrl ?? c.merchantWebhookUrls[c.mode]

const isPaymentEvent = (type: WebhookEventType): boolean =>
  type === "checkout.payment_reverted" || type === "checkout.late_payment"

/** The state machine's answer for one checkout, as the changes to write. */
export const decideTransition = (
  checkout: LedgerCheckout,
  event: MachineEvent,
  ctx: IngestContext,
): IngestDecision => {
  const result = transition(checkout, event, ctx.now, { requiredConfirmations: ctx.requiredConfirmations })
  if (Either.isLeft(result) || !result.right.changed) return NOTHING
  const { state, emit, payment } = result.right
  const url = webhookUrlOf(checkout)
  return {
    _tag: "Change",
    change: {
      checkoutId: checkout.id,
      statusBefore: checkout.status,
      status: state.status,
      // The transition keeps the objects of payments it did not touch.
      payments: state.payments.filter((p) => !checkout.payments.includes(p)),
      state: {
        status: state.status,
        amountCents: state.amountCents,
        expiresAt: state.expiresAt,
        payments: state.payments,
      },
      eventSeq: checkout.eventSeq + emit.length,
      events: emit.map((type, i) => ({
        type,
        sequence: checkout.eventSeq + i + 1,
        url,
        payment: isPaymentEvent(type) ? payment : null,
      })),
    },
  }
}

const unmatchedOf = (e: PaymentObserved): UnmatchedMoney => ({
  network: e.network,
  txHash: e.txHash,
  logIndex: e.logIndex,
  wallet: e.target.kind === "address" ? e.target.address : e.target.wallet,
  memo: e.target.kind === "memo" ? e.target.memo : null,
  token: e.token,
  tokenContract: e.tokenContract,
  decimals: e.decimals,
  amount: e.amount,
  sender: e.sender,
  observedAt: e.observedAt,
  reason: UNMATCHED_REASON_NO_OWNER,
})

/**
 * Decides one chain event against the checkout `lookupFor` led to (`null` when none): money to a target no
 * checkout owns is kept as unmatched, never dropped; news of a payment nobody holds changes nothing.
 * @example
 * const d = decideChainEvent(await read(lookupFor(e)), e, { requiredConfirmations: 12, now })
 * if (d._tag === "Change") await write(d.change)
 */
export const decideChainEvent = (
  checkout: LedgerCheckout | null,
  e: ChainEvent,
  ctx: IngestContext,
): IngestDecision => {
  if (e._tag === "UnmatchedTransfer") {
    const { _tag, ...money } = e
    return { _tag: "Unmatched", money }
  }
  if (checkout === null)
    return e._tag === "PaymentObserved" ? { _tag: "Unmatched", money: unmatchedOf(e) } : NOTHING
  return decideTransition(checkout, e, ctx)
}

/** Overdue: still `pending` at or after its expiry (the sweep moves it to `expired`). */
export const isOverdue = (c: Pick<CheckoutState, "status" | "expiresAt">, now: Date): boolean =>
  c.status === "pending" && c.expiresAt.getTime() <= now.getTime()

/** The expiry sweep's decision for one checkout it locked. */
export const decideExpiry = (checkout: LedgerCheckout, now: Date): IngestDecision =>
  decideTransition(checkout, { _tag: "ExpiryTick" }, { requiredConfirmations: 1, now })

/** Unmatched money as the store keeps it, with its assignment. */
export interface StoredUnmatched extends UnmatchedMoney {
  readonly assignedCheckoutId: string | null
}

/**
 * The operator assigns unmatched money to a checkout. Unmatched money is recorded once final, so it is applied
 * as an observed, confirmed payment, judged late or not by when it was first seen. Money already assigned is
 * left alone (`assign: false`); otherwise it is marked assigned whatever the machine decides.
 */
export const decideAssignment = (
  u: StoredUnmatched,
  checkout: LedgerCheckout,
  now: Date,
): { readonly assign: boolean; readonly decision: IngestDecision } => {
  if (u.assignedCheckoutId !== null) return { assign: false, decision: NOTHING }
  const event: PaymentObserved = {
    _tag: "PaymentObserved",
    network: u.network,
    txHash: u.txHash,
    logIndex: u.logIndex,
    target:
      u.memo === null
        ? { kind: "address", address: u.wallet }
        : { kind: "memo", wallet: u.wallet, memo: u.memo },
    token: u.token,
    tokenContract: u.tokenContract,
    decimals: u.decimals,
    amount: u.amount,
    sender: u.sender,
    blockNumber: null,
    blockHash: null,
    confirmations: 1,
    observedAt: u.observedAt,
  }
  return { assign: true, decision: decideTransition(checkout, event, { requiredConfirmations: 1, now }) }
}

/**
 * Whether a watcher re-checks a payment: waiting for confirmations (a late one too, until it is confirmed), or
 * with `confirmedSince`, confirmed since then (a counted or late payment the merchant heard of), against
 * reorganisations deeper than the confirmations.
 */
export const needsRecheck = (p: Payment, confirmedSince?: Date): boolean =>
  p.status === "detected" ||
  (p.status === "late" && p.confirmedAt === null) ||
  (confirmedSince !== undefined &&
    (p.status === "confirmed" || p.status === "late") &&
    p.confirmedAt !== null &&
    p.confirmedAt.getTime() >= confirmedSince.getTime())

/** A payment as handed to the watcher's re-check (`confirmed` when it already counts as final). */
export const pendingOf = (p: Payment): PendingPayment => ({
  network: p.network,
  txHash: p.txHash,
  logIndex: p.logIndex,
  blockNumber: p.blockNumber,
  blockHash: p.blockHash,
  confirmations: p.confirmations,
  ...(p.status === "confirmed" || p.confirmedAt !== null ? { confirmed: true } : {}),
})
