import { fileURLToPath } from "node:url"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  TRON_MAINNET_USDT,
  TRON_NILE,
  toTronAddress,
  tronAddressOfKey,
  tronAddressToHex,
} from "@inzi/adapter-tron"
import {
  buildTrc20Transfer,
  buildTrxTransfer,
  planTron,
  recomputeTronTx,
  runTron,
  signTronTransaction,
  tronBandwidthBytes,
  tronSigner,
  trc20TransferData,
} from "@inzi/adapter-tron/sweep"
import type { NetworkConfig } from "@inzi/core"
import { Wallet } from "ethers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { depositsFromCheckouts, deriveDepositKeys, journalFile, openJournal } from "../src/index.js"
import { FAMILIES } from "./families.js"
import {
  BYTE_FEE,
  CREATE_ACCOUNT_FEE,
  CREATE_NEW_ACCOUNT_FEE_SYSTEM,
  ENERGY_FEE,
  type FakeTronNode,
  startFakeTronNode,
} from "./fake-tron-node.js"
import { MERCHANT_MNEMONIC, makeMerchantStore, tronAddressAt } from "./store.js"

const FIXTURES = fileURLToPath(new URL("../../../tooling/fixtures/tron", import.meta.url))
interface RecordedTx {
  txID: string
  raw_data_hex: string
  signature: string[]
  net_usage: number
  raw_data: {
    contract: Array<{ parameter: { value: Record<string, string>; type_url: string }; type: string }>
    ref_block_bytes: string
    ref_block_hash: string
    expiration: number
    fee_limit: number
    timestamp: number
  }
}
const recorded = (
  JSON.parse(readFileSync(join(FIXTURES, "trongrid_v1_accounts_TL24_transactions_trc20.json"), "utf8")) as {
    data: Array<{
      from: string
      to: string
      value: string
      token_info: { address: string }
      detail: RecordedTx
    }>
  }
).data

describe("Tron transactions built and signed offline (checked against recorded mainnet transactions)", () => {
  const row = recorded[0]!
  const rec = row.detail

  it("tronweb's encoder reproduces the recorded raw_data_hex and txID from the recorded JSON", () => {
    for (const r of recorded) {
      const again = recomputeTronTx({ raw_data: r.detail.raw_data as never })
      expect(again.raw_data_hex).toBe(r.detail.raw_data_hex)
      expect(again.txID).toBe(r.detail.txID)
      expect(tronSigner(r.detail)).toBe(r.from)
    }
  })

  it("a transfer built here has the recorded shape, field for field", () => {
    const ref = {
      number: 0x4a_afbfn,
      id: `0000000000000000${rec.raw_data.ref_block_hash}${"0".repeat(32)}`,
      timestamp: rec.raw_data.timestamp,
    }
    const tx = buildTrc20Transfer({
      owner: row.from,
      contract: TRON_MAINNET_USDT,
      to: row.to,
      amount: BigInt(row.value),
      feeLimit: BigInt(rec.raw_data.fee_limit),
      ref,
      expirationMs: rec.raw_data.expiration - rec.raw_data.timestamp,
    })
    const ours = tx.raw_data
    const theirs = rec.raw_data
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort())
    expect(ours.contract).toHaveLength(1)
    expect(ours.contract[0]!.type).toBe("TriggerSmartContract")
    expect(ours.contract[0]!.parameter.type_url).toBe(theirs.contract[0]!.parameter.type_url)
    const ov = ours.contract[0]!.parameter.value as Record<string, string>
    const tv = theirs.contract[0]!.parameter.value
    expect(Object.keys(ov).sort()).toEqual(Object.keys(tv).sort())
    expect(ov.owner_address).toBe(tv.owner_address)
    expect(ov.contract_address).toBe(tv.contract_address)
    for (const k of ["ref_block_bytes", "ref_block_hash", "expiration", "fee_limit", "timestamp"] as const)
      expect(ours[k]).toBe(theirs[k])
    // Calldata: same selector, recipient and amount. The recorded wallet wrote the recipient word with a
    // 0x41 byte before the 20 address bytes; we write the standard ABI zero padding (both decode alike).
    expect(ov.data!.slice(0, 8)).toBe("a9059cbb")
    expect(ov.data!.length).toBe(tv.data!.length)
    expect(ov.data!.slice(32)).toBe(tv.data!.slice(32))
    expect(tv.data!.slice(8, 32)).toBe(`${"0".repeat(22)}41`)
    expect(ov.data!.slice(8, 32)).toBe("0".repeat(24))
    expect(ov.data).toBe(trc20TransferData(row.to, 41_677_389n))
    // With the recorded calldata, the encoding is byte for byte the recorded one.
    const same = recomputeTronTx({
      raw_data: {
        ...ours,
        contract: [
          {
            ...ours.contract[0]!,
            parameter: { ...ours.contract[0]!.parameter, value: { ...ov, data: tv.data } },
          },
        ],
      },
    })
    expect(same.raw_data_hex).toBe(rec.raw_data_hex)
    expect(same.txID).toBe(rec.txID)
    // Bandwidth of the signed transaction: what the chain charged (net_usage 345).
    expect(tronBandwidthBytes(tx.raw_data_hex)).toBe(BigInt(rec.net_usage))
  })

  it("signs offline: the signature recovers to the owner and the id is sha256(raw_data)", () => {
    const key = Wallet.createRandom().privateKey
    const owner = tronAddressOfKey(key)
    const ref = { number: 1234n, id: "ab".repeat(32), timestamp: 1_700_000_000_000 }
    const tx = signTronTransaction(
      buildTrc20Transfer({ owner, contract: TRON_MAINNET_USDT, to: row.to, amount: 5n, feeLimit: 1n, ref }),
      key,
    )
    expect(tx.signature).toHaveLength(1)
    expect(tx.signature![0]).toMatch(/^[0-9a-f]{130}$/)
    expect(tronSigner(tx)).toBe(owner)
    expect(recomputeTronTx(tx)).toEqual({ txID: tx.txID, raw_data_hex: tx.raw_data_hex })
    expect(tx.raw_data.ref_block_bytes).toBe("04d2")
    expect(tx.raw_data.ref_block_hash).toBe("ab".repeat(8))
    const trx = buildTrxTransfer({ owner, to: row.to, amount: 1_000_000n, ref })
    expect(trx.raw_data.contract[0]!.type).toBe("TransferContract")
    expect(trx.raw_data.contract[0]!.parameter.value).toEqual({
      amount: 1_000_000,
      owner_address: tronAddressToHex(owner),
      to_address: tronAddressToHex(row.to),
    })
    expect(trx.raw_data.fee_limit).toBeUndefined()
  })
})

describe("Tron sweep against a local java-tron-like node", () => {
  let fake: FakeTronNode
  let network: NetworkConfig
  let store: Awaited<ReturnType<typeof makeMerchantStore>>
  let dataDir: string
  const USDT = TRON_NILE.tokens[0]!
  const treasury = tronAddressOfKey(Wallet.createRandom().privateKey)
  const gasKey = Wallet.createRandom().privateKey
  const gasAddress = tronAddressOfKey(gasKey)

  const pay = async (index: number, amount: bigint, n: number) => {
    const address = tronAddressAt(index)
    fake.setToken(address, fake.token(address) + amount)
    await store.recordPayment(network, {
      address,
      txHash: n.toString(16).padStart(64, "0"),
      contract: USDT.contract,
      symbol: "USDT",
      amount,
    })
  }
  const deposits = async () => depositsFromCheckouts(FAMILIES, await store.checkouts(), [network])
  const run = async (onEvent?: Parameters<typeof runTron>[0]["onEvent"]) => {
    const journal = openJournal(journalFile(dataDir))
    try {
      return await runTron({
        network,
        merchantId: store.merchant.id,
        treasury,
        journal,
        keys: deriveDepositKeys(FAMILIES, MERCHANT_MNEMONIC, await deposits()),
        gasKey,
        confirmations: 1,
        pollMs: 10,
        timeoutMs: 5_000,
        onEvent,
      })
    } finally {
      journal.close()
    }
  }

  beforeAll(async () => {
    store = await makeMerchantStore()
    fake = await startFakeTronNode(USDT.contract)
    network = { ...TRON_NILE, rpcUrls: [fake.url] }
    dataDir = mkdtempSync(join(tmpdir(), "inzi-sweep-tron-"))
    fake.setTrx(gasAddress, 1_000_000_000n) // 1 000 TRX
    for (const i of [0, 1, 2, 5]) await store.openCheckout(i, ["tron-nile"])
    await pay(0, 25_000_000n, 1)
    await pay(2, 10_500_000n, 2)
    await pay(5, 7_123_456n, 3)
    fake.setTrx(tronAddressAt(5), 3_000_000n) // one address already holds some TRX
  }, 60_000)

  afterAll(async () => {
    await fake?.close()
    await store?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it("plans balances, energy and bandwidth from the node", async () => {
    const plan = await planTron({ network, deposits: await deposits(), treasury })
    expect(plan.addresses.map((a) => [a.derivationIndex, a.transfers.map((t) => t.amount)])).toEqual([
      [0n, [25_000_000n]],
      [2n, [10_500_000n]],
      [5n, [7_123_456n]],
    ])
    expect(plan.totals).toEqual({ USDT: 42_623_456n })
    expect(plan.gasPrice).toBe(ENERGY_FEE)
    for (const a of plan.addresses) {
      const t = a.transfers[0]!
      // Dry run to an empty treasury: 130 285 energy, + 10 %; bandwidth 345 bytes.
      expect(t.gasLimit).toBe((130_285n * 110n + 99n) / 100n)
      expect(t.fee).toBe(t.gasLimit * ENERGY_FEE + 345n * BYTE_FEE)
      expect(a.topUp).toBe(a.gasNeeded - a.nativeBalance)
    }
    expect(plan.addresses[2]!.nativeBalance).toBe(3_000_000n)
    // Two addresses were never activated: the gas account pays their creation, plus each top-up's bandwidth.
    expect(plan.gasAccountOverhead).toBeGreaterThan(2n * (CREATE_ACCOUNT_FEE + CREATE_NEW_ACCOUNT_FEE_SYSTEM))
  })

  it("sweeps to the treasury with offline-signed transactions; top-ups cover the fees charged", async () => {
    const gasBefore = fake.trx(gasAddress)
    const report = await run()
    expect(fake.token(treasury)).toBe(42_623_456n)
    for (const i of [0, 2, 5]) expect(fake.token(tronAddressAt(i))).toBe(0n)
    expect(report.moved.map((m) => [m.derivationIndex, m.amount])).toEqual([
      [0n, 25_000_000n],
      [2n, 10_500_000n],
      [5n, 7_123_456n],
    ])
    // What the node received: TRX top-ups from the gas account, then TriggerSmartContract transfers signed by
    // the deposit keys, each with the recorded shape.
    const types = fake.accepted.map((t) => t.raw_data.contract[0]!.type)
    expect(types).toEqual([
      "TransferContract",
      "TriggerSmartContract",
      "TransferContract",
      "TriggerSmartContract",
      "TransferContract",
      "TriggerSmartContract",
    ])
    for (const tx of fake.accepted) {
      const v = tx.raw_data.contract[0]!.parameter.value as Record<string, string | number>
      expect(tronSigner(tx)).toBe(toTronAddress(String(v.owner_address)))
      if (tx.raw_data.contract[0]!.type === "TriggerSmartContract") {
        expect(Object.keys(v).sort()).toEqual(["contract_address", "data", "owner_address"])
        expect(v.contract_address).toBe(tronAddressToHex(USDT.contract))
        expect(String(v.data).slice(0, 32)).toBe(`a9059cbb${"0".repeat(24)}`)
        expect(String(v.data).slice(32, 72)).toBe(tronAddressToHex(treasury).slice(2))
        expect(tx.raw_data.fee_limit).toBe(Number(((130_285n * 110n + 99n) / 100n) * ENERGY_FEE))
      } else expect(String(v.owner_address)).toBe(tronAddressToHex(gasAddress))
    }
    // Gas accounting: each address is left with exactly its top-up (+ what it had) minus the fees charged,
    // and never less than zero; the gas account paid the top-ups and their fees, nothing else.
    for (const a of report.plan.addresses) {
      const top = report.topUps.find((t) => t.address === a.address)!
      const fees = report.moved.filter((m) => m.address === a.address).reduce((s, m) => s + m.fee, 0n)
      expect(top.amount).toBe(a.topUp)
      expect(fees).toBeLessThanOrEqual(a.gasNeeded)
      expect(fake.trx(a.address)).toBe(a.nativeBalance + top.amount - fees)
    }
    // First transfer went to an empty treasury (130 285 energy), the later ones to a holder (64 285).
    expect(report.moved.map((m) => m.fee)).toEqual([
      130_285n * ENERGY_FEE + 345n * BYTE_FEE,
      64_285n * ENERGY_FEE + 345n * BYTE_FEE,
      64_285n * ENERGY_FEE + 345n * BYTE_FEE,
    ])
    expect(gasBefore - fake.trx(gasAddress)).toBe(report.topUps.reduce((s, t) => s + t.amount + t.fee, 0n))
    expect(report.topUps.reduce((s, t) => s + t.fee, 0n)).toBe(report.plan.gasAccountOverhead)
  })

  it("a second run is a no-op", async () => {
    const n = fake.accepted.length
    const report = await run()
    expect(report.moved).toEqual([])
    expect(report.topUps).toEqual([])
    expect(fake.accepted.length).toBe(n)
  })

  it("an interrupted run resumes: the unconfirmed transfer is re-broadcast (a duplicate), not re-signed", async () => {
    await pay(0, 1_000_000n, 4)
    await pay(2, 2_000_000n, 5)
    const before = fake.token(treasury)
    fake.hold = true // transactions wait in the pool: the crash happens before inclusion
    let crashed: string | undefined
    await expect(
      run((e) => {
        if (e.type === "broadcast" && e.intent.role === "transfer") {
          crashed = e.intent.txHash
          throw new Error("simulated crash")
        }
        if (e.type === "broadcast") fake.mine() // let the top-up through
      }),
    ).rejects.toThrow("simulated crash")
    // Still in the pool when the operator re-runs: the re-run re-broadcasts it (the node answers
    // DUP_TRANSACTION_ERROR), then it is included.
    fake.afterBroadcast = (a) => {
      if (a.code === "DUP_TRANSACTION_ERROR") fake.hold = false
    }
    const accepted = fake.accepted.length
    const report = await run()
    fake.afterBroadcast = undefined
    expect(fake.hold).toBe(false)
    expect(report.resumed).toEqual([{ txHash: crashed, status: "confirmed" }])
    expect(fake.answers.filter((a) => a.txid === crashed).map((a) => a.code ?? "ok")).toEqual([
      "ok",
      "DUP_TRANSACTION_ERROR",
    ])
    expect(fake.token(treasury)).toBe(before + 3_000_000n)
    // Only index 2's transfer (no top-up: what was left from the first sweep covers it, or one top-up).
    expect(report.moved.map((m) => [m.derivationIndex, m.amount])).toEqual([[2n, 2_000_000n]])
    expect(fake.accepted.length - accepted).toBe(1 + report.topUps.length)
  })

  it("a transaction lost before inclusion and expired is marked dropped, and the balance is sent once", async () => {
    await pay(5, 4_000_000n, 6)
    const before = fake.token(treasury)
    fake.hold = true
    let lost: string | undefined
    await expect(
      run((e) => {
        if (e.type === "broadcast" && e.intent.role === "transfer") {
          lost = e.intent.txHash
          throw new Error("crash")
        }
        if (e.type === "broadcast") fake.mine()
      }),
    ).rejects.toThrow("crash")
    fake.hold = false
    fake.dropPool()
    fake.advance(11 * 60_000) // past its 10-minute expiration
    const report = await run()
    expect(report.resumed).toEqual([{ txHash: lost, status: "dropped" }])
    expect(report.moved.map((m) => m.amount)).toEqual([4_000_000n])
    expect(report.moved[0]!.txHash).not.toBe(lost)
    expect(fake.token(treasury)).toBe(before + 4_000_000n)
    expect((await run()).moved).toEqual([])
  })
})
