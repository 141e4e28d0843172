import { DEVNET_CHAIN_ID, DEVNET_TOKENS } from "@inzi/devnet"
import { getAddress } from "ethers"
import { describe, expect, it } from "vitest"
import { decodeEvmNetwork, EVM_PRESETS, evmNetwork } from "../src/index.js"

describe("EVM network presets", () => {
  it("all decode through the schema", () => {
    for (const preset of Object.values(EVM_PRESETS)) {
      expect(decodeEvmNetwork(preset)).toEqual(preset)
    }
    expect(Object.keys(EVM_PRESETS).sort()).toEqual(
      ["arbitrum", "base", "base-sepolia", "bsc", "devnet", "ethereum", "polygon", "sepolia"].sort(),
    )
  })

  it("carry the chain ids and token decimals of each chain (USDT and USDC on BSC have 18)", () => {
    const decimals = (id: keyof typeof EVM_PRESETS, symbol: string) =>
      EVM_PRESETS[id].tokens.find((t) => t.symbol === symbol)?.decimals
    expect(EVM_PRESETS.ethereum.chainId).toBe(1)
    expect(EVM_PRESETS.bsc.chainId).toBe(56)
    expect(EVM_PRESETS.polygon.chainId).toBe(137)
    expect(EVM_PRESETS.arbitrum.chainId).toBe(42161)
    expect(EVM_PRESETS.base.chainId).toBe(8453)
    expect(EVM_PRESETS.sepolia.chainId).toBe(11155111)
    expect(EVM_PRESETS["base-sepolia"].chainId).toBe(84532)
    expect(decimals("bsc", "USDT")).toBe(18)
    expect(decimals("bsc", "USDC")).toBe(18)
    expect(decimals("ethereum", "USDT")).toBe(6)
    expect(decimals("polygon", "USDT")).toBe(6)
    expect(decimals("arbitrum", "USDC")).toBe(6)
    // The USDT contract of the recorded mainnet log (fixtures/evm) is the preset's.
    expect(EVM_PRESETS.ethereum.tokens[0]!.contract.toLowerCase()).toBe(
      "0xdac17f958d2ee523a2206206994597c13d831ec7",
    )
    for (const p of Object.values(EVM_PRESETS))
      expect(p.mode).toBe(p.id === "devnet" || p.id.includes("sepolia") ? "test" : "live")
  })

  it("spells every token contract in valid EIP-55 form (a mistyped character breaks the checksum)", () => {
    for (const preset of Object.values(EVM_PRESETS)) {
      for (const t of preset.tokens) expect(getAddress(t.contract)).toBe(t.contract)
    }
  })

  it("the devnet preset matches what @inzi/devnet deploys", () => {
    expect(EVM_PRESETS.devnet.chainId).toBe(DEVNET_CHAIN_ID)
    const byKey = { USDT: DEVNET_TOKENS.USDT, USDC: DEVNET_TOKENS.USDC, USDT18: DEVNET_TOKENS.USDT18 }
    expect(EVM_PRESETS.devnet.tokens).toEqual(
      Object.entries(byKey).map(([symbol, t]) => ({ symbol, contract: t.address, decimals: t.decimals })),
    )
    // The look-alike is deliberately not configured.
    const contracts = EVM_PRESETS.devnet.tokens.map((t) => t.contract.toLowerCase())
    expect(contracts).not.toContain(DEVNET_TOKENS.FAKE_USDT.address.toLowerCase())
  })

  it("applies operator overrides and validates them", () => {
    const base = evmNetwork("base", { rpcUrls: ["https://rpc.example/v2/KEY"], confirmations: 20 })
    expect(base.rpcUrls).toEqual(["https://rpc.example/v2/KEY"])
    expect(base.confirmations).toBe(20)
    expect(base.tokens).toEqual(EVM_PRESETS.base.tokens)
    expect(() => evmNetwork("base", { rpcUrls: [] })).toThrow(/invalid EVM network config/)
    expect(() => evmNetwork("base", { rpcUrls: ["ftp://x"] })).toThrow(/http/)
  })

  it("rejects malformed entries: bad address, duplicate symbol, unknown field, wrong family", () => {
    const ok = { ...EVM_PRESETS.sepolia }
    expect(() =>
      decodeEvmNetwork({ ...ok, tokens: [{ symbol: "USDC", contract: "0x12", decimals: 6 }] }),
    ).toThrow()
    expect(() =>
      decodeEvmNetwork({
        ...ok,
        tokens: [...ok.tokens, { ...ok.tokens[0]!, contract: `0x${"1".repeat(40)}` }],
      }),
    ).toThrow(/unique/)
    expect(() => decodeEvmNetwork({ ...ok, rpcUrl: "https://x" })).toThrow()
    expect(() => decodeEvmNetwork({ ...ok, family: "tron" })).toThrow()
    expect(() => decodeEvmNetwork({ ...ok, confirmations: 0 })).toThrow()
    expect(() => decodeEvmNetwork({ ...ok, tokens: [{ ...ok.tokens[0]!, decimals: 6.5 }] })).toThrow()
  })

  it("a new chain is a config entry: a JSON document decodes into a usable network", () => {
    const json = JSON.parse(`{
      "id": "optimism", "family": "evm", "mode": "live", "name": "OP Mainnet", "chainId": 10,
      "rpcUrls": ["https://mainnet.optimism.io"],
      "tokens": [{ "symbol": "USDC", "contract": "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", "decimals": 6 }],
      "confirmations": 10, "pollIntervalMs": 4000, "finalityTag": "finalized", "maxBlockRange": 1000
    }`)
    expect(decodeEvmNetwork(json).chainId).toBe(10)
  })
})
