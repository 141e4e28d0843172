import { Address, Cell, loadTransaction } from "@ton/core"
import { Schema } from "effect"
import {
  type InternalTransfer,
  parseInternalTransfer,
  parseTransferNotification,
  type TransferNotification,
} from "./jetton.js"

/** One element of toncenter v2 `getTransactions` `result[]` (`raw.transaction`); only the fields we read. */
export const ToncenterTransaction = Schema.Struct({
  utime: Schema.Number,
  /** The whole transaction as a base64 BOC: the source of truth (its cell hash is the transaction hash). */
  data: Schema.String,
  transaction_id: Schema.Struct({ lt: Schema.String, hash: Schema.String }),
  /** Only read when the `data` BOC cannot be decoded (a TL-B construct newer than @ton/core). */
  in_msg: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        source: Schema.String,
        value: Schema.String,
        msg_data: Schema.optional(Schema.Struct({ body: Schema.optional(Schema.String) })),
      }),
    ),
  ),
})
export type ToncenterTransaction = typeof ToncenterTransaction.Type

/** A toncenter v2 transaction decoded from its `data` BOC with @ton/core. */
export interface TonTransaction {
  readonly lt: bigint
  /** Lower-case hex of the transaction cell hash (what explorers show). */
  readonly hash: string
  /** Standard base64 of the same hash (what toncenter's lt/hash paging takes). */
  readonly hashBase64: string
  readonly utime: number
  /** The compute or action phase failed (or was skipped): the account's own state change was rolled back. */
  readonly aborted: boolean
  /** Compute phase ran and succeeded, and the action phase (if any) succeeded. */
  readonly succeeded: boolean
  /**
   * `boc`: decoded from `data`. `json`: `data` hashed right but did not decode, so the in-message comes from
   * toncenter's JSON and the phases are unknown (`aborted` and `succeeded` are false).
   */
  readonly decodedFrom: "boc" | "json"
  /** The internal in-message, if the transaction was caused by one. */
  readonly inMessage: {
    readonly source: Address
    readonly bounced: boolean
    readonly value: bigint
    readonly body: Cell
  } | null
}

export class MalformedTransaction extends Error {
  override readonly name = "MalformedTransaction"
}

/**
 * Decodes a toncenter v2 `raw.transaction` from its `data` BOC and checks that the BOC is the transaction
 * toncenter says it is (same lt, cell hash equal to `transaction_id.hash`). Throws `MalformedTransaction`.
 */
export const decodeToncenterTransaction = (json: ToncenterTransaction): TonTransaction => {
  let cell: Cell
  try {
    cell = Cell.fromBase64(json.data)
  } catch (e) {
    throw new MalformedTransaction(`transaction ${json.transaction_id.lt}: data is not a BOC (${String(e)})`)
  }
  const hash = cell.hash()
  const hashBase64 = hash.toString("base64")
  if (hashBase64 !== json.transaction_id.hash) {
    throw new MalformedTransaction(
      `transaction ${json.transaction_id.lt}: data hash ${hashBase64} ≠ transaction_id`,
    )
  }
  let tx: ReturnType<typeof loadTransaction>
  try {
    tx = loadTransaction(cell.beginParse())
  } catch {
    return fromJson(json, hash)
  }
  if (tx.lt.toString() !== json.transaction_id.lt) {
    throw new MalformedTransaction(`transaction ${json.transaction_id.lt}: data lt is ${tx.lt}`)
  }
  const d = tx.description
  const aborted = d.type === "generic" ? d.aborted : false
  const succeeded =
    d.type === "generic" &&
    !d.aborted &&
    d.computePhase.type === "vm" &&
    d.computePhase.success &&
    (d.actionPhase === undefined || d.actionPhase === null || d.actionPhase.success)
  const m = tx.inMessage
  const inMessage =
    m !== undefined && m !== null && m.info.type === "internal"
      ? { source: m.info.src, bounced: m.info.bounced, value: m.info.value.coins, body: m.body }
      : null
  return {
    lt: tx.lt,
    hash: hash.toString("hex"),
    hashBase64,
    utime: tx.now,
    aborted,
    succeeded,
    decodedFrom: "boc",
    inMessage,
  }
}

const fromJson = (json: ToncenterTransaction, hash: Buffer): TonTransaction => {
  let inMessage: TonTransaction["inMessage"] = null
  const m = json.in_msg
  if (m && m.source !== "" && m.msg_data?.body !== undefined) {
    try {
      inMessage = {
        source: Address.parse(m.source),
        bounced: false,
        value: BigInt(m.value),
        body: Cell.fromBase64(m.msg_data.body),
      }
    } catch {
      inMessage = null
    }
  }
  return {
    lt: BigInt(json.transaction_id.lt),
    hash: hash.toString("hex"),
    hashBase64: hash.toString("base64"),
    utime: json.utime,
    aborted: false,
    succeeded: false,
    decodedFrom: "json",
    inMessage,
  }
}

/**
 * The jetton notification carried by an owner wallet's transaction, with the jetton wallet that sent it.
 * The `aborted` flag is deliberately not looked at: see the README ("Why an aborted transaction can be a
 * payment"). Whether the source is the genuine jetton wallet is the caller's check.
 */
export const notificationOf = (
  tx: TonTransaction,
): { readonly jettonWallet: Address; readonly notification: TransferNotification } | null => {
  const m = tx.inMessage
  if (m === null || m.bounced) return null
  const notification = parseTransferNotification(m.body)
  return notification === null ? null : { jettonWallet: m.source, notification }
}

/**
 * The jetton credit carried by a jetton wallet's own transaction (`internal_transfer` in-message), or null.
 * Here the flags matter: the genuine wallet code throws on a forged `internal_transfer`, so only a transaction
 * that succeeded credited the balance.
 */
export const creditOf = (tx: TonTransaction): InternalTransfer | null => {
  const m = tx.inMessage
  if (m === null || m.bounced || !tx.succeeded) return null
  return parseInternalTransfer(m.body)
}
