import { type ConformanceHarness, describeChainAdapter } from "@inzi/conformance"
import type { NetworkConfig, TransferTarget } from "@inzi/core"
import { type Devnet, payTo, SECOND_PAYER, startDevnet } from "@inzi/devnet"
import { Effect } from "effect"
import { EVM_PRESETS, makeEvmScanner } from "../src/index.js"
import { depositAddress } from "./helpers.js"

/** The conformance kit on the real Hardhat devnet: reorgs are evm_snapshot/evm_revert. */
let devnet: Devnet
let network: NetworkConfig
let next = 10_000 // deposit indexes of their own, apart from the other devnet suites'
/** Taken before each genuine payment: reverting to it forks that payment away. */
let beforeLastPayment: string | null = null

const addressOf = (target: TransferTarget) => {
  if (target.kind !== "address") throw new Error("EVM targets are addresses")
  return target.address
}

const harness: ConformanceHarness = {
  start: async () => {
    devnet = await startDevnet()
    network = { ...EVM_PRESETS.devnet, rpcUrls: [devnet.rpcUrl] }
  },
  stop: async () => devnet?.stop(),
  token: { symbol: "USDT", contract: EVM_PRESETS.devnet.tokens[0]!.contract.toLowerCase(), decimals: 6 },
  makeTarget: async () => ({ kind: "address", address: depositAddress(next++) }),
  payGenuine: async (target, amount) => {
    beforeLastPayment = await devnet.snapshot()
    const paid = await payTo({
      rpcUrl: devnet.rpcUrl,
      token: devnet.tokens.USDT,
      to: addressOf(target),
      amount,
    })
    return { txHash: paid.txHash, sender: devnet.payer.address.toLowerCase() }
  },
  payLookAlike: async (target, amount) => {
    const paid = await payTo({
      rpcUrl: devnet.rpcUrl,
      token: devnet.tokens.FAKE_USDT,
      to: addressOf(target),
      amount,
    })
    return { txHash: paid.txHash, sender: devnet.payer.address.toLowerCase() }
  },
  // A USDT transfer from an account that holds no USDT, mined and reverted by the token contract (sent with
  // automine off: Hardhat's automine answers a reverting transaction with an error instead of its hash).
  payFailed: async (target, amount) => {
    await devnet.setAutomine(false)
    let txHash: string
    try {
      const sent = await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: addressOf(target),
        amount,
        from: SECOND_PAYER.privateKey,
        wait: false,
      })
      txHash = sent.txHash
      await devnet.mine(1)
    } finally {
      await devnet.setAutomine(true)
    }
    const receipt = (await devnet.request("eth_getTransactionReceipt", [txHash])) as { status: string } | null
    if (receipt?.status !== "0x0")
      throw new Error(`expected a mined, reverted transfer: ${JSON.stringify(receipt)}`)
    return { txHash, sender: SECOND_PAYER.address.toLowerCase() }
  },
  revertLast: async () => {
    if (beforeLastPayment === null) throw new Error("no payment to revert")
    const head = await devnet.blockNumber()
    if (!(await devnet.revert(beforeLastPayment))) throw new Error("evm_revert refused")
    beforeLastPayment = null
    await devnet.mine(Number(head - (await devnet.blockNumber())) + 1) // a longer chain without the payment
  },
  makeScanner: ({ paging = false } = {}) =>
    Effect.runPromise(
      makeEvmScanner(
        network,
        paging ? { initialBlockRange: 2, maxRangesPerScan: 1, growAfterSuccesses: 1_000 } : {},
      ),
    ),
  advance: async (n) => {
    await devnet.mine(n)
  },
}

describeChainAdapter("evm (hardhat devnet)", harness)
