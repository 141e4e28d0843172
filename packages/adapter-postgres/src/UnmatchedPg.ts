import {
  type ApplyResult,
  CheckoutNotFound,
  type CheckoutNotFound as CheckoutNotFoundT,
  decideAssignment,
  StoreError,
  type UnmatchedPaymentRecord,
  type UnmatchedPaymentsService,
} from "@inzi/core"
import type { Kysely, Selectable } from "kysely"
import type { CheckoutStoreOptions } from "./storeOptions.js"
import { Fail, run } from "./errors.js"
import { makeIngestWriter } from "./ingestWrites.js"
import { toBigInt, toDate } from "./rows.js"
import type { DB, UnmatchedPaymentsTable } from "./schema.js"

const unmatchedFromRow = (r: Selectable<UnmatchedPaymentsTable>): UnmatchedPaymentRecord => ({
  id: r.id,
  network: r.network,
  txHash: r.tx_hash,
  logIndex: Number(r.log_index),
  wallet: r.wallet,
  memo: r.memo,
  token: r.token,
  amount: toBigInt(r.amount),
  decimals: Number(r.decimals),
  sender: r.sender,
  reason: r.reason,
  observedAt: toDate(r.observed_at),
  assignedCheckoutId: r.assigned_checkout_id,
})

/** `UnmatchedPayments` over kysely; the assignment is decided by core (`decideAssignment`). */
export const makeUnmatchedPayments = (
  db: Kysely<DB>,
  options: CheckoutStoreOptions = {},
): UnmatchedPaymentsService => {
  const writer = makeIngestWriter(options)
  return {
    listUnmatched: (network) =>
      run("listUnmatched", async () => {
        let q = db.selectFrom("unmatched_payments").selectAll()
        if (network !== undefined) q = q.where("network", "=", network)
        const rows = await q.orderBy("observed_at").orderBy("id").execute()
        return rows.map(unmatchedFromRow)
      }),

    assignUnmatched: (unmatchedId, checkoutId, now) =>
      run<ApplyResult, CheckoutNotFoundT>("assignUnmatched", () =>
        db.transaction().execute(async (trx): Promise<ApplyResult> => {
          const u = await trx
            .selectFrom("unmatched_payments")
            .selectAll()
            .where("id", "=", unmatchedId)
            .forUpdate()
            .executeTakeFirst()
          if (u === undefined)
            throw new Fail(new StoreError({ message: `unknown unmatched payment ${unmatchedId}` }))
          const locked = await writer.lockCheckout(trx, checkoutId)
          if (locked === null) throw new Fail(new CheckoutNotFound({ id: checkoutId }))
          const { assign, decision } = decideAssignment(
            { ...unmatchedFromRow(u), tokenContract: u.token_contract },
            locked.ledger,
            now,
          )
          if (!assign) return { applied: 0, emitted: 0 }
          const r = await writer.write(trx, locked, decision, now)
          await trx
            .updateTable("unmatched_payments")
            .set({ assigned_checkout_id: checkoutId, assigned_at: now })
            .where("id", "=", unmatchedId)
            .execute()
          return { applied: r.applied ? 1 : 0, emitted: r.emitted }
        }),
      ),
  }
}
