import { bytesToHex } from "@noble/hashes/utils"
import { HDNodeWallet, SigningKey } from "ethers"
import { describe, expect, it } from "vitest"
import { childDeriver } from "../src/index.js"

const M = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

describe("childDeriver matches ethers' BIP-32 public derivation", () => {
  for (const path of ["m/44'/60'/0'", "m/44'/195'/0'"]) {
    it(`${path}/0/i for 200 indices and a few large ones`, () => {
      const chain = HDNodeWallet.fromPhrase(M, undefined, path).neuter().deriveChild(0)
      const d = childDeriver({ publicKey: chain.publicKey, chainCode: chain.chainCode })
      for (const i of [...Array.from({ length: 200 }, (_, k) => k), 1_000_000, 0x7fffffff]) {
        const ref = chain.deriveChild(i)
        expect(`0x${bytesToHex(d.uncompressedPublicKey(i))}`).toBe(
          SigningKey.computePublicKey(ref.publicKey, false),
        )
        expect(`0x${bytesToHex(d.addressBytes(i))}`).toBe(ref.address.toLowerCase())
      }
    })
  }

  it("refuses hardened or malformed indices and malformed parents", () => {
    const chain = HDNodeWallet.fromPhrase(M, undefined, "m/44'/60'/0'").neuter().deriveChild(0)
    const d = childDeriver({ publicKey: chain.publicKey, chainCode: chain.chainCode })
    expect(() => d.addressBytes(0x80000000)).toThrow(/out of range/)
    expect(() => d.addressBytes(-1)).toThrow(/out of range/)
    expect(() => d.addressBytes(1.5)).toThrow(/out of range/)
    expect(() => childDeriver({ publicKey: "0x02", chainCode: chain.chainCode })).toThrow()
    expect(() => childDeriver({ publicKey: "zz", chainCode: chain.chainCode })).toThrow(/invalid hex/)
  })
})
