import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { HDNodeWallet } from "ethers"
import { TronWeb } from "tronweb"
import { TronAddressDeriver, tronAddressFromPublicKey } from "../src/index.js"

const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
const MNEMONIC_2 = "test test test test test test test test test test test junk"
const ACCOUNT_PATH = "m/44'/195'/0'"

const accountXpub = (phrase: string) =>
  HDNodeWallet.fromPhrase(phrase, undefined, ACCOUNT_PATH).neuter().extendedKey

// Pinned vectors, produced by tronweb 6.5.1 `TronWeb.fromMnemonic(MNEMONIC, "m/44'/195'/0'/0/i")`.
const PINNED: ReadonlyArray<readonly [bigint, string]> = [
  [0n, "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"],
  [1n, "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK"],
  [2n, "TYJPRrdB5APNeRs4R7fYZSwW3TcrTKw2gx"],
]

const derive = (xpub: string, index: bigint) => Effect.runSync(TronAddressDeriver.derive(xpub, index))

const failureMessage = (
  effect: Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>,
) => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause._tag === "Fail" ? exit.cause.error : null
  expect(error?._tag).toBe("DerivationError")
  return error!.message
}

describe("TronAddressDeriver", () => {
  it("is the tron family deriver", () => {
    expect(TronAddressDeriver.family).toBe("tron")
  })

  it("matches the pinned tronweb vectors", () => {
    const xpub = accountXpub(MNEMONIC)
    for (const [index, address] of PINNED) expect(derive(xpub, index)).toBe(address)
  })

  it("matches tronweb's fromMnemonic for the same path, several indices and two mnemonics", () => {
    for (const phrase of [MNEMONIC, MNEMONIC_2]) {
      const xpub = accountXpub(phrase)
      for (const i of [0, 1, 2, 3, 19, 100, 4242, 2 ** 31 - 1]) {
        const expected = TronWeb.fromMnemonic(phrase, `${ACCOUNT_PATH}/0/${i}`)
        expect(typeof expected).toBe("object")
        expect(derive(xpub, BigInt(i))).toBe((expected as { address: string }).address)
      }
    }
  })

  it("deriveSync gives derive's address (the pinned vectors) and derive's failure, as plain values", () => {
    const xpub = accountXpub(MNEMONIC)
    const sync = TronAddressDeriver.deriveSync!
    for (const [i, address] of PINNED) expect(sync(xpub, i)).toEqual(Either.right(address))
    expect(sync(xpub, 4242n)).toEqual(Either.right(derive(xpub, 4242n)))
    for (const [key, i] of [
      [xpub, -1n],
      [xpub, 2n ** 31n],
      ["xpub123", 0n],
    ] as const) {
      const r = sync(key, i)
      expect(Either.isLeft(r) && r.left.message).toBe(failureMessage(TronAddressDeriver.derive(key, i)))
    }
  })

  it("deriveMany gives derive at each index, in order (the pinned vectors among them)", () => {
    const xpub = accountXpub(MNEMONIC)
    const indices = [2n, 0n, 1n, 4242n, 2n ** 31n - 1n]
    const many = Effect.runSync(TronAddressDeriver.deriveMany!(xpub, indices))
    expect(many).toEqual(indices.map((i) => derive(xpub, i)))
    expect(many.slice(0, 3)).toEqual([PINNED[2]![1], PINNED[0]![1], PINNED[1]![1]])
    expect(failureMessage(TronAddressDeriver.deriveMany!(xpub, [0n, -1n]))).toMatch(/out of range/)
  })

  it("decompresses the key: the compressed-key address would differ", () => {
    const child = HDNodeWallet.fromPhrase(MNEMONIC, undefined, `${ACCOUNT_PATH}/0/0`)
    expect(child.publicKey).toMatch(/^0x0[23]/) // 33-byte compressed key, what ethers gives
    expect(tronAddressFromPublicKey(child.publicKey)).toBe(PINNED[0]![1])
  })

  it("accepts the account xpub and rejects xprv, other depths, garbage and bad indices", () => {
    const xpub = accountXpub(MNEMONIC)
    expect(Exit.isSuccess(Effect.runSyncExit(TronAddressDeriver.validateXpub(xpub)))).toBe(true)

    const xprv = HDNodeWallet.fromPhrase(MNEMONIC, undefined, ACCOUNT_PATH).extendedKey
    expect(xprv.startsWith("xprv")).toBe(true)
    expect(failureMessage(TronAddressDeriver.validateXpub(xprv))).toMatch(/private/)
    expect(failureMessage(TronAddressDeriver.derive(xprv, 0n))).toMatch(/private/)

    const rootXpub = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m").neuter().extendedKey
    expect(failureMessage(TronAddressDeriver.validateXpub(rootXpub))).toMatch(/depth/)

    for (const garbage of ["", "xpub", "hello", `${xpub.slice(0, -1)}${xpub.endsWith("a") ? "b" : "a"}`]) {
      expect(failureMessage(TronAddressDeriver.validateXpub(garbage))).toMatch(
        /extended public key|malformed/,
      )
    }
    expect(failureMessage(TronAddressDeriver.derive(xpub, -1n))).toMatch(/index/)
    expect(failureMessage(TronAddressDeriver.derive(xpub, 2n ** 31n))).toMatch(/index/)
  })
})
