import type { NetworkId, StoreError, WatcherSample } from "@inzi/core"
import type { Effect } from "effect"
import type { Kysely } from "kysely"
import { run } from "./errors.js"
import { toBigIntOrNull, toDate } from "./rows.js"
import type { DB } from "./schema.js"

/** One network's watcher progress, for `inzi status` and the scanner-lag gauges. */
export interface WatcherStatusRecord {
  readonly network: NetworkId
  readonly head: bigint | null
  readonly scannedTo: bigint | null
  readonly lastError: string | null
  readonly updatedAt: Date
  /** Calls and errors of the current lease holder's scanner since it started. */
  readonly rpcCalls: number
  readonly rpcErrors: number
}

/**
 * Upserts a network's watcher status. A `null` head or height keeps the previous value (a failed cycle
 * reports only its error).
 */
export const recordWatcherStatus = (
  db: Kysely<DB>,
  s: Omit<WatcherStatusRecord, "updatedAt" | "rpcCalls" | "rpcErrors"> & {
    readonly at: Date
    readonly rpcCalls?: number | undefined
    readonly rpcErrors?: number | undefined
  },
): Effect.Effect<void, StoreError> =>
  run("recordWatcherStatus", () =>
    db.transaction().execute(async (trx) => {
      await upsertStatus(trx, s)
      await appendSample(trx, s.network, s.at)
    }),
  )

/** How long `watcher_samples` keeps a network's minutes. */
const WATCHER_HISTORY_MS = 48 * 3_600_000

const upsertStatus = async (db: Kysely<DB>, s: Parameters<typeof recordWatcherStatus>[1]): Promise<void> => {
  const head = s.head === null ? null : s.head.toString()
  const scannedTo = s.scannedTo === null ? null : s.scannedTo.toString()
  await db
    .insertInto("watcher_status")
    .values({
      network: s.network,
      head,
      scanned_to: scannedTo,
      last_error: s.lastError,
      updated_at: s.at,
      rpc_calls: s.rpcCalls ?? 0,
      rpc_errors: s.rpcErrors ?? 0,
    })
    .onConflict((oc) =>
      oc.column("network").doUpdateSet((eb) => ({
        head: eb.fn.coalesce("excluded.head", "watcher_status.head"),
        scanned_to: eb.fn.coalesce("excluded.scanned_to", "watcher_status.scanned_to"),
        last_error: eb.ref("excluded.last_error"),
        updated_at: eb.ref("excluded.updated_at"),
        // Counts not reported (an error-only report) keep their previous values.
        ...(s.rpcCalls !== undefined ? { rpc_calls: eb.ref("excluded.rpc_calls") } : {}),
        ...(s.rpcErrors !== undefined ? { rpc_errors: eb.ref("excluded.rpc_errors") } : {}),
      })),
    )
    .execute()
}

/**
 * Copies the network's status (as just upserted) into its sample of `at`'s minute, the minute's last report
 * winning, and drops its samples older than the window: the table stays bounded by networks × 2 880 rows.
 */
const appendSample = async (db: Kysely<DB>, network: string, at: Date): Promise<void> => {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000)
  await db
    .insertInto("watcher_samples")
    .columns(["network", "minute", "head", "scanned_to", "rpc_calls", "rpc_errors"])
    .expression((eb) =>
      eb
        .selectFrom("watcher_status")
        .select((e) => [
          "network",
          e.val(minute).as("minute"),
          "head",
          "scanned_to",
          "rpc_calls",
          "rpc_errors",
        ])
        .where("network", "=", network),
    )
    .onConflict((oc) =>
      oc.columns(["network", "minute"]).doUpdateSet((eb) => ({
        head: eb.ref("excluded.head"),
        scanned_to: eb.ref("excluded.scanned_to"),
        rpc_calls: eb.ref("excluded.rpc_calls"),
        rpc_errors: eb.ref("excluded.rpc_errors"),
      })),
    )
    .execute()
  await db
    .deleteFrom("watcher_samples")
    .where("network", "=", network)
    .where("minute", "<=", new Date(minute.getTime() - WATCHER_HISTORY_MS))
    .execute()
}

/** Samples of minutes at or after `since`, by network then minute. */
export const listWatcherSamples = (
  db: Kysely<DB>,
  since: Date,
): Effect.Effect<ReadonlyArray<WatcherSample>, StoreError> =>
  run("listWatcherSamples", async () => {
    const rows = await db
      .selectFrom("watcher_samples")
      .selectAll()
      .where("minute", ">=", since)
      .orderBy("network")
      .orderBy("minute")
      .execute()
    return rows.map((r) => ({
      network: r.network,
      minute: toDate(r.minute),
      head: toBigIntOrNull(r.head),
      scannedTo: toBigIntOrNull(r.scanned_to),
      rpcCalls: Number(r.rpc_calls),
      rpcErrors: Number(r.rpc_errors),
    }))
  })

/** Every network's watcher status, by network id. */
export const listWatcherStatus = (
  db: Kysely<DB>,
): Effect.Effect<ReadonlyArray<WatcherStatusRecord>, StoreError> =>
  run("listWatcherStatus", async () => {
    const rows = await db.selectFrom("watcher_status").selectAll().orderBy("network").execute()
    return rows.map((r) => ({
      network: r.network,
      head: toBigIntOrNull(r.head),
      scannedTo: toBigIntOrNull(r.scanned_to),
      lastError: r.last_error,
      updatedAt: toDate(r.updated_at),
      rpcCalls: Number(r.rpc_calls),
      rpcErrors: Number(r.rpc_errors),
    }))
  })
