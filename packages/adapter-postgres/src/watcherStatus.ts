import type { NetworkId, StoreError } from "@inzi/core"
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
  run("recordWatcherStatus", async () => {
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
