import { decideExpiry, type ExpirySweepService, IDEMPOTENCY_TTL_MS } from "@inzi/core"
import { type Kysely, sql } from "kysely"
import { compactCheckoutCounts } from "./checkoutCounts.js"
import type { CheckoutStoreOptions } from "./storeOptions.js"
import { run } from "./errors.js"
import { makeIngestWriter } from "./ingestWrites.js"
import { compactOpsCounts } from "./opsCounts.js"
import type { DB } from "./schema.js"

/** `ExpirySweep` over kysely (core's `isOverdue` as the filter, `decideExpiry` per checkout). */
export const makeExpirySweep = (db: Kysely<DB>, options: CheckoutStoreOptions = {}): ExpirySweepService => {
  const writer = makeIngestWriter(options)
  return {
    sweepExpired: (now, limit) =>
      run("sweepExpired", () =>
        db.transaction().execute(async (trx) => {
          // SKIP LOCKED: several sweepers split the work; a checkout busy in a chain transaction waits a round.
          const due = await trx
            .selectFrom("checkouts")
            .select("id")
            .where("status", "=", "pending")
            .where("expires_at", "<=", now)
            .orderBy("expires_at")
            .limit(limit)
            .forUpdate()
            .skipLocked()
            .execute()
          let swept = 0
          for (const { id } of due) {
            const locked = await writer.lockCheckout(trx, id)
            if (locked === null) continue
            const r = await writer.write(trx, locked, decideExpiry(locked.ledger, now), now)
            if (r.applied) swept++
          }
          // Idempotency records live 24 h; the sweeper keeps the table bounded (a batch per round).
          await sql`
            DELETE FROM idempotency_keys WHERE ctid IN (
              SELECT ctid FROM idempotency_keys WHERE created_at <= ${new Date(now.getTime() - IDEMPOTENCY_TTL_MS)}
              LIMIT ${Math.max(limit, 100)})`.execute(trx)
          // …and folds a batch of the list counters' and the metrics counters' deltas, so they stay few.
          await compactCheckoutCounts(trx)
          await compactOpsCounts(trx)
          return swept
        }),
      ),
  }
}
