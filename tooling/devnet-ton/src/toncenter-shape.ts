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
