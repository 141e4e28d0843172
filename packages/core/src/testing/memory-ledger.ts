import { Effect } from "effect"
import type { ChainEvent } from "../chain-events.js"
import type {
  ChainFamily,
  CheckoutStatus,
  Mode,
  NetworkId,
  Payment,
  StoredTarget,
  WebhookEventType,
} from "../domain.js"
import { sameKey } from "../machine.js"
import { CheckoutNotFound, StoreError } from "../ports/errors.js"
import type { ExpirySweepService } from "../ports/ExpirySweep.js"
import type { ApplyResult, PaymentLedgerService } from "../ports/PaymentLedger.js"
import type { UnmatchedPaymentRecord, UnmatchedPaymentsService } from "../ports/UnmatchedPayments.js"
import { storableChainEvent } from "../storable-text.js"
import {
  decideAssignment,
  decideChainEvent,
  decideExpiry,
  type IngestDecision,
  type IngestLookup,
  isOverdue,
  type LedgerCheckout,
  lookupFor,
  needsRecheck,
  ownsTarget,
  pendingOf,
  type StoredUnmatched,
} from "../usecases/ingest.js"

/**
 * The ingestion ports (`PaymentLedger`, `UnmatchedPayments`, `ExpirySweep`) in memory: for tests and embedders
 * that want the payment rules without a database. Each call is one "transaction": it works on a copy and
 * swaps it in at the end, so a call that fails leaves nothing behind. It holds the same reads and writes as
 * the Postgres store; every rule is core's (usecases/ingest.ts).
 */

export interface MemoryMerchant {
  readonly id: string
  readonly payoutKeys: Readonly<Partial<Record<ChainFamily, string>>>
  readonly webhookUrl: string | null
  readonly testWebhookUrl: string | null
}

export interface MemoryCheckoutInput {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  readonly amountCents: bigint
  readonly expiresAt: Date
  readonly webhookUrl: string | null
  /** The deposit targets with their `depositLookup` keys. */
  readonly targets: ReadonlyArray<StoredTarget>
}

export interface MemoryCheckout extends MemoryCheckoutInput {
  readonly status: CheckoutStatus
  readonly payments: ReadonlyArray<Payment>
  readonly eventSeq: number
}

export interface MemoryOutboxEvent {
  readonly checkoutId: string
  readonly type: WebhookEventType
  readonly sequence: number
  readonly url: string | null
  readonly status: "pending" | "skipped"
  readonly payment: Payment | null
  readonly createdAt: Date
}

interface World {
  readonly merchants: Map<string, MemoryMerchant>
  readonly checkouts: Map<string, MemoryCheckout>
  readonly unmatched: Array<StoredUnmatched & { readonly id: string }>
  readonly outbox: Array<MemoryOutboxEvent>
  readonly cursors: Map<NetworkId, string>
}

const copy = (w: World): World => ({
  merchants: new Map(w.merchants),
  checkouts: new Map(w.checkouts),
  unmatched: [...w.unmatched],
  outbox: [...w.outbox],
  cursors: new Map(w.cursors),
})

export interface MemoryLedger {
  readonly ledger: PaymentLedgerService
  readonly unmatched: UnmatchedPaymentsService
  readonly sweep: ExpirySweepService
  readonly addMerchant: (m: MemoryMerchant) => void
  readonly addCheckout: (c: MemoryCheckoutInput) => void
  readonly checkout: (id: string) => MemoryCheckout | undefined
  /** The outbox events of a checkout, in the order written. */
  readonly events: (checkoutId: string) => ReadonlyArray<MemoryOutboxEvent>
}

export const makeMemoryLedger = (): MemoryLedger => {
  let world: World = {
    merchants: new Map(),
    checkouts: new Map(),
    unmatched: [],
    outbox: [],
    cursors: new Map(),
  }
  let unmatchedSeq = 0

  /** One transaction: runs on a copy, swapped in when `f` returns. */
  const transact = <A>(f: (w: World) => A): A => {
    const draft = copy(world)
    const a = f(draft)
    world = draft
    return a
  }

  const view = (w: World, c: MemoryCheckout): LedgerCheckout => {
    const m = w.merchants.get(c.merchantId)
    return {
      id: c.id,
      merchantId: c.merchantId,
      mode: c.mode,
      status: c.status,
      amountCents: c.amountCents,
      expiresAt: c.expiresAt,
      payments: c.payments,
      webhookUrl: c.webhookUrl,
      merchantWebhookUrls: { live: m?.webhookUrl ?? null, test: m?.testWebhookUrl ?? null },
      eventSeq: c.eventSeq,
    }
  }

  const find = (w: World, lookup: IngestLookup, mode: Mode): MemoryCheckout | null => {
    for (const c of w.checkouts.values()) {
      if (lookup._tag === "None") return null
      if (lookup._tag === "Payment") {
        if (c.payments.some((p) => sameKey(p, lookup.key))) return c
        continue
      }
      const payoutKeys = w.merchants.get(c.merchantId)?.payoutKeys ?? {}
      if (c.mode === mode && ownsTarget({ ...c, payoutKeys }, lookup.target)) return c
    }
    return null
  }

  /** Writes a decision; true when it changed something. */
  const write = (w: World, d: IngestDecision, now: Date): { applied: boolean; emitted: number } => {
    switch (d._tag) {
      case "Nothing":
        return { applied: false, emitted: 0 }
      case "Unmatched": {
        if (w.unmatched.some((u) => sameKey(u, d.money))) return { applied: false, emitted: 0 }
        w.unmatched.push({ ...d.money, id: `unm_${++unmatchedSeq}`, assignedCheckoutId: null })
        return { applied: true, emitted: 0 }
      }
      case "Change": {
        const { change } = d
        const c = w.checkouts.get(change.checkoutId)!
        let payments = [...c.payments]
        for (const p of change.payments) {
          const i = payments.findIndex((q) => sameKey(q, p))
          if (i >= 0) payments[i] = p
          else payments = [...payments, p]
        }
        w.checkouts.set(c.id, { ...c, status: change.status, payments, eventSeq: change.eventSeq })
        for (const e of change.events)
          w.outbox.push({
            checkoutId: c.id,
            type: e.type,
            sequence: e.sequence,
            url: e.url,
            status: e.url === null ? "skipped" : "pending",
            payment: e.payment,
            createdAt: now,
          })
        return { applied: true, emitted: change.events.length }
      }
    }
  }

  const applyOne = (w: World, e: ChainEvent, mode: Mode, requiredConfirmations: number, now: Date) => {
    const found = find(w, lookupFor(e), mode)
    return write(
      w,
      decideChainEvent(found === null ? null : view(w, found), e, { requiredConfirmations, now }),
      now,
    )
  }

  const ledger: PaymentLedgerService = {
    pendingPayments: (network, options) =>
      Effect.sync(() =>
        [...world.checkouts.values()]
          .flatMap((c) => c.payments)
          .filter((p) => p.network === network && needsRecheck(p, options?.confirmedSince))
          .sort((a, b) => a.detectedAt.getTime() - b.detectedAt.getTime())
          .map(pendingOf),
      ),
    getCursor: (network) => Effect.sync(() => world.cursors.get(network) ?? null),
    applyChainEvents: (input) =>
      Effect.sync(() =>
        transact((w): ApplyResult => {
          let applied = 0
          let emitted = 0
          for (const e of input.events.map(storableChainEvent)) {
            const r = applyOne(w, e, input.mode, input.requiredConfirmations, input.now)
            if (r.applied) applied++
            emitted += r.emitted
          }
          if (input.cursor !== null) w.cursors.set(input.network, input.cursor)
          return { applied, emitted }
        }),
      ),
  }

  const unmatched: UnmatchedPaymentsService = {
    listUnmatched: (network) =>
      Effect.sync(() =>
        world.unmatched
          .filter((u) => network === undefined || u.network === network)
          .sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime())
          .map(
            (u): UnmatchedPaymentRecord => ({
              id: u.id,
              network: u.network,
              txHash: u.txHash,
              logIndex: u.logIndex,
              wallet: u.wallet,
              memo: u.memo,
              token: u.token,
              amount: u.amount,
              decimals: u.decimals,
              sender: u.sender,
              reason: u.reason,
              observedAt: u.observedAt,
              assignedCheckoutId: u.assignedCheckoutId,
            }),
          ),
      ),
    assignUnmatched: (unmatchedId, checkoutId, now) =>
      Effect.suspend((): Effect.Effect<ApplyResult, StoreError | CheckoutNotFound> => {
        const u = world.unmatched.find((x) => x.id === unmatchedId)
        if (u === undefined)
          return Effect.fail(new StoreError({ message: `unknown unmatched payment ${unmatchedId}` }))
        const c = world.checkouts.get(checkoutId)
        if (c === undefined) return Effect.fail(new CheckoutNotFound({ id: checkoutId }))
        return Effect.sync(() =>
          transact((w): ApplyResult => {
            const { assign, decision } = decideAssignment(u, view(w, c), now)
            if (!assign) return { applied: 0, emitted: 0 }
            const r = write(w, decision, now)
            const i = w.unmatched.findIndex((x) => x.id === unmatchedId)
            w.unmatched[i] = { ...u, assignedCheckoutId: checkoutId }
            return { applied: r.applied ? 1 : 0, emitted: r.emitted }
          }),
        )
      }),
  }

  const sweep: ExpirySweepService = {
    sweepExpired: (now, limit) =>
      Effect.sync(() =>
        transact((w) => {
          const due = [...w.checkouts.values()]
            .filter((c) => isOverdue(c, now))
            .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
            .slice(0, limit)
          let swept = 0
          for (const c of due) if (write(w, decideExpiry(view(w, c), now), now).applied) swept++
          return swept
        }),
      ),
  }

  return {
    ledger,
    unmatched,
    sweep,
    addMerchant: (m) => {
      world.merchants.set(m.id, m)
    },
    addCheckout: (c) => {
      world.checkouts.set(c.id, { ...c, status: "pending", payments: [], eventSeq: 0 })
    },
    checkout: (id) => world.checkouts.get(id),
    events: (checkoutId) => world.outbox.filter((e) => e.checkoutId === checkoutId),
  }
}
