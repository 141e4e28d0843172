import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeNetworkConfig } from "../src/network-config.js"
import { FAMILIES } from "./families.js"

const good = {
  id: "base-sepolia",
  family: "evm",
  mode: "test",
  chainId: 84532,
  rpcUrls: ["https://sepolia.base.org"],
  tokens: [{ symbol: "USDC", contract: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", decimals: 6 }],
  confirmations: 3,
  pollIntervalMs: 2000,
}

const issues = (v: unknown) => {
  const r = decodeNetworkConfig(v, FAMILIES)
  return Either.isLeft(r) ? r.left.issues : []
}

describe("decodeNetworkConfig", () => {
  it("decodes a valid file (text or value); name defaults to the id", () => {
    const r = decodeNetworkConfig(
      JSON.stringify([
        good,
        { ...good, id: "ton", family: "ton", chainId: undefined, name: "TON", headers: { "X-API-Key": "k" } },
      ]),
      FAMILIES,
    )
    expect(Either.isRight(r)).toBe(true)
    if (Either.isRight(r)) {
      expect(r.right[0]).toEqual({ ...good, name: "base-sepolia" })
      expect(r.right[1]?.name).toBe("TON")
      expect(r.right[1]?.headers).toEqual({ "X-API-Key": "k" })
    }
    expect(Either.isRight(decodeNetworkConfig([], FAMILIES))).toBe(true)
  })

  it("reports every problem with its path", () => {
    const bad = {
      ...good,
      id: "Base Sepolia",
      family: "solana",
      mode: "prod",
      rpcUrls: ["ftp://x", "https://ok.example"],
      tokens: [{ symbol: "", contract: "", decimals: 37 }],
      confirmations: -1,
      pollIntervalMs: 99,
      startBlock: "0x10",
      maxBlockRange: 0,
      extra: true,
    }
    const list = issues([bad])
    for (const path of [
      "[0].id",
      "[0].family",
      "[0].mode",
      "[0].rpcUrls[0]",
      "[0].tokens[0].symbol",
      "[0].tokens[0].contract",
      "[0].tokens[0].decimals",
      "[0].confirmations",
      "[0].pollIntervalMs",
      "[0].startBlock",
      "[0].maxBlockRange",
      "[0].extra",
    ])
      expect(list.some((i) => i.startsWith(`${path}:`))).toBe(true)
    expect(list).toContain("[0].rpcUrls[0]: must be an http(s) URL")
    expect(list).toContain("[0].tokens[0].decimals: must be between 0 and 36")
  })

  it("enforces at least one RPC URL and one token, decimals 0..36", () => {
    expect(issues([{ ...good, rpcUrls: [] }])).toEqual(["[0].rpcUrls: must list at least one RPC URL"])
    expect(issues([{ ...good, tokens: [] }])).toEqual(["[0].tokens: must list at least one token"])
    expect(issues([{ ...good, tokens: [{ ...good.tokens[0], decimals: 0 }] }])).toEqual([])
    expect(issues([{ ...good, tokens: [{ ...good.tokens[0], decimals: 36 }] }])).toEqual([])
    expect(issues([{ ...good, tokens: [{ ...good.tokens[0], decimals: 6.5 }] }])).toEqual([
      "[0].tokens[0].decimals: must be an integer",
    ])
    expect(issues([{ ...good, pollIntervalMs: 100, confirmations: 0 }])).toEqual([])
  })

  it("checks across entries: unique ids, chainId for EVM, unique token symbols per network", () => {
    expect(issues([good, good])).toEqual(['[1].id: duplicate network id "base-sepolia"'])
    const { chainId: _, ...noChainId } = good
    expect(issues([noChainId])).toEqual([
      "[0].chainId: required for evm networks (used in EIP-681 payment URIs)",
    ])
    expect(issues([{ ...good, tokens: [good.tokens[0], good.tokens[0]] }])).toEqual([
      '[0].tokens[1].symbol: duplicate token "USDC" on base-sepolia',
    ])
  })

  it("takes an optional explorer link template: https, with {tx}", () => {
    const tpl = "https://sepolia.basescan.org/tx/{tx}"
    const r = decodeNetworkConfig([{ ...good, explorerTxUrl: tpl }], FAMILIES)
    expect(Either.isRight(r) && r.right[0]?.explorerTxUrl).toBe(tpl)
    const message = "[0].explorerTxUrl: must be an https URL with {tx} where the transaction hash goes"
    for (const bad of ["https://sepolia.basescan.org/tx/", "http://x.example/tx/{tx}", "javascript:{tx}", ""])
      expect(issues([{ ...good, explorerTxUrl: bad }])).toEqual([message])
  })

  it("takes an optional page icon id ([a-z0-9-]+, ≤ 32), kept as given", () => {
    const r = decodeNetworkConfig([{ ...good, icon: "base" }], FAMILIES)
    expect(Either.isRight(r) && r.right[0]!.icon).toBe("base")
    expect(issues([{ ...good, icon: "Base!" }]).join("\n")).toContain("icon")
    expect(issues([{ ...good, icon: "a".repeat(33) }]).join("\n")).toContain("icon")
  })

  it("names the known families for an unknown one", () => {
    expect(issues([{ ...good, family: "solana" }])).toEqual([
      '[0].family: unknown family "solana" (known: evm, tron, ton)',
    ])
  })

  it("decodes a family's options with its module's schema: bad values and unknown keys are refused", () => {
    const { chainId: _, ...rest } = good
    const ton = { ...rest, id: "ton", family: "ton" }
    const r = decodeNetworkConfig([{ ...ton, options: { source: "notifications" } }], FAMILIES)
    expect(Either.isRight(r) && r.right[0]?.options).toEqual({ source: "notifications" })
    expect(issues([{ ...ton, options: { source: "mempool" } }])[0]).toMatch(/^\[0\]\.options\.source: /)
    expect(issues([{ ...ton, options: { sauce: 1 } }])[0]).toMatch(/^\[0\]\.options\.sauce: /)
    expect(issues([{ ...good, options: { source: "notifications" } }])[0]).toMatch(
      /^\[0\]\.options\.source: /,
    )
  })

  it("explains JSON syntax errors and a non-array root", () => {
    const r = decodeNetworkConfig("[{", FAMILIES)
    expect(Either.isLeft(r) && r.left.message).toMatch(/^network config is not valid JSON/)
    expect(issues({ id: "x" })[0]).toMatch(/^\(root\): /)
  })
})
