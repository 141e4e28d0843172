import type { NetworkConfig, TokenConfig } from "@inzi/core"
import { Either, ParseResult, Schema } from "effect"

/**
 * EVM networks as data. Adding an EVM chain is one entry of this shape (in code or in a JSON config file,
 * decoded with `decodeEvmNetwork`); no code changes. The presets below carry the real token contracts and
 * decimals; their RPC URLs are public placeholders that an operator overrides with their own endpoints.
 */

const EvmAddress = Schema.String.pipe(
  Schema.pattern(/^0x[0-9a-fA-F]{40}$/, { message: () => "a 0x-prefixed 20-byte hex address" }),
)

export const EvmTokenConfigSchema = Schema.Struct({
  symbol: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9.]{1,16}$/)),
  contract: EvmAddress,
  decimals: Schema.Int.pipe(Schema.between(0, 36)),
})

const RpcUrl = Schema.String.pipe(
  Schema.pattern(/^https?:\/\/\S+$/, { message: () => "an http(s) JSON-RPC URL" }),
)

export const EvmNetworkConfigSchema = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9-]{0,39}$/)),
  family: Schema.Literal("evm"),
  mode: Schema.Literal("live", "test"),
  name: Schema.String.pipe(Schema.minLength(1)),
  chainId: Schema.Int.pipe(Schema.positive()),
  rpcUrls: Schema.Array(RpcUrl).pipe(Schema.minItems(1)),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  tokens: Schema.Array(EvmTokenConfigSchema).pipe(Schema.minItems(1)),
  confirmations: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  pollIntervalMs: Schema.Int.pipe(Schema.greaterThanOrEqualTo(100)),
  finalityTag: Schema.optional(Schema.Literal("finalized", "safe", "latest")),
  startBlock: Schema.optional(Schema.String.pipe(Schema.pattern(/^[0-9]+$/))),
  maxBlockRange: Schema.optional(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))),
  explorerTxUrl: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^https:\/\/\S*\{tx\}\S*$/, { message: () => "an https URL with {tx}" }),
    ),
  ),
  /** The hosted page's icon of the network (core's `NetworkConfig.icon`). */
  icon: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9]+(-[a-z0-9]+)*$/))),
}).pipe(
  Schema.filter((n) => {
    const symbols = new Set(n.tokens.map((t) => t.symbol))
    const contracts = new Set(n.tokens.map((t) => t.contract.toLowerCase()))
    if (symbols.size !== n.tokens.length) return "token symbols must be unique within a network"
    if (contracts.size !== n.tokens.length) return "token contracts must be unique within a network"
    return true
  }),
)

export type EvmNetworkConfig = NetworkConfig & { readonly family: "evm"; readonly chainId: number }

/** Decodes and checks one network entry (e.g. from a config file). Throws a readable error when invalid. */
export const decodeEvmNetwork = (input: unknown): EvmNetworkConfig => {
  const result = Schema.decodeUnknownEither(EvmNetworkConfigSchema)(input, { onExcessProperty: "error" })
  if (Either.isLeft(result)) {
    throw new Error(`invalid EVM network config: ${ParseResult.TreeFormatter.formatErrorSync(result.left)}`)
  }
  return result.right as EvmNetworkConfig
}

const token = (symbol: string, contract: string, decimals: number): TokenConfig => ({
  symbol,
  contract,
  decimals,
})

/**
 * Presets. Token contracts and decimals are the issuers' official deployments (Tether, Circle); on BSC both
 * USDT and USDC are Binance-Peg tokens with 18 decimals. RPC URLs are public endpoints for trying things out:
 * set your own (`evmNetwork("base", { rpcUrls: [...] })`).
 */
export const EVM_PRESETS = {
  ethereum: {
    id: "ethereum",
    icon: "eth",
    family: "evm",
    mode: "live",
    name: "Ethereum",
    chainId: 1,
    rpcUrls: ["https://ethereum-rpc.publicnode.com"],
    tokens: [
      token("USDT", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6),
      token("USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6),
    ],
    explorerTxUrl: "https://etherscan.io/tx/{tx}",
    confirmations: 12,
    pollIntervalMs: 12_000,
    finalityTag: "finalized",
    maxBlockRange: 100,
  },
  bsc: {
    id: "bsc",
    icon: "bsc",
    family: "evm",
    mode: "live",
    name: "BNB Smart Chain",
    chainId: 56,
    rpcUrls: ["https://bsc-dataseed.bnbchain.org"],
    tokens: [
      token("USDT", "0x55d398326f99059fF775485246999027B3197955", 18),
      token("USDC", "0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d", 18),
    ],
    explorerTxUrl: "https://bscscan.com/tx/{tx}",
    confirmations: 15,
    pollIntervalMs: 3_000,
    finalityTag: "finalized",
    maxBlockRange: 100,
  },
  polygon: {
    id: "polygon",
    icon: "pol",
    family: "evm",
    mode: "live",
    name: "Polygon PoS",
    chainId: 137,
    rpcUrls: ["https://polygon-rpc.com"],
    tokens: [
      token("USDT", "0xc2132D05D31c914a87C6611C10748AEb04B58e8F", 6),
      token("USDC", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6),
    ],
    explorerTxUrl: "https://polygonscan.com/tx/{tx}",
    confirmations: 64,
    pollIntervalMs: 4_000,
    finalityTag: "finalized",
    maxBlockRange: 500,
  },
  arbitrum: {
    id: "arbitrum",
    icon: "arb",
    family: "evm",
    mode: "live",
    name: "Arbitrum One",
    chainId: 42161,
    rpcUrls: ["https://arb1.arbitrum.io/rpc"],
    tokens: [
      token("USDT", "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", 6),
      token("USDC", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6),
    ],
    explorerTxUrl: "https://arbiscan.io/tx/{tx}",
    confirmations: 20,
    pollIntervalMs: 2_000,
    finalityTag: "finalized",
    maxBlockRange: 2_000,
  },
  base: {
    id: "base",
    icon: "base",
    family: "evm",
    mode: "live",
    name: "Base",
    chainId: 8453,
    rpcUrls: ["https://mainnet.base.org"],
    tokens: [token("USDC", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6)],
    explorerTxUrl: "https://basescan.org/tx/{tx}",
    confirmations: 10,
    pollIntervalMs: 4_000,
    finalityTag: "finalized",
    maxBlockRange: 1_000,
  },
  sepolia: {
    id: "sepolia",
    icon: "eth",
    family: "evm",
    mode: "test",
    name: "Sepolia",
    chainId: 11155111,
    rpcUrls: ["https://ethereum-sepolia-rpc.publicnode.com"],
    tokens: [token("USDC", "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", 6)],
    explorerTxUrl: "https://sepolia.etherscan.io/tx/{tx}",
    confirmations: 3,
    pollIntervalMs: 12_000,
    finalityTag: "finalized",
    maxBlockRange: 1_000,
  },
  "base-sepolia": {
    id: "base-sepolia",
    icon: "base",
    family: "evm",
    mode: "test",
    name: "Base Sepolia",
    chainId: 84532,
    rpcUrls: ["https://sepolia.base.org"],
    tokens: [token("USDC", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", 6)],
    explorerTxUrl: "https://sepolia.basescan.org/tx/{tx}",
    confirmations: 3,
    pollIntervalMs: 4_000,
    finalityTag: "finalized",
    maxBlockRange: 1_000,
  },
  /**
   * The local devnet of `@inzi/devnet` (Hardhat, chain id 31337). Its tokens are deployed at these fixed
   * addresses on every start. No finality tag: on Hardhat `safe`/`finalized` equal `latest`.
   */
  devnet: {
    id: "devnet",
    family: "evm",
    mode: "test",
    name: "Local devnet",
    chainId: 31337,
    rpcUrls: ["http://127.0.0.1:8545"],
    tokens: [
      token("USDT", "0x5FbDB2315678afecb367f032d93F642f64180aa3", 6),
      token("USDC", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", 6),
      token("USDT18", "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", 18),
    ],
    confirmations: 3,
    pollIntervalMs: 1_000,
    maxBlockRange: 1_000,
  },
} as const satisfies Record<string, EvmNetworkConfig>

export type EvmPresetId = keyof typeof EVM_PRESETS

/**
 * A preset with operator overrides (RPC URLs, headers, confirmations …), validated.
 *
 * @example
 * const base = evmNetwork("base", { rpcUrls: ["https://base-mainnet.g.alchemy.com/v2/KEY"] })
 */
export const evmNetwork = (
  id: EvmPresetId,
  overrides: Partial<Omit<EvmNetworkConfig, "id" | "family">> = {},
) => decodeEvmNetwork({ ...EVM_PRESETS[id], ...overrides })
