import { Either, Schema } from "effect"
import { CHECKOUT_STATUSES, type CheckoutStatus, type Merchant, type Mode } from "./domain.js"
import { formatCents, parseUsd } from "./money.js"
import type { ListCheckoutsQuery as StoreListCheckoutsQuery } from "./ports/CheckoutStore.js"
import { RAW_JSON_MAX_DEPTH, rawObject } from "./raw-json.js"
import { isStorableText } from "./storable-text.js"

/**
 * The public HTTP API shapes of API.md as effect Schemas (one source of truth for the server, the client and
 * the OpenAPI document), plus the request validators that turn a raw parsed JSON body or query string into
 * domain input or one stable `{ code, param, message }` error.
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

/** A request failed validation (HTTP 400, `invalid_request_error`). `param` is null for body-level errors. */
export class ApiValidationError extends Schema.TaggedError<ApiValidationError>()("ApiValidationError", {
  code: Schema.String,
  param: Schema.NullOr(Schema.String),
  message: Schema.String,
}) {}

/** The wire body of a validation error. */
export const validationErrorBody = (e: ApiValidationError): ApiErrorBody => ({
  error: {
    type: "invalid_request_error",
    code: e.code,
    message: e.message,
    ...(e.param === null ? {} : { param: e.param }),
  },
})

/** The wire body of any API error. */
export const apiErrorBody = (
  type: ApiErrorType,
  code: string,
  message: string,
  param?: string | undefined,
): ApiErrorBody => ({ error: { type, code, message, ...(param === undefined ? {} : { param }) } })

/** Every validation error code the API can return. */
export const VALIDATION_CODES = [
  "invalid_json",
  "parameter_unknown",
  "parameter_duplicate",
  "parameter_missing",
  "amount_invalid",
  "amount_too_small",
  "amount_too_large",
  "currency_unsupported",
  "description_invalid",
  "description_too_long",
  "metadata_invalid",
  "metadata_too_large",
  "customer_email_invalid",
  "redirect_url_invalid",
  "webhook_url_invalid",
  "expires_in_invalid",
  "status_invalid",
  "limit_invalid",
  "offset_invalid",
  "created_after_invalid",
  "created_before_invalid",
] as const
export type ValidationCode = (typeof VALIDATION_CODES)[number]

const fail = (code: ValidationCode, param: string | null, message: string) =>
  Either.left(new ApiValidationError({ code, param, message }))

// ---------------------------------------------------------------------------------------------------------
// Field rules, shared by the Schemas (documentation, decoding) and the validators (error codes)
// ---------------------------------------------------------------------------------------------------------

/** Unicode code points of a string (what "characters" means in every limit of this API). */
export const codePointLength = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

export const utf8ByteLength = (s: string): number => new TextEncoder().encode(s).length

const JSON_STRING_TOKEN = /"(?:[^"\\]|\\.)*"/g

/**
 * The size the metadata limit counts, of its compact JSON text `json` (as stored): UTF-8 bytes, with every
 * string counted as `JSON.stringify` writes it — a character as itself, escaped only where JSON requires it
 * (`\"`, `\\`, `\n`, `\u0001` …) — however the client escaped it. `"\u00e9"` and a raw `"é"` both count 2
 * bytes (+ quotes); numbers and literals count as sent, whitespace between tokens not at all.
 */
export const metadataByteLength = (json: string): number =>
  utf8ByteLength(
    json.includes("\\")
      ? json.replace(JSON_STRING_TOKEN, (t) => (t.includes("\\") ? JSON.stringify(JSON.parse(t)) : t))
      : json,
  )

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

/**
 * Why a host allow-list entry is refused, or null when it is fine: a lower-case host name (letters, digits,
 * `-`, dot-separated labels, at most 253 characters) or `*.` followed by one (any sub-domain, not the apex).
 */
export const hostPatternProblem = (p: string): string | null => {
  const host = p.startsWith("*.") ? p.slice(2) : p
  if (host.length === 0 || host.length > 253) return `"${p}" must be a host name of 1 to 253 characters`
  const labels = host.split(".")
  if (!labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)))
    return `"${p}" must be a lower-case host name (a.example.com) or a pattern *.example.com`
  return null
}

/**
 * True when `url`'s host is allowed by `patterns` (exact host or `*.suffix`); an empty list allows any host.
 * @example hostAllowed("https://shop.example.com/x", ["*.example.com"]) // true
 */
export const hostAllowed = (url: string, patterns: ReadonlyArray<string> | undefined): boolean => {
  if (patterns === undefined || patterns.length === 0) return true
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  return patterns.some((p) => (p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p))
}

/** The message of a URL refused by a merchant's allow-list (`what`: "redirect" or "webhook"). */
export const hostNotAllowedMessage = (field: string, what: string, patterns: ReadonlyArray<string>) =>
  `${field} host is not allowed for this merchant: the operator restricts ${what} hosts to ${patterns.join(", ")}`

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined)

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

export const CREATE_CHECKOUT_FIELDS = [
  "amount",
  "currency",
  "description",
  "metadata",
  "customer_email",
  "redirect_url",
  "webhook_url",
  "expires_in",
] as const

/** A validated create request, in domain terms. */
export interface CreateCheckoutInput {
  readonly amountCents: bigint
  readonly currency: "USD"
  readonly description: string | null
  /** Compact JSON text of the metadata object, key order and tokens as sent; null when not sent. */
  readonly metadataJson: string | null
  readonly customerEmail: string | null
  readonly redirectUrl: string | null
  readonly webhookUrl: string | null
  readonly expiresInSeconds: number
}

export interface CreateCheckoutContext {
  readonly mode: Mode
  /** Operator minimum / maximum amount in cents (defaults 100n and 100_000_000n). */
  readonly minCents?: bigint | undefined
  readonly maxCents?: bigint | undefined
  /**
   * The raw request body text. When given, `metadataJson` is cut from it byte-for-byte (`JSON.parse`
   * reorders integer-like keys); otherwise it is `JSON.stringify(body.metadata)`.
   */
  readonly rawBody?: string | undefined
  /** The merchant's host allow-lists (`Merchant.allowedRedirectHosts` / `allowedWebhookHosts`). */
  readonly merchant?: Pick<Merchant, "allowedRedirectHosts" | "allowedWebhookHosts"> | undefined
}

/**
 * Validates a parsed JSON body of `POST /api/v1/checkouts`. The first violation wins, checked in this order:
 * body is an object → unknown fields (`parameter_unknown`) → `amount`, `currency` present (`parameter_missing`)
 * → each field in the order of API.md's table. Optional fields may be omitted or `null` (= omitted), except
 * `metadata`, which must be an object when present.
 * @example
 * validateCreateCheckout({ amount: "25", currency: "usd" }, { mode: "test", minCents: 100n, maxCents: 100_000_000n })
 * // Either.right({ amountCents: 2500n, currency: "USD", expiresInSeconds: 1800, … })
 */
export const validateCreateCheckout = (
  body: unknown,
  ctx: CreateCheckoutContext,
): Either.Either<CreateCheckoutInput, ApiValidationError> => {
  if (!isPlainObject(body)) return fail("invalid_json", null, "the request body must be a JSON object")
  // The raw body's properties: a repeated name is refused (JSON.parse keeps the last one silently), and
  // metadata is cut from it verbatim.
  const raw = ctx.rawBody === undefined ? undefined : rawObject(ctx.rawBody)
  if (raw != null && raw.duplicateKey !== null)
    return fail(
      "parameter_duplicate",
      raw.duplicateKey,
      `parameter ${raw.duplicateKey} appears more than once in the request body`,
    )
  const known = new Set<string>(CREATE_CHECKOUT_FIELDS)
  for (const k of Object.keys(body)) {
    if (!known.has(k)) return fail("parameter_unknown", k, `unknown parameter: ${k}`)
  }
  const get = (k: string) => own(body, k)
  for (const k of ["amount", "currency"]) {
    if (get(k) === undefined) return fail("parameter_missing", k, `missing required parameter: ${k}`)
  }

  // amount
  const minCents = ctx.minCents ?? API_LIMITS.minAmountCents
  const maxCents = ctx.maxCents ?? API_LIMITS.maxAmountCents
  const amount = get("amount")
  const parsed = typeof amount === "string" ? parseUsd(amount) : { ok: false as const }
  if (!parsed.ok)
    return fail("amount_invalid", "amount", "amount must be a decimal string with at most 2 decimal places")
  if (parsed.cents < minCents)
    return fail("amount_too_small", "amount", `amount must be at least ${formatCents(minCents)}`)
  if (parsed.cents > maxCents)
    return fail("amount_too_large", "amount", `amount must be at most ${formatCents(maxCents)}`)

  // currency (ASCII case-insensitive: "uſd".toUpperCase() === "USD", so no toUpperCase here)
  const currency = get("currency")
  if (typeof currency !== "string" || !/^usd$/i.test(currency))
    return fail("currency_unsupported", "currency", "currency must be USD")

  // description
  const description = get("description") ?? null
  if (description !== null) {
    if (typeof description !== "string")
      return fail("description_invalid", "description", "description must be a string")
    if (!isStorableText(description))
      return fail(
        "description_invalid",
        "description",
        "description must not contain NUL characters or unpaired UTF-16 surrogates",
      )
    if (!isDisplaySafeText(description))
      return fail(
        "description_invalid",
        "description",
        "description must not contain control characters (U+0000–U+001F, U+007F–U+009F, line breaks and tabs included) or bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069)",
      )
    if (codePointLength(description) > API_LIMITS.descriptionMaxChars)
      return fail(
        "description_too_long",
        "description",
        "description must be at most 256 characters (Unicode code points)",
      )
  }

  // metadata
  let metadataJson: string | null = null
  if (Object.hasOwn(body, "metadata")) {
    const metadata = get("metadata")
    if (!isPlainObject(metadata))
      return fail("metadata_invalid", "metadata", "metadata must be a JSON object")
    if (raw !== undefined) {
      const m = raw?.properties.get("metadata")
      if (m === undefined || !m.text.startsWith("{"))
        return fail(
          "metadata_invalid",
          "metadata",
          `metadata must be a JSON object nested at most ${RAW_JSON_MAX_DEPTH} levels deep`,
        )
      if (m.duplicateKeys) return fail("metadata_invalid", "metadata", "metadata must not repeat a key")
      metadataJson = m.text
    } else {
      metadataJson = JSON.stringify(metadata)
    }
    if (metadataByteLength(metadataJson) > API_LIMITS.metadataMaxBytes)
      return fail(
        "metadata_too_large",
        "metadata",
        "metadata must be at most 4096 bytes as compact UTF-8 JSON, characters counted unescaped (\\u00e9 counts as the 2 bytes of é)",
      )
  }

  // customer_email
  const customerEmail = get("customer_email") ?? null
  if (customerEmail !== null && (typeof customerEmail !== "string" || !isPlausibleEmail(customerEmail)))
    return fail(
      "customer_email_invalid",
      "customer_email",
      "customer_email must be a plausible e-mail address of at most 254 characters",
    )

  // redirect_url, webhook_url
  const urls: Record<string, string | null> = {}
  for (const k of ["redirect_url", "webhook_url"] as const) {
    const v = get(k) ?? null
    if (v !== null) {
      const problem =
        typeof v !== "string"
          ? "must be a string"
          : isStorableText(v)
            ? urlProblem(v, ctx.mode)
            : "must not contain NUL characters or unpaired UTF-16 surrogates"
      if (problem !== null) return fail(`${k}_invalid`, k, `${k} ${problem}`)
      const [what, allowed] =
        k === "redirect_url"
          ? ["redirect", ctx.merchant?.allowedRedirectHosts]
          : ["webhook", ctx.merchant?.allowedWebhookHosts]
      if (!hostAllowed(v as string, allowed))
        return fail(`${k}_invalid`, k, hostNotAllowedMessage(k, what, allowed ?? []))
    }
    urls[k] = v as string | null
  }

  // expires_in
  const expiresIn = get("expires_in") ?? null
  if (
    expiresIn !== null &&
    (typeof expiresIn !== "number" ||
      !Number.isInteger(expiresIn) ||
      expiresIn < API_LIMITS.expiresInMin ||
      expiresIn > API_LIMITS.expiresInMax)
  )
    return fail(
      "expires_in_invalid",
      "expires_in",
      "expires_in must be an integer number of seconds between 300 and 86400",
    )

  return Either.right({
    amountCents: parsed.cents,
    currency: "USD",
    description,
    metadataJson,
    customerEmail,
    redirectUrl: urls.redirect_url ?? null,
    webhookUrl: urls.webhook_url ?? null,
    expiresInSeconds: (expiresIn as number | null) ?? API_LIMITS.expiresInDefault,
  })
}

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
/**
 * As a type, `ListCheckoutsQuery` stays the store port's query (ports/CheckoutStore.ts); the Schema's own type
 * is `ListCheckoutsQueryParams`.
 */
export type ListCheckoutsQuery = StoreListCheckoutsQuery
export type ListCheckoutsQueryParams = typeof ListCheckoutsQuery.Type

export const LIST_QUERY_PARAMS = ["status", "limit", "offset", "created_after", "created_before"] as const

export interface ListQuery {
  readonly status: CheckoutStatus | null
  readonly limit: number
  readonly offset: number
  /** Exclusive bounds on `created_at`. */
  readonly createdAfter: Date | null
  readonly createdBefore: Date | null
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/

/**
 * Parses an ISO 8601 timestamp (calendar date, optional time, optional offset; no offset means UTC);
 * null when malformed or out of range (year 0000, month 13, Feb 30, 24:00 …).
 * @example parseIsoTimestamp("2026-04-04T14:00:00+02:00")?.toISOString() // "2026-04-04T12:00:00.000Z"
 */
export const parseIsoTimestamp = (s: string): Date | null => {
  const m = ISO_RE.exec(s)
  if (m === null) return null
  const [y, mo, d, h = "0", mi = "0", sec = "0", frac = "", off = "Z"] = m.slice(1) as Array<
    string | undefined
  >
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(sec)
  // Year 0000 (1 BC) has no AD/BC-free form in PostgreSQL's timestamp input: refused here, not a 500 there.
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (day > daysInMonth) return null
  let offsetMin = 0
  if (off !== "Z" && off !== "z") {
    const digits = off.slice(1).replace(":", "")
    const oh = Number(digits.slice(0, 2))
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0
    if (oh > 23 || om > 59) return null
    offsetMin = (off[0] === "-" ? -1 : 1) * (oh * 60 + om)
  }
  const ms = Number(frac.padEnd(3, "0").slice(0, 3))
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000
  const date = new Date(t)
  // Date.UTC maps years 0..99 to 1900..1999
  if (year < 100) date.setUTCFullYear(date.getUTCFullYear() - 1900)
  return Number.isNaN(date.getTime()) ? null : date
}

export type QueryInput =
  | URLSearchParams
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const queryEntries = (q: QueryInput): Map<string, Array<string>> => {
  const out = new Map<string, Array<string>>()
  const add = (k: string, v: string) => out.set(k, [...(out.get(k) ?? []), v])
  if (q instanceof URLSearchParams) for (const [k, v] of q) add(k, v)
  else
    for (const [k, v] of Object.entries(q)) {
      if (v === undefined) continue
      if (typeof v === "string") add(k, v)
      else for (const x of v) add(k, x)
    }
  return out
}

const intParam = (
  values: Array<string> | undefined,
  def: number,
  min: number,
  max: number,
): number | null => {
  if (values === undefined) return def
  if (values.length !== 1 || !/^[0-9]{1,15}$/.test(values[0]!)) return null
  const n = Number(values[0])
  return n >= min && n <= max ? n : null
}

/**
 * Validates the query of `GET /api/v1/checkouts`: unknown or repeated parameters are refused, as are
 * values outside their rules; each violation names its parameter.
 * @example validateListQuery(new URLSearchParams("status=completed&limit=5")) // Either.right({ status: "completed", limit: 5, offset: 0, … })
 */
export const validateListQuery = (query: QueryInput): Either.Either<ListQuery, ApiValidationError> => {
  const q = queryEntries(query)
  const known = new Set<string>(LIST_QUERY_PARAMS)
  for (const k of q.keys()) {
    if (!known.has(k)) return fail("parameter_unknown", k, `unknown parameter: ${k}`)
  }
  const statusValues = q.get("status")
  let status: CheckoutStatus | null = null
  if (statusValues !== undefined) {
    const s = statusValues[0]!
    if (statusValues.length !== 1 || !(CHECKOUT_STATUSES as ReadonlyArray<string>).includes(s))
      return fail("status_invalid", "status", `status must be one of ${CHECKOUT_STATUSES.join(", ")}`)
    status = s as CheckoutStatus
  }
  const limit = intParam(
    q.get("limit"),
    API_LIMITS.listLimitDefault,
    API_LIMITS.listLimitMin,
    API_LIMITS.listLimitMax,
  )
  if (limit === null) return fail("limit_invalid", "limit", "limit must be an integer between 1 and 100")
  const offset = intParam(q.get("offset"), 0, 0, Number.MAX_SAFE_INTEGER)
  if (offset === null) return fail("offset_invalid", "offset", "offset must be an integer ≥ 0")
  const dates: Record<string, Date | null> = {}
  for (const k of ["created_after", "created_before"] as const) {
    const v = q.get(k)
    if (v === undefined) {
      dates[k] = null
      continue
    }
    const d = v.length === 1 ? parseIsoTimestamp(v[0]!) : null
    if (d === null) return fail(`${k}_invalid`, k, `${k} must be an ISO 8601 timestamp`)
    dates[k] = d
  }
  return Either.right({
    status,
    limit,
    offset,
    createdAfter: dates.created_after ?? null,
    createdBefore: dates.created_before ?? null,
  })
}

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

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/**
 * `Date` → `"2026-04-04T12:00:00Z"` (milliseconds dropped): `toISOString()` without its milliseconds, written from
 * the UTC fields (≈ 0.3 µs against ≈ 0.7; every API object has two or more). Years outside 1000–9999 and invalid
 * dates go through `toISOString` (its extended years; its RangeError).
 */
export const formatTimestamp = (d: Date): string => {
  const y = d.getUTCFullYear()
  if (!(y >= 1000 && y <= 9999)) return `${d.toISOString().slice(0, 19)}Z`
  return `${y}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}Z`
}

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
