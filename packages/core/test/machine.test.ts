import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import type { PaymentObserved } from "../src/chain-events.js"
import type { CheckoutState, CheckoutStatus, Payment } from "../src/domain.js"
import {
  acceptedNormalized,
  amountDueUnits,
  amountPaidCents,
  currentStatus,
  deriveStatus,
  type MachineEvent,
  transition,
} from "../src/machine.js"
import { normalizeUnits } from "../src/money.js"
import { at, confirmed, EXPIRES, OPTS, observed, reverted, run, state, step } from "./helpers.js"

const USDT = (dollars: number) => BigInt(Math.round(dollars * 100)) * 10_000n // 6 decimals

describe("state machine: status rules (API.md Statuses)", () => {
  it("pending → processing on a payment seen, → completed once confirmed", () => {
    const a = step(state(), observed("t1", USDT(25)), at(1))
    expect(a.state.status).toBe("processing")
    expect(a.emit).toEqual(["checkout.processing"])
    expect(a.payment?.status).toBe("detected")
    const b = step(a.state, confirmed("t1"), at(2))
    expect(b.state.status).toBe("completed")
    expect(b.emit).toEqual(["checkout.completed"])
    expect(b.payment?.confirmedAt).toEqual(at(2))
  })

  it("a payment already final when observed completes at once", () => {
    const r = step(state(), observed("t1", USDT(25), { confirmations: 5 }), at(1))
    expect(r.state.status).toBe("completed")
    expect(r.emit).toEqual(["checkout.completed"])
  })

  it("within tolerance completes (25.00 − 0.25), below it is underpaid", () => {
    const ok = run(state(), [
      [observed("t1", 24_750_000n), at(1)],
      [confirmed("t1"), at(2)],
    ])
    expect(ok.state.status).toBe("completed")
    const short = run(state(), [
      [observed("t1", 24_749_999n), at(1)],
      [confirmed("t1"), at(2)],
    ])
    expect(short.state.status).toBe("underpaid")
    expect(short.emitted).toEqual(["checkout.processing", "checkout.underpaid"])
  })

  it("overpayment completes and shows in amount_paid", () => {
    const r = run(state(), [
      [observed("t1", USDT(30)), at(1)],
      [confirmed("t1"), at(2)],
    ])
    expect(r.state.status).toBe("completed")
    expect(amountPaidCents(r.state.payments)).toBe(3000n)
  })

  it("underpaid before expiry: a top-up (same address) moves it to processing then completed", () => {
    const r = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [confirmed("t1"), at(2)],
      [observed("t2", USDT(15)), at(5)],
      [confirmed("t2"), at(6)],
    ])
    expect(r.state.status).toBe("completed")
    expect(r.emitted).toEqual([
      "checkout.processing",
      "checkout.underpaid",
      "checkout.processing",
      "checkout.completed",
    ])
  })

  it("underpaid: payment options ask for what is still due (full amount, not the tolerance)", () => {
    const r = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [confirmed("t1"), at(2)],
    ])
    expect(amountDueUnits(r.state, 6)).toBe(USDT(15))
    expect(amountDueUnits(r.state, 18)).toBe(15n * 10n ** 18n)
    expect(amountDueUnits(state(), 6)).toBe(USDT(25))
  })

  it("after expiry an underpaid checkout stays underpaid and later money is late", () => {
    const r = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [confirmed("t1"), at(2)],
      [{ _tag: "ExpiryTick" }, at(31)],
      [observed("t2", USDT(15), { observedAt: at(32) }), at(32)],
      [confirmed("t2", { confirmedAt: at(33) }), at(33)],
    ])
    expect(r.state.status).toBe("underpaid")
    expect(r.state.payments.find((p) => p.txHash === "t2")?.status).toBe("late")
    expect(r.emitted.at(-1)).toBe("checkout.late_payment")
  })

  it("nothing paid before expires_at → expired (sweeper), and currentStatus reads it before the sweep", () => {
    expect(currentStatus(state(), at(29))).toBe("pending")
    expect(currentStatus(state(), EXPIRES)).toBe("expired")
    const r = step(state(), { _tag: "ExpiryTick" }, at(30))
    expect(r.state.status).toBe("expired")
    expect(r.emit).toEqual(["checkout.expired"])
    const early = step(state(), { _tag: "ExpiryTick" }, at(29))
    expect(early.changed).toBe(false)
  })

  it("a payment first seen before expires_at counts even if reported and confirmed after it", () => {
    const expired = step(state(), { _tag: "ExpiryTick" }, at(31)).state
    const r = run(expired, [
      [observed("t1", USDT(25), { observedAt: at(29) }), at(35)],
      [confirmed("t1", { confirmedAt: at(40) }), at(40)],
    ])
    expect(r.state.status).toBe("completed")
    expect(r.emitted).toEqual(["checkout.processing", "checkout.completed"])
  })

  it("processing at expiry: the payment still counts when it confirms", () => {
    const r = run(state(), [
      [observed("t1", USDT(25)), at(29)],
      [{ _tag: "ExpiryTick" }, at(31)],
      [confirmed("t1"), at(45)],
    ])
    expect(r.state.status).toBe("completed")
  })

  it("late payments (after completion) are recorded, emit late_payment once confirmed, never change the status", () => {
    const done = run(state(), [
      [observed("t1", USDT(25)), at(1)],
      [confirmed("t1"), at(2)],
    ]).state
    const r = step(done, observed("t2", USDT(5), { observedAt: at(3) }), at(3))
    expect(r.state.status).toBe("completed")
    expect(r.payment?.status).toBe("late")
    expect(r.payment?.confirmedAt).toBeNull()
    expect(r.changed).toBe(true)
    expect(r.emit).toEqual([])
    expect(amountPaidCents(r.state.payments)).toBe(2500n)
    const c = step(r.state, confirmed("t2", { confirmedAt: at(4) }), at(4))
    expect(c.state.status).toBe("completed")
    expect(c.emit).toEqual(["checkout.late_payment"])
    expect(c.payment?.status).toBe("late")
    expect(c.payment?.confirmedAt).toEqual(at(4))
    expect(step(c.state, confirmed("t2"), at(5)).emit).toEqual([])
    // The merchant heard of it: its reorganisation is told too; the status still does not change.
    const gone = step(c.state, reverted("t2"), at(5))
    expect(gone.state.status).toBe("completed")
    expect(gone.emit).toEqual(["checkout.payment_reverted"])
    expect(gone.payment?.status).toBe("reverted")
  })

  it("a late payment already final when first seen emits late_payment at once; one reverted before confirming is silent", () => {
    const done = run(state(), [
      [observed("t1", USDT(25)), at(1)],
      [confirmed("t1"), at(2)],
    ]).state
    const final = step(done, observed("t2", USDT(5), { observedAt: at(3), confirmations: 1 }), at(3))
    expect(final.emit).toEqual(["checkout.late_payment"])
    expect(final.payment?.confirmedAt).toEqual(at(3))
    const seen = step(done, observed("t3", USDT(5), { observedAt: at(3) }), at(3))
    const gone = step(seen.state, reverted("t3"), at(4))
    expect(gone.changed).toBe(true)
    expect(gone.emit).toEqual([])
  })

  it("a late payment on an expired checkout does not revive it", () => {
    const expired = step(state(), { _tag: "ExpiryTick" }, at(31)).state
    const r = step(expired, observed("t1", USDT(25), { observedAt: at(31), confirmations: 3 }), at(31))
    expect(r.state.status).toBe("expired")
    expect(r.payment?.status).toBe("late")
  })

  it("a late payment on an overdue pending checkout (not swept yet) expires it first, events in order", () => {
    const r = step(state(), observed("t1", USDT(25), { observedAt: at(31) }), at(31))
    expect(r.payment?.status).toBe("late")
    expect(r.state.status).toBe("expired")
    expect(r.emit).toEqual(["checkout.expired"])
    // the sweeper then has nothing to do: no second checkout.expired
    expect(step(r.state, { _tag: "ExpiryTick" }, at(32)).emit).toEqual([])
    expect(step(r.state, confirmed("t1", { confirmedAt: at(33) }), at(33)).emit).toEqual([
      "checkout.late_payment",
    ])
    const final = step(state(), observed("t1", USDT(25), { observedAt: at(31), confirmations: 1 }), at(31))
    expect(final.emit).toEqual(["checkout.expired", "checkout.late_payment"])
  })

  it("reverted payments stop counting and roll the status back", () => {
    const processing = step(state(), observed("t1", USDT(25)), at(1)).state
    const back = step(processing, reverted("t1"), at(2))
    expect(back.state.status).toBe("pending")
    expect(back.emit).toEqual(["checkout.payment_reverted"])
    expect(back.payment?.status).toBe("reverted")
    expect(amountPaidCents(back.state.payments)).toBe(0n)

    const afterExpiry = step(processing, reverted("t1"), at(31))
    expect(afterExpiry.state.status).toBe("expired")
    expect(afterExpiry.emit).toEqual(["checkout.payment_reverted", "checkout.expired"])

    const underpaidThenTopUp = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [confirmed("t1"), at(2)],
      [observed("t2", USDT(15)), at(3)],
      [reverted("t2"), at(4)],
    ])
    expect(underpaidThenTopUp.state.status).toBe("underpaid")
    expect(underpaidThenTopUp.emitted.slice(-2)).toEqual(["checkout.payment_reverted", "checkout.underpaid"])
  })

  it("a reorg deeper than the confirmations moves a completed checkout to what the remaining payments imply", () => {
    const done = run(state(), [
      [observed("t1", USDT(25)), at(1)],
      [confirmed("t1"), at(2)],
    ]).state
    const pending = step(done, reverted("t1"), at(3))
    expect(pending.state.status).toBe("pending")
    expect(pending.emit).toEqual(["checkout.payment_reverted"])
    expect(pending.payment).toMatchObject({ txHash: "t1", status: "reverted", confirmedAt: null })
    expect(amountPaidCents(pending.state.payments)).toBe(0n)

    const expired = step(done, reverted("t1"), at(31))
    expect(expired.state.status).toBe("expired")
    expect(expired.emit).toEqual(["checkout.payment_reverted", "checkout.expired"])

    const split = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [confirmed("t1"), at(2)],
      [observed("t2", USDT(15)), at(3)],
      [confirmed("t2"), at(4)],
    ]).state
    expect(split.status).toBe("completed")
    const underpaid = step(split, reverted("t2"), at(5))
    expect(underpaid.state.status).toBe("underpaid")
    expect(underpaid.emit).toEqual(["checkout.payment_reverted", "checkout.underpaid"])

    // Another payment still waiting for its confirmations: processing again.
    const waiting = run(state(), [
      [observed("t1", USDT(5)), at(1)],
      [observed("t2", USDT(25)), at(2)],
      [confirmed("t2"), at(3)],
    ]).state
    expect(waiting.status).toBe("completed")
    const processing = step(waiting, reverted("t2"), at(4))
    expect(processing.state.status).toBe("processing")
    expect(processing.emit).toEqual(["checkout.payment_reverted", "checkout.processing"])

    // A reverted payment that did not carry the completion changes only the payment.
    const still = step(waiting, reverted("t1"), at(4))
    expect(still.state.status).toBe("completed")
    expect(still.emit).toEqual(["checkout.payment_reverted"])

    // Mined again (the same transfer in the new chain): it counts again, first seen when it was first seen.
    const again = run(pending.state, [
      [observed("t1", USDT(25), { observedAt: at(5) }), at(5)],
      [confirmed("t1", { confirmedAt: at(6) }), at(6)],
    ])
    expect(again.state.status).toBe("completed")
    expect(again.emitted).toEqual(["checkout.processing", "checkout.completed"])
  })

  it("a reverted payment that reappears (reorg undone) counts again", () => {
    const r = run(state(), [
      [observed("t1", USDT(25)), at(1)],
      [reverted("t1"), at(2)],
      [observed("t1", USDT(25), { observedAt: at(3) }), at(3)],
      [confirmed("t1"), at(4)],
    ])
    expect(r.state.status).toBe("completed")
    expect(r.state.payments).toHaveLength(1)
    expect(r.state.payments[0]?.detectedAt).toEqual(at(1))
  })

  it("a payment first seen before expiry that reappears after it (reorg undone) still counts", () => {
    // First seen at 12:29 (before expiry), reorganised away, mined again and re-observed at 12:35.
    const r = run(state(), [
      [observed("t1", USDT(25), { observedAt: at(29) }), at(29)],
      [reverted("t1"), at(31)],
      [observed("t1", USDT(25), { observedAt: at(35) }), at(35)],
    ])
    expect(r.state.payments[0]?.status).toBe("detected")
    expect(r.state.status).toBe("processing")
  })

  it("payments in tokens of different decimals add up exactly (6 + 18)", () => {
    const r = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [confirmed("t1"), at(2)],
      [observed("t2", 15n * 10n ** 18n, { network: "bsc", decimals: 18 }), at(3)],
      [confirmed("t2", { network: "bsc" }), at(4)],
    ])
    expect(r.state.status).toBe("completed")
    expect(amountPaidCents(r.state.payments)).toBe(2500n)
  })

  it("confirmation progress updates the count without changing the status; unknown payments are refused", () => {
    const p = step(state(), observed("t1", USDT(25)), at(1)).state
    const r = step(
      p,
      { _tag: "PaymentConfirmationsUpdated", network: "ton", txHash: "t1", logIndex: 0, confirmations: 3 },
      at(2),
    )
    expect(r.changed).toBe(true)
    expect(r.payment?.confirmations).toBe(3)
    expect(r.emit).toEqual([])
    for (const e of [
      confirmed("nope"),
      reverted("nope"),
      {
        _tag: "PaymentConfirmationsUpdated" as const,
        network: "ton",
        txHash: "nope",
        logIndex: 0,
        confirmations: 1,
      },
    ]) {
      const refused = transition(p, e, at(2), OPTS)
      expect(Either.isLeft(refused) && refused.left.reason).toBe("unknown_payment")
    }
  })

  it("progress from a transaction a fork moved records its new block, even at the same count", () => {
    const p = step(state(), observed("t1", USDT(25), { network: "tron" }), at(1)).state
    const key = { network: "tron", txHash: "t1", logIndex: 0 }
    const before = p.payments[0]!
    const moved = { blockNumber: (before.blockNumber ?? 0n) + 5n, blockHash: null }
    const r = step(
      p,
      { _tag: "PaymentConfirmationsUpdated", ...key, confirmations: before.confirmations, moved },
      at(2),
    )
    expect(r.changed).toBe(true)
    expect(r.payment).toMatchObject({ blockNumber: moved.blockNumber, blockHash: null, status: "detected" })
    expect(r.emit).toEqual([])
    // Already there: nothing changes.
    const again = step(
      r.state,
      { _tag: "PaymentConfirmationsUpdated", ...key, confirmations: before.confirmations, moved },
      at(3),
    )
    expect(again.changed).toBe(false)
  })

  it("the same tx hash with another log index is another payment", () => {
    const r = run(state(), [
      [observed("t1", USDT(10)), at(1)],
      [observed("t1", USDT(15), { logIndex: 1 }), at(1)],
    ])
    expect(r.state.payments).toHaveLength(2)
  })
})

// ------------------------------------------------------------------------------------------------ properties

type Op =
  | { kind: "observe"; tx: number; units: bigint; decimals: 6 | 18; lag: number; confs: number }
  | { kind: "confirm"; tx: number }
  | { kind: "progress"; tx: number; confs: number }
  | { kind: "revert"; tx: number }
  | { kind: "tick" }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("observe" as const),
    tx: fc.nat(4),
    units: fc.bigInt({ min: 1n, max: 3000n }), // cents-ish, scaled below
    decimals: fc.constantFrom(6 as const, 18 as const),
    lag: fc.nat(8),
    confs: fc.nat(2),
  }),
  fc.record({ kind: fc.constant("confirm" as const), tx: fc.nat(4) }),
  fc.record({ kind: fc.constant("progress" as const), tx: fc.nat(4), confs: fc.nat(3) }),
  fc.record({ kind: fc.constant("revert" as const), tx: fc.nat(4) }),
  fc.record({ kind: fc.constant("tick" as const) }),
)

const scenarioArb = fc.record({
  amountCents: fc.bigInt({ min: 100n, max: 5000n }),
  steps: fc.array(fc.tuple(opArb, fc.nat(6)), { minLength: 1, maxLength: 25 }),
})

const toEvent = (op: Op, now: Date): MachineEvent => {
  const key = { network: "ton", txHash: `t${op.kind === "tick" ? 0 : op.tx}`, logIndex: 0 }
  switch (op.kind) {
    case "observe":
      return {
        ...observed(key.txHash, op.units * 10n ** BigInt(op.decimals - 2), {
          decimals: op.decimals,
          confirmations: op.confs,
        }),
        observedAt: new Date(now.getTime() - op.lag * 60_000),
      }
    case "confirm":
      return { _tag: "PaymentConfirmed", ...key, confirmations: 2, confirmedAt: now }
    case "progress":
      return { _tag: "PaymentConfirmationsUpdated", ...key, confirmations: op.confs }
    case "revert":
      return { _tag: "PaymentReverted", ...key, reason: "reorg" }
    case "tick":
      return { _tag: "ExpiryTick" }
  }
}

const confirmedCounted = (payments: ReadonlyArray<Payment>): bigint =>
  payments.reduce((a, p) => (p.status === "confirmed" ? a + normalizeUnits(p.amount, p.decimals) : a), 0n)

const EVENT_STATUS: Record<string, CheckoutStatus> = {
  "checkout.processing": "processing",
  "checkout.completed": "completed",
  "checkout.underpaid": "underpaid",
  "checkout.expired": "expired",
}

/** Runs a scenario, calling `check` after every accepted event. */
const simulate = (
  sc: { amountCents: bigint; steps: ReadonlyArray<readonly [Op, number]> },
  check: (before: CheckoutState, e: MachineEvent, now: Date, r: ReturnType<typeof step>) => void,
) => {
  let s = state(sc.amountCents)
  let now = at(0)
  for (const [op, dt] of sc.steps) {
    now = new Date(now.getTime() + dt * 60_000)
    const e = toEvent(op, now)
    const r = transition(s, e, now, { requiredConfirmations: 2 })
    if (Either.isLeft(r)) continue
    check(s, e, now, r.right)
    s = r.right.state
  }
  return s
}

describe("state machine: properties over random event sequences", () => {
  const runs = { numRuns: 400 }

  it("completed ⇔ confirmed counted sum ≥ accepted amount at completion", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc, (before, _e, _now, r) => {
          const sum = confirmedCounted(r.state.payments)
          const accepted = acceptedNormalized(sc.amountCents)
          if (before.status !== "completed") {
            expect(r.state.status === "completed").toBe(sum >= accepted)
          }
        })
      }),
      runs,
    )
  })

  it("completed is left only by the revert of a confirmed payment, which is always told first", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc, (before, e, _now, r) => {
          if (before.status === "completed" && r.state.status !== "completed") {
            expect(e._tag).toBe("PaymentReverted")
            expect(before.payments.find((p) => p.txHash === r.payment?.txHash)?.status).toBe("confirmed")
          }
          if (e._tag === "PaymentReverted" && r.changed) {
            const was = before.payments.find((p) => p.txHash === e.txHash)
            const told =
              was?.status === "detected" || was?.status === "confirmed" || was?.confirmedAt !== null
            expect(r.emit[0] === "checkout.payment_reverted").toBe(told)
          }
        })
      }),
      runs,
    )
  })

  it("an event is emitted only for a real transition, once, and matches the new status", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc, (before, _e, _now, r) => {
          const statusEvents = r.emit.filter(
            (t) => t !== "checkout.late_payment" && t !== "checkout.payment_reverted",
          )
          expect(statusEvents.length).toBeLessThanOrEqual(1)
          expect(new Set(r.emit).size).toBe(r.emit.length)
          // Every status change has its event, except back to pending (a reverted payment): no such webhook.
          if (r.state.status !== before.status && r.state.status !== "pending")
            expect(statusEvents).toHaveLength(1)
          for (const t of statusEvents) {
            expect(EVENT_STATUS[t]).toBe(r.state.status)
            expect(before.status).not.toBe(r.state.status)
          }
          if (!r.changed) expect(r.emit).toEqual([])
        })
      }),
      runs,
    )
  })

  it("replaying any accepted event is a no-op", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc, (_before, e, now, r) => {
          const again = transition(r.state, e, now, { requiredConfirmations: 2 })
          expect(Either.isRight(again)).toBe(true)
          if (Either.isRight(again)) {
            expect(again.right.changed).toBe(false)
            expect(again.right.emit).toEqual([])
            expect(again.right.state).toEqual(r.state)
          }
        })
      }),
      runs,
    )
  })

  it("late payments never change the status a client reads; payments first seen before expiry are never late unless completed", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc, (before, e, now, r) => {
          if (e._tag !== "PaymentObserved" || !r.changed) return
          const firstSeen = before.payments.find((p) => p.txHash === e.txHash)?.detectedAt ?? e.observedAt
          if (r.payment?.status === "late") {
            expect(r.state.status).toBe(currentStatus(before, now))
            expect(r.emit.at(-1) === "checkout.late_payment").toBe(r.payment.confirmedAt !== null)
          }
          if (firstSeen < EXPIRES && before.status !== "completed") expect(r.payment?.status).not.toBe("late")
          if (firstSeen >= EXPIRES) expect(r.payment?.status).toBe("late")
        })
      }),
      runs,
    )
  })

  it("the status always matches the payments, so reverted payments roll it back", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        simulate(sc, (_before, _e, now, r) => {
          expect(currentStatus(r.state, now)).toBe(deriveStatus(r.state, now))
          expect(amountPaidCents(r.state.payments) >= 0n).toBe(true)
        })
      }),
      runs,
    )
  })
})

// ------------------------------------------------------------------------------------ re-mined copies (EVM)

/** The transfer of tx 0xaa as first mined (log 3 of block 0xb1) and mined again elsewhere (log 0 of 0xb2). */
const evm = (logIndex: number, blockHash: string, o: Partial<PaymentObserved> = {}): PaymentObserved =>
  observed("0xaa", USDT(25), {
    network: "bsc",
    logIndex,
    blockHash,
    blockNumber: blockHash === "0xb1" ? 100n : 101n,
    target: { kind: "address", address: "0xdeposit" },
    tokenContract: "0xusdt",
    ...o,
  })
const ORIGINAL = { network: "bsc", logIndex: 3 } as const
const COPY = { network: "bsc", logIndex: 0 } as const
const original = (o: Partial<PaymentObserved> = {}) => evm(3, "0xb1", o)
const copy = (o: Partial<PaymentObserved> = {}) => evm(0, "0xb2", o)

const paidIn = (s: CheckoutState) => [
  s.payments.find((p) => p.logIndex === 3)?.status,
  s.payments.find((p) => p.logIndex === 0)?.status,
]

describe("state machine: a transaction mined again under another log index (deep reorg)", () => {
  const paid = (): CheckoutState =>
    run(state(), [
      [original(), at(1)],
      [confirmed("0xaa", { ...ORIGINAL, confirmedAt: at(2) }), at(2)],
    ]).state

  it("revert first, copy seen after expiry: the copy counts as paid in time, no late_payment", () => {
    const r = run(paid(), [
      [reverted("0xaa", ORIGINAL), at(39)],
      [copy({ observedAt: at(40), confirmations: 1 }), at(40)],
    ])
    expect(r.emitted).toEqual(["checkout.payment_reverted", "checkout.expired", "checkout.completed"])
    expect(paidIn(r.state)).toEqual(["reverted", "confirmed"])
    expect(r.state.status).toBe("completed")
    // Judged (and shown) by when the money first arrived.
    expect(r.state.payments.find((p) => p.logIndex === 0)?.detectedAt).toEqual(at(1))
    expect(amountPaidCents(r.state.payments)).toBe(2500n)
  })

  it("copy seen while completed (reorg between recheck and scan), revert next: the copy takes its place", () => {
    const seen = step(paid(), copy({ observedAt: at(10) }), at(10))
    expect(seen.emit).toEqual([])
    expect(seen.payment?.status).toBe("duplicate")
    expect(seen.state.status).toBe("completed")
    expect(amountPaidCents(seen.state.payments)).toBe(2500n) // not counted twice
    const gone = step(seen.state, reverted("0xaa", ORIGINAL), at(11))
    expect(gone.emit).toEqual(["checkout.payment_reverted", "checkout.processing"])
    expect(gone.payment?.logIndex).toBe(3) // the event is about the reverted original
    expect(paidIn(gone.state)).toEqual(["reverted", "detected"])
    expect(amountPaidCents(gone.state.payments)).toBe(2500n)
    const done = step(gone.state, confirmed("0xaa", { ...COPY, confirmedAt: at(12) }), at(12))
    expect(done.emit).toEqual(["checkout.completed"])
    expect(paidIn(done.state)).toEqual(["reverted", "confirmed"])
  })

  it("a held copy already confirmed keeps the checkout completed when the original's revert arrives", () => {
    const r = run(paid(), [
      [copy({ observedAt: at(10) }), at(10)],
      [confirmed("0xaa", { ...COPY, confirmedAt: at(11) }), at(11)],
      [reverted("0xaa", ORIGINAL), at(40)],
    ])
    expect(r.emitted).toEqual(["checkout.payment_reverted"])
    expect(r.state.status).toBe("completed")
    expect(paidIn(r.state)).toEqual(["reverted", "confirmed"])
  })

  it("a phantom copy (the original stays) never counts; its own revert is silent", () => {
    const r = run(paid(), [
      [copy({ observedAt: at(10), confirmations: 1 }), at(10)],
      [reverted("0xaa", COPY), at(11)],
    ])
    expect(r.emitted).toEqual([])
    expect(paidIn(r.state)).toEqual(["confirmed", "reverted"])
    expect(amountPaidCents(r.state.payments)).toBe(2500n)
  })

  it("the original coming back while its copy counts is held in turn", () => {
    const r = run(paid(), [
      [reverted("0xaa", ORIGINAL), at(5)],
      [copy({ observedAt: at(6) }), at(6)],
      [original({ observedAt: at(7) }), at(7)],
    ])
    expect(paidIn(r.state)).toEqual(["duplicate", "detected"])
    expect(amountPaidCents(r.state.payments)).toBe(2500n)
    const back = step(r.state, reverted("0xaa", COPY), at(8))
    expect(paidIn(back.state)).toEqual(["detected", "reverted"])
    expect(amountPaidCents(back.state.payments)).toBe(2500n)
  })

  it("two equal transfers of one transaction in one block are two payments, and both survive a re-mine", () => {
    const half = USDT(12.5)
    const a = (log: number, block: string) => evm(log, block, { amount: half })
    const r = run(state(), [
      [a(3, "0xb1"), at(1)],
      [a(4, "0xb1"), at(1)],
    ])
    expect(amountPaidCents(r.state.payments)).toBe(2500n)
    const moved = run(r.state, [
      [a(0, "0xb2"), at(5)],
      [a(1, "0xb2"), at(5)],
    ])
    expect(amountPaidCents(moved.state.payments)).toBe(2500n)
    const after = run(moved.state, [
      [reverted("0xaa", { network: "bsc", logIndex: 3 }), at(6)],
      [reverted("0xaa", { network: "bsc", logIndex: 4 }), at(6)],
    ])
    expect(amountPaidCents(after.state.payments)).toBe(2500n)
    expect(after.state.payments.filter((p) => p.status === "detected")).toHaveLength(2)
    expect(after.emitted).toEqual(["checkout.payment_reverted", "checkout.payment_reverted"])
  })

  it("a late payment's copy is held too; after the revert it is late again and told once confirmed", () => {
    const expired = step(state(), { _tag: "ExpiryTick" }, at(31)).state
    const r = run(expired, [
      [original({ observedAt: at(40), confirmations: 1 }), at(40)],
      [copy({ observedAt: at(41), confirmations: 1 }), at(41)],
    ])
    expect(r.emitted).toEqual(["checkout.late_payment"]) // once, for the original
    expect(paidIn(r.state)).toEqual(["late", "duplicate"])
    const gone = step(r.state, reverted("0xaa", ORIGINAL), at(42))
    expect(gone.emit).toEqual(["checkout.payment_reverted"])
    expect(gone.state.payments.find((p) => p.logIndex === 0)).toMatchObject({
      status: "late",
      confirmedAt: null,
    })
    const told = step(gone.state, confirmed("0xaa", { ...COPY, confirmedAt: at(43) }), at(43))
    expect(told.emit).toEqual(["checkout.late_payment"])
    expect(told.payment?.logIndex).toBe(0)
    expect(told.state.status).toBe("expired")
  })

  type RemineOp = "original" | "copy" | "revertOriginal" | "revertCopy" | "confirmOriginal" | "confirmCopy"
  const remineArb = fc.array(
    fc.tuple(
      fc.constantFrom<RemineOp>(
        "original",
        "copy",
        "revertOriginal",
        "revertCopy",
        "confirmOriginal",
        "confirmCopy",
      ),
      fc.nat(15),
    ),
    { maxLength: 12 },
  )

  it("any interleaving never counts the transfer twice, and never loses it while one copy is on chain", () => {
    fc.assert(
      fc.property(remineArb, fc.boolean(), (ops, firstConfirmed) => {
        let s = step(state(), original({ confirmations: firstConfirmed ? 1 : 0 }), at(1)).state
        let now = at(1)
        const emitted: Array<string> = []
        // What the chain holds, as far as the accepted events tell.
        const onChain = { original: true, copy: false }
        for (const [op, dt] of ops) {
          now = new Date(now.getTime() + dt * 60_000)
          const key = op.endsWith("Original") || op === "original" ? ORIGINAL : COPY
          const e: MachineEvent =
            op === "copy" || op === "original"
              ? (op === "copy" ? copy : original)({ observedAt: now })
              : op.startsWith("revert")
                ? reverted("0xaa", key)
                : confirmed("0xaa", { ...key, confirmedAt: now })
          const r = transition(s, e, now, OPTS)
          if (Either.isLeft(r)) continue
          if (op === "original" || op === "copy") onChain[op] = true
          if (op === "revertOriginal") onChain.original = false
          if (op === "revertCopy") onChain.copy = false
          s = r.right.state
          emitted.push(...r.right.emit)
          // Never twice, never late (the money arrived at minute 1), never lost while a copy is on chain.
          expect(amountPaidCents(s.payments)).toBe(onChain.original || onChain.copy ? 2500n : 0n)
          expect(s.payments.some((p) => p.status === "late")).toBe(false)
          expect(currentStatus(s, now)).toBe(deriveStatus(s, now))
          if (onChain.original || onChain.copy) expect(["processing", "completed"]).toContain(s.status)
        }
        expect(emitted).not.toContain("checkout.late_payment")
      }),
      { numRuns: 1000 },
    )
  })
})
