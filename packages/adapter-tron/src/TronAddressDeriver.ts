import { type ChildDeriver, childDeriver } from "@inzi/hd"
import { DerivationError } from "@inzi/core"
import type { AddressDeriver } from "@inzi/core"
import { Effect } from "effect"
import { decodeBase58, getBytes, HDNodeWallet, keccak256, SigningKey, sha256, toBeHex } from "ethers"
import type { HDNodeVoidWallet } from "ethers"
import { tronAddressFromBytes } from "./address.js"

/** Depth of the account-level key `m/44'/195'/0'` the merchant exports. */
export const TRON_ACCOUNT_DEPTH = 3
/** BIP-44 coin type of Tron. */
export const TRON_COIN_TYPE = 195

const fail = (message: string) => new DerivationError({ family: "tron", message })

const MAX_INDEX = 2n ** 31n - 1n

/** A few parsed xpubs with their external chain (`…/0`) already derived: derivation is on the hot path. */
const cache = new Map<string, HDNodeVoidWallet>()
const CACHE_LIMIT = 64

/**
 * base58check verification of an extended key. ethers' `fromExtendedKey` skips the checksum of well-sized
 * keys, so a mistyped xpub would silently derive addresses nobody controls: check it here.
 */
const hasValidChecksum = (extendedKey: string): boolean => {
  try {
    const hex = toBeHex(decodeBase58(extendedKey), 82)
    const bytes = getBytes(hex)
    const sum = getBytes(sha256(sha256(bytes.slice(0, 78))))
    return bytes.length === 82 && sum.slice(0, 4).every((b, i) => b === bytes[78 + i])
  } catch {
    return false
  }
}

const externalChain = (xpub: string): Effect.Effect<HDNodeVoidWallet, DerivationError> =>
  Effect.suspend(() => {
    const hit = cache.get(xpub)
    if (hit !== undefined) return Effect.succeed(hit)
    if (typeof xpub !== "string") return Effect.fail(fail("not an extended public key"))
    if (/^[xt]prv/.test(xpub)) {
      return Effect.fail(
        fail("a private extended key was given; Inzi only takes the account xpub (m/44'/195'/0')"),
      )
    }
    if (!xpub.startsWith("xpub")) {
      return Effect.fail(fail("not an extended public key (expected `xpub…` of m/44'/195'/0')"))
    }
    if (!hasValidChecksum(xpub)) return Effect.fail(fail("malformed extended public key (bad checksum)"))
    let node: HDNodeWallet | HDNodeVoidWallet
    try {
      node = HDNodeWallet.fromExtendedKey(xpub)
    } catch {
      return Effect.fail(fail("malformed extended public key"))
    }
    if (node instanceof HDNodeWallet) return Effect.fail(fail("a private extended key was given"))
    if (node.depth !== TRON_ACCOUNT_DEPTH) {
      return Effect.fail(
        fail(
          `expected the account-level key m/44'/195'/0' (depth ${TRON_ACCOUNT_DEPTH}), got depth ${node.depth}`,
        ),
      )
    }
    const chain = node.deriveChild(0)
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
    cache.set(xpub, chain)
    return Effect.succeed(chain)
  })

/**
 * The Tron address of a secp256k1 public key (compressed or not): base58check(0x41 ‖ keccak256(X ‖ Y)[12..]).
 * The key is decompressed first: hashing a 33-byte compressed key gives a wrong (unspendable) address.
 */
export const tronAddressFromPublicKey = (publicKey: string | Uint8Array): string => {
  const uncompressed = getBytes(SigningKey.computePublicKey(publicKey, false))
  return tronAddressFromBytes(getBytes(keccak256(uncompressed.slice(1))).slice(12))
}

/**
 * Tron deposit addresses from the merchant's account xpub (`m/44'/195'/0'`): the address at `…/0/index`,
 * computed with ethers' HD nodes (no tronweb at run time, no private key).
 *
 * @example
 * const address = yield* TronAddressDeriver.derive(xpub, 0n) // "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
 */
// Per chain node, the fast public derivation of @inzi/hd (ethers' deriveChild costs ~2× more CPU).
const derivers = new WeakMap<HDNodeVoidWallet, ChildDeriver>()
const fastDeriver = (chain: HDNodeVoidWallet): ChildDeriver => {
  let d = derivers.get(chain)
  if (d === undefined) {
    d = childDeriver({ publicKey: chain.publicKey, chainCode: chain.chainCode })
    derivers.set(chain, d)
  }
  return d
}

export const TronAddressDeriver: AddressDeriver = {
  family: "tron",
  validateXpub: (xpub) => Effect.asVoid(externalChain(xpub)),
  derive: (xpub, index) =>
    Effect.flatMap(externalChain(xpub), (chain) => {
      if (typeof index !== "bigint" || index < 0n || index > MAX_INDEX) {
        return Effect.fail(fail(`derivation index out of range [0, 2^31): ${String(index)}`))
      }
      return Effect.try({
        try: () => tronAddressFromBytes(fastDeriver(chain).addressBytes(Number(index))),
        catch: () => fail(`derivation failed at index ${index}`),
      })
    }),
}
