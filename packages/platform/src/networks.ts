import { readFileSync } from "node:fs"
import {
  type ChainError,
  type ChainScanner,
  decodeNetworkConfig,
  type FamilyRegistry,
  type NetworkConfig,
  NetworkConfigError,
  scannerOf,
} from "@inzi/core"
import { evmFamily } from "@inzi/adapter-evm"
import { tonFamily } from "@inzi/adapter-ton"
import { solanaFamily } from "@inzi/adapter-solana"
import { tronFamily } from "@inzi/adapter-tron"
import type { Effect } from "effect"

/** The chain families the reference apps run: one module per family (docs/adding-a-chain.md). */
// biome-ignore format: the one registry line, quoted as is by docs/adding-a-chain.md
export const FAMILIES: FamilyRegistry = { evm: evmFamily, tron: tronFamily, ton: tonFamily, solana: solanaFamily }

const modules = Object.values(FAMILIES)

/** Every preset network the adapters ship (operators enable them in the network config file). */
export const PRESETS: ReadonlyArray<NetworkConfig> = modules.flatMap((m) => m.presets)

/**
 * Presets without a token (e.g. a testnet without an official USDT): the operator names the token they use
 * (`"tokens": [{ "symbol": "USDT", "contract": "…", "decimals": 6 }]`).
 */
export const TOKENLESS_PRESETS: ReadonlyArray<NetworkConfig> = modules.flatMap((m) => m.tokenlessPresets)

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
      const presets = [...PRESETS, ...TOKENLESS_PRESETS]
      const base = presets.find((p) => p.id === preset)
      if (base === undefined)
        throw configError(
          `${file}: networks[${i}]: unknown preset "${String(preset)}" (known: ${presets.map((p) => p.id).join(", ")})`,
        )
      if (base.tokens.length === 0 && !Array.isArray(overrides.tokens))
        throw configError(
          `${file}: networks[${i}]: preset "${base.id}" has no official token contract: add "tokens": [{ "symbol": "USDT", "contract": "<jetton master>", "decimals": 6 }]`,
        )
      return { ...base, ...overrides }
    }
    return entry
  })
  const decoded = decodeNetworkConfig([...merged, ...extra], FAMILIES)
  if (decoded._tag === "Left")
    throw new NetworkConfigError({ message: `${file}: ${decoded.left}`, issues: decoded.left.issues })
  return decoded.right
}

/** The scanner of a network, by its family's module (with the entry's `options`). */
export const scannerFor = (network: NetworkConfig): Effect.Effect<ChainScanner, ChainError> =>
  scannerOf(FAMILIES, network)
