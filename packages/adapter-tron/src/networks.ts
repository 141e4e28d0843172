import type { NetworkConfig } from "@inzi/core"

/** The genuine Tether USD (USDT) TRC-20 contract on Tron mainnet. */
export const TRON_MAINNET_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
/** Tether USD on the Nile testnet (the test token Nile's faucet hands out). */
export const TRON_NILE_USDT = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"

/**
 * Tron mainnet (`live` mode): TronGrid, USDT, confirmed once solidified (≈ 19 blocks, ≈ 57 s).
 * Add your `TRON-PRO-API-KEY` in `headers`; more `rpcUrls` are tried in turn on 429 / 5xx.
 */
export const TRON_MAINNET: NetworkConfig = {
  id: "tron",
  family: "tron",
  mode: "live",
  name: "Tron",
  rpcUrls: ["https://api.trongrid.io"],
  tokens: [{ symbol: "USDT", contract: TRON_MAINNET_USDT, decimals: 6 }],
  explorerTxUrl: "https://tronscan.org/#/transaction/{tx}",
  confirmations: 19,
  finalityTag: "finalized",
  pollIntervalMs: 3_000,
  maxBlockRange: 20,
}

/** Tron's Nile testnet (`test` mode). */
export const TRON_NILE: NetworkConfig = {
  id: "tron-nile",
  family: "tron",
  mode: "test",
  name: "Tron Nile testnet",
  rpcUrls: ["https://nile.trongrid.io"],
  tokens: [{ symbol: "USDT", contract: TRON_NILE_USDT, decimals: 6 }],
  explorerTxUrl: "https://nile.tronscan.org/#/transaction/{tx}",
  confirmations: 19,
  finalityTag: "finalized",
  pollIntervalMs: 3_000,
  maxBlockRange: 20,
}

/** Adds a TronGrid API key (`TRON-PRO-API-KEY`) to a network config. */
export const withTronGridApiKey = (network: NetworkConfig, apiKey: string): NetworkConfig => ({
  ...network,
  headers: { ...(network.headers ?? {}), "TRON-PRO-API-KEY": apiKey },
})
