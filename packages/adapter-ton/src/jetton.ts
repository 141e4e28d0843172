import { Address, type Cell, type Slice } from "@ton/core"

/** TEP-74 `transfer_notification`: the genuine jetton wallet tells its owner that tokens arrived. */
export const OP_TRANSFER_NOTIFICATION = 0x7362d09c
/** TEP-74 `transfer`: an owner asks its jetton wallet to send jettons (what toncenter v3 indexes). */
export const OP_JETTON_TRANSFER = 0x0f8a7ea5
/** TEP-74 `internal_transfer`: a jetton wallet (or the minter) credits another jetton wallet. */
export const OP_INTERNAL_TRANSFER = 0x178d4519
/** A forward payload starting with 32 zero bits is a text comment (the memo). */
export const OP_TEXT_COMMENT = 0
/** Wallet apps' encrypted comment: not readable by Inzi, so it cannot be a memo. */
export const OP_ENCRYPTED_COMMENT = 0x2167da4b

/** What the payer attached to the jetton transfer. */
export type ForwardPayload =
  | { readonly kind: "none" }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "encrypted" }
  | { readonly kind: "binary"; readonly op: number | null }

export interface TransferNotification {
  readonly queryId: bigint
  /** Jetton base units. */
  readonly amount: bigint
  /** The owner wallet that sent the jettons (null for `addr_none` or an external address). */
  readonly sender: Address | null
  readonly forwardPayload: ForwardPayload
}

export interface InternalTransfer {
  readonly queryId: bigint
  readonly amount: bigint
  /** The owner wallet the jettons come from (null for `addr_none`). */
  readonly from: Address | null
  readonly responseAddress: Address | null
  /** Nanotons forwarded to the owner with a `transfer_notification`; 0 means no notification was sent. */
  readonly forwardTonAmount: bigint
  readonly forwardPayload: ForwardPayload
}

const loadInternalAddress = (s: Slice): Address | null => {
  const a = s.loadAddressAny()
  return Address.isAddress(a) ? a : null
}

/** Reads a payload cell's content: text comment (snake, may continue in refs), encrypted, or binary. */
export const readPayload = (s: Slice): ForwardPayload => {
  if (s.remainingBits === 0 && s.remainingRefs === 0) return { kind: "none" }
  if (s.remainingBits < 32) return { kind: "binary", op: null }
  const op = s.loadUint(32)
  if (op === OP_ENCRYPTED_COMMENT) return { kind: "encrypted" }
  if (op !== OP_TEXT_COMMENT) return { kind: "binary", op }
  try {
    return { kind: "text", text: s.loadStringTail() }
  } catch {
    return { kind: "binary", op }
  }
}

/**
 * `forward_payload:(Either Cell ^Cell)`: bit 0 means the payload continues inline in this cell, bit 1 that it
 * sits in the next reference. Some senders omit the Either bit altogether when there is no payload.
 */
export const readForwardPayload = (s: Slice): ForwardPayload => {
  if (s.remainingBits === 0)
    return s.remainingRefs === 0 ? { kind: "none" } : readPayload(s.loadRef().beginParse())
  const inRef = s.loadBit()
  if (inRef) {
    if (s.remainingRefs === 0) return { kind: "binary", op: null }
    return readPayload(s.loadRef().beginParse())
  }
  return readPayload(s)
}

const opOf = (s: Slice): number | null => (s.remainingBits >= 32 ? s.preloadUint(32) : null)

/**
 * Decodes a `transfer_notification#7362d09c query_id:uint64 amount:Coins sender:MsgAddress
 * forward_payload:(Either Cell ^Cell)` body; null when the body is something else or malformed.
 *
 * @example
 * const n = parseTransferNotification(Cell.fromBase64(inMsgBody))
 * if (n?.forwardPayload.kind === "text") console.log(n.amount, n.forwardPayload.text)
 */
export const parseTransferNotification = (body: Cell): TransferNotification | null => {
  try {
    const s = body.beginParse()
    if (opOf(s) !== OP_TRANSFER_NOTIFICATION) return null
    s.skip(32)
    const queryId = s.loadUintBig(64)
    const amount = s.loadCoins()
    const sender = loadInternalAddress(s)
    return { queryId, amount, sender, forwardPayload: readForwardPayload(s) }
  } catch {
    return null
  }
}

/**
 * Decodes an `internal_transfer#178d4519 query_id:uint64 amount:Coins from:MsgAddress
 * response_address:MsgAddress forward_ton_amount:Coins forward_payload:(Either Cell ^Cell)` body.
 */
export const parseInternalTransfer = (body: Cell): InternalTransfer | null => {
  try {
    const s = body.beginParse()
    if (opOf(s) !== OP_INTERNAL_TRANSFER) return null
    s.skip(32)
    const queryId = s.loadUintBig(64)
    const amount = s.loadCoins()
    const from = loadInternalAddress(s)
    const responseAddress = loadInternalAddress(s)
    const forwardTonAmount = s.loadCoins()
    return { queryId, amount, from, responseAddress, forwardTonAmount, forwardPayload: readForwardPayload(s) }
  } catch {
    return null
  }
}

export interface JettonTransferRequest {
  readonly queryId: bigint
  readonly amount: bigint
  /** The receiving owner wallet (null for `addr_none` or an external address). */
  readonly destination: Address | null
  readonly forwardTonAmount: bigint
  readonly forwardPayload: ForwardPayload
}

/**
 * Decodes a `transfer#0f8a7ea5 query_id:uint64 amount:Coins destination:MsgAddress
 * response_destination:MsgAddress custom_payload:(Maybe ^Cell) forward_ton_amount:Coins
 * forward_payload:(Either Cell ^Cell)` body (the sender's jetton wallet in-message).
 */
export const parseJettonTransfer = (body: Cell): JettonTransferRequest | null => {
  try {
    const s = body.beginParse()
    if (opOf(s) !== OP_JETTON_TRANSFER) return null
    s.skip(32)
    const queryId = s.loadUintBig(64)
    const amount = s.loadCoins()
    const destination = loadInternalAddress(s)
    loadInternalAddress(s)
    s.loadMaybeRef()
    const forwardTonAmount = s.loadCoins()
    return { queryId, amount, destination, forwardTonAmount, forwardPayload: readForwardPayload(s) }
  } catch {
    return null
  }
}
