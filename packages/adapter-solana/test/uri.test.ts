import { getBase58Encoder } from "@solana/kit"
import { describe, expect, it } from "vitest"
import {
  isSolanaAddress,
  newSolanaReference,
  solanaPayAmount,
  solanaPayUri,
  solanaReferenceWith,
} from "../src/index.js"

describe("Solana Pay transfer request", () => {
  it("amounts are exact decimals from base units", () => {
    expect(solanaPayAmount(25_000_000n, 6)).toBe("25")
    expect(solanaPayAmount(1_500_000n, 6)).toBe("1.5")
    expect(solanaPayAmount(1n, 6)).toBe("0.000001")
    expect(solanaPayAmount(123_456_789_012_345_678_901n, 6)).toBe("123456789012345.678901")
    expect(solanaPayAmount(0n, 6)).toBe("0")
    expect(() => solanaPayAmount(-1n, 6)).toThrow()
  })

  it("builds the URI of the spec, label and message URL-encoded", () => {
    expect(
      solanaPayUri({
        recipient: "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN",
        units: 10_010_000n,
        decimals: 6,
        splToken: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        reference: "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny",
        label: "Michael & Co",
        message: "Thanks for all the fish #42?",
      }),
    ).toBe(
      "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=10.01&spl-token=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" +
        "&reference=82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny&label=Michael%20%26%20Co&message=Thanks%20for%20all%20the%20fish%20%2342%3F",
    )
  })

  it("a reference is 32 random bytes as a public key", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i)
    const ref = solanaReferenceWith(() => bytes)
    expect([...getBase58Encoder().encode(ref)]).toEqual([...bytes])
    expect(isSolanaAddress(newSolanaReference())).toBe(true)
    expect(newSolanaReference()).not.toBe(newSolanaReference())
    expect(() => solanaReferenceWith(() => new Uint8Array(16))).toThrow()
  })
})
