import type {
  ClaimedDelivery,
  DeliveryStatus,
  Mode,
  Outbox,
  OutboxEventRecord,
  RecordedAttempt,
  WebhookEventType,
} from "@inzi/core"
import { storableText } from "@inzi/core"
import type { Context } from "effect"
import { type Kysely, sql } from "kysely"
import { run } from "./errors.js"
import { toDate, toDateOrNull } from "./rows.js"
import type { DB } from "./schema.js"
import { openSecret, type SecretBox } from "./secrets.js"

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
  sequence: number | null
  webhook_secret: string
}

/**
 * Error texts come from sockets, TLS and DNS: core's rule replaces what Postgres text cannot hold (NUL, lone
 * surrogates), so one odd message cannot fail a whole batch.
 */
const cleanText = (t: string | null): string | null => (t === null ? null : storableText(t))

/** Splits attempts, in order, into runs where no event appears twice (one UPDATE moves a row at most once). */
const distinctEventChunks = (attempts: ReadonlyArray<RecordedAttempt>): Array<Array<RecordedAttempt>> => {
  const chunks: Array<Array<RecordedAttempt>> = []
  let current: Array<RecordedAttempt> = []
  let seen = new Set<string>()
  for (const a of attempts) {
    if (seen.has(a.attempt.eventId)) {
      chunks.push(current)
      current = []
      seen = new Set()
    }
    seen.add(a.attempt.eventId)
    current.push(a)
  }
  chunks.push(current)
  return chunks
}

/**
 * Records finished attempts (distinct events) in ONE statement, so it is atomic on its own and one round trip
 * whatever the batch size: the attempts travel as one JSON parameter; a CTE inserts every attempt row, the
 * UPDATE moves each event that may move (still `delivering`; a failure only for the lease holder, a success
 * always). Returns how many events moved.
 */
const recordBatch = async (
  db: Kysely<DB>,
  worker: string,
  attempts: ReadonlyArray<RecordedAttempt>,
): Promise<number> => {
  const rows = attempts.map(({ attempt: a, nextAttemptAt }, ord) => ({
    ord,
    event_id: a.eventId,
    at: a.at.toISOString(),
    status_code: a.statusCode,
    latency_ms: Math.max(0, Math.round(a.latencyMs)),
    error: cleanText(a.error),
    ok: a.ok,
    status: (a.ok ? "delivered" : nextAttemptAt === null ? "failed" : "pending") satisfies DeliveryStatus,
    next_attempt_at: a.ok || nextAttemptAt === null ? null : nextAttemptAt.toISOString(),
    last_error: a.ok ? null : cleanText(a.error ?? `HTTP ${a.statusCode ?? "?"}`),
  }))
  const r = await sql<{ id: string }>`
    WITH a AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
        ord integer, event_id text, at timestamptz, status_code integer, latency_ms integer, error text,
        ok boolean, status text, next_attempt_at timestamptz, last_error text)
    ), ins AS (
      INSERT INTO webhook_attempts (event_id, at, status_code, latency_ms, error, ok, worker)
      SELECT event_id, at, status_code, latency_ms, error, ok, ${worker} FROM a ORDER BY ord
    )
    UPDATE outbox_events o
    SET status = a.status,
        attempts = o.attempts + 1,
        next_attempt_at = a.next_attempt_at,
        last_error = a.last_error,
        delivered_at = CASE WHEN a.ok THEN a.at END,
        lease_owner = NULL,
        lease_expires_at = NULL
    FROM a
    WHERE o.id = a.event_id AND o.status = 'delivering' AND (a.ok OR o.lease_owner = ${worker})
    RETURNING o.id`.execute(db)
  return r.rows.length
}

/**
 * The transactional outbox. Claiming is one statement: due rows (pending and due, or leased by a worker whose
 * lease expired) are picked with `FOR UPDATE SKIP LOCKED` and leased to the caller, so two workers never
 * claim the same event and a dead worker's claims come back after `leaseMs` (kept short: the holder renews it).
 */
export const makeOutbox = (
  db: Kysely<DB>,
  box: SecretBox | null = null,
): Context.Tag.Service<typeof Outbox> => ({
  claimDue: ({ worker, now, limit, leaseMs }) =>
    run("claimDue", async () => {
      const until = new Date(now.getTime() + leaseMs)
      const r = await sql<ClaimRow>`
        WITH due AS (
          SELECT id FROM outbox_events
          WHERE (status = 'pending' AND next_attempt_at <= ${now})
             OR (status = 'delivering' AND lease_expires_at <= ${now})
          ORDER BY next_attempt_at, created_at, sequence, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE outbox_events o
        SET status = 'delivering', lease_owner = ${worker}, lease_expires_at = ${until}
        FROM due, merchants m
        WHERE o.id = due.id AND m.id = o.merchant_id
        RETURNING o.id, o.type, o.checkout_id, o.merchant_id, o.mode, o.url, o.body, o.attempts, o.created_at,
                  o.sequence,
                  CASE WHEN o.mode = 'test' THEN m.test_webhook_secret ELSE m.webhook_secret END
                    AS webhook_secret`.execute(db)
      // RETURNING has no order: the events of one transaction (same created_at) in their sequence.
      const seq = new Map(r.rows.map((x) => [x.id, x.sequence ?? 0]))
      return r.rows
        .map(
          (x): ClaimedDelivery => ({
            eventId: x.id,
            type: x.type as WebhookEventType,
            checkoutId: x.checkout_id,
            merchantId: x.merchant_id,
            mode: x.mode as Mode,
            url: x.url,
            // Opened here (the adapter): core and the dispatcher only ever see the clear secret.
            secret: openSecret(box, x.webhook_secret, {
              merchantId: x.merchant_id,
              column: x.mode === "test" ? "test_webhook_secret" : "webhook_secret",
            }),
            body: x.body,
            attempts: Number(x.attempts),
            createdAt: toDate(x.created_at),
          }),
        )
        .sort(
          (a, b) =>
            a.createdAt.getTime() - b.createdAt.getTime() ||
            seq.get(a.eventId)! - seq.get(b.eventId)! ||
            a.eventId.localeCompare(b.eventId),
        )
    }),

  renewClaims: ({ worker, eventIds, now, leaseMs }) =>
    run("renewClaims", async () => {
      if (eventIds.length === 0) return []
      const rows = await db
        .updateTable("outbox_events")
        .set({ lease_expires_at: new Date(now.getTime() + leaseMs) })
        .where("id", "in", eventIds)
        .where("status", "=", "delivering")
        .where("lease_owner", "=", worker)
        .where("lease_expires_at", ">", now)
        .returning("id")
        .execute()
      return rows.map((r) => r.id)
    }),

  recordAttempt: ({ attempt, worker, nextAttemptAt }) =>
    run("recordAttempt", async () => {
      await recordBatch(db, worker, [{ attempt, nextAttemptAt }])
    }),

  recordAttempts: ({ worker, attempts }) =>
    run("recordAttempts", async () => {
      if (attempts.length === 0) return 0
      const chunks = distinctEventChunks(attempts)
      if (chunks.length === 1) return recordBatch(db, worker, chunks[0]!)
      // The same event twice (rare: a lease lost and retaken within one batch): one statement per chunk, in
      // order, in one transaction so the call stays all-or-nothing.
      return db.transaction().execute(async (tx) => {
        let moved = 0
        for (const chunk of chunks) moved += await recordBatch(tx, worker, chunk)
        return moved
      })
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
      const rows = await query
        .orderBy("created_at", "desc")
        .orderBy("sequence", "desc")
        .orderBy("id", "desc")
        .limit(q.limit)
        .execute()
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
