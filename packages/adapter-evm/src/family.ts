import { defineFamily, evmTransferUri, explorerLink, type NetworkConfig } from "@inzi/core"
import { Schema } from "effect"
import { EvmAddressDeriver } from "./address.js"
import { EVM_PRESETS } from "./networks.js"
import { makeEvmScanner } from "./scanner.js"
import { evmSweepRunner } from "./sweep.js"

const PositiveInt = Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })

/** EVM settings of a network entry (`"options"`), passed to `makeEvmScanner`. */
export const EvmOptionsSchema = Schema.Struct({
  maxRangesPerScan: PositiveInt,
  deepReorgDepth: PositiveInt,
  deepReorgWindowMs: PositiveInt,
  timeoutMs: PositiveInt,
  maxBatchSize: PositiveInt,
})

/** BNB Smart Chain (56) and its testnet (97) call their tokens BEP-20. */
const BEP20_CHAINS: ReadonlySet<number> = new Set([56, 97])

/** The EVM family: an address per checkout derived from the merchant's xpub (BIP-44 coin 60), EIP-681 URIs. */
export const evmFamily = defineFamily({
  family: "evm",
  label: "EVM",
  icon: "eth",
  presets: Object.values(EVM_PRESETS) as ReadonlyArray<NetworkConfig>,
  tokenlessPresets: [],
  options: EvmOptionsSchema,
  checkNetwork: (n) =>
    n.chainId === undefined ? ["chainId: required for evm networks (used in EIP-681 payment URIs)"] : [],
  scanner: (network, options) => makeEvmScanner(network, options),
  deposit: { kind: "derived-address", caseInsensitive: true },
  deriver: EvmAddressDeriver,
  payoutKeyLabel: "account xpub",
  paymentTarget: ({ network, token, units, target }) => {
    const to = target?.address ?? null
    if (to === null || network.chainId === undefined) return null
    return {
      address: to,
      memo: null,
      uri: evmTransferUri({ token: token.contract, chainId: network.chainId, to, units }),
    }
  },
  tokenStandard: (n) => (n.chainId !== undefined && BEP20_CHAINS.has(n.chainId) ? "BEP-20" : "ERC-20"),
  explorerTxUrl: (n, tx) => explorerLink(n.explorerTxUrl, "tx", tx),
  explorerAddressUrl: (n, address) => explorerLink(n.explorerAddressUrl, "address", address),
  sweep: {
    nativeCoin: "native coin",
    nativeDecimals: 18,
    chainPath: "m/44'/60'/0'/0",
    runner: evmSweepRunner,
  },
})
