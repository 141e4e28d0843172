import { describe, expect, it } from "vitest"
import { checkInvariants, checkLogLines, impliedStatus, type Snapshot } from "../src/invariants.js"
import type { Delivery } from "../src/receiver.js"

const NOW = new Date("2026-12-07T03:00:00Z")
const past = new Date("2026-12-07T02:00:00Z")
const future = new Date("2026-12-07T04:00:00Z")
const delivery = (id: string, over: Partial<Delivery> = {}): Delivery => ({
  at: NOW.toISOString(),
  header: id,
  id,
  type: "checkout.completed",
  checkout: "chk_a",
  status: "completed",
  ok: true,
  reason: null,
  answer: 200,
  ...over,
})
const event = (id: string, checkout: string, type: string, status: string, at: number) => ({
  id,
  type,
  checkout_id: checkout,
  status: "delivered",
  attempts: 1,
  last_error: null,
  created_at: new Date(NOW.getTime() - 60_000 + at),
  sequence: null,
  body: JSON.stringify({ id, type, data: { object: { id: checkout, status } } }),
})

/** One completed checkout (paid exactly) and one late-paid expired one: every invariant holds. */
const clean = (): Snapshot => ({
  plan: [
    { id: "chk_a", kind: "exact", units: 10_000_000n, expected: "completed" },
    { id: "chk_b", kind: "late", units: 5_000_000n, expected: "expired" },
  ],
  transfers: [
    { tx: "0xaa", checkout: "chk_a", amount: 10_000_000n, expect: "counted" },
    { tx: "0xbb", checkout: "chk_b", amount: 5_000_000n, expect: "late" },
    { tx: "0xcc", checkout: "chk_a", amount: 1n, expect: "fake" },
  ],
  checkouts: [
    { id: "chk_a", status: "completed", amount_cents: "1000", expires_at: future },
    { id: "chk_b", status: "expired", amount_cents: "500", expires_at: past },
  ],
  payments: [
    {
      tx_hash: "0xAA",
      log_index: 0,
      checkout_id: "chk_a",
      amount: "10000000",
      decimals: 6,
      status: "confirmed",
    },
    { tx_hash: "0xbb", log_index: 3, checkout_id: "chk_b", amount: "5000000", decimals: 6, status: "late" },
  ],
  events: [
    event("evt_1", "chk_a", "checkout.processing", "processing", 0),
    event("evt_2", "chk_a", "checkout.completed", "completed", 1_000),
    event("evt_3", "chk_b", "checkout.expired", "expired", 0),
    event("evt_4", "chk_b", "checkout.late_payment", "expired", 1_000),
  ],
  deliveries: ["evt_1", "evt_2", "evt_3", "evt_4"].map((id) => delivery(id)),
  now: NOW,
})

const failing = (s: Snapshot) =>
  checkInvariants(s)
    .filter((v) => !v.ok)
    .map((v) => v.name)

describe("checkInvariants", () => {
  it("passes a consistent run", () => {
    expect(checkInvariants(clean()).map((v) => [v.ok, v.detail])).toEqual([
      [true, "3 transactions, 2 payment rows"],
      [true, "2 checkouts"],
      [true, "4 events"],
      [true, "4 events, 4 requests"],
      [true, "2 checkouts"],
      [true, "4 events"],
    ])
  })

  it("catches a payment with the wrong amount, a counted fake, and a row the run never sent", () => {
    const s = clean()
    const payments = [
      { ...s.payments[0]!, amount: "9999999" },
      s.payments[1]!,
      { ...s.payments[0]!, tx_hash: "0xcc" },
      { ...s.payments[0]!, tx_hash: "0xdd" },
    ]
    const v = checkInvariants({ ...s, payments })[0]!
    expect(v.ok).toBe(false)
    expect(v.examples).toEqual([
      "exact …chk_a tx 0xaa: amount 9999999, sent 10000000",
      "exact …chk_a tx 0xcc: fake-token transfer recorded (confirmed)",
      "exact …chk_a: payment 0xdd#0 the run never sent",
    ])
  })

  it("judges a transaction re-included after a reorg by its last expectation", () => {
    const s = clean()
    const transfers = [{ ...s.transfers[0]!, expect: "reorged" as const }, ...s.transfers]
    expect(failing({ ...s, transfers })).toEqual([])
    const onlyDropped = [{ ...s.transfers[0]!, expect: "reorged" as const }, ...s.transfers.slice(1)]
    expect(checkInvariants({ ...s, transfers: onlyDropped })[0]!.examples).toEqual([
      "exact …chk_a tx 0xaa: transfer dropped by the reorg is confirmed, not reverted",
    ])
  })

  it("catches a final status other than the scenario's", () => {
    const s = clean()
    const checkouts = [{ ...s.checkouts[0]!, status: "underpaid" }, s.checkouts[1]!]
    expect(failing({ ...s, checkouts })).toContain(
      "every checkout's final status equals what its payments imply",
    )
  })

  it("catches two events for one change, and a change with no event", () => {
    const s = clean()
    const dup = [...s.events, event("evt_5", "chk_a", "checkout.completed", "completed", 2_000)]
    const v = checkInvariants({ ...s, events: dup, deliveries: [...s.deliveries, delivery("evt_5")] })[2]!
    expect(v.examples).toEqual([
      "exact …chk_a [processing→completed→completed]: two events for one change to completed",
    ])
    const missing = s.events.filter((e) => e.id !== "evt_2")
    expect(checkInvariants({ ...s, events: missing })[2]!.examples).toEqual([
      "exact …chk_a [processing]: no event for the change to completed",
    ])
  })

  it("takes checkout.payment_reverted as the event of a revert's change back, and flags a revert without one", () => {
    const s = clean()
    const reorged = [
      event("evt_1", "chk_a", "checkout.processing", "processing", 0),
      event("evt_r", "chk_a", "checkout.payment_reverted", "pending", 1_000),
      event("evt_5", "chk_a", "checkout.processing", "processing", 2_000),
      event("evt_2", "chk_a", "checkout.completed", "completed", 3_000),
      event("evt_3", "chk_b", "checkout.expired", "expired", 0),
      event("evt_4", "chk_b", "checkout.late_payment", "expired", 1_000),
    ]
    const deliveries = reorged.map((e) => delivery(e.id))
    expect(failing({ ...s, events: reorged, deliveries })).toEqual([])
    // reverted to expired: the payment_reverted event and checkout.expired announce one change together
    const toExpired = [
      event("evt_1", "chk_b", "checkout.processing", "processing", 0),
      event("evt_r", "chk_b", "checkout.payment_reverted", "expired", 1_000),
      event("evt_3", "chk_b", "checkout.expired", "expired", 1_000),
      event("evt_4", "chk_b", "checkout.late_payment", "expired", 2_000),
      ...s.events.filter((e) => e.checkout_id === "chk_a"),
    ]
    expect(failing({ ...s, events: toExpired, deliveries: toExpired.map((e) => delivery(e.id)) })).toEqual([])
    const withoutRevertEvent = reorged.filter((e) => e.id !== "evt_r")
    const payments = [...s.payments, { ...s.payments[0]!, tx_hash: "0xee", status: "reverted" }]
    const transfers = [
      ...s.transfers,
      { tx: "0xee", checkout: "chk_a", amount: 10_000_000n, expect: "reorged" as const },
    ]
    expect(checkInvariants({ ...s, events: withoutRevertEvent, payments, transfers })[2]!.examples).toEqual([
      "exact …chk_a [processing→processing→completed]: two events for one change to processing; a payment was reverted: the change back from processing sent no event",
    ])
  })

  it("catches an undelivered event and a request with a bad signature", () => {
    const s = clean()
    const deliveries = [
      ...s.deliveries.filter((d) => d.id !== "evt_3"),
      delivery("evt_3", { answer: 500 }),
      delivery("evt_x", { id: null, ok: false, reason: "signature_mismatch" }),
    ]
    const v = checkInvariants({ ...s, deliveries })[3]!
    expect(v.ok).toBe(false)
    expect(v.examples).toEqual([
      "late …chk_b checkout.expired evt_3: never delivered (outbox delivered, 1 attempts)",
      `request for evt_x at ${NOW.toISOString()}: signature/body rejected (signature_mismatch)`,
    ])
  })

  it("catches a checkout stuck in processing and an event left in the outbox", () => {
    const s = clean()
    const checkouts = [{ ...s.checkouts[0]!, status: "processing" }, s.checkouts[1]!]
    expect(checkInvariants({ ...s, checkouts })[4]!.examples).toEqual([
      "exact …chk_a: processing, its payments imply completed",
    ])
    const events = [{ ...s.events[0]!, status: "delivering", attempts: 0 }, ...s.events.slice(1)]
    expect(checkInvariants({ ...s, events })[5]!.examples).toEqual([
      "exact …chk_a checkout.processing evt_1: delivering after 0 attempts",
    ])
  })
})

describe("impliedStatus (docs/API.md's rules)", () => {
  const c = { id: "chk", status: "", amount_cents: "1000", expires_at: future }
  const pay = (amount: string, status: string, decimals = 6) => ({
    tx_hash: "0x1",
    log_index: 0,
    checkout_id: "chk",
    amount,
    decimals,
    status,
  })
  it("follows the tolerance, detected payments, partial payments and the expiry", () => {
    expect(impliedStatus(c, [], NOW)).toBe("pending")
    expect(impliedStatus({ ...c, expires_at: past }, [], NOW)).toBe("expired")
    expect(impliedStatus(c, [pay("9900000", "confirmed")], NOW)).toBe("completed") // 10.00 − max(1 %, 0.05)
    expect(impliedStatus(c, [pay("9899999", "confirmed")], NOW)).toBe("underpaid")
    expect(impliedStatus(c, [pay("4000000", "confirmed"), pay("6000000", "detected")], NOW)).toBe(
      "processing",
    )
    expect(impliedStatus(c, [pay("10000000", "late"), pay("10000000", "reverted")], NOW)).toBe("pending")
    expect(impliedStatus(c, [pay("10000000000000000000", "confirmed", 18)], NOW)).toBe("completed")
  })
})

describe("checkLogLines", () => {
  const line = (msg: string, level = "info") =>
    JSON.stringify({ time: NOW.toISOString(), level, msg, service: "worker" })

  it("passes logs of JSON objects with time, level and msg", () => {
    const v = checkLogLines([
      {
        name: "worker-0.log",
        text: `${line("worker started")}\n${line("webhook attempt failed", "warn")}\n`,
      },
      { name: "server-1.log", text: "" },
    ])
    expect(v).toMatchObject({ ok: true, detail: "2 lines in 2 process logs", examples: [] })
  })

  it("catches Effect's pretty format, a JSON value that is no log object, and an unfinished line", () => {
    const pretty =
      'timestamp=2026-12-07T03:00:00.000Z level=WARN fiber=#12 message="reorg at or below block 9"'
    const v = checkLogLines([
      { name: "worker-0.log", text: `${line("worker started")}\n${pretty}\n[1,2]\n{"msg":"x"}\n` },
      { name: "server-0.log", text: `${line("starting server")}\n{"time":"` },
    ])
    expect(v.ok).toBe(false)
    expect(v.detail).toBe("4 bad of 6 lines in 2 process logs")
    expect(v.examples).toEqual([
      expect.stringMatching(/^worker-0\.log:2: not JSON: "timestamp=/),
      expect.stringMatching(/^worker-0\.log:3: not a JSON object/),
      expect.stringMatching(/^worker-0\.log:4: no time, level or msg/),
      expect.stringMatching(/^server-0\.log:2: unfinished last line/),
    ])
  })
})
