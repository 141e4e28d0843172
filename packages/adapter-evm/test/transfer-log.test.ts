import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  EVM_PRESETS,
  matchTransfers,
  parseTransferLog,
  parseTransferLogs,
  TRANSFER_TOPIC,
} from "../src/index.js"
import { watchOf } from "./helpers.js"

const FIXTURES = join(import.meta.dirname, "../../../tooling/fixtures/evm")
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"))
const NOW = new Date("2026-01-01T00:00:00Z")

describe("Transfer log parser on recorded mainnet data", () => {
  it("parses the raw JSON-RPC eth_getLogs USDT transfer (hex quantities, lower-case)", () => {
    const reply = fixture("eth_getLogs_usdt_transfer_ethereum.json") as { result: Array<unknown> }
    expect(reply.result).toHaveLength(1)
    const log = parseTransferLog(reply.result[0])
    expect(log).toEqual({
      contract: "0xdac17f958d2ee523a2206206994597c13d831ec7",
      from: "0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43",
      to: "0x78cccfb3d517cd4ed6d045e263e134712288ace2",
      amount: 1000105011n,
      blockNumber: 18728830n,
      blockHash: "0xd5c72ad752b2f0144a878594faf8bd9f570f2f72af8e7f0940d3545a6388f629",
      txHash: "0xf3ed91a03ddf964281ac7a24351573efd535b80fc460a5c2ad2b9d23153ec678",
      logIndex: 232,
      removed: false,
    })
  })

  it("matches it against the ethereum preset only when the recipient is watched", () => {
    const reply = fixture("eth_getLogs_usdt_transfer_ethereum.json") as { result: Array<unknown> }
    const logs = parseTransferLogs(reply.result)
    const network = EVM_PRESETS.ethereum
    const hit = matchTransfers({
      network,
      logs,
      watch: watchOf(["0x78cccfb3d517cd4ed6d045e263e134712288ace2"]),
      head: 18728830n + 11n,
      now: NOW,
    })
    expect(hit).toHaveLength(1)
    expect(hit[0]).toMatchObject({
      _tag: "PaymentObserved",
      network: "ethereum",
      token: "USDT",
      decimals: 6,
      amount: 1000105011n,
      sender: "0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43",
      target: { kind: "address", address: "0x78cccfb3d517cd4ed6d045e263e134712288ace2" },
      confirmations: 12,
      logIndex: 232,
    })
    const miss = matchTransfers({
      network,
      logs,
      watch: watchOf(["0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43"]),
      head: 18728830n,
      now: NOW,
    })
    expect(miss).toEqual([]) // the sender is watched, not the recipient: not a payment to us
    // The same log from a contract not configured (e.g. on a network without this token) never counts.
    const other = matchTransfers({
      network: EVM_PRESETS.base,
      logs,
      watch: watchOf([logs[0]!.to]),
      head: 18728830n,
      now: NOW,
    })
    expect(other).toEqual([])
  })

  it("parses the ethers-v5 style log (numbers, EIP-55 addresses) to the same normalized shape", () => {
    const logs = fixture("ethers_v5_logs_usdt_transfer_ethereum_pnetwork.json") as Array<unknown>
    expect(logs).toHaveLength(3)
    expect(parseTransferLog(logs[0])).toEqual({
      contract: "0xdac17f958d2ee523a2206206994597c13d831ec7",
      from: "0xd8a7346ffef357542857ab5fcf7ed1baed08680f",
      to: "0x31c43e2be5bcd4edb512ad47a0f1a93aa22941b9",
      amount: 200000000n,
      blockNumber: 16569423n,
      blockHash: "0x460635ecc1efa7230644fe6c2c01635f873663e81afc8c727947da5560ed12e5",
      txHash: "0x37eeb55eab329c73aeac6a172faa6c77e7013cd0cda0fc472274c5faf0df7003",
      logIndex: 191,
      removed: false,
    })
  })

  it("rejects the pNetwork events (other contracts, non-Transfer topics)", () => {
    const logs = fixture("ethers_v5_logs_usdt_transfer_ethereum_pnetwork.json") as Array<unknown>
    expect(parseTransferLog(logs[1])).toBeNull()
    expect(parseTransferLog(logs[2])).toBeNull()
    const parsed = parseTransferLogs(logs)
    expect(parsed).toHaveLength(1)
    const matched = matchTransfers({
      network: EVM_PRESETS.ethereum,
      logs: parsed,
      watch: watchOf([parsed[0]!.to, "0xe396757ec7e6ac7c8e5abe7285dde47b98f22db8"]),
      head: 16569423n,
      now: NOW,
    })
    expect(matched.map((m) => m.amount)).toEqual([200000000n])
  })

  it("credits nothing for a successful receipt without logs", () => {
    const receipt = fixture("eth_getTransactionReceipt_ethereum_no_logs.json") as {
      result?: { logs: Array<unknown>; status: string }
      logs?: Array<unknown>
    }
    const body = receipt.result ?? (receipt as { logs: Array<unknown>; status: string })
    expect(body.status).toBe("0x1")
    expect(parseTransferLogs(body.logs)).toEqual([])
  })

  it("rejects malformed and look-alike logs", () => {
    const good = (
      fixture("eth_getLogs_usdt_transfer_ethereum.json") as { result: Array<Record<string, unknown>> }
    ).result[0]!
    const topics = good.topics as Array<string>
    expect(parseTransferLog(good)).not.toBeNull()
    // ERC-721 Transfer: same topic, tokenId indexed as a 4th topic.
    expect(parseTransferLog({ ...good, topics: [...topics, `0x${"0".repeat(63)}1`], data: "0x" })).toBeNull()
    expect(parseTransferLog({ ...good, topics: [`0x${"1".repeat(64)}`, topics[1], topics[2]] })).toBeNull()
    // Dirty upper bytes in an address topic.
    expect(
      parseTransferLog({ ...good, topics: [TRANSFER_TOPIC, `0x${"f".repeat(64)}`, topics[2]] }),
    ).toBeNull()
    expect(parseTransferLog({ ...good, data: "0x1234" })).toBeNull()
    expect(parseTransferLog({ ...good, blockNumber: "latest" })).toBeNull()
    expect(parseTransferLog(null)).toBeNull()
    expect(parseTransferLog({ ...good, removed: true })?.removed).toBe(true)
    const removed = parseTransferLogs([{ ...good, removed: true }])
    expect(
      matchTransfers({
        network: EVM_PRESETS.ethereum,
        logs: removed,
        watch: watchOf([removed[0]!.to]),
        head: 18728830n,
        now: NOW,
      }),
    ).toEqual([])
  })
})
