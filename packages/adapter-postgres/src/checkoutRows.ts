import {
  type ChainFamily,
  type Checkout,
  type CheckoutStatus,
  currentStatus,
  type DepositTargets,
  type Mode,
} from "@inzi/core"
import { type Kysely, type Selectable, sql, type Transaction } from "kysely"
import { fromJson, networksOfCheckout, paymentFromRow, toBigInt, toDate } from "./rows.js"
import type { CheckoutsTable, DB } from "./schema.js"

/** Reading checkouts with their targets and payments, for the checkout reads and the ledger alike. */

type Db = Kysely<DB> | Transaction<DB>

/**
 * The deposit targets of checkout `c.id` as one JSON array `[{ family, address, memo, index }]` (the index as
 * text), in primary-key order; an ARRAY sublink, not an aggregate: nothing is set up per read beyond the index
 * scan (see `paymentsJson` in checkoutReads.ts).
 */
export const targetsJson = sql<unknown>`array_to_json(ARRAY(SELECT json_build_object('family', t.family,
  'address', t.address, 'memo', t.memo, 'index', t.derivation_index::text)
  FROM deposit_targets t WHERE t.checkout_id = c.id))`

/** `targetsJson` as core's `DepositTargets` (entries by family name). */
export const targetsFromJson = (json: unknown): DepositTargets => {
  const rows = (fromJson(json) ?? []) as ReadonlyArray<{
    readonly family: string
    readonly address: string | null
    readonly memo: string | null
    readonly index: string
  }>
  const entries = rows.map((r) => ({ family: r.family as ChainFamily, address: r.address, memo: r.memo }))
  // The read's index scan gives family order already: sort (it allocates, on every read) only when it did not.
  for (let i = 1; i < entries.length; i++)
    if (entries[i - 1]!.family > entries[i]!.family) {
      entries.sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0))
      break
    }
  return { derivationIndex: rows[0] === undefined ? 0n : toBigInt(rows[0].index), entries }
}

export type CheckoutRow = Selectable<CheckoutsTable> & { readonly targets: unknown }

export const selectCheckouts = (db: Db) =>
  db.selectFrom("checkouts as c").selectAll("c").select(targetsJson.as("targets"))

const loadPayments = async (db: Db, ids: ReadonlyArray<string>) => {
  const byCheckout = new Map<string, Array<ReturnType<typeof paymentFromRow>>>()
  if (ids.length === 0) return byCheckout
  const rows = await db
    .selectFrom("payments")
    .selectAll()
    .where("checkout_id", "in", ids)
    .orderBy("detected_at")
    .orderBy("tx_hash")
    .orderBy("log_index")
    .execute()
  for (const r of rows) {
    const list = byCheckout.get(r.checkout_id) ?? []
    list.push(paymentFromRow(r))
    byCheckout.set(r.checkout_id, list)
  }
  return byCheckout
}

export const toCheckout = (
  r: CheckoutRow,
  payments: ReadonlyArray<ReturnType<typeof paymentFromRow>>,
  now: Date | null,
): Checkout => {
  const stored = r.status as CheckoutStatus
  const expiresAt = toDate(r.expires_at)
  return {
    id: r.id,
    merchantId: r.merchant_id,
    mode: r.mode as Mode,
    status: now === null ? stored : currentStatus({ status: stored, expiresAt }, now),
    amountCents: toBigInt(r.amount_cents),
    currency: "USD",
    description: r.description,
    metadataJson: r.metadata,
    customerEmail: r.customer_email,
    redirectUrl: r.redirect_url,
    webhookUrl: r.webhook_url,
    targets: targetsFromJson(r.targets),
    networks: networksOfCheckout(r.networks),
    payments,
    expiresAt,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  }
}

export const withPayments = async (db: Db, rows: ReadonlyArray<CheckoutRow>, now: Date | null) => {
  const payments = await loadPayments(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => toCheckout(r, payments.get(r.id) ?? [], now))
}
