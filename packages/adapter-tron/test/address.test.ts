import { describe, expect, it } from "@effect/vitest"
import { getBytes, hexlify } from "ethers"
import fc from "fast-check"
import { TronWeb } from "tronweb"
import {
  InvalidTronAddress,
  isTronAddress,
  normalizeTronAddress,
  toTronAddress,
  tronAddressFromBytes,
  tronAddressToHex,
} from "../src/index.js"

// From the recorded fixtures (PROVENANCE.md): one account and the USDT contract in every spelling.
const TL24 = "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre"
const TL24_HEX = "416e3b44b96104b26f84057974a1f0c9880f7c9b13"
const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

describe("normalizeTronAddress", () => {
  it("maps every spelling found in the fixtures to the same base58 address", () => {
    expect(normalizeTronAddress(TL24)).toBe(TL24)
    expect(normalizeTronAddress(TL24_HEX)).toBe(TL24)
    expect(normalizeTronAddress(TL24_HEX.toUpperCase())).toBe(TL24)
    expect(normalizeTronAddress(`0x${TL24_HEX.slice(2)}`)).toBe(TL24)
    expect(normalizeTronAddress(TL24_HEX.slice(2))).toBe(TL24)
    // log topic word (gettransactioninfobyid topics[1])
    expect(normalizeTronAddress("0000000000000000000000006e3b44b96104b26f84057974a1f0c9880f7c9b13")).toBe(
      TL24,
    )
    // calldata word with 41 in its 12th byte (raw_data.contract[0].parameter.value.data)
    expect(normalizeTronAddress("000000000000000000000041ec20315a879c48f5e3a6a1c9826d5225f8b658b8")).toBe(
      "TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx",
    )
    // log address (no 41, no 0x) and contract_address (41…) of the USDT contract
    expect(normalizeTronAddress("a614f803b6fd780986a42c78ec9c7f77e6ded13c")).toBe(USDT)
    expect(normalizeTronAddress("41a614f803b6fd780986a42c78ec9c7f77e6ded13c")).toBe(USDT)
    expect(tronAddressToHex(USDT)).toBe("41a614f803b6fd780986a42c78ec9c7f77e6ded13c")
  })

  it("rejects garbage, bad checksums and wrong prefixes", () => {
    const badChecksum = `${TL24.slice(0, 33)}${TL24[33] === "e" ? "f" : "e"}`
    for (const bad of [
      "",
      "T",
      badChecksum,
      "0x1234",
      `42${TL24_HEX.slice(2)}`,
      "1111111111111111111111111111111111",
      "ffffffffffffffffffffff6e3b44b96104b26f84057974a1f0c9880f7c9b13",
      "0xdAC17F958D2ee523a2206206994597C13D831ec7zz",
      "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHr0", // 0 is not base58
    ]) {
      expect(normalizeTronAddress(bad), bad).toBeNull()
      expect(isTronAddress(bad)).toBe(false)
    }
    expect(() => toTronAddress("nope")).toThrow(InvalidTronAddress)
  })

  it("round-trips random 20-byte addresses through every spelling (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean(), (bytes, upper) => {
        const base58 = tronAddressFromBytes(bytes)
        const hex20 = hexlify(bytes).slice(2)
        const spell = (s: string) => (upper ? s.toUpperCase() : s)
        expect(base58).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/)
        expect(normalizeTronAddress(base58)).toBe(base58)
        expect(normalizeTronAddress(spell(`41${hex20}`))).toBe(base58)
        expect(normalizeTronAddress(`0x${spell(hex20)}`)).toBe(base58)
        expect(normalizeTronAddress(spell(hex20))).toBe(base58)
        expect(normalizeTronAddress(`${"0".repeat(24)}${hex20}`)).toBe(base58)
        expect(normalizeTronAddress(`${"0".repeat(22)}41${hex20}`)).toBe(base58)
        expect(tronAddressToHex(base58)).toBe(`41${hex20}`)
        expect(getBytes(`0x${tronAddressToHex(base58).slice(2)}`)).toEqual(bytes)
      }),
      { numRuns: 300 },
    )
  })

  it("agrees with tronweb's own hex ↔ base58 conversion (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const hex = `41${hexlify(bytes).slice(2)}`
        expect(normalizeTronAddress(hex)).toBe(TronWeb.address.fromHex(hex))
      }),
      { numRuns: 100 },
    )
  })
})
