import { type ConformanceHarness, describeChainAdapter } from "@inzi/conformance"
import type { NetworkConfig, TransferTarget } from "@inzi/core"
import { Effect, Exit, Scope } from "effect"
import { FakeChain, fakeTronNode } from "./fakeTronNode.js"
import { fakeAddress, fakeTxId, INFO_FAILED_13DF, TL24, transferInfo, USDT } from "./fixtures.js"
import { scannerFor, testNetwork } from "./helpers.js"

/**
 * The conformance kit on the fake java-tron node (recorded TransactionInfo shapes): a fork replaces a block by
 * a competing one with a new id, as `FakeChain.fork` does; the solid head trails the head by the confirmations.
 */
const chain = new FakeChain()
let scope: Scope.CloseableScope
let network: NetworkConfig
let serial = 0
let lastPayment: { readonly block: number; readonly id: string } | null = null
const COUNTERFEIT_USDT = fakeAddress("conformance: counterfeit USDT contract")

const addressOf = (target: TransferTarget) => {
  if (target.kind !== "address") throw new Error("Tron targets are addresses")
  return target.address
}
const solidify = () => {
  chain.solid = Math.max(chain.solid, chain.head - network.confirmations)
}
/** A transfer from TL24 in a new block on top of the head; returns its info. */
const transfer = (target: TransferTarget, amount: bigint, contract = USDT) => {
  const blockNumber = chain.head + 1
  const info = transferInfo({
    id: fakeTxId(`conformance/${serial++}`),
    blockNumber,
    contract,
    from: TL24,
    to: addressOf(target),
    value: amount,
  })
  return { info, blockNumber }
}

const harness: ConformanceHarness = {
  start: async () => {
    scope = Effect.runSync(Scope.make())
    chain.head = 70_000_000
    chain.solid = chain.head - 19
    const node = await Effect.runPromise(Scope.extend(fakeTronNode(chain), scope))
    network = testNetwork([node.url])
  },
  stop: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  token: { symbol: "USDT", contract: USDT, decimals: 6 },
  makeTarget: async () => ({ kind: "address", address: fakeAddress(`conformance target ${serial++}`) }),
  payGenuine: async (target, amount) => {
    const { info, blockNumber } = transfer(target, amount)
    chain.add(blockNumber, info)
    lastPayment = { block: blockNumber, id: info.id }
    return { txHash: info.id, sender: TL24 }
  },
  payLookAlike: async (target, amount) => {
    const { info, blockNumber } = transfer(target, amount, COUNTERFEIT_USDT)
    chain.add(blockNumber, info)
    return { txHash: info.id, sender: TL24 }
  },
  // The recorded out-of-energy failure's result and receipt on a USDT transfer to the target.
  payFailed: async (target, amount) => {
    const { info, blockNumber } = transfer(target, amount)
    chain.add(blockNumber, { ...info, result: "FAILED", receipt: { ...INFO_FAILED_13DF.receipt } })
    return { txHash: info.id, sender: TL24 }
  },
  revertLast: async () => {
    if (lastPayment === null) throw new Error("no payment to revert")
    if (lastPayment.block <= chain.solid) throw new Error("the last payment is already solidified")
    // A competing branch from the payment's block up: new block ids, the other transactions kept.
    for (let n = lastPayment.block; n <= chain.head; n++) {
      const gone = lastPayment.id
      chain.fork(n, ...(chain.blocks.get(n) ?? []).filter((info) => info.id !== gone))
    }
    lastPayment = null
    chain.head += 3
    solidify()
  },
  makeScanner: ({ paging = false } = {}) =>
    Effect.runPromise(scannerFor(paging ? { ...network, maxBlockRange: 2 } : network)),
  advance: async (n) => {
    chain.head += n
    solidify()
  },
}

describeChainAdapter("tron (fake java-tron node)", harness)
