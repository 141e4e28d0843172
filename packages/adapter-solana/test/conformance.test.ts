import { type ConformanceHarness, describeChainAdapter } from "@inzi/conformance"
import type { TransferTarget } from "@inzi/core"
import { Effect } from "effect"
import { makeSolanaScanner, newSolanaReference } from "../src/index.js"
import { FINALITY_DEPTH, type Snapshot } from "@inzi/devnet-solana"
import { fast, makeSolanaWorld, type SolanaWorld } from "./support/world.js"

/**
 * The conformance kit on litesvm behind the JSON-RPC stand-in. Targets are the merchant wallet plus a fresh
 * Solana Pay reference; payments are real `transferChecked` transactions with the reference as an extra key.
 */
let w: SolanaWorld
let beforeLast: Snapshot | null = null
const referenceOf = (target: TransferTarget) => {
  if (target.kind !== "memo" || target.wallet !== w.merchant.address)
    throw new Error("Solana targets are the merchant wallet plus a reference")
  return target.memo
}
const DROPPED_AFTER = 150

const harness: ConformanceHarness = {
  start: async () => {
    w = await makeSolanaWorld()
  },
  stop: () => w.server.stop(),
  get token() {
    return { symbol: "USDC", contract: w.usdc, decimals: 6 }
  },
  makeTarget: async () => ({ kind: "memo", wallet: w.merchant.address, memo: newSolanaReference() }),
  payGenuine: async (target, amount) => {
    beforeLast = w.ledger.snapshot()
    const paid = await w.ledger.transfer({
      from: w.payer,
      mint: w.usdc,
      decimals: 6,
      toTokenAccount: w.merchantUsdc,
      amount,
      extraKeys: [referenceOf(target)],
    })
    if (paid.failed) throw new Error("the genuine payment failed")
    return { txHash: paid.signature, sender: w.payer.address }
  },
  // The look-alike mint paid to the merchant's token account of that mint, the transaction listing the
  // merchant's genuine token account and the checkout's reference.
  payLookAlike: async (target, amount) => {
    const paid = await w.ledger.transfer({
      from: w.payer,
      mint: w.fake,
      decimals: 6,
      toTokenAccount: w.merchantFake,
      amount,
      extraKeys: [referenceOf(target), w.merchantUsdc],
    })
    return { txHash: paid.signature, sender: w.payer.address }
  },
  // The genuine mint from an account without enough of it: the Token program fails the transaction, which
  // the cluster still records (with `err`) in the merchant token account's history.
  payFailed: async (target, amount) => {
    const paid = await w.ledger.transfer({
      from: w.attacker,
      mint: w.usdc,
      decimals: 6,
      toTokenAccount: w.merchantUsdc,
      amount,
      extraKeys: [referenceOf(target)],
    })
    if (!paid.failed) throw new Error("the transfer did not fail")
    return { txHash: paid.signature, sender: w.attacker.address }
  },
  // A fork without the last genuine payment: the cluster goes on past its blockhash's lifetime without it.
  revertLast: async () => {
    if (beforeLast === null) throw new Error("no payment to revert")
    w.ledger.restore(beforeLast, DROPPED_AFTER + 1)
    beforeLast = null
  },
  makeScanner: ({ paging = false } = {}) =>
    Effect.runPromise(
      makeSolanaScanner(w.network, {
        ...fast,
        droppedAfterSlots: DROPPED_AFTER,
        ...(paging ? { pageSize: 2, maxPagesPerAccount: 1, batchSize: 1 } : {}),
      }),
    ),
  advance: async (n) => {
    w.ledger.advance(n)
  },
}

describeChainAdapter(`solana (litesvm + JSON-RPC stand-in, finality ${FINALITY_DEPTH} slots)`, harness)
