import type { NetworkConfig } from "@inzi/core"
import type { JettonWorld } from "@inzi/devnet-ton"
import type { Address, Transaction } from "@ton/core"
import { Effect } from "effect"
import type { TonPaymentSource, TonScannerOptions } from "../../src/index.js"

export { type Comment, type JettonWorld, jettonTransferBody, makeJettonWorld } from "@inzi/devnet-ton"

/** The network config of a world's genuine jetton, served by its fake toncenter (or `urls`). */
export const networkOf = (w: JettonWorld, urls: ReadonlyArray<string> = [w.server.url]): NetworkConfig => ({
  id: "ton-sandbox",
  family: "ton",
  mode: "test",
  name: "TON sandbox",
  rpcUrls: urls,
  headers: { "X-API-Key": "sandbox-key" },
  tokens: [{ symbol: "USDT", contract: w.genuine.address.toString(), decimals: 6 }],
  confirmations: 1,
  pollIntervalMs: 1000,
})

/** Fast back-off for tests. */
export const fast: TonScannerOptions = { baseDelayMs: 2, maxDelayMs: 20 }

/** The transaction of `account` among those a send produced. */
export const txOn = (txs: ReadonlyArray<Transaction>, account: Address) => {
  const hex = account.hash.toString("hex")
  const tx = txs.find((t) => t.address.toString(16).padStart(64, "0") === hex)
  if (tx === undefined) throw new Error(`no transaction on ${account.toRawString()}`)
  return tx
}

/**
 * The transaction a payment is keyed by: the merchant wallet's notification in "notifications" mode (or the
 * jetton wallet's credit for forward_ton_amount 0), the genuine jetton wallet's credit in "jetton-wallet" mode,
 * the payer's jetton wallet's `transfer` in "jetton-transfers" mode (toncenter v3's record).
 */
export const keyTx = (
  w: JettonWorld,
  source: TonPaymentSource,
  txs: ReadonlyArray<Transaction>,
  owner: Address,
  forwardTonAmount = 1n,
) =>
  Effect.promise(async () =>
    source === "jetton-transfers"
      ? txOn(txs, (await w.walletOf(w.genuine, w.payer.address)).address)
      : source === "notifications" && forwardTonAmount > 0n
        ? txOn(txs, owner)
        : txOn(txs, (await w.walletOf(w.genuine, owner)).address),
  )
