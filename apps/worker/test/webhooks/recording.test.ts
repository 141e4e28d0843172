/**
 * How the dispatcher records finished attempts: in batches (one `Outbox.recordAttempts` call per batch),
 * each attempt exactly once, never an event marked delivered without its record, and a batch that could not
 * be written (database down, or the worker killed between send and record) leaves its events claimed, due
 * again once the lease ends.
 */
import { createHmac } from "node:crypto"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { signWebhook } from "@inzi/core"
import { Effect, Fiber, Layer, TestClock } from "effect"
import { NodeWebhookTransport } from "../../src/webhooks/NodeWebhookTransport.js"
import {
  dispatcherLoop,
  runDispatcherOnce,
  type WebhookDispatcherOptions,
} from "../../src/webhooks/WebhookDispatcher.js"
import { type InMemoryOutbox, makeInMemoryOutbox } from "./InMemoryOutbox.js"
import { type Receiver, startReceiver } from "./receiver.js"

const T0 = Date.parse("2026-11-24T08:00:00Z")

const receivers: Receiver[] = []
const receiver = (respond?: Receiver["respond"]) =>
  Effect.promise(async () => {
    const r = await startReceiver(respond)
    receivers.push(r)
    return r
  })
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()))
})

const base: WebhookDispatcherOptions = { worker: "w1", privateAddresses: "allow" }

const setup = (recordDelayMs?: number) => {
  const outbox = makeInMemoryOutbox(recordDelayMs === undefined ? {} : { recordDelayMs })
  return { outbox, layer: Layer.merge(outbox.layer, NodeWebhookTransport.layer()) }
}

/** Real-time wait (the test clock does not move by itself) until `pred` holds. */
const until = (pred: () => boolean, what: string) =>
  Effect.promise(async () => {
    const end = Date.now() + 30_000
    while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
    if (!pred()) throw new Error(`timed out waiting for ${what}`)
  })

const statuses = (outbox: InMemoryOutbox) => [...outbox.events.values()].map((e) => e.status)

describe("recording finished attempts", () => {
  it.effect("attempts that finish while a write is running are written together, each once", () => {
    const { outbox, layer } = setup(25)
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rxs = [yield* receiver(), yield* receiver(), yield* receiver(() => 500)]
      for (let i = 0; i < 60; i++)
        outbox.add({ url: `${rxs[i % 3]!.origin}/e${i}`, createdAt: new Date(T0 - 100 + i) })
      const summary = yield* runDispatcherOnce({
        ...base,
        batchSize: 60,
        maxInFlight: 16,
        maxPerOrigin: 6,
        maxQueuedPerOrigin: 60,
        recordBatchSize: 8,
      })
      expect(summary).toMatchObject({ claimed: 60, delivered: 40, retrying: 20, storeErrors: 0 })
      // Batched: far fewer writes than attempts, none larger than recordBatchSize, every attempt in one.
      const sizes = outbox.stats.batchSizes
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(60)
      expect(outbox.stats.recordCalls).toBe(sizes.length) // no one-by-one recordAttempt
      expect(sizes.length).toBeLessThan(30)
      expect(Math.max(...sizes)).toBeLessThanOrEqual(8)
      for (const e of outbox.events.values()) {
        expect(outbox.attempts.get(e.eventId)).toHaveLength(1)
        expect(e.attempts).toBe(1)
        expect(e.status).toBe(e.url!.startsWith(rxs[2]!.origin) ? "pending" : "delivered")
      }
    }).pipe(Effect.provide(layer))
  })

  it.effect(
    "a write that fails (or a worker killed between send and record) leaves the events claimed, sent again after the lease",
    () => {
      const { outbox, layer } = setup()
      return Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const rx = yield* receiver()
        for (let i = 0; i < 5; i++)
          outbox.add({ url: `${rx.origin}/e${i}`, createdAt: new Date(T0 - 10 + i) })
        outbox.failures.record = 1_000
        const options = { ...base, leaseMs: 60_000 }
        expect(yield* runDispatcherOnce(options)).toMatchObject({ claimed: 5, delivered: 0, storeErrors: 5 })
        expect(rx.requests).toHaveLength(5)
        // Received, but not recorded: never marked delivered, no attempt counted, still claimed.
        expect(statuses(outbox)).toEqual(Array(5).fill("delivering"))
        for (const e of outbox.events.values()) expect(outbox.attempts.get(e.eventId)).toEqual([])
        // Not due while the lease runs; due after it, and delivered (again: at least once) and recorded once.
        outbox.failures.record = 0
        yield* TestClock.adjust(59_999)
        expect(yield* runDispatcherOnce(options)).toMatchObject({ claimed: 0 })
        yield* TestClock.adjust(1)
        expect(yield* runDispatcherOnce(options)).toMatchObject({ claimed: 5, delivered: 5 })
        expect(rx.requests).toHaveLength(10)
        expect(statuses(outbox)).toEqual(Array(5).fill("delivered"))
        for (const e of outbox.events.values()) {
          expect(outbox.attempts.get(e.eventId)).toHaveLength(1)
          expect(e.attempts).toBe(1)
        }
      }).pipe(Effect.provide(layer))
    },
  )

  it.effect("stopping the loop lets the finished attempts be written before it ends", () => {
    const { outbox, layer } = setup(50)
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rx = yield* receiver()
      for (let i = 0; i < 12; i++) outbox.add({ url: `${rx.origin}/e${i}`, createdAt: new Date(T0 - 20 + i) })
      const loop = yield* Effect.fork(dispatcherLoop({ ...base, maxPerOrigin: 12 }))
      yield* Effect.promise(() => rx.waitFor(12))
      // Sent, but (with 50 ms per write) not all written yet when the stop comes.
      expect(statuses(outbox).filter((s) => s === "delivered").length).toBeLessThan(12)
      yield* Fiber.interrupt(loop)
      expect(statuses(outbox)).toEqual(Array(12).fill("delivered"))
      for (const e of outbox.events.values()) expect(outbox.attempts.get(e.eventId)).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the loop never holds more than maxHeld claims, finished-but-unwritten ones included", () => {
    const { outbox, layer } = setup(30)
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rx = yield* receiver()
      for (let i = 0; i < 40; i++) outbox.add({ url: `${rx.origin}/e${i}`, createdAt: new Date(T0 - 50 + i) })
      const loop = yield* Effect.fork(
        dispatcherLoop({ ...base, batchSize: 5, maxHeld: 10, maxInFlight: 8, maxPerOrigin: 8 }),
      )
      yield* until(() => statuses(outbox).every((s) => s === "delivered"), "every event delivered")
      yield* Fiber.interrupt(loop)
      expect(outbox.stats.maxDelivering).toBeLessThanOrEqual(10)
      expect(rx.requests).toHaveLength(40)
      for (const e of outbox.events.values()) expect(outbox.attempts.get(e.eventId)).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("the Inzi-Signature header the dispatcher sends (core's signWebhook)", () => {
  it('is t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> as node:crypto computes it', () => {
    const cases: Array<[string, number, string]> = [
      ["whsec_test_0123456789abcdef", 1_764_000_000, '{"id":"evt_1","type":"checkout.completed"}'],
      ["whsec_ünïcødé_🔑", 1, '{"description":"café ☕ 𝄞","amount":"25.00"}'],
      ["whsec_x", 1_764_000_000.9, ""],
      ["s", 2_000_000_000, "x".repeat(70_000)],
    ]
    for (const [secret, t, body] of cases)
      expect(signWebhook({ payload: body, secret, timestamp: t })).toBe(
        `t=${Math.floor(t)},v1=${createHmac("sha256", secret)
          .update(`${Math.floor(t)}.${body}`)
          .digest("hex")}`,
      )
  })
})

describe("InMemoryOutbox.recordAttempts (the test double follows the port)", () => {
  it.effect(
    "a batch is judged attempt by attempt: the one whose lease was lost is written but moves nothing",
    () =>
      Effect.gen(function* () {
        const ob = makeInMemoryOutbox()
        const [a, b] = [1, 2].map((i) => ob.add({ url: "http://example.test/", createdAt: new Date(T0 + i) }))
        yield* ob.service.claimDue({ worker: "w", now: new Date(T0 + 10), limit: 1, leaseMs: 1000 })
        yield* ob.service.claimDue({ worker: "w", now: new Date(T0 + 10), limit: 1, leaseMs: 60_000 })
        yield* ob.service.claimDue({ worker: "x", now: new Date(T0 + 2000), limit: 1, leaseMs: 60_000 }) // takes a
        const fail = (eventId: string) => ({
          attempt: {
            eventId,
            at: new Date(T0 + 2100),
            statusCode: 500,
            latencyMs: 1,
            error: "HTTP 500",
            ok: false,
          },
          nextAttemptAt: new Date(T0 + 70_000),
        })
        expect(
          yield* ob.service.recordAttempts({ worker: "w", attempts: [fail(a!.eventId), fail(b!.eventId)] }),
        ).toBe(1)
        expect(ob.events.get(a!.eventId)).toMatchObject({ status: "delivering", lockedBy: "x", attempts: 0 })
        expect(ob.events.get(b!.eventId)).toMatchObject({ status: "pending", attempts: 1 })
        expect(ob.attempts.get(a!.eventId)).toHaveLength(1)
      }),
  )
})
