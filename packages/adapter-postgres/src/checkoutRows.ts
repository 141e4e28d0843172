import { type Checkout, type CheckoutStatus, currentStatus, type Mode } from "@inzi/core"
import type { Kysely, Selectable, Transaction } from "kysely"
import { networksOfCheckout, paymentFromRow, toBigInt, toDate } from "./rows.js"
import type { CheckoutsTable, DB, DepositTargetsTable } from "./schema.js"

/** Reading checkouts with their targets and payments, for the checkout reads and the ledger alike. */

type Db = Kysely<DB> | Transaction<DB>

export type CheckoutRow = Selectable<CheckoutsTable> &
  Pick<Selectable<DepositTargetsTable>, "derivation_index" | "evm_address" | "tron_address" | "ton_comment">

export const selectCheckouts = (db: Db) =>
  db
    .selectFrom("checkouts as c")
    .innerJoin("deposit_targets as t", "t.checkout_id", "c.id")
    .selectAll("c")
    .select(["t.derivation_index", "t.evm_address", "t.tron_address", "t.ton_comment"])

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
    targets: {
      derivationIndex: toBigInt(r.derivation_index),
      evmAddress: r.evm_address,
      tronAddress: r.tron_address,
      tonComment: r.ton_comment,
    },
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
