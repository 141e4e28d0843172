import { Effect, Either, ParseResult, Schema } from "effect"
import type { ChainFamily, DepositTargets, Merchant, NetworkConfig, TokenConfig } from "./domain.js"
import type { AddressDeriver } from "./ports/AddressDerivation.js"
import type { ChainScanner } from "./ports/ChainScanner.js"
import { ChainError } from "./ports/errors.js"

/**
 * The contract every chain family implements (docs/adding-a-chain.md). Each adapter package exports one
 * `ChainFamilyModule`; the apps assemble them into a `FamilyRegistry`, and code outside the modules asks the
 * registry instead of testing `network.family`.
 */

/** How a checkout of the family gets the place a payer sends to. */
export type DepositKind =
  /** An address derived from the merchant's xpub per checkout; hex addresses compare `caseInsensitive`. */
  | { readonly kind: "derived-address"; readonly caseInsensitive: boolean }
  /** The merchant's own wallet, the checkout told apart by a memo (comment) the payer must send. */
  | { readonly kind: "wallet-memo" }

/** What a payer needs for one token on one network: shown by the API (`payment_options`) and the page's QR. */
export interface PaymentTarget {
  readonly address: string
  readonly memo: string | null
  /** Wallet deep link or plain text the QR code holds. */
  readonly uri: string
}

export interface PaymentTargetInput {
  readonly network: NetworkConfig
  readonly token: TokenConfig
  /** Amount due in the token's base units. */
  readonly units: bigint
  readonly targets: DepositTargets
  /** The merchant's payout key or wallet of the family (`payoutOf`). */
  readonly payout: string | null
}

export interface ChainFamilyModule<F extends ChainFamily = ChainFamily> {
  readonly family: F
  /** Human name of the family, e.g. "Tron". */
  readonly label: string
  /** The hosted page's icon for the family's networks that name none of their own (`icon`), e.g. "tron". */
  readonly icon: string
  /** Networks the family ships; an operator enables one with `{ "preset": "<id>" }` in the network file. */
  readonly presets: ReadonlyArray<NetworkConfig>
  /** Presets without an official token: the operator must add `tokens` when enabling them. */
  readonly tokenlessPresets: ReadonlyArray<NetworkConfig>
  /**
   * The family's own settings of a network entry (`"options": { … }` in the network file), decoded with
   * `onExcessProperty: "error"`; `{}` when absent.
   */
  readonly options: Schema.Schema.AnyNoContext
  /** Rules on a whole network entry the common schema cannot express; each issue reads `field: message`. */
  readonly checkNetwork: (network: NetworkConfig) => ReadonlyArray<string>
  /** The scanner of one network of the family, with its `options` as decoded by the `options` schema. */
  readonly scanner: (network: NetworkConfig, options: unknown) => Effect.Effect<ChainScanner, ChainError>
  readonly deposit: DepositKind
  /** Derives the per-checkout addresses from the merchant's xpub (families with `derived-address` deposits). */
  readonly deriver?: AddressDeriver | undefined
  /** The merchant's xpub (derived addresses) or wallet (memos) for the family; null: not payable on it. */
  readonly payoutOf: (merchant: Merchant) => string | null
  /** The deposit address of a checkout on the family (derived families), null when it has none. */
  readonly addressOf: (targets: DepositTargets) => string | null
  /** Address, memo and URI for one payment option; null when the checkout cannot be paid there. */
  readonly paymentTarget: (input: PaymentTargetInput) => PaymentTarget | null
  /** Token standard shown next to the network name, e.g. "ERC-20", "BEP-20", "TRC-20", "jetton". */
  readonly tokenStandard: (network: NetworkConfig) => string
  readonly explorerTxUrl: (network: NetworkConfig, txHash: string) => string | null
  readonly explorerAddressUrl: (network: NetworkConfig, address: string) => string | null
  /**
   * Facts the sweep tool needs, for families whose deposits can be swept (derived addresses): the native coin
   * paying the fees, and the BIP-44 external chain (`m/44'/<coin>'/0'/0`) whose children are the deposit keys.
   */
  readonly sweep?:
    | { readonly nativeCoin: string; readonly nativeDecimals: number; readonly chainPath: string }
    | undefined
}

/** One module per family: adding a member to `ChainFamily` makes every registry fail to compile until filled. */
export type FamilyRegistry = { readonly [F in ChainFamily]: ChainFamilyModule<F> }

/**
 * A family module whose scanner is typed by its own options schema (what the adapters export).
 * @example export const tonFamily = defineFamily({ family: "ton", options: TonOptionsSchema, scanner: (n, o) => makeTonScanner(n, o), … })
 */
export const defineFamily = <F extends ChainFamily, S extends Schema.Schema.AnyNoContext>(
  module: Omit<ChainFamilyModule<F>, "options" | "scanner"> & {
    readonly options: S
    readonly scanner: (
      network: NetworkConfig,
      options: Schema.Schema.Type<S>,
    ) => Effect.Effect<ChainScanner, ChainError>
  },
): ChainFamilyModule<F> => module as ChainFamilyModule<F>

/** The family names a registry knows, for error messages. */
export const knownFamilies = (families: FamilyRegistry): ReadonlyArray<ChainFamily> =>
  Object.keys(families) as Array<ChainFamily>

/** Whether `family` names a module of the registry. */
export const isKnownFamily = (families: FamilyRegistry, family: string): family is ChainFamily =>
  Object.hasOwn(families, family)

/** The module of a network's family. */
export const familyOf = (
  families: FamilyRegistry,
  network: Pick<NetworkConfig, "family">,
): ChainFamilyModule => families[network.family] as ChainFamilyModule

/** Every preset of every family, tokenless ones last. */
export const presetsOf = (families: FamilyRegistry): ReadonlyArray<NetworkConfig> => {
  const modules = Object.values(families) as ReadonlyArray<ChainFamilyModule>
  return [...modules.flatMap((m) => m.presets), ...modules.flatMap((m) => m.tokenlessPresets)]
}

/** `template` with `{key}` replaced by the URL-encoded value; null when the network has no such template. */
export const explorerLink = (template: string | undefined, key: string, value: string): string | null =>
  template === undefined ? null : template.replace(`{${key}}`, encodeURIComponent(value))

/** The scanner of a network through its family's module, with the entry's `options` decoded. */
export const scannerOf = (
  families: FamilyRegistry,
  network: NetworkConfig,
): Effect.Effect<ChainScanner, ChainError> => {
  const module: ChainFamilyModule | undefined = families[network.family]
  if (module === undefined)
    return Effect.fail(
      new ChainError({
        network: network.id,
        message: `unknown family "${network.family}" (known: ${knownFamilies(families).join(", ")})`,
        retryable: false,
      }),
    )
  const options = Schema.decodeUnknownEither(module.options, { onExcessProperty: "error" })(
    network.options ?? {},
  )
  return Either.isLeft(options)
    ? Effect.fail(
        new ChainError({
          network: network.id,
          message: `options: ${ParseResult.TreeFormatter.formatErrorSync(options.left)}`,
          retryable: false,
        }),
      )
    : module.scanner(network, options.right)
}
