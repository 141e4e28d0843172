import { describe, expect, it } from "@effect/vitest"
import * as api from "../src/index.js"

describe("public surface", () => {
  it("exports exactly this list (changes show up in review)", () => {
    expect(Object.keys(api).sort()).toEqual([
      "DEFAULT_MAX_BLOCK_RANGE",
      "InvalidTronAddress",
      "TRANSFER_TOPIC",
      "TRON_ACCOUNT_DEPTH",
      "TRON_ADDRESS_PREFIX",
      "TRON_COIN_TYPE",
      "TRON_MAINNET",
      "TRON_MAINNET_USDT",
      "TRON_NILE",
      "TRON_NILE_USDT",
      "TronAddressDeriver",
      "TronOptionsSchema",
      "decodeCursor",
      "encodeCursor",
      "isSuccessfulInfo",
      "isTronAddress",
      "makeTronHttp",
      "makeTronScanner",
      "normalizeTronAddress",
      "normalizeTxId",
      "parseRetryAfter",
      "toTronAddress",
      "transfersOfInfo",
      "tronAddressFromBytes",
      "tronAddressFromPublicKey",
      "tronAddressOfKey",
      "tronAddressToHex",
      "tronFamily",
      "tronScannerFactory",
      "tronSweepRunner",
      "withTronGridApiKey",
    ])
  })

  it("keeps the sweep's chain code (and tronweb) out of the main entry: @inzi/adapter-tron/sweep", async () => {
    const sweep = await import("../src/sweep-index.js")
    expect(Object.keys(sweep)).toEqual(expect.arrayContaining(["planTron", "runTron", "signTronTransaction"]))
    const main = (await import("node:fs")).readFileSync(new URL("../src/index.ts", import.meta.url), "utf8")
    expect(main).not.toMatch(/\.\/sweep(-tx|-node|-index)?\.js/)
  })

  it("ships mainnet and Nile presets with the genuine USDT contracts", () => {
    expect(api.TRON_MAINNET).toMatchObject({
      id: "tron",
      family: "tron",
      mode: "live",
      confirmations: 19,
      finalityTag: "finalized",
      tokens: [{ symbol: "USDT", contract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", decimals: 6 }],
    })
    expect(api.TRON_NILE).toMatchObject({
      id: "tron-nile",
      family: "tron",
      mode: "test",
      tokens: [{ symbol: "USDT", contract: "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf", decimals: 6 }],
    })
    for (const n of [api.TRON_MAINNET, api.TRON_NILE]) {
      expect(api.isTronAddress(n.tokens[0]!.contract)).toBe(true)
      expect(n.rpcUrls.every((u) => u.startsWith("https://"))).toBe(true)
    }
    const keyed = api.withTronGridApiKey(api.TRON_MAINNET, "k")
    expect(keyed.headers).toEqual({ "TRON-PRO-API-KEY": "k" })
    expect(api.TRON_MAINNET.headers).toBeUndefined()
  })

  it("round-trips its cursor and rejects foreign ones", () => {
    const text = api.encodeCursor({ next: 69316566n })
    expect(JSON.parse(text)).toEqual({ v: 1, next: "69316566" })
    expect(api.decodeCursor(text)).toEqual({ next: 69316566n })
    for (const bad of ["", "null", "{}", '{"v":2,"next":"1"}', '{"v":1,"next":-1}', '{"v":1,"next":"1e3"}']) {
      expect(api.decodeCursor(bad), bad).toBeNull()
    }
  })
})
