/**
 * Fast BIP-32 public (non-hardened) child derivation for secp256k1, shared by the EVM and Tron adapters.
 *
 * A child key is `P_i = P + G·IL_i` (IL from HMAC-SHA512 of the parent's chain code and `P ‖ i`). The product
 * with the base point is a fixed-base comb: a table of `k·2^(8j)·G` (j < 32, 0 < k < 256) in affine
 * coordinates, built once per process on first use, so a product is one mixed (Jacobian + affine) addition per
 * byte of IL, on secp256k1's special prime with a two-fold folding reduction instead of a division. Public
 * derivation handles no secret (IL follows from the xpub), so the arithmetic need not be constant-time. The
 * result leaves Jacobian coordinates through one field inversion (Lehmer's extended Euclid, `fieldInverse`) —
 * shared by a whole batch in `addressBytesMany` (Montgomery's trick). Tested against ethers index for index.
 */
import { createHmac } from "node:crypto"
import { secp256k1 } from "@noble/curves/secp256k1"
import { keccak_256 } from "@noble/hashes/sha3"

const Fp = secp256k1.CURVE.Fp
const PRIME = Fp.ORDER
const N = secp256k1.CURVE.n
const MASK256 = (1n << 256n) - 1n
/** 2^256 mod p (p = 2^256 − 2^32 − 977). */
const FOLD = (1n << 256n) - PRIME

/** x mod p for 0 ≤ x < 2^512 (a product of two reduced elements): two folds of the high half, one subtraction. */
const red = (x: bigint): bigint => {
  x = (x & MASK256) + (x >> 256n) * FOLD
  x = (x & MASK256) + (x >> 256n) * FOLD
  return x >= PRIME ? x - PRIME : x
}
const mul = (a: bigint, b: bigint): bigint => red(a * b)
const sqr = (a: bigint): bigint => red(a * a)
const add = (a: bigint, b: bigint): bigint => {
  const s = a + b
  return s >= PRIME ? s - PRIME : s
}
const sub = (a: bigint, b: bigint): bigint => (a >= b ? a - b : a - b + PRIME)

/** 2^52: below it, Lehmer's digits and their cofactors multiply exactly in doubles. */
const DIGIT = 0x10000000000000n

/**
 * 1/a mod p (0 < a < p) by Lehmer's extended Euclid: most quotient steps run on the 52 leading bits of the pair
 * as doubles (every product stays below 2^53, so exact), and only their combined 2×2 matrix touches the BigInts,
 * about a tenth of the BigInt operations of a plain extended Euclid (Knuth, TAOCP vol. 2, 4.5.2, Algorithm L).
 * Exposed for its tests against noble's `Fp.inv`.
 */
export const fieldInverse = (a: bigint): bigint => {
  if (a <= 0n || a >= PRIME) throw new Error("fieldInverse: expected 0 < a < p")
  // u ≡ xu·a and v ≡ xv·a (mod p) throughout.
  let u = PRIME
  let v = a
  let xu = 0n
  let xv = 1n
  while (v !== 0n) {
    let A = 1
    let B = 0
    let C = 0
    let D = 1
    if (v >= DIGIT) {
      const shift = BigInt(Math.max(0, Math.floor(Math.log2(Number(u))) - 51))
      let uh = Number(u >> shift)
      let vh = Number(v >> shift)
      for (;;) {
        const d1 = vh + C
        const d2 = vh + D
        if (d1 === 0 || d2 === 0) break
        const n1 = uh + A
        const n2 = uh + B
        // A float quotient may round up to the next integer: corrected.
        let q = Math.floor(n1 / d1)
        if (q * d1 > n1) q--
        let q2 = Math.floor(n2 / d2)
        if (q2 * d2 > n2) q2--
        if (q !== q2) break
        let t = A - q * C
        A = C
        C = t
        t = B - q * D
        B = D
        D = t
        t = uh - q * vh
        uh = vh
        vh = t
      }
    }
    if (B === 0) {
      // No digit step agreed (or the pair is small): one full-precision step.
      const q = u / v
      let t = u - q * v
      u = v
      v = t
      t = xu - q * xv
      xu = xv
      xv = t
    } else {
      const bA = BigInt(A)
      const bB = BigInt(B)
      const bC = BigInt(C)
      const bD = BigInt(D)
      const nu = bA * u + bB * v
      v = bC * u + bD * v
      u = nu
      const nx = bA * xu + bB * xv
      xv = bC * xu + bD * xv
      xu = nx
    }
  }
  if (u !== 1n) throw new Error("fieldInverse: not invertible")
  xu %= PRIME
  return xu < 0n ? xu + PRIME : xu
}

/** The inverses of `xs` (none zero) with one `fieldInverse` (Montgomery's trick). */
const fieldInverses = (xs: ReadonlyArray<bigint>): Array<bigint> => {
  if (xs.length === 0) return []
  const prefix: Array<bigint> = []
  let acc = 1n
  for (const x of xs) {
    prefix.push(acc)
    acc = mul(acc, x)
  }
  let inv = fieldInverse(acc)
  const out = new Array<bigint>(xs.length)
  for (let i = xs.length - 1; i >= 0; i--) {
    out[i] = mul(inv, prefix[i]!)
    inv = mul(inv, xs[i]!)
  }
  return out
}

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
interface Jacobian {
  X: bigint
  Y: bigint
  Z: bigint
}

/** 2·A (a = 0 curve, dbl-2009-l). */
const double = (A: Jacobian): Jacobian => {
  if (A.Z === 0n || A.Y === 0n) return { X: 0n, Y: 1n, Z: 0n }
  const a = sqr(A.X)
  const b = sqr(A.Y)
  const c = sqr(b)
  const xb = add(A.X, b)
  const d = add(sub(sub(sqr(xb), a), c), sub(sub(sqr(xb), a), c))
  const e = add(add(a, a), a)
  const X = sub(sqr(e), add(d, d))
  const c8 = add(add(add(c, c), add(c, c)), add(add(c, c), add(c, c)))
  return { X, Y: sub(mul(e, sub(d, X)), c8), Z: mul(add(A.Y, A.Y), A.Z) }
}

/** A + (x, y) in place (mixed addition, madd-2004-hmv), `(x, y)` an affine point other than infinity. */
const addAffine = (A: Jacobian, x: bigint, y: bigint): void => {
  if (A.Z === 0n) {
    A.X = x
    A.Y = y
    A.Z = 1n
    return
  }
  const z1z1 = sqr(A.Z)
  const h = sub(mul(x, z1z1), A.X)
  const r = sub(mul(y, mul(A.Z, z1z1)), A.Y)
  if (h === 0n) {
    // The same x: the same point (double it) or its negation (the sum is infinity).
    const d = r === 0n ? double({ X: x, Y: y, Z: 1n }) : { X: 0n, Y: 1n, Z: 0n }
    A.X = d.X
    A.Y = d.Y
    A.Z = d.Z
    return
  }
  const hh = sqr(h)
  const hhh = mul(h, hh)
  const v = mul(A.X, hh)
  const X = sub(sub(sqr(r), hhh), add(v, v))
  A.Y = sub(mul(r, sub(v, X)), mul(A.Y, hhh))
  A.X = X
  A.Z = mul(A.Z, h)
}

/** `table[j * 255 + k − 1]` = k·2^(8j)·G as affine `[x, y]`: 32 windows of one byte each. Built on first use. */
let table: ReadonlyArray<readonly [bigint, bigint]> | null = null
const combTable = (): ReadonlyArray<readonly [bigint, bigint]> => {
  if (table !== null) return table
  const Point = secp256k1.ProjectivePoint
  const points: Array<InstanceType<typeof Point>> = []
  let base = Point.BASE
  for (let j = 0; j < 32; j++) {
    let p = base
    for (let k = 1; k < 256; k++) {
      points.push(p)
      p = p.add(base)
    }
    base = p // 256·2^(8j)·G
  }
  table = Point.normalizeZ(points).map((p) => [p.px, p.py] as const)
  return table
}

/** IL·G + (px, py) in Jacobian coordinates, IL given as 32 big-endian bytes. */
const tweakAdd = (il: Uint8Array, px: bigint, py: bigint): Jacobian => {
  const t = combTable()
  const acc: Jacobian = { X: 0n, Y: 1n, Z: 0n }
  for (let j = 0; j < 32; j++) {
    const k = il[31 - j]!
    if (k === 0) continue
    const e = t[j * 255 + k - 1]!
    addAffine(acc, e[0], e[1])
  }
  addAffine(acc, px, py)
  return acc
}

/**
 * `IL·G + (x, y)` in affine coordinates, or `null` for the point at infinity (IL: 32 big-endian bytes, below the
 * group order; `(x, y)` on the curve). The step of every derivation below, exposed for its edge-case tests.
 */
export const tweakPoint = (
  il: Uint8Array,
  x: bigint,
  y: bigint,
): { readonly x: bigint; readonly y: bigint } | null => {
  const p = tweakAdd(il, x, y)
  if (p.Z === 0n) return null
  const zInv = fieldInverse(p.Z)
  const zz = sqr(zInv)
  return { x: mul(p.X, zz), y: mul(p.Y, mul(zz, zInv)) }
}

/** A public node: its compressed public key (33 bytes) and chain code (32 bytes). */
export interface PublicNode {
  readonly publicKey: Uint8Array
  readonly chainCode: Uint8Array
}

const hexToBytes = (hex: string): Uint8Array => {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error("invalid hex")
  return Uint8Array.from(Buffer.from(h, "hex"))
}

const bytesToBigInt = (b: Uint8Array): bigint =>
  BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}`)

/** A parent prepared for CKDpub: its affine point, chain code, and a 37-byte HMAC input holding its key. */
interface Parent {
  readonly x: bigint
  readonly y: bigint
  readonly chainCode: Uint8Array
  readonly data: Uint8Array
}

const prepare = (publicKey: Uint8Array, chainCode: Uint8Array): Parent => {
  if (publicKey.length !== 33 || chainCode.length !== 32)
    throw new Error("expected a 33-byte key and 32-byte chain code")
  const p = secp256k1.ProjectivePoint.fromHex(publicKey).toAffine()
  const data = new Uint8Array(37)
  data.set(publicKey, 0)
  return { x: p.x, y: p.y, chainCode, data }
}

/**
 * BIP-32 CKDpub: the child point (Jacobian) and chain code of the non-hardened child `index` of `parent`.
 * Throws on an index out of range, or one whose child is invalid (probability < 2^-127; skip it).
 */
const ckdPub = (parent: Parent, index: number): { readonly point: Jacobian; readonly I: Buffer } => {
  if (!Number.isInteger(index) || index < 0 || index >= 0x80000000)
    throw new Error(`non-hardened index out of range: ${index}`)
  const data = parent.data
  data[33] = (index >>> 24) & 0xff
  data[34] = (index >>> 16) & 0xff
  data[35] = (index >>> 8) & 0xff
  data[36] = index & 0xff
  const I = createHmac("sha512", parent.chainCode).update(data).digest()
  const il = I.subarray(0, 32)
  const ilNum = bytesToBigInt(il)
  if (ilNum === 0n || ilNum >= N) throw new Error(`index ${index} yields an invalid child key; skip it`)
  const point = tweakAdd(il, parent.x, parent.y)
  if (point.Z === 0n) throw new Error(`index ${index} yields the point at infinity; skip it`)
  return { point, I }
}

const hex64 = (x: bigint): string => x.toString(16).padStart(64, "0")

/** `04 ‖ x ‖ y` of a finite Jacobian point, given 1/Z. */
const uncompressed = (p: Jacobian, zInv: bigint): Uint8Array => {
  const zz = sqr(zInv)
  const out = new Uint8Array(65)
  out[0] = 4
  out.set(Buffer.from(hex64(mul(p.X, zz)) + hex64(mul(p.Y, mul(zz, zInv))), "hex"), 1)
  return out
}

/**
 * The public node of the non-hardened child `index` (e.g. the external chain `…/0` of an account key).
 * Throws on a malformed parent or index.
 */
export const publicChild = (parent: PublicNode, index: number): PublicNode => {
  const { point, I } = ckdPub(prepare(parent.publicKey, parent.chainCode), index)
  const u = uncompressed(point, fieldInverse(point.Z))
  const publicKey = new Uint8Array(33)
  publicKey[0] = (u[64]! & 1) === 0 ? 2 : 3
  publicKey.set(u.subarray(1, 33), 1)
  return { publicKey, chainCode: new Uint8Array(I.subarray(32)) }
}

export interface ChildDeriver {
  /** The uncompressed public key (65 bytes, `04 ‖ x ‖ y`) of the non-hardened child at `index`. */
  readonly uncompressedPublicKey: (index: number) => Uint8Array
  /** The 20 address bytes (keccak-256 of x ‖ y, last 20): EVM address bytes, Tron address without `41`. */
  readonly addressBytes: (index: number) => Uint8Array
  /**
   * `addressBytes` of each index, in order, with one field inversion for the whole batch (a pool refill).
   * Throws, like `addressBytes`, on the first index that is out of range or yields an invalid child.
   */
  readonly addressBytesMany: (indices: ReadonlyArray<number>) => ReadonlyArray<Uint8Array>
}

const addressOf = (u: Uint8Array): Uint8Array => keccak_256(u.subarray(1)).subarray(12)

/**
 * Prepares public child derivation below a parent node (e.g. the `…/0` external chain of an account xpub).
 * @example
 * const d = childDeriver({ publicKey: hexToBytes(node.publicKey), chainCode: hexToBytes(node.chainCode) })
 * d.addressBytes(7) // address bytes of …/0/7
 */
export const childDeriver = (
  parent: PublicNode | { readonly publicKey: string; readonly chainCode: string },
): ChildDeriver => {
  const publicKey = typeof parent.publicKey === "string" ? hexToBytes(parent.publicKey) : parent.publicKey
  const chainCode = typeof parent.chainCode === "string" ? hexToBytes(parent.chainCode) : parent.chainCode
  const p = prepare(publicKey, chainCode)
  const uncompressedPublicKey = (index: number): Uint8Array => {
    const { point } = ckdPub(p, index)
    return uncompressed(point, fieldInverse(point.Z))
  }
  return {
    uncompressedPublicKey,
    addressBytes: (index) => addressOf(uncompressedPublicKey(index)),
    addressBytesMany: (indices) => {
      const points = indices.map((i) => ckdPub(p, i).point)
      const inverses = fieldInverses(points.map((q) => q.Z))
      return points.map((q, i) => addressOf(uncompressed(q, inverses[i]!)))
    },
  }
}
