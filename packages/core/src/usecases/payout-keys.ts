import { Effect } from "effect"
import { AddressDerivation } from "../ports/AddressDerivation.js"
import { MerchantStore } from "../ports/MerchantStore.js"

/** A new merchant's payout keys (null: not given). */
export interface PayoutKeys {
  readonly evmXpub: string | null
  readonly tronXpub: string | null
  readonly tonWallet: string | null
}

/** What is wrong with one of them: which (`null`: all missing) and why. */
export interface PayoutKeyProblem {
  readonly key: "evm-xpub" | "tron-xpub" | "ton-wallet" | null
  readonly message: string
}

/**
 * The keys' own checks (no storage needed): at least one key, each xpub valid for its family (checksum, public,
 * account depth), the TON wallet an address (`isTonWallet`, the TON adapter's parser). null when they are fine.
 */
export const payoutKeysFormatProblem = (keys: PayoutKeys, isTonWallet: (address: string) => boolean) =>
  Effect.gen(function* () {
    if (keys.evmXpub === null && keys.tronXpub === null && keys.tonWallet === null)
      return {
        key: null,
        message: "a merchant needs a way to be paid: an EVM xpub, a Tron xpub and/or a TON wallet",
      } satisfies PayoutKeyProblem
    const derivation = yield* AddressDerivation
    for (const [family, xpub] of [
      ["evm", keys.evmXpub],
      ["tron", keys.tronXpub],
    ] as const)
      if (xpub !== null) {
        const r = yield* Effect.either(derivation.validateXpub(family, xpub))
        if (r._tag === "Left")
          return { key: `${family}-xpub`, message: r.left.message } satisfies PayoutKeyProblem
      }
    if (keys.tonWallet !== null && !isTonWallet(keys.tonWallet))
      return {
        key: "ton-wallet",
        message: "is not a TON address (expected UQ…/EQ… or 0:<hex>)",
      } satisfies PayoutKeyProblem
    return null
  })

/**
 * The checks every way of creating a merchant makes (the CLI's `merchant create`, the console): the keys' own
 * (`payoutKeysFormatProblem`), then that no other merchant has the same xpub (it would hand out the same deposit
 * addresses). null when they are fine.
 */
export const payoutKeysProblem = (keys: PayoutKeys, isTonWallet: (address: string) => boolean) =>
  Effect.gen(function* () {
    const format = yield* payoutKeysFormatProblem(keys, isTonWallet)
    if (format !== null) return format
    for (const other of yield* (yield* MerchantStore).listMerchants()) {
      if (keys.evmXpub !== null && other.evmXpub === keys.evmXpub)
        return {
          key: "evm-xpub",
          message: `this EVM xpub is already used by merchant ${other.id}`,
        } satisfies PayoutKeyProblem
      if (keys.tronXpub !== null && other.tronXpub === keys.tronXpub)
        return {
          key: "tron-xpub",
          message: `this Tron xpub is already used by merchant ${other.id}`,
        } satisfies PayoutKeyProblem
    }
    return null
  })
