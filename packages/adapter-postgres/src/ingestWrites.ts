import type {
  ChainEvent,
  Checkout,
  CheckoutChange,
  IngestDecision,
  IngestLookup,
  LedgerCheckout,
  Mode,
  UnmatchedMoney,
} from "@inzi/core"
import { addressLookups, decideChainEvent, lookupFor, memoForms } from "@inzi/core"
import { sql, type Transaction } from "kysely"
import { selectCheckouts, withPayments } from "./checkoutRows.js"
import { defaultEventId, defaultUnmatchedId } from "./ids.js"
import { selectMerchants } from "./MerchantStorePg.js"
import { merchantFromRow, paymentToRow } from "./rows.js"
import type { DB } from "./schema.js"
import { type CheckoutStoreOptions, minimalEventBody } from "./storeOptions.js"

/**
 * The reads and writes of ingestion over one transaction. What to read is `lookupFor`'s, what to write is
 * core's `IngestDecision`: no rule is decided here.
 */

export interface IngestWriter {
  /** Reads, locks and decides one chain event, then writes the decision. */
  readonly applyEvent: (
    trx: Transaction<DB>,
    e: ChainEvent,
    ctx: { readonly mode: Mode; readonly requiredConfirmations: number; readonly now: Date },
  ) => Promise<Written>
  /** The checkout locked (`FOR UPDATE`) for the rest of the transaction, as core reads it; null when absent. */
  readonly lockCheckout: (trx: Transaction<DB>, checkoutId: string) => Promise<Locked | null>
  readonly write: (
    trx: Transaction<DB>,
    locked: Locked | null,
    d: IngestDecision,
    now: Date,
  ) => Promise<Written>
}

export interface Written {
  readonly applied: boolean
  readonly emitted: number
}

/** A locked checkout: the full object (event bodies render it) and core's view of it. */
export interface Locked {
  readonly checkout: Checkout
  readonly ledger: LedgerCheckout
}

const NONE: Written = { applied: false, emitted: 0 }

/** The checkout owning a deposit target (core's `ownsTarget`, in SQL) or holding a payment; null when none. */
const findOwner = async (trx: Transaction<DB>, lookup: IngestLookup, mode: Mode): Promise<string | null> => {
  if (lookup._tag === "None") return null
  if (lookup._tag === "Payment") {
    const row = await trx
      .selectFrom("payments")
      .select("checkout_id")
      .where("network", "=", lookup.key.network)
      .where("tx_hash", "=", lookup.key.txHash)
      .where("log_index", "=", lookup.key.logIndex)
      .executeTakeFirst()
    return row?.checkout_id ?? null
  }
  // One probe of the unique (lookup, family) index per form of the target (core's `ownsTarget`).
  const target = lookup.target
  if (target.kind === "address") {
    const row = await trx
      .selectFrom("deposit_targets as t")
      .innerJoin("checkouts as c", "c.id", "t.checkout_id")
      .select("t.checkout_id")
      .where("t.lookup", "in", addressLookups(target.address))
      .where("t.address", "is not", null)
      .where("c.mode", "=", mode)
      .executeTakeFirst()
    return row?.checkout_id ?? null
  }
  // A memo: by the merchants whose payout key of a family is the wallet, then `<merchant>:<memo>`.
  const forms = memoForms(target.memo)
  const row = await trx
    .selectFrom("merchant_payout_keys as k")
    .innerJoin("deposit_targets as t", (j) =>
      j.onRef("t.family", "=", "k.family").on(
        "t.lookup",
        "in",
        forms.map((f) => sql<string>`k.merchant_id || ':' || ${f}::text`),
      ),
    )
    .innerJoin("checkouts as c", "c.id", "t.checkout_id")
    .select("t.checkout_id")
    .where("k.key", "=", target.wallet)
    .where("t.memo", "is not", null)
    .where("c.mode", "=", mode)
    .executeTakeFirst()
  return row?.checkout_id ?? null
}

const recordUnmatched = async (trx: Transaction<DB>, id: string, u: UnmatchedMoney): Promise<boolean> => {
  const inserted = await trx
    .insertInto("unmatched_payments")
    .values({
      id,
      network: u.network,
      tx_hash: u.txHash,
      log_index: u.logIndex,
      wallet: u.wallet,
      memo: u.memo,
      token: u.token,
      token_contract: u.tokenContract,
      decimals: u.decimals,
      amount: u.amount.toString(),
      sender: u.sender,
      reason: u.reason,
      observed_at: u.observedAt,
      assigned_checkout_id: null,
      assigned_at: null,
    })
    .onConflict((oc) => oc.columns(["network", "tx_hash", "log_index"]).doNothing())
    .returning("id")
    .executeTakeFirst()
  return inserted !== undefined
}

export const makeIngestWriter = (options: CheckoutStoreOptions): IngestWriter => {
  const render = options.renderEventBody ?? minimalEventBody
  const newEventId = options.newEventId ?? defaultEventId
  const newUnmatchedId = options.newUnmatchedId ?? defaultUnmatchedId

  const lockCheckout = async (trx: Transaction<DB>, checkoutId: string): Promise<Locked | null> => {
    await trx.selectFrom("checkouts").select("id").where("id", "=", checkoutId).forUpdate().execute()
    const row = await selectCheckouts(trx)
      .innerJoin("merchants as m", "m.id", "c.merchant_id")
      .select(["m.webhook_url as merchant_webhook_url", "m.test_webhook_url as merchant_test_webhook_url"])
      .where("c.id", "=", checkoutId)
      .executeTakeFirst()
    if (row === undefined) return null
    const [checkout] = await withPayments(trx, [row], null)
    if (checkout === undefined) return null
    return {
      checkout,
      ledger: {
        id: checkout.id,
        merchantId: checkout.merchantId,
        mode: checkout.mode,
        status: checkout.status,
        amountCents: checkout.amountCents,
        expiresAt: checkout.expiresAt,
        payments: checkout.payments,
        webhookUrl: checkout.webhookUrl,
        merchantWebhookUrls: { live: row.merchant_webhook_url, test: row.merchant_test_webhook_url },
        eventSeq: Number(row.event_seq),
      },
    }
  }

  /** Payments, the checkout row and its outbox events, as decided. */
  const writeChange = async (trx: Transaction<DB>, before: Checkout, change: CheckoutChange, now: Date) => {
    for (const p of change.payments) {
      const values = paymentToRow(change.checkoutId, p, now)
      await trx
        .insertInto("payments")
        .values(values)
        .onConflict((oc) =>
          oc.columns(["network", "tx_hash", "log_index"]).doUpdateSet({
            token: values.token,
            token_contract: values.token_contract,
            decimals: values.decimals,
            amount: values.amount,
            sender: values.sender,
            recipient: values.recipient,
            block_number: values.block_number,
            block_hash: values.block_hash,
            status: values.status,
            confirmations: values.confirmations,
            detected_at: values.detected_at,
            confirmed_at: values.confirmed_at,
            updated_at: now,
          }),
        )
        .execute()
    }
    const statusChanged = change.status !== change.statusBefore
    if (statusChanged || change.events.length > 0) {
      await trx
        .updateTable("checkouts")
        .set((eb) => ({
          status: change.status,
          updated_at: statusChanged ? now : eb.ref("updated_at"),
          event_seq: change.eventSeq,
        }))
        .where("id", "=", change.checkoutId)
        .execute()
    }
    if (change.events.length === 0) return
    const after: Checkout = {
      ...before,
      status: change.status,
      payments: change.state.payments,
      updatedAt: now,
    }
    const merchantRow = await selectMerchants(trx)
      .where("m.id", "=", before.merchantId)
      .executeTakeFirstOrThrow()
    const merchant = merchantFromRow(merchantRow, options.secrets)
    for (const e of change.events) {
      const id = newEventId()
      const header = {
        id,
        type: e.type,
        createdAt: now,
        livemode: before.mode === "live",
        sequence: e.sequence,
        payment: e.payment,
      }
      await trx
        .insertInto("outbox_events")
        .values({
          id,
          type: e.type,
          checkout_id: before.id,
          merchant_id: before.merchantId,
          mode: before.mode,
          url: e.url,
          body: render(header, after, merchant),
          sequence: e.sequence,
          status: e.url === null ? "skipped" : "pending",
          attempts: 0,
          next_attempt_at: e.url === null ? null : now,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
        })
        .execute()
    }
  }

  const write = async (
    trx: Transaction<DB>,
    locked: Locked | null,
    d: IngestDecision,
    now: Date,
  ): Promise<Written> => {
    switch (d._tag) {
      case "Nothing":
        return NONE
      case "Unmatched":
        return { applied: await recordUnmatched(trx, newUnmatchedId(), d.money), emitted: 0 }
      case "Change":
        if (locked === null) throw new Error("a checkout change without its locked checkout")
        await writeChange(trx, locked.checkout, d.change, now)
        return { applied: true, emitted: d.change.events.length }
    }
  }

  return {
    lockCheckout,
    write,
    applyEvent: async (trx, e, ctx) => {
      const owner = await findOwner(trx, lookupFor(e), ctx.mode)
      const locked = owner === null ? null : await lockCheckout(trx, owner)
      // A payment's checkout that vanished between the two reads is no owner: nothing is written for it.
      if (owner !== null && locked === null) return NONE
      return write(trx, locked, decideChainEvent(locked?.ledger ?? null, e, ctx), ctx.now)
    },
  }
}
