import { describe, expect, it } from "@effect/vitest"
import { isSuccessfulInfo, transfersOfInfo } from "../src/index.js"
import {
  INFO_FAILED_13DF,
  INFO_SUCCESS_0130,
  INFO_SUCCESS_4671,
  TL24,
  TRC20_ROWS,
  transferInfo,
  USDT,
} from "./fixtures.js"

const CONTRACTS = new Set([USDT])

describe("transfersOfInfo on the recorded gettransactioninfobyid answers", () => {
  it("reads the USDT transfer of 0130dfde: amount, sender, recipient, block, log index", () => {
    expect(transfersOfInfo(INFO_SUCCESS_0130, CONTRACTS)).toEqual([
      {
        txHash: "0130dfde9281a48378109039ef512229d5359fbee2a8adbb17ad73aebc67ea99",
        logIndex: 0,
        blockNumber: 69316562n,
        blockTimestampMs: 1738601505000,
        contract: USDT,
        from: TL24,
        to: "TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx",
        amount: 41677389n,
      },
    ])
    // It agrees with the TRC-20 row of the same transaction (PROVENANCE: row 0).
    const row = TRC20_ROWS[0]!
    const [t] = transfersOfInfo(INFO_SUCCESS_0130, CONTRACTS)
    expect([t!.txHash, t!.from, t!.to, t!.amount.toString()]).toEqual([
      row.transaction_id,
      row.from,
      row.to,
      row.value,
    ])
  })

  it("reads 46710419 (bandwidth paid in TRX) as 1000 base units to TCB8H6…", () => {
    const [t] = transfersOfInfo(INFO_SUCCESS_4671, CONTRACTS)
    expect(t?.amount).toBe(1000n)
    expect(t?.to).toBe("TCB8H6cKtfLZJyt3tXkbN1a8Nxrh2x14RB")
  })

  it("never reads the FAILED / OUT_OF_ENERGY transaction 13df06d5 as a transfer", () => {
    expect(isSuccessfulInfo(INFO_FAILED_13DF)).toBe(false)
    expect(transfersOfInfo(INFO_FAILED_13DF, CONTRACTS)).toEqual([])
    // Not even if a (buggy) node attached a Transfer log to it.
    const withLog = { ...INFO_FAILED_13DF, log: INFO_SUCCESS_0130.log }
    expect(transfersOfInfo(withLog, CONTRACTS)).toEqual([])
    const reverted = { ...INFO_SUCCESS_0130, receipt: { ...INFO_SUCCESS_0130.receipt, result: "REVERT" } }
    expect(transfersOfInfo(reverted, CONTRACTS)).toEqual([])
  })

  it("ignores other contracts (the SUNDOG, JST and WIN rows) and malformed logs", () => {
    for (const row of TRC20_ROWS.filter((r) => r.token_info.address !== USDT)) {
      const info = transferInfo({
        id: row.transaction_id,
        blockNumber: row.detail.blockNumber,
        contract: row.token_info.address,
        from: row.from,
        to: row.to,
        value: BigInt(row.value),
      })
      expect(transfersOfInfo(info, CONTRACTS), row.token_info.symbol).toEqual([])
      expect(transfersOfInfo(info, new Set([row.token_info.address]))).toHaveLength(1)
    }
    const log = INFO_SUCCESS_0130.log![0]!
    const bad = [
      { ...log, topics: log.topics.slice(0, 2) },
      { ...log, topics: [...log.topics, log.topics[2]!] },
      {
        ...log,
        topics: ["8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925", ...log.topics.slice(1)],
      },
      { ...log, data: "00" },
      { ...log, address: "zz" },
    ]
    for (const l of bad) expect(transfersOfInfo({ ...INFO_SUCCESS_0130, log: [l] }, CONTRACTS)).toEqual([])
  })
})
