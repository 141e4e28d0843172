import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EVM_PRESETS, makeJsonRpc, NATIVE_TRANSFER_GAS, planEvm, runEvm } from "@inzi/adapter-evm"
import type { DepositAddress, JournalIntent, NetworkConfig } from "@inzi/core"
import { balanceOf, type Devnet, DEVNET_ACCOUNTS, payTo, startDevnet } from "@inzi/devnet"
import { Wallet } from "ethers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  deriveDepositKeys,
  depositsFromCheckouts,
  journalFile,
  KeyMismatch,
  openJournal,
  usedIndicesOf,
} from "../src/index.js"
import { FAMILIES } from "./families.js"
import { evmAddressAt, MERCHANT_MNEMONIC, makeMerchantStore } from "./store.js"

const GAS_ACCOUNT = DEVNET_ACCOUNTS[2]! // a funded devnet account (ETH only), named by the operator

describe("EVM sweep on the devnet (real node, real store)", () => {
  let devnet: Devnet
  let network: NetworkConfig
  let store: Awaited<ReturnType<typeof makeMerchantStore>>
  let dataDir: string
  const treasury = Wallet.createRandom().address
  const USDT = EVM_PRESETS.devnet.tokens[0]!
  const USDC = EVM_PRESETS.devnet.tokens[1]!

  const eth = (address: string) =>
    devnet.request("eth_getBalance", [address, "latest"]).then((v) => BigInt(v as string))
  const token = (t: { contract: string }, owner: string) =>
    balanceOf({ rpcUrl: devnet.rpcUrl, token: t.contract, owner })
  const nonceOf = (address: string) =>
    devnet.request("eth_getTransactionCount", [address, "latest"]).then((v) => Number(BigInt(v as string)))

  /** Pays a deposit address from the devnet payer and records the confirmed payment like the watcher. */
  const pay = async (index: number, t: typeof USDT, amount: bigint) => {
    const address = evmAddressAt(index)
    const r = await payTo({ rpcUrl: devnet.rpcUrl, token: t.contract, to: address, amount })
    await store.recordPayment(network, {
      address,
      txHash: r.txHash,
      contract: t.contract,
      symbol: t.symbol,
      amount,
    })
  }
  const deposits = async (): Promise<ReadonlyArray<DepositAddress>> =>
    depositsFromCheckouts(FAMILIES, await store.checkouts(), [network])

  const run = async (
    opts: { onEvent?: Parameters<typeof runEvm>[0]["onEvent"]; confirmations?: number } = {},
  ) => {
    const journal = openJournal(journalFile(dataDir))
    try {
      const keys = deriveDepositKeys(FAMILIES, MERCHANT_MNEMONIC, await deposits())
      return await runEvm({
        network,
        merchantId: store.merchant.id,
        treasury,
        journal,
        keys,
        gasKey: GAS_ACCOUNT.privateKey,
        confirmations: opts.confirmations ?? 1,
        pollMs: 20,
        timeoutMs: 20_000,
        onEvent: opts.onEvent,
      })
    } finally {
      journal.close()
    }
  }
  const journalLines = () =>
    readFileSync(journalFile(dataDir), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; role?: string; status?: string; fee?: string; id: string })

  beforeAll(async () => {
    ;[devnet, store] = await Promise.all([startDevnet(), makeMerchantStore()])
    network = { ...EVM_PRESETS.devnet, rpcUrls: [devnet.rpcUrl] }
    dataDir = mkdtempSync(join(tmpdir(), "inzi-sweep-"))
    // Three paid checkouts (indices 0, 2, 5), one never paid (index 1).
    for (const i of [0, 1, 2, 5]) await store.openCheckout(i, ["devnet"])
    await pay(0, USDT, 25_000_000n)
    await pay(2, USDT, 10_500_000n)
    await pay(2, USDC, 3_000_000n)
    await pay(5, USDT, 7_123_456n)
  }, 120_000)

  afterAll(async () => {
    await devnet?.stop()
    await store?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it("the merchant's deposit addresses are not the devnet's funded accounts", () => {
    const funded = new Set(DEVNET_ACCOUNTS.map((a) => a.address.toLowerCase()))
    for (const i of [0, 1, 2, 5]) expect(funded.has(evmAddressAt(i))).toBe(false)
  })

  it("exports every allocated index, paid or not", async () => {
    const used = usedIndicesOf(FAMILIES, await store.checkouts(), [network])
    expect(used.evm!.map((u) => [u.index, u.paid])).toEqual([
      [0n, true],
      [1n, false],
      [2n, true],
      [5n, true],
    ])
    expect(used.evm!.map((u) => u.address)).toEqual([0, 1, 2, 5].map(evmAddressAt))
  })

  it("plans from recorded payments and on-chain balances, in two batched requests", async () => {
    const rpc = makeJsonRpc(devnet.rpcUrl)
    const plan = await planEvm({ network, deposits: await deposits(), treasury, rpc })
    expect(rpc.requests()).toBe(2)
    expect(plan.addresses.map((a) => a.derivationIndex)).toEqual([0n, 2n, 5n])
    expect(plan.addresses.map((a) => a.transfers.map((t) => [t.symbol, t.amount]))).toEqual([
      [["USDT", 25_000_000n]],
      [
        ["USDT", 10_500_000n],
        ["USDC", 3_000_000n],
      ],
      [["USDT", 7_123_456n]],
    ])
    expect(plan.totals).toEqual({ USDT: 42_623_456n, USDC: 3_000_000n })
    const gasPrice = BigInt((await devnet.request("eth_gasPrice")) as string)
    expect(plan.gasPrice).toBe(gasPrice)
    for (const a of plan.addresses) {
      expect(a.nativeBalance).toBe(0n)
      for (const t of a.transfers) {
        // An ERC-20 transfer: more than a plain transfer, less than 100k.
        expect(t.gasLimit).toBeGreaterThan(NATIVE_TRANSFER_GAS)
        expect(t.gasLimit).toBeLessThan(100_000n)
        expect(t.fee).toBe(t.gasLimit * gasPrice)
      }
      expect(a.gasNeeded).toBe(a.transfers.reduce((s, t) => s + t.fee, 0n))
      expect(a.topUp).toBe(a.gasNeeded)
    }
    expect(plan.gasAccountOverhead).toBe(3n * NATIVE_TRANSFER_GAS * gasPrice)
    expect(plan.treasury).toBe(treasury)
  })

  it("refuses a mnemonic that does not derive the recorded addresses", async () => {
    const other = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    const ds = await deposits()
    expect(() => deriveDepositKeys(FAMILIES, "abandon abandon abandon", ds)).toThrow(
      /not a valid BIP-39 mnemonic/,
    )
    expect(() => deriveDepositKeys(FAMILIES, other, ds)).toThrow(KeyMismatch)
    // Same mnemonic, but an index that does not match its recorded address.
    expect(() =>
      deriveDepositKeys(FAMILIES, MERCHANT_MNEMONIC, [{ ...ds[0]!, derivationIndex: 9n }]),
    ).toThrow(/derives .* but Inzi recorded/)
  })

  it("sweeps every balance to the treasury exactly, with gas top-ups matching the gas used", async () => {
    const gasBefore = await eth(GAS_ACCOUNT.address)
    const report = await run()
    const price = report.plan.gasPrice
    // Balances moved exactly.
    expect(await token(USDT, treasury)).toBe(42_623_456n)
    expect(await token(USDC, treasury)).toBe(3_000_000n)
    for (const i of [0, 2, 5]) {
      expect(await token(USDT, evmAddressAt(i))).toBe(0n)
      expect(await token(USDC, evmAddressAt(i))).toBe(0n)
    }
    expect(report.moved.map((m) => [m.derivationIndex, m.symbol, m.amount])).toEqual([
      [0n, "USDT", 25_000_000n],
      [2n, "USDT", 10_500_000n],
      [2n, "USDC", 3_000_000n],
      [5n, "USDT", 7_123_456n],
    ])
    // Gas accounting: each top-up covers the address's transfers; what is left is the estimate's margin.
    expect(report.topUps).toHaveLength(3)
    for (const t of report.topUps) {
      const fees = report.moved.filter((m) => m.address === t.address).reduce((s, m) => s + m.fee, 0n)
      expect(fees).toBeGreaterThan(0n)
      expect(fees).toBeLessThanOrEqual(t.amount)
      expect(await eth(t.address)).toBe(t.amount - fees)
      expect(t.fee).toBe(NATIVE_TRANSFER_GAS * price)
      const planned = report.plan.addresses.find((a) => a.address === t.address)!
      expect(t.amount).toBe(planned.topUp)
      // What is left is exactly the unused part of each gas limit (estimate + margin, and the SSTORE
      // refund of emptying the balance), at the price the plan used.
      const unused = planned.transfers.reduce((s, pt) => {
        const m = report.moved.find((x) => x.address === t.address && x.contract === pt.contract)!
        expect(m.fee % price).toBe(0n)
        expect(m.fee).toBeLessThanOrEqual(pt.gasLimit * price)
        return s + (pt.gasLimit * price - m.fee)
      }, 0n)
      expect(t.amount - fees).toBe(unused)
    }
    const spent = gasBefore - (await eth(GAS_ACCOUNT.address))
    expect(spent).toBe(report.topUps.reduce((s, t) => s + t.amount + t.fee, 0n))
    // The journal has an intent and a confirmed outcome per transaction, with the fees paid.
    const lines = journalLines()
    const intents = lines.filter((l) => l.kind === "intent")
    const outcomes = lines.filter((l) => l.kind === "outcome")
    expect(intents).toHaveLength(7)
    expect(outcomes.map((o) => o.status)).toEqual(Array(7).fill("confirmed"))
    expect(outcomes.reduce((s, o) => s + BigInt(o.fee!), 0n)).toBe(
      report.topUps.reduce((s, t) => s + t.fee, 0n) + report.moved.reduce((s, m) => s + m.fee, 0n),
    )
    // No secret in it: no private key, no mnemonic word sequence.
    const text = readFileSync(journalFile(dataDir), "utf8")
    expect(text).not.toContain("abandon")
    for (const k of deriveDepositKeys(FAMILIES, MERCHANT_MNEMONIC, await deposits()))
      expect(text).not.toContain(k.privateKey.slice(2))
    expect(text).not.toContain(GAS_ACCOUNT.privateKey.slice(2))
  })

  it("a second run is a no-op", async () => {
    const before = journalLines().length
    const nonces = await Promise.all([0, 2, 5].map((i) => nonceOf(evmAddressAt(i))))
    const report = await run()
    expect(report.moved).toEqual([])
    expect(report.topUps).toEqual([])
    expect(report.resumed).toEqual([])
    expect(report.plan.addresses).toEqual([])
    expect(journalLines().length).toBe(before)
    expect(await Promise.all([0, 2, 5].map((i) => nonceOf(evmAddressAt(i))))).toEqual(nonces)
    expect(await token(USDT, treasury)).toBe(42_623_456n)
  })

  it("an interrupted run (crash after the first transfer is broadcast) resumes without double-sending", async () => {
    await pay(0, USDT, 1_000_000n)
    await pay(5, USDT, 2_000_000n)
    const treasuryBefore = await token(USDT, treasury)
    const noncesBefore = await Promise.all([0, 5].map((i) => nonceOf(evmAddressAt(i))))
    let crashed: JournalIntent | undefined
    await expect(
      run({
        onEvent: (e) => {
          if (e.type === "broadcast" && e.intent.role === "transfer") {
            crashed = e.intent
            throw new Error("simulated crash")
          }
        },
      }),
    ).rejects.toThrow("simulated crash")
    expect(crashed?.derivationIndex).toBe("0")
    // The journal holds the transfer's intent with its hash, and no outcome.
    const open = openJournal(journalFile(dataDir))
    const pending = open.pending("devnet")
    open.close()
    expect(pending.map((p) => p.txHash)).toEqual([crashed!.txHash])

    const report = await run()
    expect(report.resumed).toEqual([{ txHash: crashed!.txHash, status: "confirmed" }])
    // Only index 5 is left to move; index 0's money moved once, by the resumed transaction.
    expect(report.moved.map((m) => [m.derivationIndex, m.amount])).toEqual([[5n, 2_000_000n]])
    expect(await token(USDT, treasury)).toBe(treasuryBefore + 3_000_000n)
    const noncesAfter = await Promise.all([0, 5].map((i) => nonceOf(evmAddressAt(i))))
    expect(noncesAfter).toEqual([noncesBefore[0]! + 1, noncesBefore[1]! + 1])
    // Idempotent afterwards.
    expect((await run()).moved).toEqual([])
  })

  it("a crash after journaling but before broadcasting re-sends the same signed transaction", async () => {
    await pay(2, USDC, 500_000n)
    const treasuryBefore = await token(USDC, treasury)
    let signedHash: string | undefined
    await devnet.setAutomine(true)
    await expect(
      run({
        onEvent: (e) => {
          if (e.type === "intent" && e.intent.role === "transfer") {
            signedHash = e.intent.txHash
            throw new Error("crash before broadcast")
          }
        },
      }),
    ).rejects.toThrow("crash before broadcast")
    // The node never saw it.
    expect(await devnet.request("eth_getTransactionReceipt", [signedHash])).toBeNull()
    const report = await run()
    expect(report.resumed).toEqual([{ txHash: signedHash, status: "confirmed" }])
    expect(report.moved).toEqual([])
    expect(await token(USDC, treasury)).toBe(treasuryBefore + 500_000n)
  })

  it("waits for the requested confirmations before recording an outcome", async () => {
    await pay(5, USDT, 300_000n)
    const report = await run({
      confirmations: 3,
      // Automine makes one block per transaction; the chain grows by two more after each broadcast.
      onEvent: async (e) => {
        if (e.type === "broadcast") await devnet.mine(2)
      },
    })
    expect(report.moved.map((m) => m.amount)).toEqual([300_000n])
    const head = await devnet.blockNumber()
    const outcomes = journalLines().slice(-2) as Array<{
      kind: string
      blockNumber?: string
      status?: string
    }>
    expect(outcomes.map((o) => [o.kind, o.status])).toEqual([
      ["intent", undefined],
      ["outcome", "confirmed"],
    ])
    expect(head - BigInt(outcomes[1]!.blockNumber!) + 1n).toBeGreaterThanOrEqual(3n)
  })
})
