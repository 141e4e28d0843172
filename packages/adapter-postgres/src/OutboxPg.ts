import type {
  ClaimedDelivery,
  DeliveryStatus,
  Mode,
  Outbox,
  OutboxEventRecord,
  WebhookEventType,
} from "@inzi/core"
import type { Context } from "effect"
import { type Kysely, sql } from "kysely"
import { run } from "./errors.js"
import { toDate, toDateOrNull } from "./rows.js"
import type { DB } from "./schema.js"

interface ClaimRow {
  id: string
  type: string
  checkout_id: string
  merchant_id: string
  mode: string
  url: string
  body: string
  attempts: number
  created_at: Date
  webhook_secret: string
}

/**
 * The transactional outbox. Claiming is one statement: due rows (pending and due, or leased by a worker whose
 * lease expired) are picked with `FOR UPDATE SKIP LOCKED` and leased to the caller, so two workers never
 * claim the same event and a dead worker's claims come back after `leaseMs`.
 */
export const makeOutbox = (db: Kysely<DB>): Context.Tag.Service<typeof Outbox> => ({
  claimDue: ({ worker, now, limit, leaseMs }) =>
    run("claimDue", async () => {
      const until = new Date(now.getTime() + leaseMs)
      const r = await sql<ClaimRow>`
        WITH due AS (
          SELECT id FROM outbox_events
          WHERE (status = 'pending' AND next_attempt_at <= ${now})
             OR (status = 'delivering' AND lease_expires_at <= ${now})
          ORDER BY next_attempt_at, created_at, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE outbox_events o
        SET status = 'delivering', lease_owner = ${worker}, lease_expires_at = ${until}
        FROM due, merchants m
        WHERE o.id = due.id AND m.id = o.merchant_id
        RETURNING o.id, o.type, o.checkout_id, o.merchant_id, o.mode, o.url, o.body, o.attempts, o.created_at,
                  m.webhook_secret`.execute(db)
      return r.rows
        .map(
          (x): ClaimedDelivery => ({
            eventId: x.id,
            type: x.type as WebhookEventType,
            checkoutId: x.checkout_id,
            merchantId: x.merchant_id,
            mode: x.mode as Mode,
            url: x.url,
            secret: x.webhook_secret,
            body: x.body,
            attempts: Number(x.attempts),
            createdAt: toDate(x.created_at),
          }),
        )
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.eventId.localeCompare(b.eventId))
    }),

  recordAttempt: ({ attempt, worker, nextAttemptAt }) =>
    run("recordAttempt", async () => {
      const status: DeliveryStatus = attempt.ok ? "delivered" : nextAttemptAt === null ? "failed" : "pending"
      // One statement (atomic on its own): the attempt row and the event update in a single round trip.
      // A success always counts (even if the lease was lost meanwhile); a failure only from the lease holder.
      await db
        .with("attempt", (q) =>
          q
            .insertInto("webhook_attempts")
            .values({
              event_id: attempt.eventId,
              at: attempt.at,
              status_code: attempt.statusCode,
              latency_ms: Math.max(0, Math.round(attempt.latencyMs)),
              error: attempt.error,
              ok: attempt.ok,
              worker,
            })
            .returning("id"),
        )
        .updateTable("outbox_events")
        .set((eb) => ({
          status,
          attempts: eb("attempts", "+", 1),
          next_attempt_at: attempt.ok ? null : nextAttemptAt,
          last_error: attempt.ok ? null : (attempt.error ?? `HTTP ${attempt.statusCode ?? "?"}`),
          delivered_at: attempt.ok ? attempt.at : null,
          lease_owner: null,
          lease_expires_at: null,
        }))
        .where("id", "=", attempt.eventId)
        .where("status", "=", "delivering")
        .where((eb) => (attempt.ok ? eb.lit(true) : eb("lease_owner", "=", worker)))
        .execute()
    }),

  release: (eventId, worker, notBefore) =>
    run("release", async () => {
      await db
        .updateTable("outbox_events")
        .set({
          status: "pending",
          lease_owner: null,
          lease_expires_at: null,
          ...(notBefore !== undefined ? { next_attempt_at: notBefore } : {}),
        })
        .where("id", "=", eventId)
        .where("lease_owner", "=", worker)
        .where("status", "=", "delivering")
        .execute()
    }),

  listEvents: (q) =>
    run("listEvents", async () => {
      let query = db.selectFrom("outbox_events").selectAll()
      if (q.status !== undefined) query = query.where("status", "=", q.status)
      if (q.checkoutId !== undefined) query = query.where("checkout_id", "=", q.checkoutId)
      const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(q.limit).execute()
      return rows.map(
        (r): OutboxEventRecord => ({
          eventId: r.id,
          type: r.type as WebhookEventType,
          checkoutId: r.checkout_id,
          merchantId: r.merchant_id,
          url: r.url,
          status: r.status as DeliveryStatus,
          attempts: Number(r.attempts),
          nextAttemptAt: toDateOrNull(r.next_attempt_at),
          lastError: r.last_error,
          createdAt: toDate(r.created_at),
        }),
      )
    }),

  listAttempts: (eventId) =>
    run("listAttempts", async () => {
      const rows = await db
        .selectFrom("webhook_attempts")
        .selectAll()
        .where("event_id", "=", eventId)
        .orderBy("at")
        .orderBy("id")
        .execute()
      return rows.map((r) => ({
        eventId: r.event_id,
        at: toDate(r.at),
        statusCode: r.status_code === null ? null : Number(r.status_code),
        latencyMs: Number(r.latency_ms),
        error: r.error,
        ok: r.ok,
      }))
    }),

  resend: (eventId, now) =>
    run("resend", async () => {
      const exists = await db
        .selectFrom("outbox_events")
        .select("id")
        .where("id", "=", eventId)
        .executeTakeFirst()
      if (exists === undefined) return false
      // A claimed event is left to its worker; an event without a URL stays skipped.
      await db
        .updateTable("outbox_events")
        .set({ status: "pending", next_attempt_at: now, lease_owner: null, lease_expires_at: null })
        .where("id", "=", eventId)
        .where("status", "<>", "delivering")
        .where("url", "is not", null)
        .execute()
      return true
    }),

  stats: (now) =>
    run("stats", async () => {
      const r = await db
        .selectFrom("outbox_events")
        .select((eb) => [
          eb.fn
            .count<string | number | bigint>("id")
            .filterWhere("status", "in", ["pending", "delivering"])
            .as("pending"),
          eb.fn.count<string | number | bigint>("id").filterWhere("status", "=", "failed").as("failed"),
          eb.fn.min("created_at").filterWhere("status", "in", ["pending", "delivering"]).as("oldest"),
        ])
        .executeTakeFirstOrThrow()
      const oldest = toDateOrNull(r.oldest)
      return {
        pending: Number(r.pending),
        failed: Number(r.failed),
        oldestPendingAgeSeconds:
          oldest === null ? 0 : Math.max(0, Math.floor((now.getTime() - oldest.getTime()) / 1000)),
      }
    }),
})
