import { defineFamily, explorerLink } from "@inzi/core"
import { isSolanaAddress } from "./address.js"
import { SOLANA_DEVNET, SOLANA_MAINNET } from "./networks.js"
import { SolanaOptionsSchema } from "./options.js"
import { solanaReferenceWith } from "./reference.js"
import { makeSolanaScanner } from "./scanner.js"
import { solanaPayRequest } from "./uri.js"

/**
 * The Solana family: payers send SPL tokens to the merchant's own wallet (its associated token account for the
 * mint), the checkout told apart by the Solana Pay `reference` its wallet adds to the transfer.
 */
export const solanaFamily = defineFamily({
  family: "solana",
  label: "Solana",
  icon: "sol",
  presets: [SOLANA_MAINNET, SOLANA_DEVNET],
  tokenlessPresets: [],
  options: SolanaOptionsSchema,
  checkNetwork: (n) =>
    n.tokens.flatMap((t) =>
      isSolanaAddress(t.contract) ? [] : [`tokens: ${t.symbol} mint ${t.contract} is not a Solana address`],
    ),
  scanner: (network, options) => makeSolanaScanner(network, options),
  // A random public key per checkout, matched exactly among the transaction's account keys.
  deposit: {
    kind: "wallet-memo",
    memoName: "reference",
    newMemo: solanaReferenceWith,
    caseInsensitive: false,
  },
  payoutKeyLabel: "wallet",
  walletProblem: (wallet) =>
    isSolanaAddress(wallet) ? null : "is not a Solana address (a base58 public key)",
  // The reference is no memo a payer types: it travels in the Solana Pay link (QR code and wallet button).
  paymentTarget: ({ token, units, target, payout, payee, purpose }) =>
    payout === null || target?.memo == null
      ? null
      : {
          address: payout,
          memo: null,
          uri: solanaPayRequest({
            recipient: payout,
            units,
            decimals: token.decimals,
            splToken: token.contract,
            reference: target.memo,
            label: payee,
            message: purpose ?? undefined,
          }),
        },
  tokenStandard: () => "SPL",
  explorerTxUrl: (n, tx) => explorerLink(n.explorerTxUrl, "tx", tx),
  explorerAddressUrl: (n, address) => explorerLink(n.explorerAddressUrl, "address", address),
})
