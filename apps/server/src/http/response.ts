import type { IncomingMessage, ServerResponse } from "node:http"
import { Cause, type Effect, Option, type Runtime } from "effect"
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

/**
 * A response whose body is written over time (server-sent events): the dispatcher writes the status and
 * headers, then hands the open `ServerResponse` to `start`, which owns it from then on.
 */
export class StreamResponse extends HttpResponse {
  constructor(
    status: number,
    headers: Readonly<Record<string, string>>,
    readonly start: (res: ServerResponse) => void,
  ) {
    super(status, "", headers)
  }
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

/**
 * Builds a route's `DirectHandler` once, at start, from the server's runtime (its services, and a way to run the
 * route's Effect for the cases the fast path leaves to it); `undefined` when the services lack what it needs.
 */
export type DirectRoute<R> = (runtime: Runtime.Runtime<R>) => DirectHandler | undefined

/**
 * Runs a route's effect with `run` (`Runtime.runCallback` of the server's runtime) and answers once: its value, or
 * the HttpResponse it fails with (a route fails with one to answer early: auth, rate limit, 404), is `respond`ed;
 * any other failure goes to `fail` (typed: `crashed` false; a defect or interruption: true).
 */
export const answerWith = <R>(
  run: ReturnType<typeof Runtime.runCallback<R>>,
  effect: Effect.Effect<HttpResponse, unknown, R>,
  respond: (r: HttpResponse) => void,
  fail: (e: unknown, crashed: boolean) => void,
): void => {
  run(effect, {
    onExit: (exit) => {
      if (exit._tag === "Success") return respond(exit.value)
      const failure = Cause.failureOption(exit.cause)
      if (Option.isNone(failure)) fail(Cause.pretty(exit.cause), true)
      else if (failure.value instanceof HttpResponse) respond(failure.value)
      else fail(failure.value, false)
    },
  })
}

export const textResponse = (
  body: string,
  opts: {
    readonly status?: number
    readonly contentType: string
    readonly headers?: Readonly<Record<string, string>>
  },
): HttpResponse =>
  new HttpResponse(opts.status ?? 200, body, { "content-type": opts.contentType, ...opts.headers })
