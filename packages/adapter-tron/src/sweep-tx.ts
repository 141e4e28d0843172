import { tronAddressFromBytes, tronAddressToHex } from "./address.js"
import { getBytes, recoverAddress, Signature, toBeHex } from "ethers"
import { utils } from "tronweb"

/**
 * Tron transactions built and signed offline with tronweb's protobuf encoder: no node is asked to build them
 * (`/wallet/triggersmartcontract` would), so what is signed is exactly what was decided here. The JSON shape is
 * java-tron's (`raw_data` with `contract[0].parameter.value`, hex addresses with the `41` prefix), as in the
 * recorded transactions of tooling/fixtures/tron.
 */

/** The block a transaction references (TaPoS): java-tron refuses a transaction whose reference is unknown. */
export interface RefBlock {
  readonly number: bigint
  /** `blockID`, 64 hex digits. */
  readonly id: string
  /** Block timestamp, ms. */
  readonly timestamp: number
}

export interface TronRawData {
  readonly contract: ReadonlyArray<{
    readonly parameter: { readonly value: Record<string, unknown>; readonly type_url: string }
    readonly type: "TriggerSmartContract" | "TransferContract"
  }>
  readonly ref_block_bytes: string
  readonly ref_block_hash: string
  readonly expiration: number
  readonly timestamp: number
  readonly fee_limit?: number
}

export interface TronTransaction {
  readonly visible: false
  readonly txID: string
  readonly raw_data: TronRawData
  readonly raw_data_hex: string
  readonly signature?: ReadonlyArray<string>
}

/** How long a signed transaction stays valid (java-tron accepts at most 24 h). */
export const DEFAULT_EXPIRATION_MS = 10 * 60_000

/** `ref_block_bytes`: bytes 6–7 of the block number; `ref_block_hash`: bytes 8–15 of the block id. */
export const refBlockFields = (ref: RefBlock) => ({
  ref_block_bytes: (ref.number & 0xffffn).toString(16).padStart(4, "0"),
  ref_block_hash: ref.id.toLowerCase().slice(16, 32),
})

/** ABI calldata of `transfer(address,uint256)` (selector a9059cbb), the recipient as a 20-byte word. */
export const trc20TransferData = (to: string, amount: bigint): string => {
  if (amount < 0n || amount >= 2n ** 256n) throw new Error(`amount out of range: ${amount}`)
  return `a9059cbb${tronAddressToHex(to).slice(2).padStart(64, "0")}${amount.toString(16).padStart(64, "0")}`
}

const finish = (raw_data: TronRawData): TronTransaction => {
  const draft = { visible: false as const, txID: "", raw_data, raw_data_hex: "" }
  const pb = utils.transaction.txJsonToPb(draft)
  return {
    visible: false,
    txID: utils.transaction.txPbToTxID(pb).replace(/^0x/, "").toLowerCase(),
    raw_data,
    raw_data_hex: utils.transaction.txPbToRawDataHex(pb).toLowerCase(),
  }
}

const common = (
  ref: RefBlock,
  opts: { expirationMs?: number | undefined; timestamp?: number | undefined },
) => ({
  ...refBlockFields(ref),
  expiration: ref.timestamp + (opts.expirationMs ?? DEFAULT_EXPIRATION_MS),
  timestamp: opts.timestamp ?? ref.timestamp,
})

/** An unsigned TRC-20 `transfer` (a `TriggerSmartContract` with no call value). */
export const buildTrc20Transfer = (p: {
  readonly owner: string
  readonly contract: string
  readonly to: string
  readonly amount: bigint
  /** Sun the network may burn for energy at most. */
  readonly feeLimit: bigint
  readonly ref: RefBlock
  readonly expirationMs?: number | undefined
  readonly timestamp?: number | undefined
}): TronTransaction =>
  finish({
    contract: [
      {
        parameter: {
          value: {
            data: trc20TransferData(p.to, p.amount),
            owner_address: tronAddressToHex(p.owner),
            contract_address: tronAddressToHex(p.contract),
          },
          type_url: "type.googleapis.com/protocol.TriggerSmartContract",
        },
        type: "TriggerSmartContract",
      },
    ],
    ...common(p.ref, p),
    fee_limit: Number(p.feeLimit),
  })

/** An unsigned TRX transfer (`TransferContract`), amount in sun. */
export const buildTrxTransfer = (p: {
  readonly owner: string
  readonly to: string
  readonly amount: bigint
  readonly ref: RefBlock
  readonly expirationMs?: number | undefined
  readonly timestamp?: number | undefined
}): TronTransaction =>
  finish({
    contract: [
      {
        parameter: {
          value: {
            amount: Number(p.amount),
            owner_address: tronAddressToHex(p.owner),
            to_address: tronAddressToHex(p.to),
          },
          type_url: "type.googleapis.com/protocol.TransferContract",
        },
        type: "TransferContract",
      },
    ],
    ...common(p.ref, p),
  })

/** Signs the transaction id (secp256k1, recoverable, 65 bytes) offline. */
export const signTronTransaction = (tx: TronTransaction, privateKey: string): TronTransaction => {
  const copy = { ...tx, raw_data: tx.raw_data } as TronTransaction & { signature?: string[] }
  const signed = utils.crypto.signTransaction(privateKey.replace(/^0x/, ""), {
    ...copy,
    signature: undefined,
  }) as unknown as { signature: string[] }
  return { ...tx, signature: signed.signature.map((s) => s.replace(/^0x/, "").toLowerCase()) }
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/**
 * The `T…` address that signed a transaction (recovered from its first signature), or null. Tron accepts
 * high-s signatures (one of the recorded mainnet transactions has one), so they are normalized first.
 */
export const tronSigner = (tx: Pick<TronTransaction, "txID" | "signature">): string | null => {
  const sig = tx.signature?.[0]?.replace(/^0x/, "")
  if (sig === undefined || !/^[0-9a-fA-F]{130}$/.test(sig)) return null
  try {
    const r = `0x${sig.slice(0, 64)}`
    let s = BigInt(`0x${sig.slice(64, 128)}`)
    let v = Number.parseInt(sig.slice(128), 16)
    if (v >= 27) v -= 27
    if (v !== 0 && v !== 1) return null
    if (s > SECP256K1_N / 2n) {
      s = SECP256K1_N - s
      v ^= 1
    }
    const address = recoverAddress(`0x${tx.txID}`, Signature.from({ r, s: toBeHex(s, 32), v: 27 + v }))
    return tronAddressFromBytes(getBytes(address))
  } catch {
    return null
  }
}

/** The id and raw hex a node would compute from this JSON (to check a transaction is self-consistent). */
export const recomputeTronTx = (tx: Pick<TronTransaction, "raw_data">) => {
  const pb = utils.transaction.txJsonToPb({ visible: false, raw_data: tx.raw_data })
  return {
    txID: utils.transaction.txPbToTxID(pb).replace(/^0x/, "").toLowerCase(),
    raw_data_hex: utils.transaction.txPbToRawDataHex(pb).toLowerCase(),
  }
}

/**
 * Bandwidth java-tron charges: the serialized transaction without `ret` (raw_data field + one 65-byte
 * signature field) plus 64 bytes reserved for the result. 345 for the recorded USDT transfers.
 */
export const tronBandwidthBytes = (rawDataHex: string, signatures = 1): bigint => {
  const raw = BigInt(rawDataHex.length / 2)
  const lenBytes = raw < 128n ? 1n : raw < 16384n ? 2n : 3n
  return 1n + lenBytes + raw + BigInt(signatures) * 67n + 64n
}
