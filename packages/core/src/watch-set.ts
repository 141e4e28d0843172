import type { WatchSet } from "./chain-events.js"
import type { OpenTargets } from "./ports/CheckoutStore.js"

/**
 * Builds the in-memory lookup a scanner matches transfers against: O(1) per transfer, whatever the number of
 * open checkouts. Addresses are compared exactly as the store holds them (EVM lower-case hex, Tron base58,
 * TON raw `0:hex`), memos upper-case.
 */
export const makeWatchSet = (targets: OpenTargets): WatchSet => {
  const addresses = new Set(targets.addresses)
  const memos = new Set<string>()
  const wallets = new Set<string>(targets.wallets ?? [])
  const openWallets = new Set<string>()
  for (const m of targets.memos) {
    memos.add(`${m.wallet}\u0000${m.memo.toUpperCase()}`)
    wallets.add(m.wallet)
    openWallets.add(m.wallet)
  }
  return {
    hasAddress: (a) => addresses.has(a),
    hasMemo: (wallet, memo) => memos.has(`${wallet}\u0000${memo.toUpperCase()}`),
    wallets: [...wallets],
    openWallets: [...openWallets],
  }
}
