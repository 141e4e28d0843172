import type { Delivery } from "./receiver.js"

export type Kind = "exact" | "topup" | "under" | "over" | "late" | "fake" | "twoInBlock" | "reorg"

/** A transfer the run sent. `expect` is what the gateway must make of it. */
export interface Transfer {
  readonly tx: string
  readonly checkout: string
  readonly amount: bigint
  /** counted: confirmed payment; late: recorded as late; fake: never recorded; reorged: dropped by the reorg. */
  readonly expect: "counted" | "late" | "fake" | "reorged"
}

export interface PlannedCheckout {
  readonly id: string
  readonly kind: Kind
  /** Token units at 6 decimals. */
  readonly units: bigint
  readonly expected: "completed" | "underpaid" | "expired"
}

export interface CheckoutRow {
  readonly id: string
  readonly status: string
  readonly amount_cents: string
  readonly expires_at: Date
}
export interface PaymentRow {
  readonly tx_hash: string
  readonly log_index: number
  readonly checkout_id: string
  readonly amount: string
  readonly decimals: number
  readonly status: string
}
export interface EventRow {
  readonly id: string
  readonly type: string
  readonly checkout_id: string
  readonly status: string
  readonly attempts: number
  readonly last_error: string | null
  readonly created_at: Date
  /** Per-checkout event number (null on rows written before it existed). */
  readonly sequence: number | null
  readonly body: string
}

export interface Snapshot {
  readonly plan: ReadonlyArray<PlannedCheckout>
  readonly transfers: ReadonlyArray<Transfer>
  readonly checkouts: ReadonlyArray<CheckoutRow>
  readonly payments: ReadonlyArray<PaymentRow>
  readonly events: ReadonlyArray<EventRow>
  readonly deliveries: ReadonlyArray<Delivery>
  readonly now: Date
}

export interface Verdict {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
  readonly examples: ReadonlyArray<string>
}

const verdict = (name: string, checked: string, bad: ReadonlyArray<string>): Verdict => ({
  name,
  ok: bad.length === 0,
  detail: bad.length === 0 ? checked : `${bad.length} bad of ${checked}`,
  examples: bad.slice(0, 5),
})

/** Token units scaled to 6 decimals (every devnet stablecoin the run pays with has 6). */
const micro = (p: PaymentRow) =>
  p.decimals >= 6
    ? BigInt(p.amount) / 10n ** BigInt(p.decimals - 6)
    : BigInt(p.amount) * 10n ** BigInt(6 - p.decimals)

/** docs/API.md: paid once confirmed payments reach A − max(1 % of A, 0.05 USD). */
const acceptedMicro = (amountCents: bigint) => {
  const a = amountCents * 10_000n
  const tolerance = a / 100n > 50_000n ? a / 100n : 50_000n
  return a - tolerance
}

/** The status a checkout's recorded payments imply (what the state machine should have reached). */
export const impliedStatus = (c: CheckoutRow, payments: ReadonlyArray<PaymentRow>, now: Date): string => {
  const confirmed = payments.filter((p) => p.status === "confirmed").reduce((s, p) => s + micro(p), 0n)
  if (confirmed >= acceptedMicro(BigInt(c.amount_cents))) return "completed"
  if (payments.some((p) => p.status === "detected")) return "processing"
  if (confirmed > 0n) return "underpaid"
  return c.expires_at.getTime() <= now.getTime() ? "expired" : "pending"
}

const EVENT_STATUS: Record<string, string> = {
  "checkout.processing": "processing",
  "checkout.completed": "completed",
  "checkout.underpaid": "underpaid",
  "checkout.expired": "expired",
}
const REVERTED = "checkout.payment_reverted"
const RANK: Record<string, number> = { pending: 0, processing: 1, underpaid: 2, completed: 3, expired: 3 }
const short = (id: string) => id.slice(-8)

const groupBy = <T>(xs: ReadonlyArray<T>, key: (x: T) => string) => {
  const m = new Map<string, Array<T>>()
  for (const x of xs) {
    const k = key(x)
    const list = m.get(k)
    if (list === undefined) m.set(k, [x])
    else list.push(x)
  }
  return m
}

/** The six invariants of issue #23, each one verdict, from the database and the receiver's log. */
export const checkInvariants = (s: Snapshot): ReadonlyArray<Verdict> => {
  const kindOf = new Map(s.plan.map((p) => [p.id, p.kind]))
  const label = (checkout: string) => `${kindOf.get(checkout) ?? "?"} …${short(checkout)}`
  const paymentsByTx = groupBy(s.payments, (p) => p.tx_hash.toLowerCase())
  const paymentsByCheckout = groupBy(s.payments, (p) => p.checkout_id)
  const eventsByCheckout = groupBy(s.events, (e) => e.checkout_id)
  const rowOf = new Map(s.checkouts.map((c) => [c.id, c]))

  // 1. every payment recorded exactly once with the right amount
  const bad1: Array<string> = []
  // A transaction sent again after the reorg can be the very same one (same nonce and fields): the last
  // expectation for a hash is the one that holds.
  const byTx = new Map(s.transfers.map((t) => [t.tx.toLowerCase(), t]))
  const sent = new Set(byTx.keys())
  for (const t of byTx.values()) {
    const rows = paymentsByTx.get(t.tx.toLowerCase()) ?? []
    const where = `${label(t.checkout)} tx ${t.tx.slice(0, 10)}`
    if (t.expect === "fake") {
      if (rows.length > 0) bad1.push(`${where}: fake-token transfer recorded (${rows[0]!.status})`)
      continue
    }
    if (t.expect === "reorged") {
      if (rows.length > 1) bad1.push(`${where}: reorged transfer recorded ${rows.length} times`)
      else if (rows.length === 1 && rows[0]!.status !== "reverted")
        bad1.push(`${where}: transfer dropped by the reorg is ${rows[0]!.status}, not reverted`)
      continue
    }
    const want = t.expect === "late" ? "late" : "confirmed"
    if (rows.length !== 1) bad1.push(`${where}: recorded ${rows.length} times`)
    else {
      const r = rows[0]!
      if (r.checkout_id !== t.checkout) bad1.push(`${where}: recorded for …${short(r.checkout_id)}`)
      else if (BigInt(r.amount) !== t.amount) bad1.push(`${where}: amount ${r.amount}, sent ${t.amount}`)
      else if (r.status !== want) bad1.push(`${where}: status ${r.status}, expected ${want}`)
    }
  }
  for (const p of s.payments)
    if (!sent.has(p.tx_hash.toLowerCase()))
      bad1.push(
        `${label(p.checkout_id)}: payment ${p.tx_hash.slice(0, 10)}#${p.log_index} the run never sent`,
      )
  const v1 = verdict(
    "every payment recorded exactly once with the right amount",
    `${byTx.size} transactions, ${s.payments.length} payment rows`,
    bad1,
  )

  // 2. every checkout's final status equals what its payments imply
  const bad2: Array<string> = []
  for (const p of s.plan) {
    const got = rowOf.get(p.id)?.status ?? "missing"
    if (got !== p.expected) bad2.push(`${label(p.id)}: ${got}, expected ${p.expected}`)
  }
  const v2 = verdict(
    "every checkout's final status equals what its payments imply",
    `${s.plan.length} checkouts`,
    bad2,
  )

  // 3. every status change has exactly one event id. A status webhook announces its change; a
  // checkout.payment_reverted announces the change back that a revert makes (to pending, which has no webhook of
  // its own), or none when the status stays, and may be followed by the new status's own webhook.
  const bad3: Array<string> = []
  for (const c of s.checkouts) {
    const evs = [...(eventsByCheckout.get(c.id) ?? [])]
      .map((e) => ({
        e,
        status: (JSON.parse(e.body) as { data: { object: { status: string } } }).data.object.status,
      }))
      .sort(
        (a, b) =>
          (a.e.sequence ?? 0) - (b.e.sequence ?? 0) ||
          a.e.created_at.getTime() - b.e.created_at.getTime() ||
          (RANK[a.status] ?? 0) - (RANK[b.status] ?? 0),
      )
    const path = ["pending"]
    const problems: Array<string> = []
    let afterRevert = false
    for (const x of evs) {
      const cur = path[path.length - 1]
      if (x.e.type === "checkout.late_payment") continue
      if (x.e.type === REVERTED) {
        if (x.status !== cur) path.push(x.status)
        afterRevert = x.status !== cur
        continue
      }
      const want = EVENT_STATUS[x.e.type]
      if (want !== undefined && want !== x.status) problems.push(`${x.e.type} carries status ${x.status}`)
      if (x.status === cur && !afterRevert) problems.push(`two events for one change to ${x.status}`)
      if (x.status !== cur) path.push(x.status)
      afterRevert = false
    }
    if (path[path.length - 1] !== c.status) problems.push(`no event for the change to ${c.status}`)
    const late = (paymentsByCheckout.get(c.id) ?? []).filter((p) => p.status === "late").length
    const lateEvents = evs.filter((x) => x.e.type === "checkout.late_payment").length
    if (late !== lateEvents) problems.push(`${late} late payments, ${lateEvents} late_payment events`)
    const reverted = evs.some((x) => x.e.type === REVERTED)
    if (
      problems.length > 0 &&
      !reverted &&
      (paymentsByCheckout.get(c.id) ?? []).some((p) => p.status === "reverted")
    )
      problems.push("a payment was reverted: the change back from processing sent no event")
    else if (problems.length > 0 && !reverted && kindOf.get(c.id) === "reorg")
      problems.push(
        "a reorg victim: the change back to pending (its transaction re-included since) sent no event",
      )
    if (problems.length > 0)
      bad3.push(
        `${label(c.id)} [${evs.map((x) => x.e.type.replace("checkout.", "")).join("→") || "no events"}]: ${[...new Set(problems)].join("; ")}`,
      )
  }
  const v3 = verdict("every status change has exactly one event id", `${s.events.length} events`, bad3)

  // 4. every event delivered at least once with a valid signature
  const bad4: Array<string> = []
  const delivered = new Set(s.deliveries.filter((d) => d.ok && d.answer === 200).map((d) => d.id))
  for (const e of s.events)
    if (!delivered.has(e.id))
      bad4.push(
        `${label(e.checkout_id)} ${e.type} ${e.id}: never delivered (outbox ${e.status}, ${e.attempts} attempts)`,
      )
  for (const d of s.deliveries) {
    if (!d.ok) bad4.push(`request for ${d.header ?? "?"} at ${d.at}: signature/body rejected (${d.reason})`)
    else if (d.header !== d.id) bad4.push(`event ${d.id}: Inzi-Event-Id header ${d.header}`)
  }
  const v4 = verdict(
    "every event delivered at least once with a valid signature",
    `${s.events.length} events, ${s.deliveries.length} requests`,
    bad4,
  )

  // 5. no checkout stuck in a state its payments do not explain
  const bad5: Array<string> = []
  for (const c of s.checkouts) {
    const implied = impliedStatus(c, paymentsByCheckout.get(c.id) ?? [], s.now)
    if (c.status !== implied) bad5.push(`${label(c.id)}: ${c.status}, its payments imply ${implied}`)
    else if (c.status === "processing" || c.status === "pending")
      bad5.push(`${label(c.id)}: still ${c.status} at the end`)
  }
  const v5 = verdict(
    "no checkout stuck in a state its payments do not explain",
    `${s.checkouts.length} checkouts`,
    bad5,
  )

  // 6. nothing left in the outbox
  const left = s.events.filter((e) => e.status !== "delivered")
  const v6 = verdict(
    "nothing left in the outbox",
    `${s.events.length} events`,
    left.map(
      (e) =>
        `${label(e.checkout_id)} ${e.type} ${e.id}: ${e.status} after ${e.attempts} attempts${e.last_error ? ` (${e.last_error.slice(0, 80)})` : ""}`,
    ),
  )
  return [v1, v2, v3, v4, v5, v6]
}

/** A process's log file as the run kept it (stdout and stderr together). */
export interface LogFile {
  readonly name: string
  readonly text: string
}

const LEVELS = new Set(["debug", "info", "warn", "error"])

/** Why a log line is not one JSON object with `time`, `level` and `msg` (null: it is). */
const notJsonLine = (line: string): string | null => {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    return "not JSON"
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return "not a JSON object"
  const o = v as Record<string, unknown>
  if (typeof o.time !== "string" || typeof o.msg !== "string" || !LEVELS.has(String(o.level)))
    return "no time, level or msg"
  return null
}

/**
 * 7. every log line of every server and worker is one JSON object (issue #23, "Every log line is one JSON
 * object"): stdout and stderr of each process, kills, terminated backends and RPC faults included.
 */
export const checkLogLines = (files: ReadonlyArray<LogFile>): Verdict => {
  const bad: Array<string> = []
  let lines = 0
  for (const f of files) {
    const all = f.text.split("\n")
    // The text after the last newline: empty, or a line the process never finished.
    const tail = all.pop() ?? ""
    all.forEach((line, i) => {
      lines++
      const why = notJsonLine(line)
      if (why !== null) bad.push(`${f.name}:${i + 1}: ${why}: ${JSON.stringify(line.slice(0, 160))}`)
    })
    if (tail !== "") {
      lines++
      bad.push(`${f.name}:${all.length + 1}: unfinished last line: ${JSON.stringify(tail.slice(0, 160))}`)
    }
  }
  return verdict("every log line is one JSON object", `${lines} lines in ${files.length} process logs`, bad)
}
