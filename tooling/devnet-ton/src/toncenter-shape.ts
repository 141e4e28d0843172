import { Address, type Cell, type Message, type Transaction, type TupleItem } from "@ton/core"

/**
 * Serializes a real (sandbox-executed) transaction into the toncenter v2 `getTransactions` item shape, the
 * same shape as the recorded fixture: user-friendly addresses, decimal strings, standard base64 hashes, the
 * whole transaction as the `data` BOC and the in-message body as a BOC.
 */
export const accountOf = (tx: Transaction, workchain = 0): Address =>
  new Address(workchain, Buffer.from(tx.address.toString(16).padStart(64, "0"), "hex"))

const friendly = (a: Address | null | undefined): string => (a ? a.toString({ bounceable: true }) : "")
const boc = (c: Cell): string => c.toBoc().toString("base64")

const messageJson = (m: Message) => {
  const info = m.info
  const internal = info.type === "internal"
  return {
    "@type": "raw.message",
    source: info.type === "external-in" ? "" : friendly(info.src as Address),
    destination: info.type === "external-out" ? "" : friendly(info.dest as Address),
    value: internal ? info.value.coins.toString() : "0",
    fwd_fee: internal ? info.forwardFee.toString() : "0",
    ihr_fee: internal ? info.ihrFee.toString() : "0",
    created_lt: info.type === "external-in" ? "0" : info.createdLt.toString(),
    body_hash: m.body.hash().toString("base64"),
    msg_data: { "@type": "msg.dataRaw", body: boc(m.body), init_state: "" },
    message: `${m.body.bits.subbuffer(0, m.body.bits.length - (m.body.bits.length % 8))?.toString("base64") ?? ""}\n`,
  }
}

export const toToncenterV2 = (tx: Transaction) => {
  const d = tx.description
  const storage = d.type === "generic" && d.storagePhase ? d.storagePhase.storageFeesCollected : 0n
  const fee = tx.totalFees.coins
  return {
    "@type": "raw.transaction",
    address: { "@type": "accountAddress", account_address: friendly(accountOf(tx)) },
    utime: tx.now,
    data: boc(tx.raw),
    transaction_id: {
      "@type": "internal.transactionId",
      lt: tx.lt.toString(),
      hash: tx.hash().toString("base64"),
    },
    fee: fee.toString(),
    storage_fee: storage.toString(),
    other_fee: (fee - storage).toString(),
    in_msg: tx.inMessage ? messageJson(tx.inMessage) : null,
    out_msgs: [...tx.outMessages.values()].map(messageJson),
  }
}
export type ToncenterTx = ReturnType<typeof toToncenterV2>

/** toncenter v2 `runGetMethod` stack entries, both directions. */
export const stackFromToncenter = (entries: ReadonlyArray<[string, unknown]>, parse: (b64: string) => Cell) =>
  entries.map(([type, value]): TupleItem => {
    if (type === "num") return { type: "int", value: BigInt(String(value)) }
    if (type === "tvm.Slice") return { type: "slice", cell: parse(String(value)) }
    if (type === "tvm.Cell") return { type: "cell", cell: parse(String(value)) }
    throw new Error(`unsupported stack entry ${type}`)
  })

export const stackToToncenter = (items: ReadonlyArray<TupleItem>): Array<[string, unknown]> =>
  items.map((item): [string, unknown] => {
    switch (item.type) {
      case "int":
        return ["num", item.value < 0n ? `-0x${(-item.value).toString(16)}` : `0x${item.value.toString(16)}`]
      case "cell":
      case "slice":
      case "builder":
        return ["cell", { bytes: boc(item.cell), object: {} }]
      case "null":
        return ["null", null]
      default:
        throw new Error(`unsupported stack item ${item.type}`)
    }
  })

/** toncenter v3's raw address form: `0:` and the upper-case hex hash (as the indexer stores it). */
export const rawUpper = (a: Address): string => `${a.workChain}:${a.hash.toString("hex").toUpperCase()}`
const bocCrc = (c: Cell): string => c.toBoc({ idx: false, crc32: true }).toString("base64")

/**
 * The toncenter v3 `jetton/transfers` record of a sandbox transaction whose in-message is a TEP-74 `transfer`
 * on a jetton wallet of `master` (null for any other transaction), built field by field like
 * toncenter/ton-indexer (PROVENANCE.md, `toncenter_v3_jetton_transfers_*`): the sender's jetton wallet
 * transaction, raw upper-case addresses, standard base64 hashes, decimal strings, `custom_payload` and
 * `forward_payload` as the BOC of their reference cell or null (an inline forward payload reads null, as the
 * indexer reads the field as `Maybe ^Cell`). `decoded_*` are null (toncenter's decoders are not emulated);
 * `trace_id` is the transaction's own hash here (the sandbox keeps no traces).
 */
export const toToncenterV3JettonTransfer = (tx: Transaction, master: Address) => {
  const m = tx.inMessage
  if (m === undefined || m === null || m.info.type !== "internal") return null
  try {
    const s = m.body.beginParse()
    if (s.remainingBits < 32 || s.loadUint(32) !== 0x0f8a7ea5) return null
    const queryId = s.loadUintBig(64)
    const amount = s.loadCoins()
    const destination = s.loadAddress()
    const response = s.loadMaybeAddress()
    const custom = s.loadMaybeRef()
    const forwardTonAmount = s.loadCoins()
    const forward = s.remainingBits > 0 && s.loadBit() && s.remainingRefs > 0 ? s.loadRef() : null
    const d = tx.description
    const hash = tx.hash().toString("base64")
    return {
      query_id: queryId.toString(),
      source: rawUpper(m.info.src),
      destination: rawUpper(destination),
      amount: amount.toString(),
      source_wallet: rawUpper(accountOf(tx)),
      jetton_master: rawUpper(master),
      transaction_hash: hash,
      transaction_lt: tx.lt.toString(),
      transaction_now: tx.now,
      transaction_aborted: d.type === "generic" ? d.aborted : false,
      response_destination: response === null ? null : rawUpper(response),
      custom_payload: custom === null ? null : bocCrc(custom),
      decoded_custom_payload: null,
      forward_ton_amount: forwardTonAmount.toString(),
      forward_payload: forward === null ? null : bocCrc(forward),
      decoded_forward_payload: null,
      trace_id: hash,
    }
  } catch {
    return null
  }
}
export type ToncenterV3JettonTransfer = NonNullable<ReturnType<typeof toToncenterV3JettonTransfer>>
