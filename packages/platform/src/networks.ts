import { readFileSync } from "node:fs"
import {
  type ChainError,
  type ChainScanner,
  decodeNetworkConfig,
  type NetworkConfig,
  NetworkConfigError,
} from "@inzi/core"
import { EVM_PRESETS, makeEvmScanner } from "@inzi/adapter-evm"
import { makeTonScanner, tonMainnet, tonTestnet } from "@inzi/adapter-ton"
import { makeTronScanner, TRON_MAINNET, TRON_NILE } from "@inzi/adapter-tron"
import type { Effect } from "effect"

/** Every preset network the adapters ship (operators enable them in the network config file). */
export const PRESETS: ReadonlyArray<NetworkConfig> = [
  ...(Object.values(EVM_PRESETS) as ReadonlyArray<NetworkConfig>),
  TRON_MAINNET,
  TRON_NILE,
  tonMainnet,
]

/**
 * Presets without a token: TON testnet has no official USDT jetton, so the operator names the test jetton master
 * they use (`"tokens": [{ "symbol": "USDT", "contract": "kQ…", "decimals": 6 }]`).
 */
export const TOKENLESS_PRESETS: ReadonlyArray<NetworkConfig> = [
  { ...tonTestnet({ usdtMaster: "" }), tokens: [] },
]

const configError = (message: string) => new NetworkConfigError({ message, issues: [message] })

/**
 * Reads the operator's network config file: `{ "networks": [ … ] }` where each entry is either a full network
 * (see docs) or `{ "preset": "<id>", …overrides }` (e.g. real RPC URLs and API key headers for a preset).
 */
export const loadNetworks = (
  file: string | null,
  extra: ReadonlyArray<NetworkConfig> = [],
): ReadonlyArray<NetworkConfig> => {
  if (file === null) return extra
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, "utf8"))
  } catch (e) {
    throw configError(`cannot read network config ${file}: ${(e as Error).message}`)
  }
  const list = Array.isArray(raw) ? raw : (raw as { networks?: unknown })?.networks
  if (!Array.isArray(list)) throw configError(`${file}: expected { "networks": [ … ] }`)
  const merged = list.map((entry: unknown, i) => {
    if (typeof entry === "object" && entry !== null && "preset" in entry) {
      const { preset, ...overrides } = entry as { preset: unknown } & Record<string, unknown>
      const base = [...PRESETS, ...TOKENLESS_PRESETS].find((p) => p.id === preset)
      if (base === undefined) throw configError(`${file}: networks[${i}]: unknown preset "${String(preset)}"`)
      if (base.tokens.length === 0 && !Array.isArray(overrides.tokens))
        throw configError(
          `${file}: networks[${i}]: preset "${base.id}" has no official token contract: add "tokens": [{ "symbol": "USDT", "contract": "<jetton master>", "decimals": 6 }]`,
        )
      return { ...base, ...overrides }
    }
    return entry
  })
  const decoded = decodeNetworkConfig([...merged, ...extra])
  if (decoded._tag === "Left")
    throw new NetworkConfigError({ message: `${file}: ${decoded.left}`, issues: decoded.left.issues })
  return decoded.right
}

/** The chain adapter's scanner for a network, by family. */
export const scannerFor = (network: NetworkConfig): Effect.Effect<ChainScanner, ChainError> =>
  network.family === "evm"
    ? makeEvmScanner(network)
    : network.family === "tron"
      ? makeTronScanner(network)
      : makeTonScanner(network)
