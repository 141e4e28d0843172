import { afterEach, describe, expect, it } from "@effect/vitest"
import { nominalRetryDelayMs, Outbox, verifyWebhookSignature, WEBHOOK_MAX_ATTEMPTS } from "@inzi/core"
import { Clock, Effect, Fiber, Layer, TestClock } from "effect"
import { NodeWebhookTransport, type ResolveHost } from "../../src/webhooks/NodeWebhookTransport.js"
import {
  dispatcherConfig,
  runDispatcherOnce,
  dispatcherLoop,
  USER_AGENT,
  type WebhookDispatcherOptions,
} from "../../src/webhooks/WebhookDispatcher.js"
import { makeInMemoryOutbox, TEST_SECRET } from "./InMemoryOutbox.js"
import { type Receiver, startReceiver } from "./receiver.js"

const T0 = Date.parse("2026-11-24T08:00:00Z")
const DAY = 24 * 3600_000

const receivers: Receiver[] = []
const receiver = (respond?: Receiver["respond"], options?: Parameters<typeof startReceiver>[1]) =>
  Effect.promise(async () => {
    const r = await startReceiver(respond, options)
    receivers.push(r)
    return r
  })
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()))
})

const setup = (resolve?: ResolveHost) => {
  const outbox = makeInMemoryOutbox()
  const layer = Layer.merge(
    outbox.layer,
    NodeWebhookTransport.layer(resolve === undefined ? {} : { resolve }),
  )
  return { outbox, layer }
}

const base: WebhookDispatcherOptions = { worker: "w1", privateAddresses: "allow" }

const nowDate = Clock.currentTimeMillis.pipe(Effect.map((ms) => new Date(ms)))

/** Runs one dispatcher cycle each time an event is due, moving the test clock to it, until none is pending. */
const runUntilSettled = (
  outbox: ReturnType<typeof makeInMemoryOutbox>,
  eventId: string,
  options: WebhookDispatcherOptions,
  maxCycles = 50,
) =>
  Effect.gen(function* () {
    for (let i = 0; i < maxCycles; i++) {
      const e = outbox.events.get(eventId)!
      if (e.status !== "pending") return
      const now = yield* Clock.currentTimeMillis
      if (e.nextAttemptAt!.getTime() > now) yield* TestClock.setTime(e.nextAttemptAt!.getTime())
      yield* runDispatcherOnce(options)
    }
    throw new Error("did not settle")
  })

describe("WebhookDispatcher", () => {
  it.effect("delivers signed events with the documented headers and records each attempt", () => {
    const { outbox, layer } = setup()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rx = yield* receiver()
      const evs = [1, 2, 3].map((i) =>
        outbox.add({ url: `${rx.origin}/hooks/${i}`, createdAt: new Date(T0 - i) }),
      )
      const summary = yield* runDispatcherOnce(base)
      expect(summary).toMatchObject({ claimed: 3, delivered: 3, retrying: 0, failed: 0, deferred: 0 })
      expect(rx.requests).toHaveLength(3)
      for (const ev of evs) {
        const got = rx.requests.find((r) => r.headers["inzi-event-id"] === ev.eventId)!
        expect(got.path).toBe(new URL(ev.url!).pathname)
        expect(got.body).toBe(ev.body) // the stored bytes, not a re-serialization
        expect(got.headers["content-type"]).toBe("application/json")
        expect(got.headers["user-agent"]).toBe(USER_AGENT)
        const header = got.headers["inzi-signature"] as string
        expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
        expect(
          verifyWebhookSignature({ payload: got.body, header, secret: TEST_SECRET, now: T0 / 1000 }),
        ).toEqual({
          ok: true,
          timestamp: T0 / 1000,
        })
        expect(
          verifyWebhookSignature({ payload: got.body, header, secret: "whsec_other", now: T0 / 1000 }).ok,
        ).toBe(false)
        expect(outbox.events.get(ev.eventId)!.status).toBe("delivered")
        const attempts = outbox.attempts.get(ev.eventId)!
        expect(attempts).toHaveLength(1)
        expect(attempts[0]).toMatchObject({ statusCode: 200, ok: true, error: null, at: new Date(T0) })
        expect(attempts[0]!.latencyMs).toBeGreaterThanOrEqual(0)
      }
      // Nothing left: a second cycle claims nothing and sends nothing.
      expect(yield* runDispatcherOnce(base)).toMatchObject({ claimed: 0 })
      expect(rx.requests).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("retries while the receiver is down and delivers once it is back", () => {
    const { outbox, layer } = setup()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const first = yield* receiver()
      const port = first.port
      yield* Effect.promise(() => first.close()) // the receiver is down; its port refuses connections
      const ev = outbox.add({ url: `http://127.0.0.1:${port}/hook`, createdAt: new Date(T0) })

      expect(yield* runDispatcherOnce(base)).toMatchObject({ claimed: 1, retrying: 1 })
      let stored = outbox.events.get(ev.eventId)!
      expect(stored.status).toBe("pending")
      expect(stored.attempts).toBe(1)
      expect(stored.lastError).toContain("ECONNREFUSED")
      const delay1 = stored.nextAttemptAt!.getTime() - T0
      expect(delay1).toBeGreaterThanOrEqual(0.8 * nominalRetryDelayMs(1))
      expect(delay1).toBeLessThanOrEqual(1.2 * nominalRetryDelayMs(1))

      // Not due yet: nothing is claimed.
      yield* TestClock.adjust(delay1 - 1)
      expect(yield* runDispatcherOnce(base)).toMatchObject({ claimed: 0 })

      yield* TestClock.setTime(stored.nextAttemptAt!.getTime())
      expect(yield* runDispatcherOnce(base)).toMatchObject({ retrying: 1 })
      stored = outbox.events.get(ev.eventId)!
      expect(stored.attempts).toBe(2)

      // The receiver comes back on the same port.
      const back = yield* receiver(() => 200, { port })
      yield* TestClock.setTime(stored.nextAttemptAt!.getTime())
      const sentAt = yield* Clock.currentTimeMillis
      expect(yield* runDispatcherOnce(base)).toMatchObject({ delivered: 1 })
      expect(outbox.events.get(ev.eventId)!.status).toBe("delivered")
      const attempts = outbox.attempts.get(ev.eventId)!
      expect(attempts.map((a) => [a.statusCode, a.ok])).toEqual([
        [null, false],
        [null, false],
        [200, true],
      ])
      expect(attempts[0]!.error).toContain("ECONNREFUSED")
      // Signed at send time: the receiver's clock (the test clock) accepts it, the first attempt's time is old.
      const header = back.requests[0]!.headers["inzi-signature"] as string
      expect(header.startsWith(`t=${Math.floor(sentAt / 1000)},`)).toBe(true)
      expect(
        verifyWebhookSignature({
          payload: back.requests[0]!.body,
          header,
          secret: TEST_SECRET,
          now: sentAt / 1000,
        }).ok,
      ).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a receiver that always answers 500 gets the whole schedule, then the event is failed", () => {
    const { outbox, layer } = setup()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rx = yield* receiver(() => 500)
      const ev = outbox.add({ url: `${rx.origin}/hook`, createdAt: new Date(T0) })
      yield* runUntilSettled(outbox, ev.eventId, base)

      const stored = outbox.events.get(ev.eventId)!
      expect(stored.status).toBe("failed")
      expect(stored.nextAttemptAt).toBeNull()
      expect(stored.attempts).toBe(WEBHOOK_MAX_ATTEMPTS)
      expect(stored.lastError).toBe("HTTP 500")
      expect(rx.requests).toHaveLength(WEBHOOK_MAX_ATTEMPTS)
      const attempts = outbox.attempts.get(ev.eventId)!
      expect(attempts).toHaveLength(WEBHOOK_MAX_ATTEMPTS)
      expect(attempts.every((a) => a.statusCode === 500 && !a.ok)).toBe(true)
      // Exponential backoff with jitter within the published bounds, spanning at least 3 days.
      for (let i = 1; i < attempts.length; i++) {
        const gap = attempts[i]!.at.getTime() - attempts[i - 1]!.at.getTime()
        expect(gap).toBeGreaterThanOrEqual(Math.floor(0.8 * nominalRetryDelayMs(i)))
        expect(gap).toBeLessThanOrEqual(Math.ceil(1.2 * nominalRetryDelayMs(i)))
      }
      const span = attempts.at(-1)!.at.getTime() - attempts[0]!.at.getTime()
      expect(span).toBeGreaterThanOrEqual(3 * DAY)
      // Each request was signed with its own send time.
      const ts = rx.requests.map((r) => (r.headers["inzi-signature"] as string).split(",")[0])
      expect(new Set(ts).size).toBe(WEBHOOK_MAX_ATTEMPTS)
      // Listed for the operator, and a re-send makes it due again.
      const failed = yield* Effect.flatMap(Outbox, (o) => o.listEvents({ status: "failed", limit: 10 }))
      expect(failed.map((e) => e.eventId)).toEqual([ev.eventId])
      rx.respond = () => 204
      expect(
        yield* Effect.flatMap(Outbox, (o) => Effect.flatMap(nowDate, (n) => o.resend(ev.eventId, n))),
      ).toBe(true)
      expect(yield* runDispatcherOnce(base)).toMatchObject({ delivered: 1 })
      expect(outbox.events.get(ev.eventId)!.status).toBe("delivered")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a receiver that never answers times out after timeoutMs and is retried later", () => {
    const { outbox, layer } = setup()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rx = yield* receiver(() => "hang")
      const ev = outbox.add({ url: `${rx.origin}/slow`, createdAt: new Date(T0) })
      const t0 = Date.now()
      expect(yield* runDispatcherOnce({ ...base, timeoutMs: 250 })).toMatchObject({ retrying: 1 })
      expect(Date.now() - t0).toBeLessThan(3_000)
      const [a] = outbox.attempts.get(ev.eventId)!
      expect(a).toMatchObject({ statusCode: null, ok: false, error: "timed out after 250 ms" })
      expect(a!.latencyMs).toBeGreaterThanOrEqual(240)
      expect(rx.requests).toHaveLength(1)
      expect(outbox.events.get(ev.eventId)!.status).toBe("pending")
    }).pipe(Effect.provide(layer))
  })

  describe("SSRF policy", () => {
    it.effect(
      "loopback/private/metadata destinations are refused in both modes; test-mode loopback only when allowed",
      () => {
        const rebind: ResolveHost = async (hostname) => {
          if (hostname === "rebind.test") return [{ address: "127.0.0.1", family: 4 }]
          if (hostname === "metadata.test") return [{ address: "169.254.169.254", family: 4 }]
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })
        }
        const { outbox, layer } = setup(rebind)
        return Effect.gen(function* () {
          yield* TestClock.setTime(T0)
          const rx = yield* receiver()
          const rx6 = yield* receiver(() => 200, { host: "::1" })
          const refusedUrls = [
            `${rx.origin}/a`,
            `http://rebind.test:${rx.port}/b`,
            `http://[::1]:${rx6.port}/c`,
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/d",
          ]
          const live = refusedUrls.map((url) => outbox.add({ url, mode: "live", createdAt: new Date(T0) }))
          expect(yield* runDispatcherOnce({ worker: "w1" })).toMatchObject({ claimed: 5, retrying: 5 })
          for (const ev of live) {
            const [a] = outbox.attempts.get(ev.eventId)!
            expect(a!.error, ev.url!).toMatch(/^refused: /)
            expect(a!.statusCode).toBeNull()
          }
          expect(outbox.attempts.get(live[1]!.eventId)![0]!.error).toBe(
            "refused: rebind.test resolves to 127.0.0.1 (loopback)",
          )
          expect(rx.requests.length + rx6.requests.length).toBe(0)

          // Test mode is no way around it: the default policy refuses the same destinations for test events…
          const testRefused = refusedUrls.map((url) =>
            outbox.add({ url, mode: "test", createdAt: new Date(T0) }),
          )
          expect(yield* runDispatcherOnce({ worker: "w1" })).toMatchObject({ claimed: 5, retrying: 5 })
          for (const ev of testRefused)
            expect(outbox.attempts.get(ev.eventId)![0]!.error, ev.url!).toMatch(/^refused: /)
          expect(outbox.attempts.get(testRefused[3]!.eventId)![0]!.error).toBe(
            "refused: 169.254.169.254 (link-local / cloud metadata)",
          )
          expect(rx.requests.length + rx6.requests.length).toBe(0)
          // …"allow-test-loopback" (what `inzi dev` sets) lets test events reach loopback, IPv4 and IPv6, by
          // literal or by name — but still not private or metadata addresses, and never a live event.
          const loopOk = {
            t4: outbox.add({ url: `http://rebind.test:${rx.port}/t`, mode: "test", createdAt: new Date(T0) }),
            t6: outbox.add({ url: `http://[::1]:${rx6.port}/t6`, mode: "test", createdAt: new Date(T0) }),
            meta: outbox.add({ url: "http://169.254.169.254/x", mode: "test", createdAt: new Date(T0) }),
            priv: outbox.add({ url: "http://10.1.2.3/y", mode: "test", createdAt: new Date(T0) }),
            live: outbox.add({ url: `${rx.origin}/live`, mode: "live", createdAt: new Date(T0) }),
          }
          expect(
            yield* runDispatcherOnce({ worker: "w1", privateAddresses: "allow-test-loopback" }),
          ).toMatchObject({ claimed: 5, delivered: 2, retrying: 3 })
          expect(outbox.events.get(loopOk.t4.eventId)!.status).toBe("delivered")
          expect(outbox.events.get(loopOk.t6.eventId)!.status).toBe("delivered")
          for (const ev of [loopOk.meta, loopOk.priv, loopOk.live])
            expect(outbox.attempts.get(ev.eventId)![0]!.error, ev.url!).toMatch(/^refused: /)
          expect(rx.requests.map((r) => r.path)).toEqual(["/t"])
          expect(rx6.requests.map((r) => r.path)).toEqual(["/t6"])
          // …and the operator setting lets live-mode loopback through (development).
          const allowed = [
            `${rx.origin}/a`,
            `http://rebind.test:${rx.port}/b`,
            `http://[::1]:${rx6.port}/c`,
          ].map((url) => outbox.add({ url, mode: "live", createdAt: new Date(T0) }))
          expect(yield* runDispatcherOnce({ worker: "w1", privateAddresses: "allow" })).toMatchObject({
            delivered: 3,
          })
          for (const ev of allowed) expect(outbox.events.get(ev.eventId)!.status).toBe("delivered")
          expect(rx.requests.map((r) => r.path).sort()).toEqual(["/a", "/b", "/t"])
          expect(rx6.requests.map((r) => r.path).sort()).toEqual(["/c", "/t6"])
          // …but never link-local / cloud metadata, by literal or by a name resolving there, in either mode.
          const metadata = [
            outbox.add({ url: "http://169.254.169.254/latest/", mode: "live", createdAt: new Date(T0) }),
            outbox.add({ url: "http://[fe80::1]/x", mode: "test", createdAt: new Date(T0) }),
            outbox.add({ url: "http://[fd00:ec2::254]/x", mode: "live", createdAt: new Date(T0) }),
            outbox.add({ url: "http://metadata.test/y", mode: "test", createdAt: new Date(T0) }),
          ]
          expect(yield* runDispatcherOnce({ worker: "w1", privateAddresses: "allow" })).toMatchObject({
            claimed: 4,
            retrying: 4,
          })
          expect(metadata.map((ev) => outbox.attempts.get(ev.eventId)![0]!.error)).toEqual([
            "refused: 169.254.169.254 (link-local / cloud metadata)",
            "refused: fe80::1 (link-local)",
            "refused: fd00:ec2::254 (cloud metadata)",
            "refused: metadata.test resolves to 169.254.169.254 (link-local / cloud metadata)",
          ])
        }).pipe(Effect.provide(layer))
      },
    )
  })

  describe("per-destination limits", () => {
    it.effect("a slow receiver does not block deliveries to a fast one", () => {
      const { outbox, layer } = setup()
      return Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const slow = yield* receiver(() => "hang")
        const fast = yield* receiver(() => 200)
        // The slow destination's events are older, so they are claimed (and queued) first.
        const slowEvs = Array.from({ length: 8 }, (_, i) =>
          outbox.add({ url: `${slow.origin}/s${i}`, createdAt: new Date(T0 - 1000 + i) }),
        )
        const fastEvs = Array.from({ length: 12 }, (_, i) =>
          outbox.add({ url: `${fast.origin}/f${i}`, createdAt: new Date(T0 - 500 + i) }),
        )
        const options = {
          ...base,
          maxInFlight: 4,
          maxPerOrigin: 2,
          maxQueuedPerOrigin: 20,
          maxHeld: 32,
          timeoutMs: 20_000,
        }
        const fiber = yield* Effect.fork(runDispatcherOnce(options))
        // Every fast delivery completes while the slow receiver still holds its requests.
        yield* Effect.promise(() => fast.waitFor(12))
        yield* Effect.promise(() =>
          (async () => {
            for (
              let i = 0;
              i < 200 && fastEvs.some((e) => outbox.events.get(e.eventId)!.status !== "delivered");
              i++
            )
              await new Promise((r) => setTimeout(r, 10))
          })(),
        )
        for (const e of fastEvs) expect(outbox.events.get(e.eventId)!.status).toBe("delivered")
        expect(slow.requests.length).toBe(2)
        expect(slow.maxInFlight).toBe(2)
        expect(fast.maxInFlight).toBeLessThanOrEqual(2)
        for (const e of slowEvs) expect(outbox.events.get(e.eventId)!.status).toBe("delivering")
        // Once the slow receiver answers, its queue drains, still two at a time.
        slow.releaseHanging(200)
        const summary = yield* Fiber.join(fiber)
        expect(summary).toMatchObject({ claimed: 20, delivered: 20, deferred: 0 })
        expect(slow.maxInFlight).toBe(2)
        for (const e of slowEvs) expect(outbox.events.get(e.eventId)!.status).toBe("delivered")
      }).pipe(Effect.provide(layer))
    })

    it.effect("a queued delivery whose lease could not be renewed is left to its lease, not sent", () => {
      const { outbox, layer } = setup()
      return Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        // The database refuses every renewal: the claims keep their first lease only.
        outbox.failures.renew = 1_000
        const slow = yield* receiver(() => "hang")
        const evs = Array.from({ length: 4 }, (_, i) =>
          outbox.add({ url: `${slow.origin}/s${i}`, createdAt: new Date(T0 - 10 + i) }),
        )
        // lease 60 s, timeout 20 s, margin 5 s: a claim older than 35 s may no longer start a send.
        const options = { ...base, maxPerOrigin: 1, timeoutMs: 20_000, leaseMs: 60_000 }
        const fiber = yield* Effect.fork(runDispatcherOnce(options))
        yield* Effect.promise(() => slow.waitFor(1))
        yield* TestClock.adjust(36_000)
        slow.releaseHanging(200)
        expect(yield* Fiber.join(fiber)).toMatchObject({ claimed: 4, delivered: 1, deferred: 3 })
        expect(slow.requests).toHaveLength(1)
        expect(evs.map((e) => outbox.events.get(e.eventId)!.status)).toEqual([
          "delivered",
          "delivering",
          "delivering",
          "delivering",
        ])
        // Due again once the lease is over.
        yield* TestClock.adjust(24_000)
        expect(yield* runDispatcherOnce({ ...options, maxPerOrigin: 4 })).toMatchObject({
          claimed: 3,
          delivered: 3,
        })
      }).pipe(Effect.provide(layer))
    })

    it.effect("a queued delivery renews its lease while it waits: no other worker can take it", () => {
      const { outbox, layer } = setup()
      return Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const slow = yield* receiver(() => "hang")
        const evs = Array.from({ length: 3 }, (_, i) =>
          outbox.add({ url: `${slow.origin}/s${i}`, createdAt: new Date(T0 - 10 + i) }),
        )
        // Default lease (timeout 20 s + 5 s + 3 × 2 s = 31 s): the queued ones wait far longer than that.
        const options = { ...base, maxPerOrigin: 1, timeoutMs: 20_000 }
        const fiber = yield* Effect.fork(runDispatcherOnce(options))
        yield* Effect.promise(() => slow.waitFor(1))
        yield* TestClock.adjust(90_000)
        // Another worker finds nothing to take: every claim is still leased to w1.
        const stolen = yield* outbox.service.claimDue({
          worker: "w2",
          now: yield* nowDate,
          limit: 10,
          leaseMs: 1,
        })
        expect(stolen).toHaveLength(0)
        for (const e of evs)
          expect(outbox.events.get(e.eventId)!.leaseUntil!.getTime()).toBeGreaterThan(T0 + 90_000)
        expect(outbox.stats.renewCalls).toBeGreaterThanOrEqual(40)
        slow.releaseHanging(200)
        // Each of the others is sent in turn (one at a time to this origin), once.
        for (let i = 2; i <= 3; i++) {
          yield* Effect.promise(() => slow.waitFor(i))
          slow.releaseHanging(200)
        }
        expect(yield* Fiber.join(fiber)).toMatchObject({ claimed: 3, delivered: 3, deferred: 0 })
        expect(slow.requests.map((r) => r.headers["inzi-event-id"])).toEqual(evs.map((e) => e.eventId))
      }).pipe(Effect.provide(layer))
    })

    it.effect("a claim the store no longer renews (taken over meanwhile) is dropped unsent", () => {
      const { outbox, layer } = setup()
      return Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const slow = yield* receiver(() => "hang")
        const [first, second] = [0, 1].map((i) =>
          outbox.add({ url: `${slow.origin}/s${i}`, createdAt: new Date(T0 - 10 + i) }),
        )
        const options = { ...base, maxPerOrigin: 1, timeoutMs: 20_000 }
        const fiber = yield* Effect.fork(runDispatcherOnce(options))
        yield* Effect.promise(() => slow.waitFor(1))
        // As if w1 had stalled past its lease and w2 had claimed the queued event.
        const taken = outbox.events.get(second!.eventId)!
        taken.lockedBy = "w2"
        yield* TestClock.adjust(2_000)
        slow.releaseHanging(200)
        expect(yield* Fiber.join(fiber)).toMatchObject({ claimed: 2, delivered: 1, deferred: 1 })
        expect(slow.requests.map((r) => r.headers["inzi-event-id"])).toEqual([first!.eventId])
        expect(taken).toMatchObject({ status: "delivering", lockedBy: "w2", attempts: 0 })
      }).pipe(Effect.provide(layer))
    })

    it("the default lease is short: a dead worker's claims come back within seconds", () => {
      const c = dispatcherConfig({ worker: "w" })
      expect(c.leaseMs).toBeLessThanOrEqual(25_000)
      expect(c.leaseMs).toBeGreaterThan(c.timeoutMs + 5_000 + c.renewEveryMs)
      expect(() => dispatcherConfig({ worker: "w", leaseMs: 16_000 })).toThrow(/leaseMs/)
    })

    it.effect(
      "the loop reaches other destinations past a slow backlog, and stopping releases what it has not started",
      () => {
        const { outbox, layer } = setup()
        return Effect.gen(function* () {
          yield* TestClock.setTime(T0)
          const slow = yield* receiver(() => "hang")
          const fast = yield* receiver(() => 200)
          const slowEvs = Array.from({ length: 12 }, (_, i) =>
            outbox.add({ url: `${slow.origin}/s${i}`, createdAt: new Date(T0 - 1000 + i) }),
          )
          const fastEvs = Array.from({ length: 3 }, (_, i) =>
            outbox.add({ url: `${fast.origin}/f${i}`, createdAt: new Date(T0 - 500 + i) }),
          )
          const options: WebhookDispatcherOptions = {
            ...base,
            batchSize: 4,
            maxInFlight: 8,
            maxPerOrigin: 2,
            maxQueuedPerOrigin: 1,
            timeoutMs: 20_000,
            leaseMs: 60_000,
          }
          const loop = yield* Effect.fork(dispatcherLoop(options))
          yield* Effect.promise(() => fast.waitFor(3))
          yield* Effect.promise(() =>
            (async () => {
              for (
                let i = 0;
                i < 200 && fastEvs.some((e) => outbox.events.get(e.eventId)!.status !== "delivered");
                i++
              )
                await new Promise((r) => setTimeout(r, 10))
            })(),
          )
          for (const e of fastEvs) expect(outbox.events.get(e.eventId)!.status).toBe("delivered")
          expect(slow.requests).toHaveLength(2) // two running, one queued, nine deferred
          // Claims stopped at the first short batch (3 of 4): 12 slow in 4s, then the fast ones.
          expect(outbox.stats.claimCalls).toBe(4)

          // Graceful stop: the queued claim is released at once, the two in flight finish and are recorded.
          const stopping = yield* Effect.fork(Fiber.interrupt(loop))
          yield* Effect.promise(() =>
            (async () => {
              for (
                let i = 0;
                i < 200 && !slowEvs.some((e) => outbox.events.get(e.eventId)!.status === "pending");
                i++
              )
                await new Promise((r) => setTimeout(r, 5))
            })(),
          )
          slow.releaseHanging(200)
          yield* Fiber.join(stopping)
          const byStatus = (s: string) => slowEvs.filter((e) => outbox.events.get(e.eventId)!.status === s)
          expect(byStatus("delivered").map((e) => e.eventId)).toEqual([
            slowEvs[0]!.eventId,
            slowEvs[1]!.eventId,
          ])
          // The queued one was released on stop; the nine deferred were released at once, due a moment later
          // (not parked in "delivering" for a whole lease), none with an attempt counted.
          expect(byStatus("pending").map((e) => e.eventId)).toEqual(slowEvs.slice(2).map((e) => e.eventId))
          for (const e of slowEvs.slice(2)) expect(outbox.events.get(e.eventId)!.attempts).toBe(0)
          for (const e of slowEvs.slice(3))
            expect(outbox.events.get(e.eventId)!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(T0 + 1_000)
          expect(byStatus("delivering")).toHaveLength(0)
          expect(slow.requests).toHaveLength(2)

          // The deferred ones are due again after `deferMs`; another worker takes them all.
          yield* TestClock.adjust(60_000)
          const other = yield* runDispatcherOnce({
            ...options,
            worker: "w2",
            batchSize: 50,
            maxQueuedPerOrigin: 50,
          })
          expect(other).toMatchObject({ claimed: 10, delivered: 10 })
          for (const e of slowEvs) expect(outbox.events.get(e.eventId)!.status).toBe("delivered")
          expect(slow.requests).toHaveLength(12)
        }).pipe(Effect.provide(layer))
      },
    )
  })
})

describe("several dispatchers on one outbox", () => {
  it.effect("two dispatchers running at once send every event exactly once", () => {
    const { outbox, layer } = setup()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const rx = yield* receiver(() => 200)
      const evs = Array.from({ length: 40 }, (_, i) =>
        outbox.add({ url: `${rx.origin}/e${i}`, createdAt: new Date(T0 - 100 + i) }),
      )
      const options = { ...base, batchSize: 7, maxPerOrigin: 3 }
      const cycles = (worker: string) =>
        Effect.forEach([1, 2, 3, 4, 5], () => runDispatcherOnce({ ...options, worker })).pipe(
          Effect.map((ss) => ss.reduce((n, s) => n + s.delivered, 0)),
        )
      const [a, b] = yield* Effect.all([cycles("a"), cycles("b")], { concurrency: 2 })
      // Both took part, and together they delivered each event once.
      expect(a).toBeGreaterThan(0)
      expect(b).toBeGreaterThan(0)
      expect(a + b).toBe(40)
      const ids = rx.requests.map((r) => r.headers["inzi-event-id"])
      expect(ids).toHaveLength(40)
      expect(new Set(ids).size).toBe(40)
      for (const e of evs) expect(outbox.attempts.get(e.eventId)).toHaveLength(1)
      expect(rx.maxInFlight).toBeLessThanOrEqual(6)
    }).pipe(Effect.provide(layer))
  })
})

describe("InMemoryOutbox (the test double honours claim/lease semantics)", () => {
  it.effect(
    "claims are exclusive until the lease ends; a stale holder's failure does not move the event, a success does",
    () =>
      Effect.gen(function* () {
        const ob = makeInMemoryOutbox()
        const e = ob.add({ url: "http://example.test/", createdAt: new Date(T0) })
        const now = new Date(T0)
        const a = yield* ob.service.claimDue({ worker: "a", now, limit: 10, leaseMs: 1000 })
        const b = yield* ob.service.claimDue({ worker: "b", now, limit: 10, leaseMs: 1000 })
        expect(a.map((d) => d.eventId)).toEqual([e.eventId])
        expect(b).toEqual([])
        const later = new Date(T0 + 1000)
        const b2 = yield* ob.service.claimDue({ worker: "b", now: later, limit: 10, leaseMs: 1000 })
        expect(b2.map((d) => d.eventId)).toEqual([e.eventId])
        // A's late failure does not move the event (B holds it), nor does A's release.
        yield* ob.service.recordAttempt({
          attempt: {
            eventId: e.eventId,
            at: later,
            statusCode: 500,
            latencyMs: 1,
            error: "HTTP 500",
            ok: false,
          },
          worker: "a",
          nextAttemptAt: new Date(T0 + 60_000),
        })
        yield* ob.service.release(e.eventId, "a")
        expect(ob.events.get(e.eventId)).toMatchObject({ status: "delivering", lockedBy: "b", attempts: 0 })
        yield* ob.service.release(e.eventId, "b")
        expect(ob.events.get(e.eventId)!.status).toBe("pending")
        // A success always counts, even from a dispatcher that lost the lease.
        yield* ob.service.claimDue({ worker: "b", now: later, limit: 10, leaseMs: 1000 })
        yield* ob.service.recordAttempt({
          attempt: { eventId: e.eventId, at: later, statusCode: 200, latencyMs: 1, error: null, ok: true },
          worker: "a",
          nextAttemptAt: null,
        })
        expect(ob.events.get(e.eventId)).toMatchObject({ status: "delivered", attempts: 1 })
        expect(ob.attempts.get(e.eventId)).toHaveLength(2)
      }),
  )
})
