import { secp256k1 } from "@noble/curves/secp256k1"
import { sha256 } from "@noble/hashes/sha2"
import { type ChildDeriver, childDeriver, publicChild } from "./derive.js"

/**
 * The one parser of merchants' extended public keys, for every secp256k1 family (EVM `m/44'/60'/0'`, Tron
 * `m/44'/195'/0'`): a base58check BIP-32 key, public (`xpub` or `tpub`: the version bytes do not change the
 * derivation), at account depth 3, with a valid checksum and key. Its result is the external chain `…/0`,
 * ready to derive from; parsed keys are cached (bounded), since derivation is on the checkout-create path.
 */

/** Depth of the account-level key (`m/44'/coin'/0'`) a merchant exports. */
export const ACCOUNT_KEY_DEPTH = 3
/** Parsed keys kept (least recently used dropped first). */
export const XPUB_CACHE_LIMIT = 1000

const PUBLIC_VERSIONS = new Set(["0488b21e", "043587cf"]) // xpub, tpub
const PRIVATE_VERSIONS = new Set(["0488ade4", "04358394"]) // xprv, tprv
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const BASE58_KEY = /^[1-9A-HJ-NP-Za-km-z]{100,120}$/

export type AccountXpub =
  | { readonly ok: true; readonly external: ChildDeriver }
  | { readonly ok: false; readonly message: string }

const base58Decode = (s: string): Uint8Array => {
  let x = 0n
  for (const c of s) x = x * 58n + BigInt(ALPHABET.indexOf(c))
  const bytes: Array<number> = []
  while (x > 0n) {
    bytes.push(Number(x & 0xffn))
    x >>= 8n
  }
  for (const c of s) {
    if (c !== "1") break
    bytes.push(0)
  }
  return Uint8Array.from(bytes.reverse())
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex")

const cache = new Map<string, ChildDeriver>()

const parse = (xpub: string, accountPath: string): AccountXpub => {
  const no = (message: string) => ({ ok: false as const, message })
  if (typeof xpub !== "string" || xpub.length === 0 || xpub.trim() !== xpub)
    return no("not an extended public key: empty or with surrounding whitespace")
  if (/^[xyzt]prv/i.test(xpub))
    return no(`a private extended key was given; use the account's public key (xpub of ${accountPath})`)
  if (!BASE58_KEY.test(xpub))
    return no(`not an extended public key (expected the base58 \`xpub…\` of ${accountPath})`)
  const bytes = base58Decode(xpub)
  if (bytes.length !== 82) return no("malformed extended public key (wrong length)")
  const sum = sha256(sha256(bytes.subarray(0, 78))).subarray(0, 4)
  if (hex(sum) !== hex(bytes.subarray(78)))
    return no("malformed extended public key: bad checksum (mistyped key?)")
  const version = hex(bytes.subarray(0, 4))
  if (PRIVATE_VERSIONS.has(version))
    return no(`a private extended key was given; use the account's public key (xpub of ${accountPath})`)
  if (!PUBLIC_VERSIONS.has(version))
    return no(`unsupported extended key version ${version} (expected xpub or tpub)`)
  const depth = bytes[4]!
  const chainCode = bytes.slice(13, 45)
  const publicKey = bytes.slice(45, 78)
  try {
    secp256k1.ProjectivePoint.fromHex(publicKey)
  } catch {
    return no("malformed extended public key (not a valid public key)")
  }
  if (depth !== ACCOUNT_KEY_DEPTH)
    return no(
      `expected an account-level key (${accountPath}, depth ${ACCOUNT_KEY_DEPTH}), got depth ${depth}`,
    )
  try {
    return { ok: true, external: childDeriver(publicChild({ publicKey, chainCode }, 0)) }
  } catch {
    // BIP-32 says to skip an invalid child; a wallet cannot have given this key's …/0 addresses either.
    return no("malformed extended public key (its external chain …/0 is invalid)")
  }
}

/**
 * Parses a merchant's account xpub into its external chain `…/0`, or says why not (`accountPath`, e.g.
 * `m/44'/60'/0'`, only words the messages). Successful parses are cached by key text.
 * @example
 * const k = parseAccountXpub(xpub, "m/44'/60'/0'")
 * if (k.ok) k.external.addressBytes(0) // the address bytes of …/0/0
 */
export const parseAccountXpub = (xpub: string, accountPath: string): AccountXpub => {
  const hit = cache.get(xpub)
  if (hit !== undefined) {
    cache.delete(xpub)
    cache.set(xpub, hit)
    return { ok: true, external: hit }
  }
  const parsed = parse(xpub, accountPath)
  if (parsed.ok) {
    if (cache.size >= XPUB_CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
    cache.set(xpub, parsed.external)
  }
  return parsed
}

/** Number of parsed keys held (for tests). */
export const xpubCacheSize = (): number => cache.size
