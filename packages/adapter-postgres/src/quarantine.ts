import { createHash } from "node:crypto"
import { type ChainEvent, escapeUnstorable, type NetworkId, type StoreError } from "@inzi/core"
import type { Effect } from "effect"
import { type Kysely, sql, type Transaction } from "kysely"
import { run, sqlState } from "./errors.js"
import { fromJson, toDate } from "./rows.js"
import type { DB } from "./schema.js"

/**
 * SQLSTATE classes that say "this event's data cannot be stored": 22 data exception (e.g. 22021 a NUL byte,
 * 22003 a number out of range), 23 integrity violation (the expected conflicts are ON CONFLICT clauses, so one
 * that escapes is the event's), 54 program limit (e.g. 54000 a key too large for its index). Anything else
 * (connection lost, 08xxx, 40001 serialization, 40P01 deadlock, 57P01 shutdown, no SQLSTATE at all) fails the
 * whole batch, so the watcher retries it: never set aside.
 */
export const isEventDataError = (e: unknown): boolean => /^(22|23|54)/.test(sqlState(e) ?? "")

/** Key text longer than this is cut and suffixed with its hash: the key must fit a btree entry whatever arrives. */
const KEY_MAX = 256

const keyText = (s: string): string => {
  const escaped = escapeUnstorable(s)
  if (escaped.length <= KEY_MAX) return escaped
  const digest = createHash("sha256").update(escaped).digest("hex")
  return `${escapeUnstorable(escaped.slice(0, KEY_MAX - 72))}…sha256:${digest}`
}

/** An event as JSON for the operator: bigints as decimal strings, unstorable characters as `\uXXXX`. */
export const chainEventJson = (e: ChainEvent): string =>
  JSON.stringify(e, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : typeof v === "string" ? escapeUnstorable(v) : v,
  )

/** What an error says, for the quarantine row: its first line, bounded; never the driver's `detail`. */
const reasonOf = (e: unknown): string => {
  const message = (e as { message?: unknown } | null)?.message
  const text = typeof message === "string" ? (message.split("\n")[0] ?? "") : String(e)
  return escapeUnstorable(text.slice(0, 500))
}

/**
 * Keeps an event the store could not write, once per (network, transaction, log index, event kind): a rescan
 * that meets it again changes nothing. Runs in the batch's transaction, after the event's savepoint was rolled
 * back.
 */
export const quarantineEvent = async (
  trx: Transaction<DB>,
  network: NetworkId,
  e: ChainEvent,
  error: unknown,
  now: Date,
): Promise<void> => {
  await trx
    .insertInto("quarantined_events")
    .values({
      network: keyText(network),
      tx_hash: keyText(String(e.txHash)),
      // Any number numeric takes (the event's own value is in `body`).
      log_index: Number.isFinite(e.logIndex) ? String(e.logIndex) : "NaN",
      event: keyText(e._tag),
      sqlstate: escapeUnstorable(sqlState(error) ?? "?"),
      reason: reasonOf(error),
      body: chainEventJson(e),
      quarantined_at: now,
    })
    .onConflict((oc) => oc.columns(["network", "tx_hash", "log_index", "event"]).doNothing())
    .execute()
}

export interface QuarantinedEventRecord {
  readonly network: string
  /** Escaped and bounded (see migration 0009); the event's own fields are in `body`. */
  readonly txHash: string
  readonly logIndex: string
  readonly event: string
  readonly sqlstate: string
  readonly reason: string
  /** The event as JSON (bigints as strings, unstorable characters escaped). */
  readonly body: unknown
  readonly quarantinedAt: Date
}

/** Quarantined events, oldest first (one network's, or every network's). */
export const listQuarantined = (
  db: Kysely<DB>,
  network?: string,
): Effect.Effect<ReadonlyArray<QuarantinedEventRecord>, StoreError> =>
  run("listQuarantined", async () => {
    let q = db.selectFrom("quarantined_events").selectAll()
    if (network !== undefined) q = q.where("network", "=", network)
    const rows = await q.orderBy("quarantined_at").orderBy("network").orderBy("tx_hash").execute()
    return rows.map((r) => ({
      network: r.network,
      txHash: r.tx_hash,
      logIndex: String(r.log_index),
      event: r.event,
      sqlstate: r.sqlstate,
      reason: r.reason,
      body: fromJson(r.body),
      quarantinedAt: toDate(r.quarantined_at),
    }))
  })

/** Per network: how many events are quarantined, and the latest one's SQLSTATE, reason and time. */
export interface QuarantineSummary {
  readonly network: string
  readonly count: number
  readonly latestSqlstate: string
  readonly latestReason: string
  readonly latestAt: Date
}

export const quarantineSummary = (
  db: Kysely<DB>,
): Effect.Effect<ReadonlyArray<QuarantineSummary>, StoreError> =>
  run("quarantineSummary", async () => {
    const r = await sql<{ network: string; n: unknown; sqlstate: string; reason: string; at: unknown }>`
      SELECT DISTINCT ON (network) network, count(*) OVER (PARTITION BY network) AS n, sqlstate, reason,
             quarantined_at AS at
      FROM quarantined_events
      ORDER BY network, quarantined_at DESC, tx_hash DESC`.execute(db)
    return r.rows.map((row) => ({
      network: row.network,
      count: Number(row.n),
      latestSqlstate: row.sqlstate,
      latestReason: row.reason,
      latestAt: toDate(row.at),
    }))
  })
