import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { hmacSha256Hex, hmacSha256HexPortable, sha256Hex, sha256HexPortable } from "../../src/wire/hash.js"
import { computeSignature } from "../../src/wire/webhook-signature.js"

const both = [
  ["the helper (native on Node)", sha256Hex, hmacSha256Hex],
  ["the portable one", sha256HexPortable, hmacSha256HexPortable],
] as const

describe("sha256Hex / hmacSha256Hex", () => {
  it("runs node:crypto's native functions on Node (not the portable fallback)", () => {
    expect(sha256Hex).not.toBe(sha256HexPortable)
    expect(hmacSha256Hex).not.toBe(hmacSha256HexPortable)
  })

  for (const [name, sha, mac] of both)
    it(`${name} gives the published test vectors`, () => {
      // FIPS 180-2 "abc" and the empty string; RFC 4231 test case 2.
      expect(sha("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
      expect(sha("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
      expect(mac("Jefe", "what do ya want for nothing?")).toBe(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      )
    })

  it("native and portable agree on any string (UTF-8, astral characters, lone surrogates)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (key, message) => {
        expect(sha256Hex(message)).toBe(sha256HexPortable(message))
        expect(hmacSha256Hex(key, message)).toBe(hmacSha256HexPortable(key, message))
      }),
      { numRuns: 100 },
    )
    expect(sha256Hex("\ud800x")).toBe(sha256HexPortable("\ud800x"))
  })

  it("is what webhook signatures are made of", () => {
    expect(computeSignature("whsec_k", 1700000000, '{"a":1}')).toBe(
      hmacSha256HexPortable("whsec_k", '1700000000.{"a":1}'),
    )
  })
})
