import type { ApiErrorType } from "@inzi/wire"
import { Data } from "effect"

/**
 * The server answered with an API error (`{ "error": { type, code, message, param? } }`, API.md "Errors").
 * `type` decides `status` (400 invalid_request_error, 401 authentication_error, 404 not_found_error,
 * 409 idempotency_error, 429 rate_limit_error, 500 api_error); branch on `code`, not on `message`.
 * @example
 * try { await inzi.checkouts.retrieve(id) } catch (e) {
 *   if (e instanceof InziApiError && e.status === 404) return null
 *   throw e
 * }
 */
export class InziApiError extends Data.TaggedError("InziApiError")<{
  readonly status: number
  readonly type: ApiErrorType
  /** Stable machine-readable code, e.g. `amount_invalid`, `parameter_unknown`, `rate_limited`. */
  readonly code: string
  readonly message: string
  /** The request field or query parameter at fault, when the server names one. */
  readonly param: string | null
  /** Seconds to wait before retrying (the `Retry-After` header of a 429), else null. */
  readonly retryAfter: number | null
}> {}

/** The request never got an HTTP answer: DNS, refused connection, TLS, timeout, or an aborted signal. */
export class InziConnectionError extends Data.TaggedError("InziConnectionError")<{
  readonly message: string
  readonly timedOut: boolean
  readonly cause?: unknown
}> {}

/**
 * The server answered something this client cannot read: not JSON, or JSON that does not match the API's
 * Schema (for example a proxy's HTML error page, or a server of an incompatible version).
 */
export class InziResponseError extends Data.TaggedError("InziResponseError")<{
  readonly status: number
  readonly message: string
  /** The first 500 characters of the body, for logs. */
  readonly body: string
}> {}

/** Every error a client call can fail with. */
export type InziError = InziApiError | InziConnectionError | InziResponseError

/** A webhook request failed verification (see `parseWebhookEvent`). Answer it with a 400 and drop it. */
export class InziWebhookError extends Data.TaggedError("InziWebhookError")<{
  readonly reason:
    | "malformed_header"
    | "timestamp_out_of_tolerance"
    | "signature_mismatch"
    | "invalid_payload"
    /** A genuine event of the other mode (a test event at a live endpoint, or the reverse). */
    | "wrong_mode"
  readonly message: string
}> {}
