import type { NetworkConfig } from "@inzi/core"

/** Circle's USDC mint on Solana mainnet (SPL Token, 6 decimals). */
export const USDC_MAINNET_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
/** Tether's USDT mint on Solana mainnet (SPL Token, 6 decimals). */
export const USDT_MAINNET_MINT = "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"
/** Circle's USDC mint on Solana devnet (6 decimals); Tether has no devnet USDT. */
export const USDC_DEVNET_MINT = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"

/**
 * Solana mainnet. `confirmations` is the depth shown as "x/32" while a payment waits for finality: Solana
 * finalizes a slot once 31 more are voted on top of it; the scanner confirms a payment when the cluster reports
 * it `finalized`, whatever the depth. Use your own RPC URL: the public endpoint is rate limited.
 */
export const SOLANA_MAINNET: NetworkConfig = {
  id: "solana",
  family: "solana",
  mode: "live",
  name: "Solana",
  rpcUrls: ["https://api.mainnet-beta.solana.com"],
  tokens: [
    { symbol: "USDC", contract: USDC_MAINNET_MINT, decimals: 6 },
    { symbol: "USDT", contract: USDT_MAINNET_MINT, decimals: 6 },
  ],
  confirmations: 32,
  pollIntervalMs: 2_000,
  explorerTxUrl: "https://explorer.solana.com/tx/{tx}",
  explorerAddressUrl: "https://explorer.solana.com/address/{address}",
}

/** Solana devnet with Circle's devnet USDC. */
export const SOLANA_DEVNET: NetworkConfig = {
  id: "solana-devnet",
  family: "solana",
  mode: "test",
  name: "Solana devnet",
  rpcUrls: ["https://api.devnet.solana.com"],
  tokens: [{ symbol: "USDC", contract: USDC_DEVNET_MINT, decimals: 6 }],
  confirmations: 32,
  pollIntervalMs: 2_000,
  explorerTxUrl: "https://explorer.solana.com/tx/{tx}?cluster=devnet",
  explorerAddressUrl: "https://explorer.solana.com/address/{address}?cluster=devnet",
}
