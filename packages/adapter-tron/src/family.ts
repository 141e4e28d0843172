import { defineFamily, explorerLink, tronTransferUri } from "@inzi/core"
import { Schema } from "effect"
import { TRON_MAINNET, TRON_NILE } from "./networks.js"
import { TronAddressDeriver } from "./TronAddressDeriver.js"
import { makeTronScanner } from "./TronScanner.js"
import { tronSweepRunner } from "./sweep-runner.js"

const PositiveInt = Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })

/** Tron settings of a network entry (`"options"`), passed to `makeTronScanner`. */
export const TronOptionsSchema = Schema.Struct({
  scanFrom: Schema.optionalWith(Schema.Literal("head", "solidified"), { exact: true }),
  blockConcurrency: PositiveInt,
  timeoutMs: PositiveInt,
})

/** The Tron family: an address per checkout derived from the merchant's xpub (BIP-44 coin 195). */
export const tronFamily = defineFamily({
  family: "tron",
  label: "Tron",
  icon: "tron",
  presets: [TRON_MAINNET, TRON_NILE],
  tokenlessPresets: [],
  options: TronOptionsSchema,
  checkNetwork: () => [],
  scanner: (network, options) => makeTronScanner(network, options),
  deposit: { kind: "derived-address", caseInsensitive: false },
  deriver: TronAddressDeriver,
  payoutKeyLabel: "account xpub",
  paymentTarget: ({ target }) => {
    const to = target?.address ?? null
    return to === null ? null : { address: to, memo: null, uri: tronTransferUri({ to }) }
  },
  tokenStandard: () => "TRC-20",
  explorerTxUrl: (n, tx) => explorerLink(n.explorerTxUrl, "tx", tx),
  explorerAddressUrl: (n, address) => explorerLink(n.explorerAddressUrl, "address", address),
  sweep: { nativeCoin: "TRX", nativeDecimals: 6, chainPath: "m/44'/195'/0'/0", runner: tronSweepRunner },
})
