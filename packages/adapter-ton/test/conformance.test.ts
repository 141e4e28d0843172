import { type ConformanceHarness, describeChainAdapter } from "@inzi/conformance"
import type { TransferTarget } from "@inzi/core"
import { Effect } from "effect"
import { makeTonScanner, type TonPaymentSource } from "../src/index.js"
import { fast, type JettonWorld, keyTx, makeJettonWorld, networkOf, txOn } from "./support/jetton-world.js"

/**
 * The conformance kit on the @ton/sandbox jetton world (genuine and fake TEP-74 jettons) served by the fake
 * toncenter (v2, and v3 for "jetton-transfers"), once per payment source. Targets are the merchant wallet plus a fresh memo.
 */
const harnessFor = (source: TonPaymentSource): ConformanceHarness => {
  let w: JettonWorld
  let serial = 0
  const memoOf = (target: TransferTarget) => {
    if (target.kind !== "memo" || target.wallet !== w.merchant.address.toRawString())
      throw new Error("TON targets are the merchant wallet plus a memo")
    return target.memo
  }
  const sender = () => w.payer.address.toRawString()
  return {
    start: async () => {
      w = await makeJettonWorld()
    },
    stop: () => w.server.stop(),
    get token() {
      return { symbol: "USDT", contract: w.genuine.address.toString(), decimals: 6 }
    },
    makeTarget: async () => ({
      kind: "memo",
      wallet: w.merchant.address.toRawString(),
      memo: `CONF${String(serial++).padStart(5, "0")}`,
    }),
    payGenuine: async (target, amount) => {
      const txs = await w.pay(w.merchant.address, amount, { inline: memoOf(target) })
      const key = await Effect.runPromise(keyTx(w, source, txs, w.merchant.address))
      return { txHash: key.hash().toString("hex"), sender: sender() }
    },
    // The attacker's jetton: same TEP-74 code, same comment and amount; its notification reaches the merchant.
    payLookAlike: async (target, amount) => {
      const txs = await w.payFake(w.merchant.address, amount, { inline: memoOf(target) })
      return {
        txHash: txOn(txs, w.merchant.address).hash().toString("hex"),
        sender: w.attacker.address.toRawString(),
      }
    },
    // An internal_transfer forged straight to the merchant's genuine jetton wallet, with the target's memo and
    // amount: the jetton wallet's code rejects it, so its transaction on the watched account is aborted.
    payFailed: async (target, amount) => {
      const jettonWallet = (await w.walletOf(w.genuine, w.merchant.address)).address
      const tx = txOn(await w.forgeInternalTransfer(jettonWallet, amount, memoOf(target)), jettonWallet)
      if (!(tx.description.type === "generic" && tx.description.aborted))
        throw new Error("the forged internal_transfer was not aborted")
      return { txHash: tx.hash().toString("hex"), sender: w.attacker.address.toRawString() }
    },
    revertLast: {
      missing:
        "TON has no reorganisation to stage: toncenter serves only transactions of committed masterchain " +
        "blocks, and the adapter confirms a payment as soon as it is read (recheck confirms without a call)",
    },
    makeScanner: ({ paging = false } = {}) =>
      Effect.runPromise(
        makeTonScanner(networkOf(w), {
          ...fast,
          source,
          ...(paging ? { pageSize: 2, maxPagesPerAccount: 1 } : {}),
        }),
      ),
    // Every sandbox transaction is final once published: there is nothing to produce.
    advance: async () => {},
  }
}

for (const source of ["jetton-wallet", "notifications", "jetton-transfers"] as const) {
  describeChainAdapter(`ton (sandbox + fake toncenter, source "${source}")`, harnessFor(source))
}
