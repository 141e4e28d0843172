import { type ChildDeriver, parseAccountXpub } from "@inzi/hd"
import type { AddressDeriver } from "@inzi/core"
import { DerivationError } from "@inzi/core"
import { Effect, Either } from "effect"
import { getAddress } from "ethers"

/**
 * EVM deposit addresses from a merchant's account-level extended public key (`m/44'/60'/0'`, depth 3):
 * the address at `…/0/index`, as wallets (MetaMask, Ledger, Trezor) show it. No private key involved.
 */

const fail = (message: string) => new DerivationError({ family: "evm", message })

/** Lower-case `0x` form: how EVM addresses are stored and matched. */
export const normalizeEvmAddress = (address: string): string => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not an EVM address: ${address}`)
  return address.toLowerCase()
}

/** EIP-55 mixed-case form, for display. */
export const toChecksumAddress = (address: string): string => getAddress(address.toLowerCase())

const MAX_INDEX = 2n ** 31n - 1n
const ACCOUNT_PATH = "m/44'/60'/0'"

/** The external chain `…/0` of the merchant's account xpub, parsed (and cached) by @inzi/hd. */
const externalChain = (xpub: string): Effect.Effect<ChildDeriver, DerivationError> =>
  Effect.suspend(() => {
    const k = parseAccountXpub(xpub, ACCOUNT_PATH)
    return k.ok ? Effect.succeed(k.external) : Effect.fail(fail(k.message))
  })

/** The indices as numbers, or the reason one is out of range. */
const checkedIndices = (indices: ReadonlyArray<bigint>): Array<number> | string => {
  const out: Array<number> = []
  for (const index of indices) {
    if (index < 0n || index > MAX_INDEX) return `index out of range: ${index}`
    out.push(Number(index))
  }
  return out
}

const hexAddress = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString("hex")}`

/** `derive` as plain code (`AddressDeriver.deriveSync`). */
const deriveSync = (xpub: string, index: bigint): Either.Either<string, DerivationError> => {
  const k = parseAccountXpub(xpub, ACCOUNT_PATH)
  if (!k.ok) return Either.left(fail(k.message))
  if (index < 0n || index > MAX_INDEX) return Either.left(fail(`index out of range: ${index}`))
  try {
    return Either.right(hexAddress(k.external.addressBytes(Number(index))))
  } catch (e) {
    return Either.left(fail(`derivation failed at index ${index}: ${e instanceof Error ? e.message : e}`))
  }
}

/** The EVM `AddressDeriver`: wire it into core's `AddressDerivation`. */
export const EvmAddressDeriver: AddressDeriver = {
  family: "evm",
  validateXpub: (xpub) => Effect.asVoid(externalChain(xpub)),
  // An Either is an Effect: the Effect form runs the plain one.
  derive: (xpub, index) => Effect.suspend(() => deriveSync(xpub, index)),
  deriveSync,
  deriveMany: (xpub, indices) =>
    Effect.flatMap(externalChain(xpub), (chain) => {
      const checked = checkedIndices(indices)
      if (typeof checked === "string") return Effect.fail(fail(checked))
      try {
        return Effect.succeed(chain.addressBytesMany(checked).map(hexAddress))
      } catch (e) {
        return Effect.fail(fail(`derivation failed: ${e instanceof Error ? e.message : e}`))
      }
    }),
}
