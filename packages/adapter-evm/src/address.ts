import { type ChildDeriver, childDeriver } from "@inzi/hd"
import type { AddressDeriver } from "@inzi/core"
import { DerivationError } from "@inzi/core"
import { Effect } from "effect"
import { decodeBase58, getAddress, type HDNodeVoidWallet, HDNodeWallet, sha256, toBeArray } from "ethers"

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

/** Version bytes of BIP-32 public keys: mainnet `xpub`, testnet `tpub`. */
const PUBLIC_VERSIONS = new Set(["0488b21e", "043587cf"])

/**
 * Checks the base58check envelope ourselves: ethers' `fromExtendedKey` does not verify the 4-byte checksum,
 * so a mistyped xpub would otherwise yield valid-looking addresses nobody controls.
 */
const checkEnvelope = (xpub: string): string | null => {
  if (!/^[1-9A-HJ-NP-Za-km-z]{100,120}$/.test(xpub)) return "not a base58 extended key"
  let bytes: Uint8Array
  try {
    const raw = toBeArray(decodeBase58(xpub))
    bytes = new Uint8Array(82)
    if (raw.length > 82) return "not an extended key (wrong length)"
    bytes.set(raw, 82 - raw.length)
  } catch {
    return "not a base58 extended key"
  }
  const payload = bytes.slice(0, 78)
  const checksum = sha256(sha256(payload)).slice(2, 10)
  if (Buffer.from(bytes.slice(78)).toString("hex") !== checksum) return "checksum mismatch (mistyped key?)"
  const version = Buffer.from(bytes.slice(0, 4)).toString("hex")
  if (version === "0488ade4" || version === "04358394")
    return "a private extended key was given; use the public one (xpub)"
  if (!PUBLIC_VERSIONS.has(version)) return `unsupported extended key version ${version} (expected xpub)`
  return null
}

const MAX_INDEX = 2n ** 31n - 1n
// Parsed keys (and their external chain node …/0), so deriving many indices does not re-parse.
const cache = new Map<string, HDNodeVoidWallet>()

const externalChain = (xpub: string): Effect.Effect<HDNodeVoidWallet, DerivationError> =>
  Effect.suspend(() => {
    const cached = cache.get(xpub)
    if (cached !== undefined) return Effect.succeed(cached)
    const trimmed = xpub.trim()
    if (trimmed !== xpub || xpub.length === 0)
      return Effect.fail(fail("extended key is empty or has whitespace"))
    if (/^[xyzt]prv/i.test(xpub))
      return Effect.fail(fail("a private extended key was given; use the public one (xpub)"))
    const envelope = checkEnvelope(xpub)
    if (envelope !== null) return Effect.fail(fail(envelope))
    let node: HDNodeWallet | HDNodeVoidWallet
    try {
      node = HDNodeWallet.fromExtendedKey(xpub)
    } catch {
      return Effect.fail(fail("not a valid extended public key"))
    }
    if (node instanceof HDNodeWallet) {
      return Effect.fail(fail("a private extended key was given; use the public one (xpub)"))
    }
    if (node.depth !== 3) {
      return Effect.fail(
        fail(`expected an account-level key (m/44'/60'/0', depth 3), got depth ${node.depth}`),
      )
    }
    const chain = node.deriveChild(0)
    if (cache.size > 1000) cache.clear()
    cache.set(xpub, chain)
    return Effect.succeed(chain)
  })

// Per chain node, the fast public derivation of @inzi/hd (ethers' deriveChild(i).address costs ~2× more CPU).
const derivers = new WeakMap<HDNodeVoidWallet, ChildDeriver>()
const fastDeriver = (chain: HDNodeVoidWallet): ChildDeriver => {
  let d = derivers.get(chain)
  if (d === undefined) {
    d = childDeriver({ publicKey: chain.publicKey, chainCode: chain.chainCode })
    derivers.set(chain, d)
  }
  return d
}

/** The EVM `AddressDeriver`: wire it into core's `AddressDerivation`. */
export const EvmAddressDeriver: AddressDeriver = {
  family: "evm",
  validateXpub: (xpub) => Effect.asVoid(externalChain(xpub)),
  derive: (xpub, index) =>
    Effect.flatMap(externalChain(xpub), (chain) => {
      if (index < 0n || index > MAX_INDEX) return Effect.fail(fail(`index out of range: ${index}`))
      try {
        return Effect.succeed(
          `0x${Buffer.from(fastDeriver(chain).addressBytes(Number(index))).toString("hex")}`,
        )
      } catch (e) {
        return Effect.fail(fail(`derivation failed at index ${index}: ${e instanceof Error ? e.message : e}`))
      }
    }),
}
