import {
  addressLookups,
  memoForms,
  type AuditEntry,
  type CheckoutStatus,
  ConsoleStore,
  MerchantNotFound,
  type Mode,
  type Operator,
  OperatorExists,
  type TokenAmount,
} from "@inzi/core"
import { type Context, Effect, Layer } from "effect"
import { type ColumnType, type Generated, type Kysely, type Selectable, sql } from "kysely"
import { countCheckouts } from "./checkoutCounts.js"
import { constraintOf, Fail, run, sqlState } from "./errors.js"
import { toBigInt, toBigIntOrNull, toDate, toDateOrNull } from "./rows.js"
import type { DB } from "./schema.js"
import { PgDatabase } from "./PgStore.js"
import { listWatcherSamples, listWatcherStatus } from "./watcherStatus.js"

type Timestamp = ColumnType<Date, Date, Date>
type Id = ColumnType<string, never, never>

/** Migration 0017's tables (kept out of schema.ts: the console is their only reader). */
type ConsoleTables = {
  console_operators: {
    id: Generated<string>
    email: string
    password_hash: string
    merchant_id: string | null
    failed_logins: Generated<number>
    locked_until: Timestamp | null
    created_at: Timestamp
  }
  console_sessions: { hash: string; operator_id: string; created_at: Timestamp; expires_at: Timestamp }
  console_audit: {
    id: Id
    at: Timestamp
    operator_id: string | null
    operator_email: string
    merchant_id: string | null
    action: string
    target: string | null
    detail: string | null
    address: string | null
  }
}

type OperatorRow = Selectable<ConsoleTables["console_operators"]>

const operatorFromRow = (r: Pick<OperatorRow, "id" | "email" | "merchant_id" | "created_at">): Operator => ({
  id: String(r.id),
  email: r.email,
  merchantId: r.merchant_id,
  createdAt: toDate(r.created_at),
})

const amounts = (
  rows: ReadonlyArray<{ network: string; token: string; decimals: number; amount: unknown; n: unknown }>,
): ReadonlyArray<TokenAmount> =>
  rows.map((r) => ({
    network: r.network,
    token: r.token,
    decimals: Number(r.decimals),
    amount: toBigInt(r.amount),
    payments: Number(r.n),
  }))

/** `ConsoleStore` over kysely. */
export const makeConsoleStore = (base: Kysely<DB>): Context.Tag.Service<typeof ConsoleStore> => {
  const db = base.withTables<ConsoleTables>()
  /** The status a reader sees: an overdue `pending` checkout is `expired` (as the API reads it). */
  const shownStatus = (now: Date) =>
    sql<string>`CASE WHEN c.status = 'pending' AND c.expires_at <= ${now} THEN 'expired' ELSE c.status END`
  return {
    createOperator: (o) =>
      run("createOperator", async () => {
        try {
          const r = await db
            .insertInto("console_operators")
            .values({
              email: o.email,
              password_hash: o.passwordHash,
              merchant_id: o.merchantId,
              created_at: o.now,
            })
            .returning(["id", "email", "merchant_id", "created_at"])
            .executeTakeFirstOrThrow()
          return operatorFromRow(r)
        } catch (e) {
          if (sqlState(e) === "23505") throw new Fail(new OperatorExists({ email: o.email }))
          if (sqlState(e) === "23503" || constraintOf(e)?.includes("merchant"))
            throw new Fail(new MerchantNotFound({ id: o.merchantId ?? "" }))
          throw e
        }
      }),
    findOperatorByEmail: (email) =>
      run("findOperatorByEmail", async () => {
        const r = await db
          .selectFrom("console_operators")
          .selectAll()
          .where("email", "=", email)
          .executeTakeFirst()
        return r === undefined
          ? null
          : {
              ...operatorFromRow(r),
              passwordHash: r.password_hash,
              failedLogins: Number(r.failed_logins),
              lockedUntil: toDateOrNull(r.locked_until),
            }
      }),
    listOperators: () =>
      run("listOperators", async () =>
        (
          await db
            .selectFrom("console_operators")
            .select(["id", "email", "merchant_id", "created_at"])
            .orderBy("id")
            .execute()
        ).map(operatorFromRow),
      ),
    setPasswordHash: (id, hash) =>
      run("setPasswordHash", async () => {
        await db
          .updateTable("console_operators")
          .set({ password_hash: hash, failed_logins: 0, locked_until: null })
          .where("id", "=", id)
          .execute()
      }),
    setLoginState: (id, s) =>
      run("setLoginState", async () => {
        await db
          .updateTable("console_operators")
          .set({ failed_logins: s.failedLogins, locked_until: s.lockedUntil })
          .where("id", "=", id)
          .execute()
      }),
    createSession: (s) =>
      run("createSession", async () => {
        // Expired sessions of anyone go with each login: the table holds live sessions only.
        await db.deleteFrom("console_sessions").where("expires_at", "<=", s.now).execute()
        await db
          .insertInto("console_sessions")
          .values({ hash: s.hash, operator_id: s.operatorId, created_at: s.now, expires_at: s.expiresAt })
          .execute()
      }),
    findSession: (hash, now) =>
      run("findSession", async () => {
        const r = await db
          .selectFrom("console_sessions as s")
          .innerJoin("console_operators as o", "o.id", "s.operator_id")
          .select(["o.id", "o.email", "o.merchant_id", "o.created_at", "s.expires_at"])
          .where("s.hash", "=", hash)
          .where("s.expires_at", ">", now)
          .executeTakeFirst()
        return r === undefined ? null : { operator: operatorFromRow(r), expiresAt: toDate(r.expires_at) }
      }),
    deleteSession: (hash) =>
      run("deleteSession", async () => {
        await db.deleteFrom("console_sessions").where("hash", "=", hash).execute()
      }),
    appendAudit: (e) =>
      run("appendAudit", async () => {
        await db
          .insertInto("console_audit")
          .values({
            at: e.at,
            operator_id: e.operatorId,
            operator_email: e.operatorEmail,
            merchant_id: e.merchantId,
            action: e.action,
            target: e.target,
            detail: e.detail,
            address: e.address,
          })
          .execute()
      }),
    listAudit: (q) =>
      run("listAudit", async () => {
        let query = db.selectFrom("console_audit").selectAll().orderBy("id", "desc").limit(q.limit)
        if (q.merchantId !== null) query = query.where("merchant_id", "=", q.merchantId)
        return (await query.execute()).map(
          (r): AuditEntry => ({
            id: String(r.id),
            at: toDate(r.at),
            operatorId: r.operator_id === null ? null : String(r.operator_id),
            operatorEmail: r.operator_email,
            merchantId: r.merchant_id,
            action: r.action,
            target: r.target,
            detail: r.detail,
            address: r.address,
          }),
        )
      }),
    overview: (q) =>
      run("overview", async () => {
        const merchant = q.merchantId === null ? sql`TRUE` : sql`c.merchant_id = ${q.merchantId}`
        const days = await sql<{
          day: string
          created: unknown
          completed: unknown
          expired: unknown
          underpaid: unknown
        }>`
          SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d.created, d.completed, d.expired, d.underpaid
          FROM (SELECT date_trunc('day', c.created_at AT TIME ZONE 'UTC') AS day,
                       count(*) AS created,
                       count(*) FILTER (WHERE c.status = 'completed') AS completed,
                       count(*) FILTER (WHERE c.status = 'expired'
                                           OR (c.status = 'pending' AND c.expires_at <= ${q.now})) AS expired,
                       count(*) FILTER (WHERE c.status = 'underpaid') AS underpaid
                FROM checkouts c
                WHERE c.mode = ${q.mode} AND c.created_at > ${q.since} AND ${merchant}
                GROUP BY 1) d
          ORDER BY d.day`.execute(db)
        const byToken = (status: ReturnType<typeof sql>, since: ReturnType<typeof sql>) =>
          sql<{
            network: string
            token: string
            decimals: number
            amount: unknown
            n: unknown
          }>`
          SELECT p.network, p.token, max(p.decimals) AS decimals, sum(p.amount) AS amount, count(*) AS n
          FROM payments p JOIN checkouts c ON c.id = p.checkout_id
          WHERE c.mode = ${q.mode} AND ${merchant} AND ${status} AND ${since}
          GROUP BY p.network, p.token ORDER BY p.network, p.token`.execute(db)
        const volume = await byToken(
          sql`p.status IN ('confirmed', 'late') AND p.confirmed_at IS NOT NULL`,
          sql`p.confirmed_at > ${q.since}`,
        )
        const awaiting = await byToken(
          sql`(p.status = 'detected' OR (p.status = 'late' AND p.confirmed_at IS NULL))`,
          sql`TRUE`,
        )
        return {
          days: days.rows.map((r) => ({
            day: r.day,
            created: Number(r.created),
            completed: Number(r.completed),
            expired: Number(r.expired),
            underpaid: Number(r.underpaid),
          })),
          volume: amounts(volume.rows),
          awaiting: amounts(awaiting.rows),
        }
      }),
    listCheckouts: (q) =>
      run("consoleListCheckouts", async () => {
        const shown = shownStatus(q.now)
        const where = [sql`TRUE`]
        if (q.merchantId !== null) where.push(sql`c.merchant_id = ${q.merchantId}`)
        // The status as read, in terms of the stored columns (an index can serve them, not the CASE).
        if (q.status === "expired")
          where.push(sql`(c.status = 'expired' OR (c.status = 'pending' AND c.expires_at <= ${q.now}))`)
        else if (q.status === "pending") where.push(sql`c.status = 'pending' AND c.expires_at > ${q.now}`)
        else if (q.status !== undefined) where.push(sql`c.status = ${q.status}`)
        if (q.createdAfter !== undefined) where.push(sql`c.created_at > ${q.createdAfter}`)
        if (q.createdBefore !== undefined) where.push(sql`c.created_at < ${q.createdBefore}`)
        const s = q.search?.trim()
        const searching = s !== undefined && s !== ""
        if (searching) {
          // A metadata value matches as a JSON string or number value of any top-level key.
          where.push(sql`(
            c.id = ${s}
            OR c.id IN (SELECT p.checkout_id FROM payments p WHERE p.tx_hash = ${s} OR p.tx_hash = ${s.toLowerCase()})
            OR c.id IN (SELECT t.checkout_id FROM deposit_targets t
                        WHERE t.lookup IN (${sql.join(addressLookups(s))}) AND t.address IS NOT NULL)
            OR c.id IN (SELECT t.checkout_id FROM merchants m JOIN deposit_targets t
                          ON t.lookup IN (${sql.join(memoForms(s).map((f) => sql`m.id || ':' || ${f}::text`))})
                        WHERE t.memo IS NOT NULL)
            OR (c.metadata IS NOT NULL AND EXISTS (
                  SELECT 1 FROM jsonb_each(c.metadata::jsonb) kv
                  WHERE kv.value = to_jsonb(${s}::text)
                     OR (jsonb_typeof(kv.value) = 'number' AND kv.value #>> '{}' = ${s})))
          )`)
        }
        const cond = sql.join(where, sql` AND `)
        const modes: ReadonlyArray<Mode> = q.mode === undefined ? ["test", "live"] : [q.mode]
        // One newest-first walk of an index per mode (the indexes lead with the mode), merged: no sort of the
        // whole table when the list is not narrowed to one mode.
        const perMode = modes.map(
          (m) => sql`(SELECT c.id, c.merchant_id, c.mode, ${shown} AS status, c.amount_cents, c.description,
                         c.metadata, c.created_at, c.expires_at
                      FROM checkouts c WHERE c.mode = ${m} AND ${cond}
                      ORDER BY c.created_at DESC, c.id DESC LIMIT ${q.offset + q.limit})`,
        )
        const rows = await sql<{
          id: string
          merchant_id: string
          mode: string
          status: string
          amount_cents: unknown
          description: string | null
          metadata: string | null
          created_at: Date
          expires_at: Date
        }>`
          SELECT * FROM (${sql.join(perMode, sql` UNION ALL `)}) c
          ORDER BY c.created_at DESC, c.id DESC LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db)
        // Narrowed by merchant, mode and status only: the exact total from the count tables, not a count(*).
        const total =
          q.createdAfter === undefined && q.createdBefore === undefined && !searching
            ? await countCheckouts(base, {
                merchantId: q.merchantId,
                mode: q.mode,
                status: q.status,
                now: q.now,
              })
            : Number(
                (
                  await sql<{ n: unknown }>`SELECT count(*) AS n FROM checkouts c
                    WHERE c.mode IN (${sql.join(modes)}) AND ${cond}`.execute(db)
                ).rows[0]?.n ?? 0,
              )
        return {
          data: rows.rows.map((r) => ({
            id: r.id,
            merchantId: r.merchant_id,
            mode: r.mode as Mode,
            status: r.status as CheckoutStatus,
            amountCents: toBigInt(r.amount_cents),
            description: r.description,
            metadataJson: r.metadata,
            createdAt: toDate(r.created_at),
            expiresAt: toDate(r.expires_at),
          })),
          total,
        }
      }),
    checkoutOwner: (id) =>
      run("checkoutOwner", async () => {
        const r = await base
          .selectFrom("checkouts")
          .select(["merchant_id", "mode"])
          .where("id", "=", id)
          .executeTakeFirst()
        return r === undefined ? null : { merchantId: r.merchant_id, mode: r.mode as Mode }
      }),
    watchers: () =>
      run("consoleWatchers", async () => {
        const status = await Effect.runPromise(listWatcherStatus(base))
        const leases = await base
          .selectFrom("leases")
          .selectAll()
          .where("name", "like", "watcher:%")
          .where("expires_at", ">", new Date())
          .execute()
        const held = new Map(leases.map((l) => [l.name.slice("watcher:".length), l]))
        return status.map((w) => {
          const l = held.get(w.network)
          return {
            ...w,
            head: toBigIntOrNull(w.head),
            scannedTo: toBigIntOrNull(w.scannedTo),
            leaseHolder: l?.holder ?? null,
            leaseExpiresAt: l === undefined ? null : toDate(l.expires_at),
          }
        })
      }),
    watcherHistory: (since) => listWatcherSamples(base, since),
  }
}

/** `ConsoleStore` over the open database (the server's and the CLI's). */
export const ConsoleStoreLive = Layer.effect(
  ConsoleStore,
  Effect.map(PgDatabase, (pg) => makeConsoleStore(pg.database.db)),
)
