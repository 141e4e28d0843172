/**
 * An in-memory `Outbox` for the dispatcher tests, honouring the port's claim semantics: a claim takes due
 * events (pending and `nextAttemptAt <= now`, or delivering with an expired lease) oldest-due first, and
 * holds them for `leaseMs`; a failed attempt or a release only changes the event while the caller still holds
 * it, a success always counts.
 * (The Postgres adapter implements the same port with `FOR UPDATE SKIP LOCKED`.)
 */
import {
  type ClaimedDelivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type Mode,
  Outbox,
  type OutboxEventRecord,
  type RecordedAttempt,
  StoreError,
  type WebhookEventType,
} from "@inzi/core"
import { Effect, Layer } from "effect"

export interface StoredEvent {
  eventId: string
  type: WebhookEventType
  checkoutId: string
  merchantId: string
  mode: Mode
  url: string | null
  secret: string
  body: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: Date | null
  lastError: string | null
  createdAt: Date
  lockedBy: string | null
  leaseUntil: Date | null
}

export interface NewEvent {
  readonly url: string
  readonly mode?: Mode
  readonly secret?: string
  readonly type?: WebhookEventType
  readonly createdAt: Date
}

export const TEST_SECRET = "whsec_test_0123456789abcdef"

export interface InMemoryOutboxOptions {
  /** Real time each `recordAttempts` call takes (like a database round trip), so finished attempts pile up. */
  readonly recordDelayMs?: number
}

export const makeInMemoryOutbox = (options: InMemoryOutboxOptions = {}) => {
  const events = new Map<string, StoredEvent>()
  const attempts = new Map<string, DeliveryAttempt[]>()
  let seq = 0
  const stats = {
    claimCalls: 0,
    recordCalls: 0,
    renewCalls: 0,
    /** Sizes of the `recordAttempts` calls, in order. */
    batchSizes: [] as number[],
    /** Most events claimed and not yet recorded or released at once (after a claim). */
    maxDelivering: 0,
  }
  /**
   * Set `record` (or `renew`) to n to make the next n record (renew) calls fail: a database outage, or a crash
   * before the write.
   */
  const failures = { record: 0, renew: 0 }

  const add = (e: NewEvent): StoredEvent => {
    seq++
    const eventId = `evt_${String(seq).padStart(6, "0")}`
    const type = e.type ?? "checkout.completed"
    const body = JSON.stringify({
      id: eventId,
      type,
      created_at: e.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      livemode: (e.mode ?? "live") === "live",
      data: { object: { id: `chk_${seq}`, metadata: { "2": "order", b: 1 } } },
    })
    const ev: StoredEvent = {
      eventId,
      type,
      checkoutId: `chk_${seq}`,
      merchantId: "mer_1",
      mode: e.mode ?? "live",
      url: e.url,
      secret: e.secret ?? TEST_SECRET,
      body,
      status: "pending",
      attempts: 0,
      nextAttemptAt: e.createdAt,
      lastError: null,
      createdAt: e.createdAt,
      lockedBy: null,
      leaseUntil: null,
    }
    events.set(eventId, ev)
    attempts.set(eventId, [])
    return ev
  }

  const isDue = (e: StoredEvent, now: Date) =>
    e.url !== null &&
    ((e.status === "pending" && e.nextAttemptAt !== null && e.nextAttemptAt.getTime() <= now.getTime()) ||
      (e.status === "delivering" && e.leaseUntil !== null && e.leaseUntil.getTime() <= now.getTime()))

  /** Records one attempt; true when the event moved. */
  const applyAttempt = (worker: string, { attempt, nextAttemptAt }: RecordedAttempt): boolean => {
    const e = events.get(attempt.eventId)
    if (e === undefined) return false
    attempts.get(e.eventId)!.push(attempt)
    // As in the Postgres adapter: a success always counts; a failure only from the lease holder.
    if (e.status !== "delivering" || (!attempt.ok && e.lockedBy !== worker)) return false
    e.attempts++
    e.lastError = attempt.error
    e.lockedBy = null
    e.leaseUntil = null
    if (attempt.ok) {
      e.status = "delivered"
      e.nextAttemptAt = null
    } else if (nextAttemptAt === null) {
      e.status = "failed"
      e.nextAttemptAt = null
    } else {
      e.status = "pending"
      e.nextAttemptAt = nextAttemptAt
    }
    return true
  }

  const record = (e: StoredEvent): OutboxEventRecord => ({
    eventId: e.eventId,
    type: e.type,
    checkoutId: e.checkoutId,
    merchantId: e.merchantId,
    url: e.url,
    status: e.status,
    attempts: e.attempts,
    nextAttemptAt: e.nextAttemptAt,
    lastError: e.lastError,
    createdAt: e.createdAt,
  })

  const service = Outbox.of({
    claimDue: ({ worker, now, limit, leaseMs }) =>
      Effect.sync(() => {
        stats.claimCalls++
        const due = [...events.values()]
          .filter((e) => isDue(e, now))
          .sort(
            (a, b) =>
              a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime() ||
              a.createdAt.getTime() - b.createdAt.getTime() ||
              a.eventId.localeCompare(b.eventId),
          )
          .slice(0, limit)
        const claimed = due.map((e): ClaimedDelivery => {
          e.status = "delivering"
          e.lockedBy = worker
          e.leaseUntil = new Date(now.getTime() + leaseMs)
          return {
            eventId: e.eventId,
            type: e.type,
            checkoutId: e.checkoutId,
            merchantId: e.merchantId,
            mode: e.mode,
            url: e.url!,
            secret: e.secret,
            body: e.body,
            attempts: e.attempts,
            createdAt: e.createdAt,
          }
        })
        let delivering = 0
        for (const e of events.values()) if (e.status === "delivering") delivering++
        stats.maxDelivering = Math.max(stats.maxDelivering, delivering)
        return claimed
      }),
    recordAttempt: ({ attempt, worker, nextAttemptAt }) =>
      Effect.suspend(() => {
        stats.recordCalls++
        if (failures.record > 0) {
          failures.record--
          return Effect.fail(new StoreError({ message: "recordAttempt: injected failure" }))
        }
        applyAttempt(worker, { attempt, nextAttemptAt })
        return Effect.void
      }),
    recordAttempts: ({ worker, attempts: batch }) =>
      Effect.zipRight(
        options.recordDelayMs === undefined
          ? Effect.void
          : Effect.promise(() => new Promise((r) => setTimeout(r, options.recordDelayMs))),
        Effect.suspend(() => {
          stats.recordCalls++
          stats.batchSizes.push(batch.length)
          if (failures.record > 0) {
            failures.record--
            return Effect.fail(new StoreError({ message: "recordAttempts: injected failure" }))
          }
          let moved = 0
          for (const r of batch) if (applyAttempt(worker, r)) moved++
          return Effect.succeed(moved)
        }),
      ),
    renewClaims: ({ worker, eventIds, now, leaseMs }) =>
      Effect.suspend(() => {
        stats.renewCalls++
        if (failures.renew > 0) {
          failures.renew--
          return Effect.fail(new StoreError({ message: "renewClaims: injected failure" }))
        }
        const renewed: string[] = []
        for (const id of eventIds) {
          const e = events.get(id)
          if (
            e === undefined ||
            e.status !== "delivering" ||
            e.lockedBy !== worker ||
            e.leaseUntil === null ||
            e.leaseUntil.getTime() <= now.getTime()
          )
            continue
          e.leaseUntil = new Date(now.getTime() + leaseMs)
          renewed.push(id)
        }
        return Effect.succeed(renewed)
      }),
    release: (eventId, worker, notBefore) =>
      Effect.sync(() => {
        const e = events.get(eventId)
        if (e === undefined || e.status !== "delivering" || e.lockedBy !== worker) return
        e.status = "pending"
        e.lockedBy = null
        e.leaseUntil = null
        if (notBefore !== undefined) e.nextAttemptAt = notBefore
      }),
    listEvents: ({ status, checkoutId, limit }) =>
      Effect.sync(() =>
        [...events.values()]
          .filter(
            (e) =>
              (status === undefined || e.status === status) &&
              (checkoutId === undefined || e.checkoutId === checkoutId),
          )
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.eventId.localeCompare(a.eventId))
          .slice(0, limit)
          .map(record),
      ),
    listAttempts: (eventId) => Effect.sync(() => [...(attempts.get(eventId) ?? [])]),
    resend: (eventId, now) =>
      Effect.sync(() => {
        const e = events.get(eventId)
        if (e === undefined) return false
        if (e.status === "failed" || e.status === "delivered") {
          e.status = "pending"
          e.nextAttemptAt = now
        }
        return true
      }),
    stats: (now) =>
      Effect.sync(() => {
        const open = [...events.values()].filter((e) => e.status === "pending" || e.status === "delivering")
        const oldest = open.reduce((m, e) => Math.min(m, e.createdAt.getTime()), now.getTime())
        return {
          pending: open.length,
          failed: [...events.values()].filter((e) => e.status === "failed").length,
          oldestPendingAgeSeconds: Math.floor((now.getTime() - oldest) / 1000),
        }
      }),
  })

  return { service, layer: Layer.succeed(Outbox, service), add, events, attempts, stats, failures }
}

export type InMemoryOutbox = ReturnType<typeof makeInMemoryOutbox>
