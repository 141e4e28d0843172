import {
  type ApplyChainEventsInput,
  type ApplyResult,
  type ChainEvent,
  type PaymentLedgerService,
  storableChainEvent,
} from "@inzi/core"
import { type Kysely, sql } from "kysely"
import type { CheckoutStoreOptions } from "./storeOptions.js"
import { run } from "./errors.js"
import { type IngestWriter, makeIngestWriter } from "./ingestWrites.js"
import { isEventDataError, quarantineEvent } from "./quarantine.js"
import { toBigInt } from "./rows.js"
import type { DB } from "./schema.js"

/**
 * One transaction: the events in order, then the cursor. `isolated`: each event in its own savepoint; one
 * that fails with a data error of its own (quarantine.ts) is rolled back alone and kept in
 * `quarantined_events` with the batch's network, instead of failing the batch.
 */
const applyBatch = (
  db: Kysely<DB>,
  writer: IngestWriter,
  input: ApplyChainEventsInput,
  events: ReadonlyArray<ChainEvent>,
  isolated: boolean,
): Promise<ApplyResult> =>
  db.transaction().execute(async (trx): Promise<ApplyResult> => {
    let applied = 0
    let emitted = 0
    let quarantined = 0
    const ctx = { mode: input.mode, requiredConfirmations: input.requiredConfirmations, now: input.now }
    for (const [i, e] of events.entries()) {
      if (isolated) await sql`SAVEPOINT chain_event`.execute(trx)
      let r: { applied: boolean; emitted: number }
      try {
        r = await writer.applyEvent(trx, e, ctx)
      } catch (error) {
        if (!isolated || !isEventDataError(error)) throw error
        await sql`ROLLBACK TO SAVEPOINT chain_event`.execute(trx)
        await sql`RELEASE SAVEPOINT chain_event`.execute(trx)
        await quarantineEvent(trx, input.network, input.events[i] ?? e, error, input.now)
        quarantined++
        continue
      }
      if (isolated) await sql`RELEASE SAVEPOINT chain_event`.execute(trx)
      if (r.applied) applied++
      emitted += r.emitted
    }
    if (input.cursor !== null) {
      await trx
        .insertInto("chain_cursors")
        .values({ network: input.network, cursor: input.cursor, updated_at: input.now })
        .onConflict((oc) =>
          oc.column("network").doUpdateSet({ cursor: input.cursor!, updated_at: input.now }),
        )
        .execute()
    }
    return quarantined > 0 ? { applied, emitted, quarantined } : { applied, emitted }
  })

/** `PaymentLedger` over kysely: reads and writes only; core's usecases/ingest.ts decides every change. */
export const makePaymentLedger = (
  db: Kysely<DB>,
  options: CheckoutStoreOptions = {},
): PaymentLedgerService => {
  const writer = makeIngestWriter(options)
  return {
    pendingPayments: (network, options) =>
      run("pendingPayments", async () => {
        const since = options?.confirmedSince
        // Core's `needsRecheck`, as a filter; `pendingOf`'s shape.
        const rows = await db
          .selectFrom("payments")
          .select([
            "network",
            "tx_hash",
            "log_index",
            "block_number",
            "block_hash",
            "confirmations",
            "status",
            "confirmed_at",
          ])
          .where("network", "=", network)
          .where((eb) =>
            eb.or([
              eb("status", "=", "detected"),
              eb.and([eb("status", "=", "late"), eb("confirmed_at", "is", null)]),
              // Late payments too: the merchant was told of a confirmed one (`checkout.late_payment`).
              ...(since === undefined
                ? []
                : [eb.and([eb("status", "in", ["confirmed", "late"]), eb("confirmed_at", ">=", since)])]),
            ]),
          )
          .orderBy("detected_at")
          .execute()
        return rows.map((r) => ({
          network: r.network,
          txHash: r.tx_hash,
          logIndex: Number(r.log_index),
          blockNumber: r.block_number === null ? null : toBigInt(r.block_number),
          blockHash: r.block_hash,
          confirmations: Number(r.confirmations),
          ...(r.status === "confirmed" || r.confirmed_at !== null ? { confirmed: true } : {}),
        }))
      }),

    getCursor: (network) =>
      run("getCursor", async () => {
        const row = await db
          .selectFrom("chain_cursors")
          .select("cursor")
          .where("network", "=", network)
          .executeTakeFirst()
        return row?.cursor ?? null
      }),

    applyChainEvents: (input) =>
      run("applyChainEvents", async () => {
        // Free text (memos, sender, reasons) made storable by core's one rule, whatever the chain family.
        const events = input.events.map(storableChainEvent)
        try {
          return await applyBatch(db, writer, input, events, false)
        } catch (e) {
          if (!isEventDataError(e)) throw e
          // An event's own data could not be written: apply the batch again, each event in a savepoint, and
          // set aside the ones that fail so that the rest and the cursor commit. Only then: a savepoint per
          // event on every batch would cost round trips and subtransactions (which stop fitting in a
          // backend's snapshot cache past 64) when nothing is wrong.
          return await applyBatch(db, writer, input, events, true)
        }
      }),
  }
}
