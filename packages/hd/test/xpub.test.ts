import { bytesToHex } from "@noble/hashes/utils"
import { encodeBase58, HDNodeWallet, Mnemonic, sha256 } from "ethers"
import { describe, expect, it } from "vitest"
import { parseAccountXpub, publicChild, XPUB_CACHE_LIMIT, xpubCacheSize } from "../src/index.js"

const M = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
const EVM = "m/44'/60'/0'"
const TRON = "m/44'/195'/0'"
const node = (path: string) => HDNodeWallet.fromPhrase(M, undefined, path)
const xpubAt = (path: string) => node(path).neuter().extendedKey

/** The same key re-encoded with other version bytes (tpub, xprv…): base58check with a correct checksum. */
const withVersion = (xpub: string, version: string): string => {
  const raw = decode58(xpub).subarray(0, 78)
  raw.write(version, 0, "hex")
  return checked(raw)
}
/** base58check of 78 payload bytes. */
const checked = (raw: Buffer): string =>
  encodeBase58(Buffer.concat([raw, Buffer.from(sha256(sha256(raw)).slice(2, 10), "hex")]))
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const decode58 = (s: string): Buffer => {
  let x = 0n
  for (const c of s) x = x * 58n + BigInt(ALPHABET.indexOf(c))
  return Buffer.from(x.toString(16).padStart(164, "0"), "hex")
}

const message = (xpub: string, path = EVM) => {
  const r = parseAccountXpub(xpub, path)
  if (r.ok) throw new Error(`expected ${xpub} to be refused`)
  return r.message
}

describe("parseAccountXpub: one rule set for every secp256k1 family", () => {
  it("gives the external chain …/0 as ethers derives it, for the EVM and the Tron account", () => {
    for (const path of [EVM, TRON]) {
      const r = parseAccountXpub(xpubAt(path), path)
      expect(r.ok).toBe(true)
      if (!r.ok) return
      const chain = node(path).neuter().deriveChild(0)
      for (const i of [0, 1, 2, 19, 4242, 0x7fffffff])
        expect(`0x${bytesToHex(r.external.addressBytes(i))}`).toBe(chain.deriveChild(i).address.toLowerCase())
    }
    // The EVM vector wallets show for "abandon … about", m/44'/60'/0'/0/0.
    const evm = parseAccountXpub(xpubAt(EVM), EVM)
    expect(evm.ok && bytesToHex(evm.external.addressBytes(0))).toBe(
      "9858effd232b4033e47d90003d41ec34ecaeda94",
    )
  })

  it("takes a tpub as the same key as its xpub (the version bytes do not change the derivation)", () => {
    const xpub = xpubAt(EVM)
    const tpub = withVersion(xpub, "043587cf")
    expect(tpub.startsWith("tpub")).toBe(true)
    const a = parseAccountXpub(xpub, EVM)
    const b = parseAccountXpub(tpub, TRON)
    expect(a.ok && b.ok).toBe(true)
    if (a.ok && b.ok)
      expect(bytesToHex(b.external.addressBytes(7))).toBe(bytesToHex(a.external.addressBytes(7)))
  })

  it("refuses a key that is not an account key: depth 2 (m/44'/60'), depth 4 (…/0), the root", () => {
    expect(message(xpubAt("m/44'/60'"))).toBe(
      "expected an account-level key (m/44'/60'/0', depth 3), got depth 2",
    )
    expect(message(xpubAt(`${TRON}/0`), TRON)).toBe(
      "expected an account-level key (m/44'/195'/0', depth 3), got depth 4",
    )
    expect(message(HDNodeWallet.fromSeed(Mnemonic.fromPhrase(M).computeSeed()).neuter().extendedKey)).toMatch(
      /got depth 0/,
    )
  })

  it("refuses a bad checksum (one character changed), private keys, other versions, garbage", () => {
    const xpub = xpubAt(EVM)
    const typo = `${xpub.slice(0, 60)}${xpub[60] === "a" ? "b" : "a"}${xpub.slice(61)}`
    expect(message(typo)).toMatch(/bad checksum/)
    const xprv = node(EVM).extendedKey
    expect(message(xprv)).toMatch(/private extended key/)
    expect(message(withVersion(xpub, "04358394"))).toMatch(/private extended key/) // tprv
    expect(message(withVersion(xpub, "049d7cb2"))).toMatch(/unsupported extended key version 049d7cb2/) // ypub
    for (const bad of ["", " ", `${xpub} `, "xpub", "hello", "0x1234", `${xpub}0`])
      expect(message(bad)).toMatch(/extended public key|malformed/)
    // Well-formed envelope, but the key bytes are no curve point.
    const raw = decode58(xpub).subarray(0, 78)
    raw.fill(0xff, 46, 78)
    expect(message(checked(raw))).toMatch(/not a valid public key/)
  })

  it("caches parsed keys (the same chain object again), bounded to XPUB_CACHE_LIMIT", () => {
    const xpub = xpubAt(EVM)
    const a = parseAccountXpub(xpub, EVM)
    const b = parseAccountXpub(xpub, TRON)
    expect(a.ok && b.ok && a.external === b.external).toBe(true)
    // Refusals are not cached; a full cache drops its oldest entry.
    message("xpub-nonsense")
    const account = node(EVM).neuter()
    for (let i = 0; i < XPUB_CACHE_LIMIT + 5; i++) {
      // Distinct valid depth-3 keys: the account's public node re-encoded with another fingerprint.
      const raw = decode58(account.extendedKey).subarray(0, 78)
      raw.writeUInt32BE(i, 5)
      expect(parseAccountXpub(checked(raw), EVM).ok).toBe(true)
    }
    expect(xpubCacheSize()).toBe(XPUB_CACHE_LIMIT)
  })

  it("publicChild is BIP-32 CKDpub (key and chain code of …/0 as ethers gives them)", () => {
    const account = node(TRON).neuter()
    const c = publicChild(
      {
        publicKey: Buffer.from(account.publicKey.slice(2), "hex"),
        chainCode: Buffer.from(account.chainCode.slice(2), "hex"),
      },
      0,
    )
    const ref = account.deriveChild(0)
    expect(`0x${bytesToHex(c.publicKey)}`).toBe(ref.publicKey)
    expect(`0x${bytesToHex(c.chainCode)}`).toBe(ref.chainCode)
  })
})
