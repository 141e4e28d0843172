import { Effect, Schema } from "effect"
import { defineFamily, explorerLink, type FamilyRegistry } from "../src/family.js"
import { tonCommentWith } from "../src/ids.js"
import { ChainError } from "../src/ports/errors.js"
import { evmTransferUri, tonTransferUri, tronTransferUri } from "../src/uri.js"

/**
 * Stand-ins for the adapters' family modules (core cannot depend on them): the same deposit rules and payment
 * options, no scanner. The adapters' own modules are checked against the same options by their tests.
 */
const common = {
  presets: [],
  tokenlessPresets: [],
  options: Schema.Struct({ timeoutMs: Schema.optionalWith(Schema.Int, { exact: true }) }),
  checkNetwork: () => [],
  scanner: (network: { readonly id: string }) =>
    Effect.fail(
      new ChainError({ network: network.id, message: "no scanner in core tests", retryable: false }),
    ),
  explorerTxUrl: (n: { readonly explorerTxUrl?: string | undefined }, tx: string) =>
    explorerLink(n.explorerTxUrl, "tx", tx),
  explorerAddressUrl: (n: { readonly explorerAddressUrl?: string | undefined }, a: string) =>
    explorerLink(n.explorerAddressUrl, "address", a),
} as const

const evm = defineFamily({
  ...common,
  family: "evm",
  label: "EVM",
  icon: "eth",
  checkNetwork: (n) =>
    n.chainId === undefined ? ["chainId: required for evm networks (used in EIP-681 payment URIs)"] : [],
  deposit: { kind: "derived-address", caseInsensitive: true },
  payoutKeyLabel: "account xpub",
  paymentTarget: ({ network, token, units, target }) =>
    target?.address == null || network.chainId === undefined
      ? null
      : {
          address: target.address,
          memo: null,
          uri: evmTransferUri({ token: token.contract, chainId: network.chainId, to: target.address, units }),
        },
  tokenStandard: () => "ERC-20",
})

const tron = defineFamily({
  ...common,
  family: "tron",
  label: "Tron",
  icon: "tron",
  deposit: { kind: "derived-address", caseInsensitive: false },
  payoutKeyLabel: "account xpub",
  paymentTarget: ({ target }) =>
    target?.address == null
      ? null
      : { address: target.address, memo: null, uri: tronTransferUri({ to: target.address }) },
  tokenStandard: () => "TRC-20",
})

const ton = defineFamily({
  ...common,
  family: "ton",
  label: "TON",
  icon: "ton",
  options: Schema.Struct({
    source: Schema.optionalWith(Schema.Literal("jetton-wallet", "notifications"), { exact: true }),
  }),
  deposit: { kind: "wallet-memo", memoName: "comment", newMemo: tonCommentWith, caseInsensitive: true },
  payoutKeyLabel: "wallet",
  walletProblem: (w) => (/^(0:[0-9a-f]{64}|[UE]Q[A-Za-z0-9_-]{46})$/.test(w) ? null : "is not a TON address"),
  paymentTarget: ({ token, units, target, payout }) =>
    payout === null || target?.memo == null
      ? null
      : {
          address: payout,
          memo: target.memo,
          uri: tonTransferUri({ wallet: payout, jettonMaster: token.contract, units, comment: target.memo }),
        },
  tokenStandard: () => "jetton",
})

export const FAMILIES: FamilyRegistry = { evm, tron, ton }
