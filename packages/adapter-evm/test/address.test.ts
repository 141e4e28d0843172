import { Effect, Either, Exit } from "effect"
import { HDNodeWallet, Mnemonic } from "ethers"
import { describe, expect, it } from "vitest"
import { EvmAddressDeriver, normalizeEvmAddress, toChecksumAddress } from "../src/index.js"
import { MERCHANT_MNEMONIC, MERCHANT_XPUB } from "./helpers.js"

const derive = (xpub: string, i: bigint) => Effect.runSync(EvmAddressDeriver.derive(xpub, i))
const failure = (eff: Effect.Effect<unknown, { _tag: string; message: string }>) => {
  const exit = Effect.runSyncExit(eff)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const err = exit.cause._tag === "Fail" ? exit.cause.error : null
  return err
}

describe("EvmAddressDeriver", () => {
  it("derives from the xpub exactly what the mnemonic's private keys give at m/44'/60'/0'/0/i", () => {
    const mnemonic = Mnemonic.fromPhrase(MERCHANT_MNEMONIC)
    for (const i of [0, 1, 2, 19, 1000, 2 ** 31 - 1]) {
      const fromKey = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).address.toLowerCase()
      expect(derive(MERCHANT_XPUB, BigInt(i))).toBe(fromKey)
    }
  })

  it("matches the published vector of the 'abandon … about' mnemonic and the Hardhat accounts", () => {
    // Widely published first address of the BIP-39 test mnemonic on Ethereum (MetaMask, Ledger Live …).
    expect(derive(MERCHANT_XPUB, 0n)).toBe("0x9858effd232b4033e47d90003d41ec34ecaeda94")
    const hardhat = HDNodeWallet.fromMnemonic(
      Mnemonic.fromPhrase("test test test test test test test test test test test junk"),
      "m/44'/60'/0'",
    ).neuter().extendedKey
    expect(derive(hardhat, 0n)).toBe("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    expect(derive(hardhat, 1n)).toBe("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")
  })

  it("returns lower-case 0x addresses; the checksum helper gives the EIP-55 display form", () => {
    const a = derive(MERCHANT_XPUB, 0n)
    expect(a).toMatch(/^0x[0-9a-f]{40}$/)
    expect(toChecksumAddress(a)).toBe("0x9858EfFD232B4033E47d90003D41EC34EcaEda94")
    expect(normalizeEvmAddress("0x9858EfFD232B4033E47d90003D41EC34EcaEda94")).toBe(a)
  })

  it("validates a good xpub", () => {
    expect(Exit.isSuccess(Effect.runSyncExit(EvmAddressDeriver.validateXpub(MERCHANT_XPUB)))).toBe(true)
  })

  it("rejects a private extended key (xprv) with a DerivationError", () => {
    const xprv = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MERCHANT_MNEMONIC), "m/44'/60'/0'").extendedKey
    expect(xprv.startsWith("xprv")).toBe(true)
    for (const eff of [EvmAddressDeriver.validateXpub(xprv), EvmAddressDeriver.derive(xprv, 0n)]) {
      const err = failure(eff)
      expect(err?._tag).toBe("DerivationError")
      expect(err?.message).toMatch(/private/)
    }
  })

  it("rejects garbage, a bad checksum, whitespace and a key at the wrong depth", () => {
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MERCHANT_MNEMONIC), "m").neuter().extendedKey
    const badChecksum = MERCHANT_XPUB.slice(0, -1) + (MERCHANT_XPUB.endsWith("a") ? "b" : "a")
    for (const bad of ["", "hello", "xpub123", badChecksum, ` ${MERCHANT_XPUB}`, root, "0x1234"]) {
      expect(failure(EvmAddressDeriver.validateXpub(bad))?._tag).toBe("DerivationError")
    }
  })

  it("rejects indices outside the non-hardened range", () => {
    expect(failure(EvmAddressDeriver.derive(MERCHANT_XPUB, -1n))?._tag).toBe("DerivationError")
    expect(failure(EvmAddressDeriver.derive(MERCHANT_XPUB, 2n ** 31n))?._tag).toBe("DerivationError")
  })

  it("deriveSync gives derive's address and derive's failure, as plain values", () => {
    const sync = EvmAddressDeriver.deriveSync!
    for (const i of [0n, 1n, 77n, 2n ** 31n - 1n])
      expect(sync(MERCHANT_XPUB, i)).toEqual(Either.right(derive(MERCHANT_XPUB, i)))
    for (const [xpub, i] of [
      [MERCHANT_XPUB, -1n],
      [MERCHANT_XPUB, 2n ** 31n],
      ["xpub123", 0n],
    ] as const) {
      const r = sync(xpub, i)
      expect(Either.isLeft(r) && r.left).toEqual(failure(EvmAddressDeriver.derive(xpub, i)))
    }
  })

  it("deriveMany gives derive at each index, in order, and refuses a batch with a bad index or key", () => {
    const many = EvmAddressDeriver.deriveMany!
    const indices = [7n, 0n, 1n, 1000n, 2n ** 31n - 1n, 2n]
    expect(Effect.runSync(many(MERCHANT_XPUB, indices))).toEqual(indices.map((i) => derive(MERCHANT_XPUB, i)))
    expect(Effect.runSync(many(MERCHANT_XPUB, []))).toEqual([])
    expect(failure(many(MERCHANT_XPUB, [0n, 2n ** 31n]))?._tag).toBe("DerivationError")
    expect(failure(many("xpub123", [0n]))?._tag).toBe("DerivationError")
  })
})
