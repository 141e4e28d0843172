/**
 * The domain vocabulary shared by every package. Plain data: no I/O, no classes.
 * Money is never a JS number: USD amounts are cents (`bigint`), token amounts base units (`bigint`).
 */

import type { CheckoutStatus, Mode } from "./wire/index.js"

// Words the wire names too (modes, checkout statuses, event types): `./wire` holds them.
export {
  CHECKOUT_STATUSES,
  type CheckoutStatus,
  MODES,
  type Mode,
  type WebhookEventType,
} from "./wire/index.js"

/** `detected`: seen, waiting for confirmations; `late`: seen after expiry/completion, never counts. */
/**
 * `duplicate` is internal (never in the API): the same transfer seen again in another block while its first
 * copy still stands (machine.ts, re-mined copies); it counts only if that copy is reverted.
 */
export type PaymentStatus = "detected" | "confirmed" | "late" | "reverted" | "duplicate"

/** The chain families; each has one `ChainFamilyModule` (family.ts) in a `FamilyRegistry`. */
export type ChainFamily = "evm" | "tron" | "ton"

/** A network id as used in the API (`ton`, `tron`, `ethereum`, `base`, `sepolia`, `devnet` …). */
export type NetworkId = string

/** A token accepted on a network. `contract` is the ERC-20/TRC-20 contract or the jetton master. */
export interface TokenConfig {
  readonly symbol: string
  readonly contract: string
  readonly decimals: number
}

/** A network described by data: adding an EVM chain is a config entry, not code. */
export interface NetworkConfig {
  readonly id: NetworkId
  readonly family: ChainFamily
  readonly mode: Mode
  readonly name: string
  /** EVM chain id (EIP-155), used in EIP-681 URIs. */
  readonly chainId?: number | undefined
  readonly rpcUrls: ReadonlyArray<string>
  /** Header name → value sent with every request (API keys of TronGrid/toncenter …). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly tokens: ReadonlyArray<TokenConfig>
  /** Blocks (or seconds-equivalent) after which a payment counts as confirmed. */
  readonly confirmations: number
  readonly pollIntervalMs: number
  /** Block tag trusted as final where the chain has one (`finalized`, `safe`). */
  readonly finalityTag?: "finalized" | "safe" | "latest" | undefined
  /** First block to scan when no cursor exists yet (default: the current head). */
  readonly startBlock?: string | undefined
  /** Largest block range per request; the scanner adapts below it. */
  readonly maxBlockRange?: number | undefined
  /** Block explorer link of a transaction, `{tx}` standing for its hash (the hosted page links it). */
  readonly explorerTxUrl?: string | undefined
  /** Block explorer link of an address, `{address}` standing for it. */
  readonly explorerAddressUrl?: string | undefined
  /** The hosted page's icon of the network (`base`, `bsc` …); absent: its family module's `icon`. */
  readonly icon?: string | undefined
  /** The family's own settings (its module's `options` schema), e.g. TON's `{ "source": "notifications" }`. */
  readonly options?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Where a payer sends money for one checkout on one chain family: a derived `address` (families whose module's
 * `deposit` is `derived-address`), or a `memo` sent to the merchant's own wallet (`wallet-memo`: a TON comment).
 */
export interface DepositTarget {
  readonly family: ChainFamily
  readonly address: string | null
  readonly memo: string | null
}

/** A deposit target as stored: with the key a transfer finds it by (`depositLookup`, unique per family). */
export interface StoredTarget extends DepositTarget {
  readonly lookup: string
}

/** A checkout's deposit targets: one entry per chain family its networks use, and the derivation index. */
export interface DepositTargets {
  /** Index of the merchant's sequence the derived addresses were made at (every checkout draws one). */
  readonly derivationIndex: bigint
  readonly entries: ReadonlyArray<DepositTarget>
}

/**
 * A merchant's payout key per chain family: an account xpub (derived-address families) or a wallet (memo
 * families). A family without a key: the merchant is not paid on it. */
export type PayoutKeys = Readonly<Partial<Record<ChainFamily, string>>>

/** Identity of one on-chain transfer: a payment is unique on (network, txHash, logIndex). */
export interface PaymentKey {
  readonly network: NetworkId
  readonly txHash: string
  /** EVM log index, Tron event index within the transaction, TON message index (0 for the in-message). */
  readonly logIndex: number
}

export interface Payment extends PaymentKey {
  readonly token: string
  readonly tokenContract: string
  readonly decimals: number
  /** Token base units. */
  readonly amount: bigint
  readonly sender: string | null
  readonly recipient: string
  readonly blockNumber: bigint | null
  readonly blockHash: string | null
  readonly status: PaymentStatus
  readonly confirmations: number
  readonly detectedAt: Date
  readonly confirmedAt: Date | null
}

export interface Merchant {
  readonly id: string
  readonly name: string
  /** Default endpoint of live-mode events (a checkout's own `webhook_url` wins). */
  readonly webhookUrl: string | null
  /** Signs live-mode events (`whsec_…`). */
  readonly webhookSecret: string
  /** Default endpoint of test-mode events: test events never go to the live endpoint. */
  readonly testWebhookUrl: string | null
  /** Signs test-mode events; distinct from the live secret, so a test event never verifies as a live one. */
  readonly testWebhookSecret: string
  /**
   * Hosts a checkout's `redirect_url` may point at: exact host names or `*.example.com` (any sub-domain).
   * Empty or absent: any host (see docs/API.md, "Redirect after payment").
   */
  readonly allowedRedirectHosts?: ReadonlyArray<string> | undefined
  /** Hosts a checkout's `webhook_url` (and the merchant's default URLs) may point at; same rule. */
  readonly allowedWebhookHosts?: ReadonlyArray<string> | undefined
  readonly payoutKeys: PayoutKeys
  /** Enabled network ids per mode. */
  readonly networks: Readonly<Record<Mode, ReadonlyArray<NetworkId>>>
  /** How the hosted page presents the merchant (set by the operator); absent or null fields: the defaults. */
  readonly branding?: MerchantBranding | undefined
  readonly createdAt: Date
}

/** Image types an uploaded logo may have (raster only: see `sniffLogo`). */
export type LogoContentType = "image/png" | "image/jpeg" | "image/webp"

/** A logo the page loads from the merchant's https URL, or one uploaded and served by Inzi by its SHA-256. */
export type MerchantLogo =
  | { readonly kind: "url"; readonly url: string }
  | { readonly kind: "image"; readonly sha256: string; readonly contentType: LogoContentType }

export interface MerchantBranding {
  /** The name shoppers see instead of `name`; null: `name`. */
  readonly displayName: string | null
  readonly logo: MerchantLogo | null
  /** `#rrggbb`, lower case; null: the page's own colour. */
  readonly accentColor: string | null
}

export interface ApiKeyRecord {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  /** Visible prefix (`sk_live_ab12…`), safe to show and log. */
  readonly prefix: string
  readonly createdAt: Date
  readonly revokedAt: Date | null
}

export interface Checkout {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  readonly status: CheckoutStatus
  readonly amountCents: bigint
  readonly currency: "USD"
  readonly description: string | null
  /** The metadata object exactly as the merchant sent it (compact JSON text, key order kept), or null. */
  readonly metadataJson: string | null
  readonly customerEmail: string | null
  readonly redirectUrl: string | null
  readonly webhookUrl: string | null
  readonly targets: DepositTargets
  /** Networks enabled for this checkout when it was created. */
  readonly networks: ReadonlyArray<NetworkId>
  readonly payments: ReadonlyArray<Payment>
  readonly expiresAt: Date
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** The part of a checkout the state machine reasons about. */
export interface CheckoutState {
  readonly status: CheckoutStatus
  readonly amountCents: bigint
  readonly expiresAt: Date
  readonly payments: ReadonlyArray<Payment>
}
