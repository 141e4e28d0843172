import { describe, expect, it } from "@effect/vitest"
import { evmTransferUri, tonTransferUri, tronTransferUri } from "../src/uri.js"

describe("payment URIs", () => {
  it("EIP-681 ERC-20 transfer", () => {
    expect(
      evmTransferUri({
        token: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        chainId: 8453,
        to: "0x00000000000000000000000000000000000000aa",
        units: 25_000_000n,
      }),
    ).toBe(
      "ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer?address=0x00000000000000000000000000000000000000aa&uint256=25000000",
    )
    // 18 decimals: the integer is written out in full, never in exponent form
    expect(evmTransferUri({ token: "0xt", chainId: 56, to: "0xa", units: 25n * 10n ** 18n })).toBe(
      "ethereum:0xt@56/transfer?address=0xa&uint256=25000000000000000000",
    )
  })

  it("TON jetton transfer with the comment URL-encoded", () => {
    expect(
      tonTransferUri({ wallet: "UQabc", jettonMaster: "EQCx-_", units: 25_000_000n, comment: "K7P2M9QX" }),
    ).toBe("ton://transfer/UQabc?jetton=EQCx-_&amount=25000000&text=K7P2M9QX")
    expect(tonTransferUri({ wallet: "UQabc", jettonMaster: "EQ+/", units: 1n, comment: "a b&c=d/é" })).toBe(
      "ton://transfer/UQabc?jetton=EQ%2B%2F&amount=1&text=a%20b%26c%3Dd%2F%C3%A9",
    )
  })

  it("Tron: the address itself", () => {
    expect(tronTransferUri({ to: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8" })).toBe(
      "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
    )
  })
})
