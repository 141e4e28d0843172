import type { SweepRunner } from "./sweep.js"
import { Effect, Either, ParseResult, Schema } from "effect"
import type {
  ChainFamily,
  DepositTarget,
  DepositTargets,
  Merchant,
  NetworkConfig,
  StoredTarget,
  TokenConfig,
} from "./domain.js"
import type { AddressDeriver } from "./ports/AddressDerivation.js"
import type { ChainScanner } from "./ports/ChainScanner.js"
import { ChainError } from "./ports/errors.js"

/**
 * The contract every chain family implements (docs/adding-a-chain.md). Each adapter package exports one
 * `ChainFamilyModule`; the apps assemble them into a `FamilyRegistry`, and code outside the modules asks the
 * registry instead of testing `network.family`.
 */

/**
 * How a checkout of the family gets the place a payer sends to, and how a transfer finds its checkout again:
 * each target is stored with a lookup key (`depositLookup`), unique per family.
 */
export type DepositKind =
  /**
   * An address derived from the merchant's payout key (an account xpub) at the checkout's derivation index;
   * `caseInsensitive` (hex) addresses are looked up in lower case.
   */
  | { readonly kind: "derived-address"; readonly caseInsensitive: boolean }
  /**
   * The merchant's own wallet (its payout key), the checkout told apart by a memo the payer sends with the
   * transfer. `newMemo` draws one from random bytes; a memo is unique among the merchant's checkouts (a
   * taken one is drawn again); `caseInsensitive` memos are looked up trimmed and upper-cased.
   */
  | {
      readonly kind: "wallet-memo"
      /** What the family calls its memo, in forms and messages: "comment" (TON), "reference" … */
      readonly memoName: string
      readonly newMemo: (draw: (n: number) => Uint8Array) => string
      readonly caseInsensitive: boolean
    }

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
  /** The checkout's deposit target on the family (`depositTargetOf`), null when it has none. */
  readonly target: DepositTarget | null
  /** The merchant's payout key of the family (`payoutKeyOf`): the wallet of memo families. */
  readonly payout: string | null
  /** Who is paid, for wallets that show it (a Solana Pay `label`): the merchant's name as shoppers see it. */
  readonly payee: string
  /** What for (a Solana Pay `message`): the checkout's description, null when it has none. */
  readonly purpose: string | null
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
  /**
   * Checks a merchant's payout key of the family (`validatePayoutKey`): the wallet of memo families (an xpub is
   * checked by the `deriver`); the reason it is refused, or null.
   */
  readonly walletProblem?: ((wallet: string) => string | null) | undefined
  /** What the merchant's payout key of the family is, in forms and messages: "account xpub", "wallet". */
  readonly payoutKeyLabel: string
  /** Address, memo and URI for one payment option; null when the checkout cannot be paid there. */
  readonly paymentTarget: (input: PaymentTargetInput) => PaymentTarget | null
  /** Token standard shown next to the network name, e.g. "ERC-20", "BEP-20", "TRC-20", "jetton". */
  readonly tokenStandard: (network: NetworkConfig) => string
  readonly explorerTxUrl: (network: NetworkConfig, txHash: string) => string | null
  readonly explorerAddressUrl: (network: NetworkConfig, address: string) => string | null
  /**
   * Facts the sweep tool needs, for families whose deposits can be swept (derived addresses): the native coin
   * paying the fees, the BIP-44 external chain (`m/44'/<coin>'/0'/0`) whose children are the deposit keys.
   */
  readonly sweep?:
    | {
        readonly nativeCoin: string
        readonly nativeDecimals: number
        readonly chainPath: string
        /** The chain work: plan and run a sweep of the family's deposit addresses (its adapter's). */
        readonly runner: SweepRunner
      }
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

/** The merchant's payout key of `family` (an xpub or a wallet), or null: not paid on that family. */
export const payoutKeyOf = (merchant: Pick<Merchant, "payoutKeys">, family: ChainFamily): string | null =>
  merchant.payoutKeys[family] ?? null

/** The entry of `family` in a checkout's targets, or null. */
export const depositTargetOf = (targets: DepositTargets, family: ChainFamily): DepositTarget | null =>
  targets.entries.find((t) => t.family === family) ?? null

/**
 * The key a store finds a deposit target by, unique per family: a derived address (lower case when
 * `caseInsensitive`), or `<merchant id>:<memo>` (the memo trimmed, upper case when `caseInsensitive`).
 */
export const depositLookup = (deposit: DepositKind, merchantId: string, target: DepositTarget): string => {
  if (deposit.kind === "derived-address") {
    const address = target.address ?? ""
    return deposit.caseInsensitive ? address.toLowerCase() : address
  }
  const memo = (target.memo ?? "").trim()
  return `${merchantId}:${deposit.caseInsensitive ? memo.toUpperCase() : memo}`
}

/** `target` with its lookup key under its family's module (`depositLookup`), as a store writes it. */
export const storedTarget = (
  families: FamilyRegistry,
  merchantId: string,
  target: DepositTarget,
): StoredTarget => ({ ...target, lookup: depositLookup(families[target.family].deposit, merchantId, target) })

/** The lookup keys a transfer to `address` may be stored under (`depositLookup`, either case rule). */
export const addressLookups = (address: string): ReadonlyArray<string> => {
  const lower = address.toLowerCase()
  return lower === address ? [address] : [address, lower]
}

/** The forms a memo a payer sent may be stored in (trimmed; upper case under a case-insensitive rule). */
export const memoForms = (memo: string): ReadonlyArray<string> => {
  const t = memo.trim()
  const upper = t.toUpperCase()
  return upper === t ? [t] : [t, upper]
}

/** The lookup keys of a memo sent to a wallet of merchant `merchantId` (`depositLookup`, either case rule). */
export const memoLookups = (merchantId: string, memo: string): ReadonlyArray<string> =>
  memoForms(memo).map((m) => `${merchantId}:${m}`)

/** The modules of a registry, in its order. */
export const familyModules = (families: FamilyRegistry): ReadonlyArray<ChainFamilyModule> =>
  Object.values(families) as ReadonlyArray<ChainFamilyModule>

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
  const modules = familyModules(families)
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
