import { ACCOUNT_KEY_DEPTH, type ChildDeriver, parseAccountXpub } from "@inzi/hd"
import { DerivationError } from "@inzi/core"
import type { AddressDeriver } from "@inzi/core"
import { Effect, Either } from "effect"
import { getBytes, keccak256, SigningKey } from "ethers"
import { tronAddressFromBytes } from "./address.js"

/** Depth of the account-level key `m/44'/195'/0'` the merchant exports. */
export const TRON_ACCOUNT_DEPTH = ACCOUNT_KEY_DEPTH
/** BIP-44 coin type of Tron. */
export const TRON_COIN_TYPE = 195

const fail = (message: string) => new DerivationError({ family: "tron", message })

const MAX_INDEX = 2n ** 31n - 1n
const ACCOUNT_PATH = `m/44'/${TRON_COIN_TYPE}'/0'`

/** The external chain `…/0` of the merchant's account xpub, parsed (and cached) by @inzi/hd. */
const externalChain = (xpub: string): Effect.Effect<ChildDeriver, DerivationError> =>
  Effect.suspend(() => {
    const k = parseAccountXpub(xpub, ACCOUNT_PATH)
    return k.ok ? Effect.succeed(k.external) : Effect.fail(fail(k.message))
  })

/**
 * The Tron address of a secp256k1 public key (compressed or not): base58check(0x41 ‖ keccak256(X ‖ Y)[12..]).
 * The key is decompressed first: hashing a 33-byte compressed key gives a wrong (unspendable) address.
 */
export const tronAddressFromPublicKey = (publicKey: string | Uint8Array): string => {
  const uncompressed = getBytes(SigningKey.computePublicKey(publicKey, false))
  return tronAddressFromBytes(getBytes(keccak256(uncompressed.slice(1))).slice(12))
}

/** `derive` as plain code (`AddressDeriver.deriveSync`). */
const deriveSync = (xpub: string, index: bigint): Either.Either<string, DerivationError> => {
  const k = parseAccountXpub(xpub, ACCOUNT_PATH)
  if (!k.ok) return Either.left(fail(k.message))
  if (typeof index !== "bigint" || index < 0n || index > MAX_INDEX)
    return Either.left(fail(`derivation index out of range [0, 2^31): ${String(index)}`))
  try {
    return Either.right(tronAddressFromBytes(k.external.addressBytes(Number(index))))
  } catch {
    return Either.left(fail(`derivation failed at index ${index}`))
  }
}

/**
 * Tron deposit addresses from the merchant's account xpub (`m/44'/195'/0'`): the address at `…/0/index`,
 * derived by @inzi/hd (no tronweb at run time, no private key).
 *
 * @example
 * const address = yield* TronAddressDeriver.derive(xpub, 0n) // "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
 */
export const TronAddressDeriver: AddressDeriver = {
  family: "tron",
  validateXpub: (xpub) => Effect.asVoid(externalChain(xpub)),
  // An Either is an Effect: the Effect form runs the plain one.
  derive: (xpub, index) => Effect.suspend(() => deriveSync(xpub, index)),
  deriveSync,
  deriveMany: (xpub, indices) =>
    Effect.flatMap(externalChain(xpub), (chain) => {
      const numbers: Array<number> = []
      for (const index of indices) {
        if (typeof index !== "bigint" || index < 0n || index > MAX_INDEX)
          return Effect.fail(fail(`derivation index out of range [0, 2^31): ${String(index)}`))
        numbers.push(Number(index))
      }
      return Effect.try({
        try: () => chain.addressBytesMany(numbers).map(tronAddressFromBytes),
        catch: () => fail("derivation failed"),
      })
    }),
}
