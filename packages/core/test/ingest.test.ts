import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { ChainEvent, PaymentObserved } from "../src/chain-events.js"
import type { Payment } from "../src/domain.js"
import { acceptedNormalized } from "../src/machine.js"
import { normalizeUnits } from "../src/money.js"
import { addressLookups, depositLookup, memoLookups } from "../src/family.js"
import { makeMemoryLedger } from "../src/testing/memory-ledger.js"
import { FAMILIES } from "./families.js"
import {
  decideAssignment,
  decideChainEvent,
  decideExpiry,
  isOverdue,
  type LedgerCheckout,
  lookupFor,
  needsRecheck,
  ownsTarget,
  pendingOf,
  UNMATCHED_REASON_NO_OWNER,
  webhookUrlOf,
} from "../src/usecases/ingest.js"

const T0 = new Date("2026-04-04T12:00:00.000Z")
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const EXPIRES = at(1800)
const ADDRESS = "0xabc0000000000000000000000000000000000001"

const checkout = (over: Partial<LedgerCheckout> = {}): LedgerCheckout => ({
  id: "chk_test_000000000000000000000001",
  merchantId: "mer_1",
  mode: "test",
  status: "pending",
  amountCents: 2500n,
  expiresAt: EXPIRES,
  payments: [],
  webhookUrl: null,
  merchantWebhookUrls: { live: "https://m.test/live", test: "https://m.test/test" },
  eventSeq: 0,
  ...over,
})

const observed = (over: Partial<PaymentObserved> = {}): PaymentObserved => ({
  _tag: "PaymentObserved",
  network: "devnet",
  txHash: "0xt1",
  logIndex: 0,
  target: { kind: "address", address: ADDRESS },
  token: "USDT",
  tokenContract: "0xusdt",
  decimals: 6,
  amount: 25_000_000n,
  sender: "0xpayer",
  blockNumber: 10n,
  blockHash: "0xb",
  confirmations: 3,
  observedAt: at(60),
  ...over,
})

const ctx = { requiredConfirmations: 3, now: at(61) }

describe("ingestion rules (usecases/ingest.ts)", () => {
  it("looks a transfer up by its target and any later news by the payment key", () => {
    const e = observed()
    expect(lookupFor(e)).toEqual({ _tag: "Target", target: e.target })
    expect(lookupFor({ ...e, _tag: "PaymentReverted", reason: "x" })).toEqual({
      _tag: "Payment",
      key: { network: "devnet", txHash: "0xt1", logIndex: 0 },
    })
    expect(lookupFor({ ...e, _tag: "UnmatchedTransfer", wallet: "w", memo: null, reason: "r" })).toEqual({
      _tag: "None",
    })
  })

  it("owns a target: EVM case-insensitive, Tron exact, TON comment on the merchant's wallet", () => {
    const keyed = (family: "evm" | "tron" | "ton", address: string | null, memo: string | null) => {
      const t = { family, address, memo }
      return { ...t, lookup: depositLookup(FAMILIES[family].deposit, "mer_1", t) }
    }
    const targets = [
      keyed("evm", ADDRESS.toUpperCase(), null),
      keyed("tron", "TAbc", null),
      keyed("ton", null, "AB12"),
    ]
    const owner = { merchantId: "mer_1", targets, payoutKeys: { ton: "0:w" } }
    expect(ownsTarget(owner, { kind: "address", address: ADDRESS })).toBe(true)
    expect(ownsTarget(owner, { kind: "address", address: "TAbc" })).toBe(true)
    expect(ownsTarget(owner, { kind: "address", address: "tabc" })).toBe(false)
    expect(ownsTarget(owner, { kind: "memo", wallet: "0:w", memo: " ab12\n" })).toBe(true)
    expect(ownsTarget(owner, { kind: "memo", wallet: "0:x", memo: "AB12" })).toBe(false)
    expect(ownsTarget({ ...owner, merchantId: "mer_2" }, { kind: "memo", wallet: "0:w", memo: "AB12" })).toBe(
      false,
    )
    expect(ownsTarget({ ...owner, targets: targets.slice(1) }, { kind: "address", address: ADDRESS })).toBe(
      false,
    )
    expect(memoLookups("mer_1", "  k7p2m9qx ")).toEqual(["mer_1:k7p2m9qx", "mer_1:K7P2M9QX"])
    expect(addressLookups("0xAb")).toEqual(["0xAb", "0xab"])
  })

  it("the checkout's own webhook URL wins; else the merchant's URL of the checkout's mode, never the other", () => {
    expect(webhookUrlOf(checkout({ webhookUrl: "https://own" }))).toBe("https://own")
    expect(webhookUrlOf(checkout())).toBe("https://m.test/test")
    expect(webhookUrlOf(checkout({ mode: "live" }))).toBe("https://m.test/live")
    expect(webhookUrlOf(checkout({ merchantWebhookUrls: { live: "https://l", test: null } }))).toBeNull()
  })

  it("money to no checkout is unmatched; news of an unknown payment is nothing", () => {
    const e = observed({ target: { kind: "memo", wallet: "0:w", memo: "zz" } })
    expect(decideChainEvent(null, e, ctx)).toEqual({
      _tag: "Unmatched",
      money: {
        network: "devnet",
        txHash: "0xt1",
        logIndex: 0,
        wallet: "0:w",
        memo: "zz",
        token: "USDT",
        tokenContract: "0xusdt",
        decimals: 6,
        amount: 25_000_000n,
        sender: "0xpayer",
        observedAt: at(60),
        reason: UNMATCHED_REASON_NO_OWNER,
      },
    })
    expect(decideChainEvent(null, { ...e, _tag: "PaymentConfirmed", confirmedAt: at(1) }, ctx)).toEqual({
      _tag: "Nothing",
    })
    expect(decideChainEvent(checkout(), { ...e, _tag: "PaymentReverted", reason: "x" }, ctx)).toEqual({
      _tag: "Nothing",
    })
  })

  it("a credit decides the payment row, the status, the next sequence numbers and the URL", () => {
    const d = decideChainEvent(checkout({ eventSeq: 4 }), observed(), ctx)
    if (d._tag !== "Change") throw new Error("expected a change")
    expect(d.change.statusBefore).toBe("pending")
    expect(d.change.status).toBe("completed")
    expect(d.change.eventSeq).toBe(5)
    expect(d.change.events).toEqual([
      { type: "checkout.completed", sequence: 5, url: "https://m.test/test", payment: null },
    ])
    expect(d.change.payments.map((p) => [p.txHash, p.status, p.confirmedAt])).toEqual([
      ["0xt1", "confirmed", at(61)],
    ])
    // Replayed against the state it produced: nothing.
    const after = checkout({ status: "completed", payments: d.change.state.payments, eventSeq: 5 })
    expect(decideChainEvent(after, observed(), ctx)).toEqual({ _tag: "Nothing" })
  })

  it("a late payment's event carries the payment; only changed payments are written", () => {
    const first = decideChainEvent(checkout(), observed(), ctx)
    if (first._tag !== "Change") throw new Error("expected a change")
    const done = checkout({ status: "completed", payments: first.change.state.payments, eventSeq: 1 })
    const late = decideChainEvent(done, observed({ txHash: "0xt2" }), ctx)
    if (late._tag !== "Change") throw new Error("expected a change")
    expect(late.change.payments.map((p) => [p.txHash, p.status])).toEqual([["0xt2", "late"]])
    expect(late.change.events.map((e) => [e.type, e.sequence, e.payment?.txHash])).toEqual([
      ["checkout.late_payment", 2, "0xt2"],
    ])
  })

  it("expiry: only an overdue pending checkout, once", () => {
    expect(isOverdue(checkout(), EXPIRES)).toBe(true)
    expect(isOverdue(checkout(), at(1799))).toBe(false)
    expect(isOverdue(checkout({ status: "processing" }), at(9999))).toBe(false)
    const d = decideExpiry(checkout(), EXPIRES)
    expect(d._tag === "Change" && d.change.events.map((e) => e.type)).toEqual(["checkout.expired"])
    expect(decideExpiry(checkout({ status: "expired" }), EXPIRES)).toEqual({ _tag: "Nothing" })
    expect(decideExpiry(checkout(), at(1))).toEqual({ _tag: "Nothing" })
  })

  it("assignment: applied as a confirmed payment judged by when it was first seen; never twice", () => {
    const u = {
      network: "devnet",
      txHash: "0xu",
      logIndex: 2,
      wallet: "0:w",
      memo: "typo",
      token: "USDT",
      tokenContract: "0xusdt",
      decimals: 6,
      amount: 25_000_000n,
      sender: null,
      observedAt: at(1900),
      reason: "unknown comment",
      assignedCheckoutId: null,
    }
    const late = decideAssignment(u, checkout({ status: "expired" }), at(2000))
    expect(late.assign).toBe(true)
    expect(
      late.decision._tag === "Change" && late.decision.change.payments.map((p) => [p.status, p.recipient]),
    ).toEqual([["late", "0:w"]])
    const inTime = decideAssignment(
      { ...u, memo: null, observedAt: at(10) },
      checkout({ status: "expired" }),
      at(2000),
    )
    expect(inTime.decision._tag === "Change" && inTime.decision.change.status).toBe("completed")
    expect(decideAssignment({ ...u, assignedCheckoutId: "chk_x" }, checkout(), at(2000))).toEqual({
      assign: false,
      decision: { _tag: "Nothing" },
    })
  })

  it("the re-check list: waiting payments, and with a window the confirmed ones since", () => {
    const p: Payment = {
      network: "devnet",
      txHash: "0xp",
      logIndex: 0,
      token: "USDT",
      tokenContract: "0xusdt",
      decimals: 6,
      amount: 1n,
      sender: null,
      recipient: ADDRESS,
      blockNumber: 5n,
      blockHash: "0xb",
      status: "detected",
      confirmations: 1,
      detectedAt: at(0),
      confirmedAt: null,
    }
    expect(needsRecheck(p)).toBe(true)
    expect(pendingOf(p)).toEqual({
      network: "devnet",
      txHash: "0xp",
      logIndex: 0,
      blockNumber: 5n,
      blockHash: "0xb",
      confirmations: 1,
    })
    const confirmed = { ...p, status: "confirmed" as const, confirmedAt: at(100) }
    expect(needsRecheck(confirmed)).toBe(false)
    expect(needsRecheck(confirmed, at(100))).toBe(true)
    expect(needsRecheck(confirmed, at(101))).toBe(false)
    expect(pendingOf(confirmed).confirmed).toBe(true)
    expect(needsRecheck({ ...p, status: "late" })).toBe(true)
    expect(needsRecheck({ ...p, status: "late", confirmedAt: at(5) })).toBe(false)
    expect(needsRecheck({ ...p, status: "reverted" }, at(0))).toBe(false)
    expect(needsRecheck({ ...p, status: "duplicate" })).toBe(false)
  })
})

/** Properties over the in-memory ledger: the rules of usecases/ingest.ts, batch after batch, no database. */
describe("ingestion properties", () => {
  const runs = { numRuns: 300 }
  const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runSync(e)

  /** A merchant, one checkout of `cents` and the ledger; events are applied with `apply`. */
  const world = (cents: bigint) => {
    const m = makeMemoryLedger()
    m.addMerchant({
      id: "mer_1",
      payoutKeys: { ton: "0:w" },
      webhookUrl: null,
      testWebhookUrl: "https://m.test/t",
    })
    m.addCheckout({
      id: "chk_1",
      merchantId: "mer_1",
      mode: "test",
      amountCents: cents,
      expiresAt: EXPIRES,
      webhookUrl: null,
      targets: [
        { family: "evm", address: ADDRESS, memo: null, lookup: ADDRESS.toLowerCase() },
        { family: "ton", address: null, memo: "AB12", lookup: "mer_1:AB12" },
      ],
    })
    const apply = (events: ReadonlyArray<ChainEvent>, now = at(3000)) =>
      run(
        m.ledger.applyChainEvents({
          network: "devnet",
          mode: "test",
          requiredConfirmations: 3,
          events,
          cursor: null,
          now,
        }),
      )
    return { m, apply }
  }

  /** Distinct transfers to the checkout (and some to nobody), of 6 or 18 decimals, seen before or after expiry. */
  const transfers = fc.uniqueArray(
    fc.record({
      tx: fc.integer({ min: 0, max: 1_000_000 }),
      decimals: fc.constantFrom(6, 18),
      units: fc.bigInt({ min: 1n, max: 30_000_000n }),
      seen: fc.integer({ min: 0, max: 3600 }),
      confirmations: fc.integer({ min: 0, max: 5 }),
      stray: fc.boolean(),
    }),
    { selector: (t) => t.tx, minLength: 1, maxLength: 12 },
  )
  const toEvent = (t: {
    tx: number
    decimals: number
    units: bigint
    seen: number
    confirmations: number
    stray: boolean
  }): PaymentObserved =>
    observed({
      txHash: `0x${t.tx.toString(16)}`,
      decimals: t.decimals,
      // 6-decimal units scaled to 18 decimals for the same money.
      amount: t.decimals === 18 ? t.units * 10n ** 12n : t.units,
      observedAt: at(t.seen),
      confirmations: t.confirmations,
      target: { kind: "address", address: t.stray ? "0xnobody" : ADDRESS },
    })

  const snapshot = (m: ReturnType<typeof world>["m"]) => ({
    checkout: m.checkout("chk_1"),
    events: m.events("chk_1"),
    unmatched: run(m.unmatched.listUnmatched()),
  })

  it("replaying any part of the history, in any order and batching, changes nothing", () => {
    fc.assert(
      fc.property(
        transfers,
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (ts, picks, batch) => {
          const { m, apply } = world(2500n)
          const events = ts.map(toEvent)
          const confirmations = events.map(
            (e): ChainEvent => ({ ...e, _tag: "PaymentConfirmed", confirmations: 3, confirmedAt: at(3000) }),
          )
          apply(events)
          apply(confirmations)
          const before = snapshot(m)
          const history = [...events, ...confirmations]
          const replay = picks.map((i) => history[i % history.length]!)
          for (let i = 0; i < replay.length; i += batch) {
            expect(apply(replay.slice(i, i + batch))).toEqual({ applied: 0, emitted: 0 })
          }
          expect(snapshot(m)).toEqual(before)
        },
      ),
      runs,
    )
  })

  it("each transfer is recorded once, counted or late or unmatched; the counted sum is exact", () => {
    fc.assert(
      fc.property(transfers, fc.nat(), (ts, seed) => {
        const { m, apply } = world(2500n)
        const events = ts.map(toEvent)
        // Delivered in a shuffled order, some twice.
        const order = [...events, ...events.filter((_, i) => (seed >> i) & 1)].sort(
          (a, b) => ((a.txHash.length * 31 + seed) % 7) - ((b.txHash.length * 31 + seed) % 7),
        )
        apply(order)
        const c = m.checkout("chk_1")!
        const unmatched = run(m.unmatched.listUnmatched())
        expect(c.payments.length + unmatched.length).toBe(ts.length)
        for (const e of events) {
          const recorded =
            c.payments.filter((p) => p.txHash === e.txHash).length +
            unmatched.filter((u) => u.txHash === e.txHash).length
          expect(recorded).toBe(1)
        }
        // Seen at or after expiry: late, whatever the order.
        for (const p of c.payments)
          if (p.detectedAt.getTime() >= EXPIRES.getTime()) expect(p.status).toBe("late")
        const counted = c.payments.filter((p) => p.status === "detected" || p.status === "confirmed")
        const confirmedSum = counted
          .filter((p) => p.status === "confirmed")
          .reduce((s, p) => s + normalizeUnits(p.amount, p.decimals), 0n)
        if (c.status === "completed") expect(confirmedSum >= acceptedNormalized(2500n)).toBe(true)
        if (c.status === "underpaid") expect(confirmedSum < acceptedNormalized(2500n)).toBe(true)
        // The events are numbered 1, 2, … without a gap.
        expect(m.events("chk_1").map((e) => e.sequence)).toEqual(m.events("chk_1").map((_, i) => i + 1))
      }),
      runs,
    )
  })

  it("the final status of on-time, confirmed money does not depend on the order it arrives in", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 15_000_000n }), { minLength: 1, maxLength: 8 }),
        fc.bigInt({ min: 1n, max: 5000n }),
        (amounts, cents) => {
          const events = amounts.map((a, i) => observed({ txHash: `0x${i}`, amount: a }))
          const forward = world(cents)
          forward.apply(events, at(61))
          const backward = world(cents)
          backward.apply([...events].reverse(), at(61))
          const status = forward.m.checkout("chk_1")!.status
          expect(backward.m.checkout("chk_1")!.status).toBe(status)
          // Completed exactly when the sum reaches the accepted amount (A − max(1% A, 0.05)), in integers.
          const total = amounts.reduce((s, a) => s + normalizeUnits(a, 6), 0n)
          expect(status).toBe(total >= acceptedNormalized(cents) ? "completed" : "underpaid")
        },
      ),
      runs,
    )
  })

  it("the tolerance boundary: the accepted amount completes, one base unit less is underpaid", () => {
    fc.assert(
      // From 0.06 USD: below it the 0.05 deduction leaves nothing to pay.
      fc.property(fc.bigInt({ min: 6n, max: 10_000_000n }), fc.constantFrom(6, 18), (cents, decimals) => {
        const accepted = acceptedNormalized(cents) / 10n ** BigInt(36 - decimals)
        const exact = world(cents)
        exact.apply([observed({ amount: accepted, decimals })], at(61))
        expect(exact.m.checkout("chk_1")!.status).toBe("completed")
        const short = world(cents)
        short.apply([observed({ amount: accepted - 1n, decimals })], at(61))
        expect(short.m.checkout("chk_1")!.status).toBe("underpaid")
      }),
      runs,
    )
  })
})
