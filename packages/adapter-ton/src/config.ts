import type { NetworkConfig } from "@inzi/core"

/** Tether USDT jetton master on TON mainnet (6 decimals). */
export const USDT_MAINNET_MASTER = "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs"

/**
 * TON mainnet through toncenter v2. Add an API key with `headers: { "X-API-Key": "…" }` (without one
 * toncenter allows about 1 request per second). A transaction returned by toncenter v2 is already in a
 * shard block committed by the masterchain, which is final on TON: `confirmations` is 1.
 */
export const tonMainnet: NetworkConfig = {
  id: "ton",
  family: "ton",
  mode: "live",
  name: "TON",
  rpcUrls: ["https://toncenter.com/api/v2"],
  tokens: [{ symbol: "USDT", contract: USDT_MAINNET_MASTER, decimals: 6 }],
  explorerTxUrl: "https://tonviewer.com/transaction/{tx}",
  confirmations: 1,
  pollIntervalMs: 5_000,
}

export interface TonTestnetParameters {
  /** The test USDT jetton master the operator uses on testnet (there is no official one). */
  readonly usdtMaster: string
  readonly decimals?: number | undefined
  readonly rpcUrls?: ReadonlyArray<string> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * TON testnet through testnet.toncenter.com; the jetton master is the operator's choice.
 *
 * @example
 * const net = tonTestnet({ usdtMaster: "kQ…", headers: { "X-API-Key": process.env.TONCENTER_KEY ?? "" } })
 */
export const tonTestnet = (params: TonTestnetParameters): NetworkConfig => ({
  id: "ton-testnet",
  family: "ton",
  mode: "test",
  name: "TON testnet",
  rpcUrls: params.rpcUrls ?? ["https://testnet.toncenter.com/api/v2"],
  ...(params.headers !== undefined ? { headers: params.headers } : {}),
  tokens: [{ symbol: "USDT", contract: params.usdtMaster, decimals: params.decimals ?? 6 }],
  explorerTxUrl: "https://testnet.tonviewer.com/transaction/{tx}",
  confirmations: 1,
  pollIntervalMs: 5_000,
})
