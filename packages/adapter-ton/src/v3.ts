import { Schema } from "effect"

const NullableString = Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })

/**
 * One element of toncenter v3 `GET /api/v3/jetton/transfers` `jetton_transfers[]` (toncenter/ton-indexer
 * `JettonTransfer`; tooling/fixtures/ton, PROVENANCE.md). The record is the **sender's** jetton wallet
 * transaction that processed a TEP-74 `transfer`: `transaction_*` describe that transaction, `source` is the
 * paying owner wallet, `source_wallet` its jetton wallet, `destination` the receiving owner wallet. Addresses
 * are raw (`0:HEX`, upper case), hashes standard base64, lt and amounts decimal strings. `forward_payload` is
 * the BOC of the payload's reference cell, or null: the indexer keeps only a payload sent in a reference, so
 * an inline one (and no payload at all) both read null.
 */
export const JettonTransferV3 = Schema.Struct({
  query_id: Schema.String,
  source: Schema.String,
  destination: Schema.String,
  amount: Schema.String,
  source_wallet: Schema.String,
  jetton_master: Schema.String,
  transaction_hash: Schema.String,
  transaction_lt: Schema.String.pipe(Schema.pattern(/^\d{1,20}$/)),
  transaction_now: Schema.Number,
  /** Absent in answers of older indexer versions (the recorded fixture); toncenter filters aborted ones out. */
  transaction_aborted: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  forward_ton_amount: NullableString,
  forward_payload: NullableString,
})
export type JettonTransferV3 = typeof JettonTransferV3.Type

/** The v3 answer; `address_book` and `metadata` are not read. */
export const JettonTransfersV3 = Schema.Struct({ jetton_transfers: Schema.Array(JettonTransferV3) })
export type JettonTransfersV3 = typeof JettonTransfersV3.Type
