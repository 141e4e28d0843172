import { randomBytes } from "node:crypto"
import type { ChainEvent, PaymentObserved, WatchSet } from "@inzi/core"
import { Effect } from "effect"
import { HDNodeWallet, Mnemonic } from "ethers"
import { EvmAddressDeriver } from "../src/index.js"

/** A merchant's account xpub (m/44'/60'/0') from the BIP-39 test mnemonic; no key of ours. */
export const MERCHANT_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
export const MERCHANT_XPUB = HDNodeWallet.fromMnemonic(
  Mnemonic.fromPhrase(MERCHANT_MNEMONIC),
  "m/44'/60'/0'",
).neuter().extendedKey

/** Deposit address i of the test merchant, derived from the xpub like the server does. */
export const depositAddress = (index: number): string =>
  Effect.runSync(EvmAddressDeriver.derive(MERCHANT_XPUB, BigInt(index)))

export const watchOf = (addresses: Iterable<string>): WatchSet & { readonly size: number } => {
  const set = new Set([...addresses].map((a) => a.toLowerCase()))
  return { hasAddress: (a) => set.has(a), hasMemo: () => false, wallets: [], size: set.size }
}

export const randomAddresses = (n: number): Array<string> =>
  Array.from({ length: n }, () => `0x${randomBytes(20).toString("hex")}`)

export const observed = (events: ReadonlyArray<ChainEvent>): Array<PaymentObserved> =>
  events.filter((e): e is PaymentObserved => e._tag === "PaymentObserved")

export { pendingOf } from "@inzi/conformance"
