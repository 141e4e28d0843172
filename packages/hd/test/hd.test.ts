import { bytesToHex } from "@noble/hashes/utils"
import { HDNodeWallet, SigningKey } from "ethers"
import { describe, expect, it } from "vitest"
import { secp256k1 } from "@noble/curves/secp256k1"
import { childDeriver, fieldInverse, tweakPoint } from "../src/index.js"

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

  it("addressBytesMany (one inversion per batch) gives addressBytes of each index, in order", () => {
    for (const path of ["m/44'/60'/0'", "m/44'/195'/0'"]) {
      const chain = HDNodeWallet.fromPhrase(M, undefined, path).neuter().deriveChild(0)
      const d = childDeriver({ publicKey: chain.publicKey, chainCode: chain.chainCode })
      const indices = [5, 0, 77, 1_000_000, 0x7fffffff, 3, 4, 6]
      const many = d.addressBytesMany(indices).map((b) => `0x${bytesToHex(b)}`)
      expect(many).toEqual(indices.map((i) => chain.deriveChild(i).address.toLowerCase()))
      expect(d.addressBytesMany([])).toEqual([])
      expect(() => d.addressBytesMany([1, 0x80000000])).toThrow(/out of range/)
    }
  })
})

describe("tweakPoint: IL·G + P on the byte-wise comb", () => {
  const Point = secp256k1.ProjectivePoint
  const bytes = (k: bigint) => Uint8Array.from(Buffer.from(k.toString(16).padStart(64, "0"), "hex"))
  const scalars = [
    1n,
    2n,
    255n,
    256n,
    0x0100010001n, // windows of 1 with zero windows between them
    2n ** 255n + 1n,
    secp256k1.CURVE.n - 1n,
    0xff_ff_ff_ff_ff_ff_ff_ff_ff_ff_ff_ff_ff_ff_ff_ffn * 2n ** 64n, // the eight low windows zero, 16 full ones
    0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdefn,
  ]

  it("equals noble's k·G + P for scalars with zero, full and top windows", () => {
    const P = Point.BASE.multiply(987654321n).toAffine()
    for (const k of scalars) {
      const want = Point.BASE.multiply(k).add(Point.fromAffine(P)).toAffine()
      expect(tweakPoint(bytes(k), P.x, P.y)).toEqual({ x: want.x, y: want.y })
    }
  })

  it("doubles when P = k·G, and gives the point at infinity when P = −k·G", () => {
    for (const k of scalars) {
      const Q = Point.BASE.multiply(k)
      const twice = Q.double().toAffine()
      const q = Q.toAffine()
      expect(tweakPoint(bytes(k), q.x, q.y)).toEqual({ x: twice.x, y: twice.y })
      const neg = Q.negate().toAffine()
      expect(tweakPoint(bytes(k), neg.x, neg.y)).toBeNull()
    }
  })
})

describe("fieldInverse: Lehmer's extended Euclid on secp256k1's prime", () => {
  const Fp = secp256k1.CURVE.Fp
  const p = Fp.ORDER

  it("equals noble's Fp.inv on random elements and at the digit-size edges", () => {
    const edges = [
      1n,
      2n,
      3n,
      p - 1n,
      p - 2n,
      2n ** 255n,
      2n ** 52n - 1n,
      2n ** 52n,
      2n ** 52n + 1n,
      2n ** 53n,
    ]
    const random = Array.from(
      { length: 3000 },
      () => (BigInt(`0x${bytesToHex(secp256k1.utils.randomPrivateKey())}`) % (p - 1n)) + 1n,
    )
    for (const x of [...edges, ...random]) {
      const inv = fieldInverse(x)
      expect(inv).toBe(Fp.inv(x))
      expect(Fp.mul(inv, x)).toBe(1n)
    }
  })

  it("refuses 0 and anything not below p", () => {
    for (const x of [0n, -1n, p, p + 1n]) expect(() => fieldInverse(x)).toThrow(/expected 0 < a < p/)
  })
})
