import { HttpResponse } from "./response.js"

/** The error `type`s of API.md, each with its HTTP status. */
export const ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  not_found_error: 404,
  idempotency_error: 409,
  rate_limit_error: 429,
  api_error: 500,
} as const
export type ErrorType = keyof typeof ERROR_STATUS

export interface ApiErrorBody {
  readonly type: ErrorType
  readonly code: string
  readonly message: string
  readonly param?: string | undefined
}

/** Shared by every JSON response without headers of its own (frozen: responses never change their headers). */
const JSON_HEADERS = Object.freeze({ "content-type": "application/json", "cache-control": "no-store" })

/** A JSON response's headers: the shared object, or a copy with the response's own added. */
const jsonHeaders = (extra: Record<string, string> | undefined): Readonly<Record<string, string>> =>
  extra === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...extra }

/** Every error response has exactly this shape: `{ "error": { type, code, message, param? } }`. */
export const errorResponse = (
  e: ApiErrorBody,
  opts: { readonly status?: number; readonly headers?: Record<string, string> } = {},
): HttpResponse =>
  new HttpResponse(
    opts.status ?? ERROR_STATUS[e.type],
    JSON.stringify({
      error: {
        type: e.type,
        code: e.code,
        message: e.message,
        ...(e.param !== undefined ? { param: e.param } : {}),
      },
    }),
    jsonHeaders(opts.headers),
  )

export const jsonText = (body: string, status = 200, headers?: Record<string, string>): HttpResponse =>
  new HttpResponse(status, body, jsonHeaders(headers))

export const notFound = (what = "route") =>
  errorResponse({
    type: "not_found_error",
    code: "resource_missing",
    message: what === "route" ? "Unrecognized request URL" : `No such ${what}`,
  })

export const internalError = () =>
  errorResponse({ type: "api_error", code: "internal_error", message: "An internal error occurred" })
