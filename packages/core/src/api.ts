import {
  API_LIMITS,
  type ApiErrorBody,
  type ApiErrorType,
  codePointLength,
  isDisplaySafeText,
  isPlausibleEmail,
  LIST_QUERY_PARAMS,
  ListCheckoutsQuery as ListCheckoutsQuerySchema,
  urlProblem,
} from "./wire/index.js"
import { Either, Schema } from "effect"
import { CHECKOUT_STATUSES, type CheckoutStatus, type Merchant, type Mode } from "./domain.js"
import { formatCents, parseUsd } from "./money.js"
import type { ListCheckoutsQuery as StoreListCheckoutsQuery } from "./ports/CheckoutStore.js"
import { RAW_JSON_MAX_DEPTH, rawObject } from "./raw-json.js"
import { isStorableText } from "./storable-text.js"

/**
 * The request validators of the public HTTP API: they turn a raw parsed JSON body or query string into domain
 * input or one stable `{ code, param, message }` error. The API's Schemas, limits and field rules are
 * `./wire`'s (`@inzi/core/wire`, built as `@inzi/wire` for `@inzi/client`), re-exported here.
 */

export {
  API_LIMITS,
  ApiCheckout,
  ApiCheckoutList,
  ApiErrorBody,
  ApiErrorDetail,
  ApiErrorType,
  ApiMetadata,
  ApiPayment,
  ApiPaymentEntry,
  ApiPaymentOption,
  ApiPublicStatus,
  ApiTimestamp,
  ApiWebhookEvent,
  CheckoutStatusSchema,
  CreateCheckoutRequest,
  codePointLength,
  isDisplaySafeText,
  isPlausibleEmail,
  LIST_QUERY_PARAMS,
  type ListCheckoutsQueryParams,
  PaymentStatusSchema,
  urlProblem,
  WebhookEventTypeSchema,
} from "./wire/index.js"

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

/**
 * As a type, `ListCheckoutsQuery` stays the store port's query (ports/CheckoutStore.ts); the Schema's own type
 * is `ListCheckoutsQueryParams`.
 */
export const ListCheckoutsQuery = ListCheckoutsQuerySchema
export type ListCheckoutsQuery = StoreListCheckoutsQuery

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
