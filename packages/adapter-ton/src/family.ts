import { defineFamily, explorerLink, tonTransferUri } from "@inzi/core"
import { Schema } from "effect"
import { tonMainnet, tonTestnet } from "./config.js"
import { makeTonScanner } from "./scanner.js"

const PositiveInt = Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })

/** TON settings of a network entry (`"options"`), passed to `makeTonScanner` (see `TonScannerOptions`). */
export const TonOptionsSchema = Schema.Struct({
  source: Schema.optionalWith(Schema.Literal("jetton-wallet", "notifications"), { exact: true }),
  minIntervalMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { exact: true }),
  pageSize: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(2)), { exact: true }),
  maxPagesPerAccount: PositiveInt,
  newAccountLookbackSeconds: PositiveInt,
  timeoutMs: PositiveInt,
  maxAttempts: PositiveInt,
})

/** The TON family: payers send to the merchant's own wallet with the checkout's comment as memo. */
export const tonFamily = defineFamily({
  family: "ton",
  label: "TON",
  icon: "ton",
  presets: [tonMainnet],
  // TON testnet has no official USDT jetton: the operator names the test jetton master they use.
  tokenlessPresets: [{ ...tonTestnet({ usdtMaster: "" }), tokens: [] }],
  options: TonOptionsSchema,
  checkNetwork: () => [],
  scanner: (network, options) => makeTonScanner(network, options),
  deposit: { kind: "wallet-memo" },
  payoutOf: (m) => m.tonWallet,
  addressOf: () => null,
  paymentTarget: ({ token, units, targets, payout }) =>
    payout === null
      ? null
      : {
          address: payout,
          memo: targets.tonComment,
          uri: tonTransferUri({
            wallet: payout,
            jettonMaster: token.contract,
            units,
            comment: targets.tonComment,
          }),
        },
  tokenStandard: () => "jetton",
  explorerTxUrl: (n, tx) => explorerLink(n.explorerTxUrl, "tx", tx),
  explorerAddressUrl: (n, address) => explorerLink(n.explorerAddressUrl, "address", address),
})
