/**
 * A measured proposal, not used by the apps: BIP-32 public child derivation (`…/0/index`) for EVM addresses
 * with the parent point decoded once and kept as a curve point, so each address costs one fixed-base
 * multiplication, one point addition, one inversion and a Keccak — instead of ethers' per-call point
 * decompression and re-encoding (bench/RESULTS.md: ≈ 1.3 ms per address through the adapters).
 */
import { createHmac } from "node:crypto"
import { secp256k1 } from "@noble/curves/secp256k1"
import { HDNodeVoidWallet, HDNodeWallet, keccak256 } from "ethers"

const N = secp256k1.CURVE.n

export const makeFastEvmDeriver = (accountXpub: string) => {
  const account = HDNodeWallet.fromExtendedKey(accountXpub)
  if (!(account instanceof HDNodeVoidWallet)) throw new Error("expected a public extended key")
  const chain = account.deriveChild(0) // the external chain node, once
  const chainCode = Buffer.from(chain.chainCode.slice(2), "hex")
  const parentBytes = Buffer.from(chain.publicKey.slice(2), "hex")
  const parent = secp256k1.ProjectivePoint.fromHex(parentBytes)
  return (index: number): string => {
    const data = Buffer.alloc(37)
    parentBytes.copy(data, 0)
    data.writeUInt32BE(index, 33)
    const I = createHmac("sha512", chainCode).update(data).digest()
    const il = BigInt(`0x${I.subarray(0, 32).toString("hex")}`)
    if (il >= N) throw new Error("invalid child (IL ≥ n): skip this index")
    const child = secp256k1.ProjectivePoint.BASE.multiply(il).add(parent)
    const uncompressed = child.toRawBytes(false)
    return `0x${keccak256(uncompressed.subarray(1)).slice(-40)}`
  }
}
