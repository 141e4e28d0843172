import { Schema } from "effect"
import { CHECKOUT_STATUSES, type Mode } from "./domain.js"
import { isStorableText } from "./text.js"

/**
 * The public HTTP API shapes of API.md as effect Schemas (one source of truth for the server, the client and
 * the OpenAPI document), with the limits and field rules they check.
 */

// ---------------------------------------------------------------------------------------------------------
// Limits (API.md "POST /api/v1/checkouts" and "GET /api/v1/checkouts")
// ---------------------------------------------------------------------------------------------------------

export const API_LIMITS = {
  /** Default operator minimum and maximum amount, in cents. */
  minAmountCents: 100n,
  maxAmountCents: 100_000_000n,
  /** Unicode code points (not UTF-16 units, not bytes). */
  descriptionMaxChars: 256,
  /** UTF-8 bytes of the metadata's compact JSON, characters counted unescaped (`metadataByteLength`). */
  metadataMaxBytes: 4096,
  /** Unicode code points. */
  emailMaxChars: 254,
  /** Unicode code points. */
  urlMaxChars: 2048,
  expiresInMin: 300,
  expiresInMax: 86_400,
  expiresInDefault: 1800,
  listLimitMin: 1,
  listLimitMax: 100,
  listLimitDefault: 20,
} as const

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

export const ApiErrorType = Schema.Literal(
  "invalid_request_error",
  "authentication_error",
  "not_found_error",
  "idempotency_error",
  "rate_limit_error",
  "api_error",
).annotations({ identifier: "ApiErrorType", description: "The class of error; decides the HTTP status." })
export type ApiErrorType = typeof ApiErrorType.Type

/** The inner object of every error response. */
export const ApiErrorDetail = Schema.Struct({
  type: ApiErrorType,
  code: Schema.String.annotations({
    description: "Stable machine-readable code, e.g. `amount_invalid`.",
    examples: ["amount_invalid"],
  }),
  message: Schema.String.annotations({ description: "Human-readable explanation; may change." }),
  param: Schema.optionalWith(
    Schema.String.annotations({ description: "The request field or query parameter at fault." }),
    { exact: true },
  ),
}).annotations({ identifier: "ApiErrorDetail" })
export type ApiErrorDetail = typeof ApiErrorDetail.Type

/** Every error response has this shape and no other. */
export const ApiErrorBody = Schema.Struct({ error: ApiErrorDetail }).annotations({
  identifier: "Error",
  title: "Error",
  description: "The body of every non-2xx response.",
  examples: [
    {
      error: {
        type: "invalid_request_error",
        code: "amount_invalid",
        message: "amount must be a decimal string with at most 2 decimal places",
        param: "amount",
      },
    },
  ],
})
export type ApiErrorBody = typeof ApiErrorBody.Type

// ---------------------------------------------------------------------------------------------------------
// Field rules, shared by the Schemas (documentation, decoding) and the validators (error codes)
// ---------------------------------------------------------------------------------------------------------

/** Unicode code points of a string (what "characters" means in every limit of this API). */
export const codePointLength = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

/** Control characters (C0, DEL, C1) and the bidirectional embedding, override and isolate characters. */
const UNSAFE_DISPLAY_RE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/**
 * Text shown to a shopper or a merchant as is (a description): no control character — C0 U+0000–U+001F
 * (tab and line breaks included), DEL, C1 U+0080–U+009F — and no bidirectional embedding, override or isolate
 * character (U+202A–U+202E, U+2066–U+2069), which can make a text read as another one.
 */
export const isDisplaySafeText = (s: string): boolean => !UNSAFE_DISPLAY_RE.test(s)

const AMOUNT_RE = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/

const EMAIL_LOCAL_RE = /^[^\s@"(),:;<>[\]\\]+$/u
const EMAIL_LABEL_RE = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u
const EMAIL_TLD_RE = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu

/** A plausible e-mail address (not RFC 5322 in full: what real mailboxes look like), ≤ 254 code points. */

export const isPlausibleEmail = (s: string): boolean => {
  if (codePointLength(s) > API_LIMITS.emailMaxChars || !isDisplaySafeText(s) || !isStorableText(s))
    return false
  const at = s.lastIndexOf("@")
  if (at <= 0) return false
  const local = s.slice(0, at)
  const domain = s.slice(at + 1)
  if (codePointLength(local) > 64 || !EMAIL_LOCAL_RE.test(local)) return false
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return false
  const labels = domain.split(".")
  if (labels.length < 2) return false
  if (!labels.every((l) => EMAIL_LABEL_RE.test(l))) return false
  return EMAIL_TLD_RE.test(labels[labels.length - 1]!)
}

/**
 * Why a redirect/webhook URL is refused, or null when it is fine: absolute `http(s)` with `//` and a host,
 * no whitespace or control characters, no user:password part, ≤ 2048 code points; `https` in live mode.
 */
export const urlProblem = (s: string, mode: Mode): string | null => {
  if (codePointLength(s) > API_LIMITS.urlMaxChars) return "must be at most 2048 characters"
  if (/[\s\u0000-\u001f\u007f]/u.test(s)) return "must not contain whitespace or control characters"
  if (!/^https?:\/\//i.test(s)) return "must be an absolute http(s) URL"
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return "must be an absolute http(s) URL"
  }
  if (u.hostname === "") return "must be an absolute http(s) URL"
  if (u.username !== "" || u.password !== "") return "must not contain a user name or password"
  if (mode === "live" && u.protocol !== "https:") return "must use https in live mode"
  return null
}

// ---------------------------------------------------------------------------------------------------------
// POST /api/v1/checkouts
// ---------------------------------------------------------------------------------------------------------

const AmountString = Schema.String.pipe(Schema.pattern(AMOUNT_RE)).annotations({
  identifier: "AmountUsd",
  description:
    "USD amount as a decimal string with at most 2 decimals. A JSON number is rejected. Between the operator's minimum (default 1.00) and maximum (default 1000000.00).",
  examples: ["25", "25.00", "0.50"],
})

/**
 * A JSON object of any values. Its JSON Schema is given explicitly: the default one of `Schema.Unknown`
 * repeats `$id: "/schemas/unknown"`, which JSON Schema validators refuse in an OpenAPI document.
 */
const jsonObject = (description: string) =>
  Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description,
    jsonSchema: {
      type: "object",
      additionalProperties: true,
      description,
      examples: [{ order_id: "uuid-xxx", user_id: "uuid-yyy" }],
    },
  })

const UrlString = Schema.String.pipe(
  Schema.maxLength(API_LIMITS.urlMaxChars),
  Schema.filter((s) => urlProblem(s, "test") === null || "must be an absolute http(s) URL", {
    jsonSchema: { format: "uri" },
  }),
).annotations({ title: "HttpUrl" })

/** The request body of `POST /api/v1/checkouts` (shape and static rules; see `validateCreateCheckout`). */
export const CreateCheckoutRequest = Schema.Struct({
  amount: AmountString,
  currency: Schema.String.pipe(Schema.pattern(/^[uU][sS][dD]$/)).annotations({
    description: "`USD` in any letter case; returned upper-case.",
    examples: ["USD"],
  }),
  description: Schema.optionalWith(
    Schema.String.pipe(
      Schema.filter((s) => codePointLength(s) <= API_LIMITS.descriptionMaxChars, {
        jsonSchema: { maxLength: API_LIMITS.descriptionMaxChars },
      }),
      Schema.filter((s) => isDisplaySafeText(s), {
        jsonSchema: { pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$" },
      }),
    ).annotations({
      description:
        "At most 256 characters (Unicode code points); no control characters (U+0000–U+001F, U+007F–U+009F) and no bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069).",
      examples: ["Order #12345"],
    }),
    { exact: true },
  ),
  metadata: Schema.optionalWith(
    jsonObject(
      "A JSON object of at most 4096 bytes, counted as UTF-8 of its compact JSON with non-ASCII characters unescaped (`\\u00e9` counts as the 2 bytes of é); no key repeated at any level; returned exactly as sent (keys, order, values).",
    ),
    { exact: true },
  ),
  customer_email: Schema.optionalWith(
    Schema.String.pipe(
      Schema.filter(isPlausibleEmail, { jsonSchema: { format: "email", maxLength: 254 } }),
    ).annotations({ description: "A plausible e-mail address, at most 254 characters." }),
    { exact: true },
  ),
  redirect_url: Schema.optionalWith(
    UrlString.annotations({
      description:
        "Absolute http(s) URL (at most 2048 characters; https in live mode). The hosted page redirects there once paid. When the operator set the merchant's allowed redirect hosts, its host must match one (exact or *.suffix).",
      examples: ["https://yoursite.com/thank-you"],
    }),
    { exact: true },
  ),
  webhook_url: Schema.optionalWith(
    UrlString.annotations({
      description:
        "Same rule as redirect_url (against the merchant's allowed webhook hosts); overrides the merchant's default webhook URL.",
    }),
    { exact: true },
  ),
  expires_in: Schema.optionalWith(
    Schema.Int.pipe(Schema.between(API_LIMITS.expiresInMin, API_LIMITS.expiresInMax)).annotations({
      description: "Seconds until the checkout expires: 300..86400, default 1800.",
      examples: [1800],
    }),
    { exact: true },
  ),
}).annotations({
  identifier: "CreateCheckoutRequest",
  title: "CreateCheckoutRequest",
  description: "Unknown top-level fields are rejected with `parameter_unknown`.",
  examples: [
    {
      amount: "25.00",
      currency: "USD",
      description: "Order #12345",
      metadata: { order_id: "uuid-xxx" },
      redirect_url: "https://yoursite.com/thank-you",
    },
  ],
})
export type CreateCheckoutRequest = typeof CreateCheckoutRequest.Type

// ---------------------------------------------------------------------------------------------------------
// GET /api/v1/checkouts
// ---------------------------------------------------------------------------------------------------------

export const CheckoutStatusSchema = Schema.Literal(...CHECKOUT_STATUSES).annotations({
  identifier: "CheckoutStatus",
  description:
    "pending: awaiting payment; processing: a payment awaits confirmations; completed: confirmed payments reach the accepted amount; expired: nothing paid before expires_at; underpaid: confirmed payments below the accepted amount.",
})

const IsoTimestampParam = Schema.String.annotations({
  description:
    "ISO 8601 timestamp (exclusive bound), e.g. `2026-04-04T12:00:00Z`; a date alone means midnight UTC, a time without offset is UTC.",
  examples: ["2026-04-04T12:00:00Z"],
})

/** The query string of `GET /api/v1/checkouts` (all strings on the wire; see `validateListQuery`). */
export const ListCheckoutsQuery = Schema.Struct({
  status: Schema.optionalWith(CheckoutStatusSchema, { exact: true }),
  limit: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(/^[0-9]+$/)).annotations({
      description: "Integer 1..100, default 20.",
      examples: ["20"],
    }),
    { exact: true },
  ),
  offset: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(/^[0-9]+$/)).annotations({
      description: "Integer ≥ 0, default 0.",
      examples: ["0"],
    }),
    { exact: true },
  ),
  created_after: Schema.optionalWith(IsoTimestampParam, { exact: true }),
  created_before: Schema.optionalWith(IsoTimestampParam, { exact: true }),
}).annotations({ identifier: "ListCheckoutsQuery" })
/** The Schema's type (the name `ListCheckoutsQuery` is, as a type, core's store query). */
export type ListCheckoutsQueryParams = typeof ListCheckoutsQuery.Type

export const LIST_QUERY_PARAMS = ["status", "limit", "offset", "created_after", "created_before"] as const

// ---------------------------------------------------------------------------------------------------------
// Response objects
// ---------------------------------------------------------------------------------------------------------

/** ISO 8601 UTC, second precision, with `Z`. */
export const ApiTimestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
).annotations({
  identifier: "Timestamp",
  description: "ISO 8601 UTC timestamp with second precision and a Z.",
  examples: ["2026-04-04T12:00:00Z"],
})

const UsdAmount = Schema.String.pipe(Schema.pattern(/^(0|[1-9][0-9]*)\.[0-9]{2}$/)).annotations({
  identifier: "UsdAmount",
  description: "USD amount with exactly 2 decimals.",
  examples: ["25.00"],
})

const CryptoAmount = Schema.String.pipe(Schema.pattern(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/)).annotations({
  identifier: "CryptoAmount",
  description: "Token amount as a decimal string with exactly the token's decimals.",
  examples: ["25.000000"],
})

const NetworkIdSchema = Schema.String.annotations({
  description: "Network id (`ton`, `tron`, `ethereum`, `base`, `sepolia`, `devnet` …).",
  examples: ["ton"],
})

const CryptoCurrency = Schema.String.annotations({
  description: "Token symbol.",
  examples: ["USDT"],
})

export const PaymentStatusSchema = Schema.Literal("detected", "confirmed", "late", "reverted").annotations({
  identifier: "PaymentStatus",
  description:
    "detected: seen, waiting for confirmations; confirmed: counts; late: seen after expiry or completion, never counts; reverted: gone in a chain reorganisation.",
})

/** `payment` of the checkout object: the latest counted payment. */
export const ApiPayment = Schema.Struct({
  amount_crypto: CryptoAmount,
  crypto_currency: CryptoCurrency,
  network: NetworkIdSchema,
  tx_hash: Schema.String,
  sender_address: Schema.NullOr(Schema.String),
  confirmed_at: Schema.NullOr(ApiTimestamp).annotations({
    description: "null while the payment waits for confirmations.",
  }),
}).annotations({
  identifier: "Payment",
  description: "The latest counted payment.",
  examples: [
    {
      amount_crypto: "25.000000",
      crypto_currency: "USDT",
      network: "ton",
      tx_hash: "3f1c…",
      sender_address: "UQ…",
      confirmed_at: "2026-04-04T12:05:00Z",
    },
  ],
})
export type ApiPayment = typeof ApiPayment.Type

/** One entry of `payments`: every payment seen, including late and reverted ones. */
export const ApiPaymentEntry = Schema.Struct({
  amount_crypto: CryptoAmount,
  crypto_currency: CryptoCurrency,
  network: NetworkIdSchema,
  tx_hash: Schema.String,
  sender_address: Schema.NullOr(Schema.String),
  status: PaymentStatusSchema,
  confirmations: Schema.NonNegativeInt,
  detected_at: ApiTimestamp,
  confirmed_at: Schema.NullOr(ApiTimestamp),
}).annotations({
  identifier: "PaymentEntry",
  description: "A payment seen for the checkout.",
  examples: [
    {
      amount_crypto: "25.000000",
      crypto_currency: "USDT",
      network: "ton",
      tx_hash: "3f1c…",
      sender_address: "UQ…",
      status: "confirmed",
      confirmations: 1,
      detected_at: "2026-04-04T12:04:40Z",
      confirmed_at: "2026-04-04T12:05:00Z",
    },
  ],
})
export type ApiPaymentEntry = typeof ApiPaymentEntry.Type

/** What a payer needs to pay on one network/token (white-label payment UIs build on this). */
export const ApiPaymentOption = Schema.Struct({
  network: NetworkIdSchema,
  crypto_currency: CryptoCurrency,
  amount_crypto: CryptoAmount.annotations({
    description: "The full amount, or what is still due once the checkout is underpaid.",
  }),
  address: Schema.String.annotations({ description: "Deposit address (TON: the merchant's wallet)." }),
  memo: Schema.NullOr(Schema.String).annotations({
    description: "Comment the payer must attach (TON); null where the network needs none.",
  }),
  uri: Schema.String.annotations({
    description:
      "Wallet link for the QR code: EIP-681 `ethereum:`, `ton://transfer/…`, or the address (Tron).",
  }),
}).annotations({
  identifier: "PaymentOption",
  examples: [
    {
      network: "base",
      crypto_currency: "USDC",
      amount_crypto: "25.000000",
      address: "0x…",
      memo: null,
      uri: "ethereum:0x8335…@8453/transfer?address=0x…&uint256=25000000",
    },
  ],
})
export type ApiPaymentOption = typeof ApiPaymentOption.Type

export const ApiMetadata = jsonObject(
  "Returned exactly as sent (same keys, same order, same values); `{}` when none was sent.",
).annotations({ identifier: "Metadata" })

/** The checkout object. */
export const ApiCheckout = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^chk_(live|test)_[a-z0-9]{24}$/)).annotations({
    examples: ["chk_live_k3j9x2m1q8w7e5r4t6y0u2i9"],
  }),
  status: CheckoutStatusSchema,
  amount: UsdAmount,
  currency: Schema.Literal("USD"),
  description: Schema.NullOr(Schema.String),
  metadata: ApiMetadata,
  customer_email: Schema.NullOr(Schema.String),
  redirect_url: Schema.NullOr(Schema.String),
  checkout_url: Schema.String.annotations({
    description: "The hosted checkout page: `<PUBLIC_URL>/p/<token>`.",
    examples: ["https://pay.example.com/p/k3j9x2m1q8w7e5r4t6y0u2i9"],
  }),
  payment: Schema.NullOr(ApiPayment).annotations({
    description: "null while pending or expired; otherwise the latest counted payment.",
  }),
  amount_paid: UsdAmount.annotations({ description: "Sum of counted payments (USD, 2 decimals)." }),
  payments: Schema.Array(ApiPaymentEntry),
  payment_options: Schema.Array(ApiPaymentOption),
  expires_at: ApiTimestamp,
  created_at: ApiTimestamp,
}).annotations({
  identifier: "Checkout",
  title: "Checkout",
  description: "A request for payment of a USD amount in stablecoins.",
})
export type ApiCheckout = typeof ApiCheckout.Type

/** `GET /api/v1/checkouts` response. */
export const ApiCheckoutList = Schema.Struct({
  data: Schema.Array(ApiCheckout),
  total: Schema.NonNegativeInt.annotations({ description: "Number of checkouts matching the filters." }),
  limit: Schema.Int,
  offset: Schema.NonNegativeInt,
}).annotations({
  identifier: "CheckoutList",
  description: "Newest first (created_at desc, then id desc); a plain offset list.",
})
export type ApiCheckoutList = typeof ApiCheckoutList.Type

export const WebhookEventTypeSchema = Schema.Literal(
  "checkout.processing",
  "checkout.completed",
  "checkout.underpaid",
  "checkout.expired",
  "checkout.late_payment",
  "checkout.payment_reverted",
).annotations({
  identifier: "WebhookEventType",
  description:
    "A status event names the status the checkout moved to. `checkout.payment_reverted`: a payment disappeared in a chain reorganisation (sent before the status event that follows, if any). `checkout.late_payment`: a late payment was confirmed.",
})

export type WebhookEventType = typeof WebhookEventTypeSchema.Type

/** The body POSTed to webhook endpoints. */
export const ApiWebhookEvent = Schema.Struct({
  id: Schema.String.pipe(Schema.pattern(/^evt_[a-z0-9]+$/)).annotations({
    examples: ["evt_k3j9x2m1q8w7e5r4t6y0u2i9"],
  }),
  type: WebhookEventTypeSchema,
  created_at: ApiTimestamp,
  livemode: Schema.Boolean,
  sequence: Schema.optional(
    Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)).annotations({
      description:
        "Per checkout: 1 for its first event, then increasing by one per event in the order they were created. A re-sent event keeps its number; order a checkout's events by it, not by arrival. Absent only on events stored by an Inzi older than this field.",
    }),
  ),
  data: Schema.Struct({
    object: Schema.propertySignature(ApiCheckout).annotations({
      description: "The checkout as it is after the change.",
    }),
    payment: Schema.optional(ApiPaymentEntry).annotations({
      description:
        "For `checkout.payment_reverted` and `checkout.late_payment`: the payment the event is about, as in `object.payments`.",
    }),
  }),
}).annotations({
  identifier: "WebhookEvent",
  description:
    'Signed with `Inzi-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; the id is also in `Inzi-Event-Id`.',
})
export type ApiWebhookEvent = typeof ApiWebhookEvent.Type

/** `GET /p/{token}/status`: the public status of the hosted page (never metadata, e-mail or webhook URL). */
export const ApiPublicStatus = Schema.Struct({
  status: CheckoutStatusSchema,
  amount_paid: UsdAmount,
  confirmations: Schema.NullOr(Schema.NonNegativeInt).annotations({
    description: "Confirmations of the latest counted payment, or null.",
  }),
  required_confirmations: Schema.NullOr(Schema.NonNegativeInt).annotations({
    description: "Confirmations its network requires, or null.",
  }),
  expires_at: ApiTimestamp,
}).annotations({ identifier: "PublicCheckoutStatus" })
export type ApiPublicStatus = typeof ApiPublicStatus.Type
