/**
 * The dispatcher against the real Postgres Outbox (adapter-postgres, a fresh schema on the local server):
 * events written by the store's expiry sweep are delivered to a real local receiver that verifies the
 * signature with the merchant's secret; two dispatchers at once deliver each event exactly once; a failed
 * attempt is retried on the schedule.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  type Database,
  dropSchema,
  makeDatabase,
  makeSecretBox,
  makeStores,
  migrate,
  type PgStores,
} from "@inzi/adapter-postgres"
import { Outbox, verifyWebhookSignature } from "@inzi/core"
import { Effect, Layer, TestClock } from "effect"
import { NodeWebhookTransport } from "../../src/webhooks/NodeWebhookTransport.js"
import { runDispatcherOnce, type WebhookDispatcherOptions } from "../../src/webhooks/WebhookDispatcher.js"
import { type Receiver, startReceiver } from "./receiver.js"

const DATABASE_URL = process.env.INZI_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const SECRET = "whsec_pg_dispatcher_test"
// Secrets sealed at rest (INZI_SECRET_KEY): the outbox opens them at claim, the signatures must still verify.
const BOX = makeSecretBox({ key: Buffer.alloc(32, 7).toString("base64") })
const T0 = Date.parse("2026-11-24T08:00:00Z")

describe("WebhookDispatcher on the Postgres Outbox", () => {
  const schema = `webhooks_${process.pid}_${Date.now().toString(36)}`
  let database: Database
  let stores: PgStores
  const receivers: Receiver[] = []
  let seq = 0

  beforeAll(async () => {
    database = await makeDatabase({ databaseUrl: DATABASE_URL, schema })
    await migrate(database.db)
    stores = makeStores(database.db, { secrets: BOX })
  })
  afterAll(async () => {
    if (database !== undefined) {
      await dropSchema(database.db, schema)
      await database.close()
    }
  })
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()))
  })

  /** A merchant with `n` checkouts that expired before T0: the sweep writes one `checkout.expired` each. */
  const expiredCheckouts = (webhookUrl: string, n: number) =>
    Effect.gen(function* () {
      const merchant = yield* stores.merchants.createMerchant({
        id: `mer_wh_${++seq}_${Date.now().toString(36)}`,
        name: "Webhook Test",
        webhookUrl: null,
        webhookSecret: "whsec_live_not_used_here",
        // The checkouts are test-mode: their events go to the test endpoint, signed with the test secret.
        testWebhookUrl: webhookUrl,
        testWebhookSecret: SECRET,
        payoutKeys: { evm: "xpub-evm" },
        networks: { live: [], test: ["devnet"] },
      })
      for (let i = 0; i < n; i++) {
        const index = yield* stores.checkouts.allocateDerivationIndex(merchant.id)
        yield* stores.checkouts.createCheckout(
          {
            id: `chk_test_${merchant.id.slice(-8)}${String(i).padStart(4, "0")}`,
            merchantId: merchant.id,
            mode: "test",
            amountCents: 2500n,
            description: null,
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: null,
            networks: ["devnet"],
            targets: {
              derivationIndex: index,
              entries: [
                {
                  family: "evm",
                  address: `0x${(seq * 1000 + i).toString(16).padStart(40, "0")}`,
                  memo: null,
                  lookup: `0x${(seq * 1000 + i).toString(16).padStart(40, "0")}`,
                },
              ],
            },
            expiresAt: new Date(T0 - 60_000),
            createdAt: new Date(T0 - 3_600_000),
          },
          null,
        )
      }
      const swept = yield* stores.checkouts.sweepExpired(new Date(T0), 1000)
      expect(swept).toBe(n)
      const events = yield* stores.outbox.listEvents({ status: "pending", limit: 1000 })
      return events.filter((e) => e.merchantId === merchant.id)
    })

  const layer = () => Layer.merge(Layer.succeed(Outbox, stores.outbox), NodeWebhookTransport.layer())
  const options: WebhookDispatcherOptions = { worker: "pg-a", privateAddresses: "allow", batchSize: 5 }

  it.effect(
    "two dispatchers at once deliver every event exactly once, signed with the merchant's secret",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const rx = yield* Effect.promise(() => startReceiver(() => 200))
        receivers.push(rx)
        const events = yield* expiredCheckouts(`${rx.origin}/inzi`, 24)
        expect(events).toHaveLength(24)
        const stored = yield* Effect.promise(() =>
          database.db
            .selectFrom("merchants")
            .select("test_webhook_secret")
            .where("id", "=", events[0]!.merchantId)
            .executeTakeFirstOrThrow(),
        )
        expect(stored.test_webhook_secret).toMatch(/^enc:v1:[0-9a-f]{8}:/)
        expect(stored.test_webhook_secret).not.toContain(SECRET)
        const cycles = (worker: string) =>
          Effect.forEach([1, 2, 3, 4, 5, 6], () => runDispatcherOnce({ ...options, worker })).pipe(
            Effect.map((ss) => ss.reduce((n, s) => n + s.delivered, 0)),
          )
        const [a, b] = yield* Effect.all([cycles("pg-a"), cycles("pg-b")], { concurrency: 2 })
        expect(a + b).toBe(24)
        expect(a).toBeGreaterThan(0)
        expect(b).toBeGreaterThan(0)
        const ids = rx.requests.map((r) => r.headers["inzi-event-id"])
        expect(new Set(ids)).toEqual(new Set(events.map((e) => e.eventId)))
        expect(ids).toHaveLength(24)
        for (const r of rx.requests) {
          const v = verifyWebhookSignature({
            payload: r.body,
            header: r.headers["inzi-signature"] as string,
            secret: SECRET,
            now: T0 / 1000,
          })
          expect(v.ok).toBe(true)
          expect(JSON.parse(r.body)).toMatchObject({
            id: r.headers["inzi-event-id"],
            type: "checkout.expired",
          })
        }
        for (const e of events) {
          const attempts = yield* stores.outbox.listAttempts(e.eventId)
          expect(attempts).toHaveLength(1)
          expect(attempts[0]).toMatchObject({ statusCode: 200, ok: true })
        }
        const after = yield* stores.outbox.listEvents({ status: "delivered", limit: 1000 })
        expect(after.filter((e) => events.some((x) => x.eventId === e.eventId))).toHaveLength(24)
      }).pipe(Effect.provide(layer())),
  )

  it.effect("a failed attempt is recorded and retried on the schedule", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      let calls = 0
      const rx = yield* Effect.promise(() => startReceiver(() => (++calls === 1 ? 503 : 200)))
      receivers.push(rx)
      const [event] = yield* expiredCheckouts(`${rx.origin}/inzi`, 1)
      expect(yield* runDispatcherOnce(options)).toMatchObject({ claimed: 1, retrying: 1 })
      const [pending] = (yield* stores.outbox.listEvents({ checkoutId: event!.checkoutId, limit: 5 })).filter(
        (e) => e.eventId === event!.eventId,
      )
      expect(pending).toMatchObject({ status: "pending", attempts: 1, lastError: "HTTP 503" })
      const delay = pending!.nextAttemptAt!.getTime() - T0
      expect(delay).toBeGreaterThanOrEqual(48_000)
      expect(delay).toBeLessThanOrEqual(72_000)
      // Not due before its time; due at it.
      expect(yield* runDispatcherOnce(options)).toMatchObject({ claimed: 0 })
      yield* TestClock.setTime(pending!.nextAttemptAt!.getTime())
      expect(yield* runDispatcherOnce(options)).toMatchObject({ claimed: 1, delivered: 1 })
      const attempts = yield* stores.outbox.listAttempts(event!.eventId)
      expect(attempts.map((a) => [a.statusCode, a.ok])).toEqual([
        [503, false],
        [200, true],
      ])
      expect(rx.requests).toHaveLength(2)
    }).pipe(Effect.provide(layer())),
  )
})
