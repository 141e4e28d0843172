/**
 * The data the hosted checkout page renders. Plain, already-formatted strings: the server maps its
 * checkout (and the merchant) to this shape; the page does no money arithmetic on the server side.
 */

/** Checkout statuses as in API.md. */
export type PageStatus = "pending" | "processing" | "completed" | "expired" | "underpaid"

/** One network/token the customer may pay with (one entry of the checkout's `payment_options`). */
export interface PageOption {
  /** Network id, e.g. `"tron"`, `"ton"`, `"base"`. */
  readonly network: string
  /** Human name of the network with its token standard, e.g. `"Tron (TRC-20)"`. */
  readonly networkLabel: string
  /** The network's icon id (its config's `icon`, else its family module's), e.g. `"base"`, `"tron"`. */
  readonly icon: string
  /** Token symbol, e.g. `"USDT"`. */
  readonly token: string
  /** Full amount in token units, decimal string, e.g. `"25.000000"`. */
  readonly amountCrypto: string
  /** What is still to be sent in token units (equals `amountCrypto` until a checkout is underpaid). */
  readonly amountDue: string
  /** Deposit address. */
  readonly address: string
  /** Comment the transfer must carry (TON), or `null` where the network needs none. */
  readonly memo: string | null
  /** Wallet deep link encoded in the QR code (EIP-681, `ton://transfer/…`, or the bare Tron address). */
  readonly uri: string
  /** Confirmations required on this network before a payment counts. */
  readonly confirmationsRequired: number
}

/** An on-chain transfer to this checkout, as the shopper sees it (public data: it is on chain). */
export interface PagePayment {
  /** Network id, e.g. `"tron"`. */
  readonly network: string
  /** Human network name with its token standard, as in {@link PageOption.networkLabel}. */
  readonly networkLabel: string
  readonly token: string
  /** Token units received, decimal string. */
  readonly amount: string
  readonly txHash: string
  /** The network's explorer link for `txHash` (from its `explorerTxUrl`), or `null`. */
  readonly explorerUrl: string | null
  readonly status: "detected" | "confirmed" | "late"
  readonly confirmations: number
  readonly confirmationsRequired: number
  /** ISO 8601 UTC time it was confirmed (or detected while unconfirmed). */
  readonly at: string
}

export interface PageView {
  /** The name shoppers see: the merchant's display name when the operator set one. */
  readonly merchantName: string
  /** The merchant's logo: same-origin `/p/logo/<sha256>.<ext>` or an https URL; none when absent. */
  readonly logoUrl?: string | null | undefined
  /** The merchant's accent colour `#rrggbb`; the page's own when absent. */
  readonly accentColor?: string | null | undefined
  /** A test-mode checkout (`chk_test_…`): the page shows a TEST MODE ribbon. */
  readonly testMode?: boolean | undefined
  /** The checkout id, shown on the receipt. */
  readonly checkoutId?: string | undefined
  /** Payments seen so far (reverted ones left out), oldest first. */
  readonly payments?: ReadonlyArray<PagePayment> | undefined
  readonly description: string | null
  /** USD amount with 2 decimals, e.g. `"25.00"`. */
  readonly amount: string
  readonly status: PageStatus
  /** USD paid so far with 2 decimals, e.g. `"10.00"`. */
  readonly amountPaid: string
  /** USD still due with 2 decimals; computed from `amount - amountPaid` (floored at 0) when omitted. */
  readonly amountDue?: string | undefined
  /** ISO 8601 UTC timestamp. */
  readonly expiresAt: string
  /** Absolute http(s) URL the customer returns to once paid, or `null`. */
  readonly redirectUrl: string | null
  /** Same-origin URL of the public status JSON, e.g. `"/p/k3j9…/status"`. */
  readonly statusUrl: string
  /** Same-origin URL of the status event stream (server-sent events), e.g. `"/p/k3j9…/events"`; polling only when absent. */
  readonly eventsUrl?: string | undefined
  readonly options: ReadonlyArray<PageOption>
  /** Confirmations of the payment being confirmed (status `processing`), else 0. */
  readonly confirmations: number
  /** Confirmations required for that payment (falls back to the selected option's requirement). */
  readonly confirmationsRequired?: number | undefined
}

/**
 * Shape of `GET <statusUrl>` as the page's script reads it. `amount_due` (USD) is optional.
 */
export interface PageStatusJson {
  readonly status: PageStatus
  readonly amount_paid: string
  readonly amount_due?: string
  readonly confirmations: number
  readonly confirmations_required: number
  readonly expires_at: string
  /** Payments seen so far; the page lists amount received, confirmations and the transaction. */
  readonly payments?: ReadonlyArray<PageStatusPayment>
}

/** One entry of {@link PageStatusJson.payments}. */
export interface PageStatusPayment {
  readonly network: string
  readonly network_label: string
  readonly crypto_currency: string
  readonly amount: string
  readonly tx_hash: string
  readonly explorer_url: string | null
  readonly status: "detected" | "confirmed" | "late"
  readonly confirmations: number
  readonly confirmations_required: number
}
