import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { hexlify, keccak256, toBeHex, toUtf8Bytes } from "ethers"
import { tronAddressFromBytes, tronAddressToHex } from "../src/index.js"

/**
 * The recorded Tron responses in tooling/fixtures/tron (see tooling/fixtures/PROVENANCE.md) and transaction infos derived
 * from them: same shape as the real `gettransactioninfobyid` answers, one per TRC-20 row.
 */
const DIR = process.env.INZI_FIXTURES_DIR
  ? `${process.env.INZI_FIXTURES_DIR}/tron/`
  : fileURLToPath(new URL("../../../tooling/fixtures/tron/", import.meta.url))

const load = (name: string): unknown => JSON.parse(readFileSync(`${DIR}${name}`, "utf8"))

/** A java-tron TransactionInfo (the subset of fields we read and fake). */
export interface TxInfo {
  id: string
  blockNumber: number
  blockTimeStamp: number
  contract_address?: string
  receipt: Record<string, unknown>
  result?: string
  resMessage?: string
  fee?: number
  contractResult?: Array<string>
  log?: Array<{ address: string; topics: Array<string>; data: string }>
}

export const INFO_SUCCESS_0130 = load(
  "trongrid_wallet_gettransactioninfobyid_0130dfde_usdt_success.json",
) as TxInfo
export const INFO_SUCCESS_4671 = load(
  "trongrid_wallet_gettransactioninfobyid_46710419_usdt_success_netfee.json",
) as TxInfo
export const INFO_FAILED_13DF = load(
  "trongrid_wallet_gettransactioninfobyid_13df06d5_usdt_failed_out_of_energy.json",
) as TxInfo

export interface Trc20Row {
  transaction_id: string
  token_info: { symbol: string; address: string; decimals: number; name: string }
  block_timestamp: number
  from: string
  to: string
  type: string
  value: string
  detail: { blockNumber: number }
}
export const TRC20_ROWS = (
  load("trongrid_v1_accounts_TL24_transactions_trc20.json") as { data: Array<Trc20Row> }
).data

export const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
export const TL24 = "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre"
export const TRANSFER = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

const word = (hex: string) => hex.padStart(64, "0")
const hex20 = (address: string) => tronAddressToHex(address).slice(2)

/** A successful TRC-20 transfer info shaped like the recorded 0130dfde answer. */
export const transferInfo = (t: {
  readonly id: string
  readonly blockNumber: number
  readonly blockTimeStamp?: number
  readonly contract: string
  readonly from: string
  readonly to: string
  readonly value: bigint
}): TxInfo => ({
  id: t.id,
  fee: 26420100,
  blockNumber: t.blockNumber,
  blockTimeStamp: t.blockTimeStamp ?? 1738601505000,
  contractResult: [word("")],
  contract_address: tronAddressToHex(t.contract),
  receipt: {
    energy_usage: 4475,
    energy_fee: 26420100,
    energy_usage_total: 130285,
    net_usage: 345,
    result: "SUCCESS",
    energy_penalty_total: 100635,
  },
  log: [
    {
      address: hex20(t.contract),
      topics: [TRANSFER, word(hex20(t.from)), word(hex20(t.to))],
      data: word(t.value.toString(16)),
    },
  ],
})

/** The TransactionInfo of one recorded TRC-20 row (USDT or spam), moved to `blockNumber`. */
export const infoOfRow = (row: Trc20Row, blockNumber: number): TxInfo =>
  transferInfo({
    id: row.transaction_id,
    blockNumber,
    blockTimeStamp: row.block_timestamp,
    contract: row.token_info.address,
    from: row.from,
    to: row.to,
    value: BigInt(row.value),
  })

/** Deterministic pseudo-random Tron addresses and tx ids for generated rows. */
export const fakeAddress = (seed: string) =>
  tronAddressFromBytes(hexToBytes(keccak256(toUtf8Bytes(seed)).slice(26)))
export const fakeTxId = (seed: string) => keccak256(toUtf8Bytes(`tx:${seed}`)).slice(2)
const hexToBytes = (hex: string) => {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
export const blockId = (num: number, generation = 0) =>
  `${toBeHex(num, 8).slice(2)}${hexlify(keccak256(toUtf8Bytes(`b${num}/${generation}`))).slice(18)}`
