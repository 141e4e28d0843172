import { normalizeTronAddress } from "./address.js"

/**
 * Parsing of java-tron `TransactionInfo` objects (`wallet/gettransactioninfobyid`,
 * `wallet/gettransactioninfobyblocknum`) into TRC-20 transfers. Pure: no I/O.
 */

/** keccak256("Transfer(address,address,uint256)"), as Tron logs spell it (no `0x`). */
export const TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

/** One TRC-20 `Transfer` log of a successful transaction. Addresses are canonical base58. */
export interface TronTransfer {
  /** Transaction id: 64 lower-case hex digits, no `0x` (as Tron explorers show it). */
  readonly txHash: string
  /** Index of the log within the transaction (TronGrid's `event_index`). */
  readonly logIndex: number
  readonly blockNumber: bigint
  readonly blockTimestampMs: number | null
  readonly contract: string
  readonly from: string
  readonly to: string
  readonly amount: bigint
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const TX_ID_RE = /^[0-9a-fA-F]{64}$/
const WORD_RE = /^(0x)?[0-9a-fA-F]{64}$/

/** A transaction id in canonical form (lower-case hex, no `0x`), or null. */
export const normalizeTxId = (id: string): string | null => {
  const s = id.startsWith("0x") ? id.slice(2) : id
  return TX_ID_RE.test(s) ? s.toLowerCase() : null
}

/**
 * True for a transaction whose contract execution succeeded. Failed calls (`result: "FAILED"`, receipt results
 * such as `OUT_OF_ENERGY`, `REVERT`) moved no tokens and never count, whatever they carry.
 */
export const isSuccessfulInfo = (info: unknown): boolean => {
  if (!isRecord(info)) return false
  if (info.result !== undefined && info.result !== "SUCCESS") return false
  const receipt = info.receipt
  return isRecord(receipt) && receipt.result === "SUCCESS"
}

/** A `{}` answer: java-tron's way of saying "no such transaction". */
export const isEmptyInfo = (info: unknown): boolean => isRecord(info) && Object.keys(info).length === 0

/** Block number of a transaction info, or null when absent (unknown transaction). */
export const infoBlockNumber = (info: unknown): bigint | null =>
  isRecord(info) && typeof info.blockNumber === "number" && Number.isSafeInteger(info.blockNumber)
    ? BigInt(info.blockNumber)
    : null

/** The `Transfer` log at `logIndex` of `info` parsed, when it is a well-formed TRC-20 transfer. */
const parseTransferLog = (
  txHash: string,
  blockNumber: bigint,
  blockTimestampMs: number | null,
  log: unknown,
  logIndex: number,
  contracts: ReadonlySet<string>,
): TronTransfer | null => {
  if (!isRecord(log) || typeof log.address !== "string" || typeof log.data !== "string") return null
  const topics = log.topics
  if (!Array.isArray(topics) || topics.length !== 3) return null
  const [t0, t1, t2] = topics as ReadonlyArray<unknown>
  if (typeof t0 !== "string" || typeof t1 !== "string" || typeof t2 !== "string") return null
  if (t0.replace(/^0x/, "").toLowerCase() !== TRANSFER_TOPIC) return null
  if (!WORD_RE.test(log.data)) return null
  // The contract first: most Transfer logs of a block are other tokens', so skip their address work.
  const contract = normalizeTronAddress(log.address)
  if (contract === null || !contracts.has(contract)) return null
  const from = normalizeTronAddress(t1)
  const to = normalizeTronAddress(t2)
  if (from === null || to === null) return null
  const amount = BigInt(`0x${log.data.replace(/^0x/, "")}`)
  return { txHash, logIndex, blockNumber, blockTimestampMs, contract, from, to, amount }
}

/**
 * The TRC-20 transfers of one transaction info whose emitting contract is in `contracts` (base58). Returns
 * nothing for failed transactions, for logs of any other contract (look-alike "USDT" tokens, airdrop spam),
 * and for malformed logs.
 */
export const transfersOfInfo = (
  info: unknown,
  contracts: ReadonlySet<string>,
): ReadonlyArray<TronTransfer> => {
  if (!isRecord(info) || !isSuccessfulInfo(info)) return []
  const txHash = typeof info.id === "string" ? normalizeTxId(info.id) : null
  const blockNumber = infoBlockNumber(info)
  if (txHash === null || blockNumber === null || !Array.isArray(info.log)) return []
  const blockTimestampMs = typeof info.blockTimeStamp === "number" ? info.blockTimeStamp : null
  const out: Array<TronTransfer> = []
  info.log.forEach((log: unknown, logIndex: number) => {
    const transfer = parseTransferLog(txHash, blockNumber, blockTimestampMs, log, logIndex, contracts)
    if (transfer !== null) out.push(transfer)
  })
  return out
}

/** The transfer at `logIndex` of `info`, if the transaction succeeded and that log is a configured token's. */
export const transferAt = (
  info: unknown,
  logIndex: number,
  contracts: ReadonlySet<string>,
): TronTransfer | null => transfersOfInfo(info, contracts).find((t) => t.logIndex === logIndex) ?? null
