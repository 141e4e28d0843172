import { defineFamily, explorerLink, tonCommentWith, tonTransferUri } from "@inzi/core"
import { Schema } from "effect"
import { tonMainnet, tonTestnet } from "./config.js"
import { makeTonScanner } from "./scanner.js"
import { isTonWalletAddress } from "./wallet.js"

const PositiveInt = Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })

/** TON settings of a network entry (`"options"`), passed to `makeTonScanner` (see `TonScannerOptions`). */
export const TonOptionsSchema = Schema.Struct({
  source: Schema.optionalWith(Schema.Literal("jetton-wallet", "notifications", "jetton-transfers"), {
    exact: true,
  }),
  /** `"jetton-transfers"`: toncenter v3 base URLs (default: `rpcUrls` with `/api/v2` → `/api/v3`). */
  v3Urls: Schema.optionalWith(Schema.Array(Schema.String.pipe(Schema.pattern(/^https?:\/\//))), {
    exact: true,
  }),
  settleSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { exact: true }),
  /** Per-wallet sources: toncenter request budget (see `TonScannerOptions.requestsPerSecond`). */
  requestsPerSecond: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { exact: true }),
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
  // An 8-character comment a payer can type, unique per merchant; matched trimmed and in any case.
  deposit: { kind: "wallet-memo", memoName: "comment", newMemo: tonCommentWith, caseInsensitive: true },
  payoutKeyLabel: "wallet",
  walletProblem: (wallet) =>
    isTonWalletAddress(wallet) ? null : "is not a TON address (expected UQ…/EQ… or 0:<hex>)",
  paymentTarget: ({ token, units, target, payout }) =>
    payout === null || target?.memo == null
      ? null
      : {
          address: payout,
          memo: target.memo,
          uri: tonTransferUri({ wallet: payout, jettonMaster: token.contract, units, comment: target.memo }),
        },
  tokenStandard: () => "jetton",
  explorerTxUrl: (n, tx) => explorerLink(n.explorerTxUrl, "tx", tx),
  explorerAddressUrl: (n, address) => explorerLink(n.explorerAddressUrl, "address", address),
})
