/**
 * Parsing of ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` logs. Accepts the raw
 * JSON-RPC shape (hex quantities, lower-case addresses) and the ethers-style shape (numbers, EIP-55 addresses,
 * `index` or `logIndex`). Pure: the scanner and the fixture tests use the same function.
 */

/** keccak256("Transfer(address,address,uint256)"). */
export const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

export interface TransferLog {
  /** Token contract, lower-case. */
  readonly contract: string
  /** Lower-case. */
  readonly from: string
  /** Lower-case. */
  readonly to: string
  /** Token base units. */
  readonly amount: bigint
  readonly blockNumber: bigint
  /** Lower-case. */
  readonly blockHash: string
  /** Lower-case. */
  readonly txHash: string
  readonly logIndex: number
  /** True when the node reports the log as removed by a reorg (it never counts). */
  readonly removed: boolean
}

const HASH = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
/** A 32-byte topic holding an address: 12 zero bytes then 20 address bytes. */
const ADDRESS_TOPIC = /^0x0{24}([0-9a-fA-F]{40})$/

/** A JSON-RPC quantity (`"0x1a"`), a JSON number, or a decimal string, as a bigint; null when malformed. */
export const parseQuantity = (value: unknown): bigint | null => {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : null
  if (typeof value === "bigint") return value >= 0n ? value : null
  if (typeof value !== "string") return null
  if (/^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value)
  if (/^[0-9]+$/.test(value)) return BigInt(value)
  return null
}

const field = (log: Record<string, unknown>, ...names: ReadonlyArray<string>): unknown => {
  for (const n of names) if (log[n] !== undefined) return log[n]
  return undefined
}

/**
 * Parses one log. Returns null for anything that is not a well-formed ERC-20 Transfer: another event, an
 * ERC-721 Transfer (tokenId indexed: 4 topics), a malformed address topic, or data that is not one word.
 */
export const parseTransferLog = (raw: unknown): TransferLog | null => {
  if (typeof raw !== "object" || raw === null) return null
  const log = raw as Record<string, unknown>
  const topics = log.topics
  if (!Array.isArray(topics) || topics.length !== 3) return null
  if (typeof topics[0] !== "string" || topics[0].toLowerCase() !== TRANSFER_TOPIC) return null
  const fromMatch = typeof topics[1] === "string" ? ADDRESS_TOPIC.exec(topics[1]) : null
  const toMatch = typeof topics[2] === "string" ? ADDRESS_TOPIC.exec(topics[2]) : null
  if (fromMatch === null || toMatch === null) return null
  const address = log.address
  if (typeof address !== "string" || !ADDRESS.test(address)) return null
  const data = log.data
  if (typeof data !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(data)) return null
  const blockNumber = parseQuantity(log.blockNumber)
  const logIndex = parseQuantity(field(log, "logIndex", "index"))
  const blockHash = log.blockHash
  const txHash = field(log, "transactionHash", "hash")
  if (blockNumber === null || logIndex === null || logIndex > BigInt(Number.MAX_SAFE_INTEGER)) return null
  if (typeof blockHash !== "string" || !HASH.test(blockHash)) return null
  if (typeof txHash !== "string" || !HASH.test(txHash)) return null
  return {
    contract: address.toLowerCase(),
    from: `0x${fromMatch[1]!.toLowerCase()}`,
    to: `0x${toMatch[1]!.toLowerCase()}`,
    amount: BigInt(data),
    blockNumber,
    blockHash: blockHash.toLowerCase(),
    txHash: txHash.toLowerCase(),
    logIndex: Number(logIndex),
    removed: log.removed === true,
  }
}

/** Parses a list of logs, dropping what is not a Transfer; keeps chain order (block, then log index). */
export const parseTransferLogs = (raw: ReadonlyArray<unknown>): ReadonlyArray<TransferLog> =>
  raw
    .map(parseTransferLog)
    .filter((l): l is TransferLog => l !== null)
    .sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    )
