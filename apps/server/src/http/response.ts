import type { IncomingMessage } from "node:http"
import type { Context, Effect } from "effect"
import type { BodyResult } from "./body.js"

/**
 * What a route sees of a request: the Node request itself (its body is read from it as a stream), the decoded
 * path parameters and the request id. Routes are plain functions of this; no per-request services or layers.
 */
export interface HttpRequest {
  readonly method: string
  /** The raw request target, path and query (`/api/v1/checkouts?limit=10`). */
  readonly url: string
  /** Lower-case names; Node joins a repeated header with ", " (only `set-cookie` would be an array). */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly incoming: IncomingMessage
  readonly params: Readonly<Record<string, string>>
  /** From a valid incoming `X-Request-Id`, else generated; echoed in the response and in every log line. */
  readonly id: string
  /** The body, read by the dispatcher before the route runs for routes that take one; null for the others. */
  readonly body: BodyResult | null
}

/** A complete response: status, headers (lower-case names) and a text body. */
export class HttpResponse {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {}
}

/** A route: any failure it leaves is answered 500 by the dispatcher (routes answer their own 4xx). */
export type Handler<R> = (req: HttpRequest) => Effect.Effect<HttpResponse, unknown, R>

/**
 * A route's fiber-less fast path, for its common case: either it answers — once, through `respond`, or through
 * `fail` (logged, 500; `crashed` for a defect rather than a typed failure) — and returns true, or it returns
 * false having done nothing (no side effect, not even a rate-limit token taken), and the route's `Handler` runs.
 */
export type DirectHandler = (
  req: HttpRequest,
  respond: (r: HttpResponse) => void,
  fail: (e: unknown, crashed: boolean) => void,
) => boolean

/** Builds a route's `DirectHandler` from the server's services once, at start; `undefined` when they lack it. */
export type DirectRoute<R> = (services: Context.Context<R>) => DirectHandler | undefined

export const textResponse = (
  body: string,
  opts: {
    readonly status?: number
    readonly contentType: string
    readonly headers?: Readonly<Record<string, string>>
  },
): HttpResponse =>
  new HttpResponse(opts.status ?? 200, body, { "content-type": opts.contentType, ...opts.headers })
