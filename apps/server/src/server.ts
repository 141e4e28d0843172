import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, STATUS_CODES, type ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import type { InziEnv } from "@inzi/platform"
import { Context, Effect, Layer, Runtime, type Scope } from "effect"
import { ServerContext } from "./context.js"
import { collectBody, MAX_BODY_BYTES } from "./http/body.js"
import { errorResponse, internalError, notFound } from "./http/errors.js"
import {
  answerWith,
  type DirectHandler,
  type DirectRoute,
  type Handler,
  type HttpRequest,
  type HttpResponse,
  StreamResponse,
} from "./http/response.js"
import {
  createCheckoutDirect,
  createCheckoutRoute,
  getCheckoutDirect,
  getCheckoutRoute,
  listCheckoutsRoute,
} from "./routes/checkouts.js"
import { CONSOLE_ROUTES, type ConsoleRequirements } from "./console/routes.js"
import { healthz, metrics, openapi, publicMetrics, readyz } from "./routes/ops.js"
import { pageEventsRoute, pageLogoRoute, pageRoute, pageStatusRoute } from "./routes/page.js"

type RouteRequirements =
  | Effect.Effect.Context<
      | ReturnType<typeof createCheckoutRoute>
      | ReturnType<typeof getCheckoutRoute>
      | ReturnType<typeof listCheckoutsRoute>
      | ReturnType<typeof pageRoute>
      | ReturnType<typeof metrics>
    >
  | ConsoleRequirements

interface Route {
  readonly method: string
  /** Path segments; `:name` captures one segment. */
  readonly segments: ReadonlyArray<string>
  /** Per segment, the parameter's name (`:id` → `id`); `undefined` for a literal segment. */
  readonly paramNames: ReadonlyArray<string | undefined>
  readonly name: string
  readonly handler: Handler<RouteRequirements>
  /** The route's fiber-less fast path, if it has one (built once from the server's services). */
  readonly direct?: DirectRoute<RouteRequirements> | undefined
  /** Adds `x-request-id`, counts the request in the HTTP metrics and logs 5xx (all routes but /metrics). */
  readonly instrumented: boolean
  /** The dispatcher reads the request body (up to `bodyLimit` bytes) before the handler runs: `req.body`. */
  readonly readsBody: boolean
  readonly bodyLimit: number
}

const route = (
  method: string,
  path: string,
  name: string,
  handler: Handler<RouteRequirements>,
  instrumented = true,
  direct?: DirectRoute<RouteRequirements>,
  bodyLimit = MAX_BODY_BYTES,
): Route => {
  const segments = path.split("/").slice(1)
  return {
    method,
    segments,
    paramNames: segments.map((seg) => (seg.startsWith(":") ? seg.slice(1) : undefined)),
    name,
    handler,
    direct,
    instrumented,
    readsBody: method === "POST",
    bodyLimit,
  }
}

const API_ROUTES: ReadonlyArray<
  readonly [string, string, string, Handler<RouteRequirements>, DirectRoute<RouteRequirements>?]
> = [
  ["POST", "/checkouts", "checkouts.create", createCheckoutRoute, createCheckoutDirect],
  ["GET", "/checkouts/:id", "checkouts.retrieve", getCheckoutRoute, getCheckoutDirect],
  ["GET", "/checkouts", "checkouts.list", listCheckoutsRoute],
]

/** Every route of the server; `/v1` answers exactly like `/api/v1`. */
export const ROUTES: ReadonlyArray<Route> = [
  ...API_ROUTES.flatMap(([method, path, name, handler, direct]) => [
    route(method, `/api/v1${path}`, name, handler, true, direct),
    route(method, `/v1${path}`, name, handler, true, direct),
  ]),
  route("GET", "/healthz", "healthz", healthz),
  route("GET", "/readyz", "readyz", readyz),
  route("GET", "/metrics", "metrics", publicMetrics, false),
  route("GET", "/openapi.json", "openapi", openapi),
  route("GET", "/p/:token", "page", pageRoute),
  route("GET", "/p/:token/status", "page.status", pageStatusRoute),
  route("GET", "/p/:token/events", "page.events", pageEventsRoute),
  route("GET", "/p/logo/:file", "page.logo", pageLogoRoute),
  ...CONSOLE_ROUTES.map(([method, path, name, handler, bodyLimit]) =>
    route(method, path, name, handler, true, undefined, bodyLimit),
  ),
]

/** The routes of the metrics listener (INZI_METRICS_ADDR). */
export const METRICS_ROUTES: ReadonlyArray<Route> = [route("GET", "/metrics", "metrics", metrics, false)]

const NOT_FOUND = route("*", "/", "not_found", () => Effect.succeed(notFound()))

interface RouteTable {
  /** method → path → route, for the routes without a `:param` (first one wins, as in a scan). */
  readonly fixed: Map<string, Map<string, Route>>
  /** method → segment count → the routes with a `:param` of that many segments, in declaration order. */
  readonly params: Map<string, Map<number, Array<Route>>>
}
const TABLES = new WeakMap<ReadonlyArray<Route>, RouteTable>()
const tableOf = (routes: ReadonlyArray<Route>): RouteTable => {
  let t = TABLES.get(routes)
  if (t === undefined) {
    t = { fixed: new Map(), params: new Map() }
    for (const r of routes) {
      if (r.paramNames.some((p) => p !== undefined)) {
        let byCount = t.params.get(r.method)
        if (byCount === undefined) {
          byCount = new Map()
          t.params.set(r.method, byCount)
        }
        const list = byCount.get(r.segments.length)
        if (list === undefined) byCount.set(r.segments.length, [r])
        else list.push(r)
      } else {
        let byPath = t.fixed.get(r.method)
        if (byPath === undefined) {
          byPath = new Map()
          t.fixed.set(r.method, byPath)
        }
        const path = `/${r.segments.join("/")}`
        if (!byPath.has(path)) byPath.set(path, r)
      }
    }
    TABLES.set(routes, t)
  }
  return t
}

/**
 * Finds the route of `method` + `path` (HEAD is served by the GET route; Node sends no body for it) and decodes
 * its parameters. A parameter that is not valid percent-encoding, or any unknown path, is the 404 route.
 * Routes without parameters: one map lookup; with parameters: only those of the method and segment count.
 */
export const matchRoute = (
  routes: ReadonlyArray<Route>,
  method: string,
  path: string,
): { readonly route: Route; readonly params: Record<string, string> } => {
  const want = method === "HEAD" ? "GET" : method
  const table = tableOf(routes)
  const fixed = table.fixed.get(want)?.get(path)
  if (fixed !== undefined) return { route: fixed, params: {} }
  // parts[0] is what precedes the first "/" (empty for an origin-form path); segment i is parts[i + 1].
  const parts = path.split("/")
  const candidates = table.params.get(want)?.get(parts.length - 1)
  if (candidates !== undefined)
    for (const r of candidates) {
      const params: Record<string, string> = {}
      let ok = true
      for (let i = 0; i < r.segments.length && ok; i++) {
        const seg = r.segments[i]!
        const part = parts[i + 1]!
        const name = r.paramNames[i]
        if (name !== undefined) {
          if (part === "") ok = false
          else if (!part.includes("%")) params[name] = part
          else
            try {
              params[name] = decodeURIComponent(part)
            } catch {
              ok = false
            }
        } else ok = seg === part
      }
      if (ok) return { route: r, params }
    }
  return { route: NOT_FOUND, params: {} }
}

/** An incoming `X-Request-Id` is kept when it is short and plain (it is echoed and logged). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

const describe = (e: unknown): string =>
  e instanceof Error
    ? `${e.name}: ${e.message}`
    : typeof e === "object" && e !== null && "_tag" in e
      ? String((e as { _tag: string })._tag)
      : String(e)

const write = (res: ServerResponse, r: HttpResponse, requestId: string | null) => {
  if (res.headersSent || res.destroyed) return
  // A flat [name, value, …] list for writeHead: no intermediate header object per response.
  const headers: Array<string | number> = []
  for (const k in r.headers) headers.push(k, r.headers[k]!)
  if (requestId !== null) headers.push("x-request-id", requestId)
  if (r instanceof StreamResponse) {
    res.writeHead(r.status, headers)
    return r.start(res)
  }
  headers.push("content-length", Buffer.byteLength(r.body))
  res.writeHead(r.status, headers)
  res.end(r.body)
}

/** What Node's parser refused before any route ran, by its error code: status, error code and message. */
const PARSE_ERRORS: Record<string, readonly [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "The request headers are too large"],
  HPE_HEADER_TIMEOUT: [408, "request_timeout", "The request headers did not arrive in time"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "The request did not arrive in time"],
}

/**
 * Node's `clientError` (a request its parser refused: bad request line, huge headers, timeout) answered in the
 * API's error shape instead of Node's empty body, then the connection closed. Nothing is written once a response
 * on that socket has started, or to a socket already gone.
 */
const answerClientError = (err: NodeJS.ErrnoException, socket: Duplex) => {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
  if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy()
    return
  }
  const [status, code, message] = PARSE_ERRORS[err.code ?? ""] ?? [
    400,
    "bad_request",
    "The request is not valid HTTP/1.1",
  ]
  const r = errorResponse({ type: "invalid_request_error", code, message }, { status })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncache-control: no-store\r\n` +
      `content-length: ${Buffer.byteLength(r.body)}\r\nconnection: close\r\n\r\n${r.body}`,
  )
}

/** The listening server's address (the port the OS chose when asked for port 0), and its metrics listener's. */
export class HttpListener extends Context.Tag("@inzi/server/HttpListener")<
  HttpListener,
  {
    readonly hostname: string
    readonly port: number
    /** null: no metrics listener (INZI_METRICS_ADDR=off, or its default address was taken). */
    readonly metrics: { readonly hostname: string; readonly port: number } | null
  }
>() {}

/** A `node:http` server listening on `host:port` for the scope's life (closed with its connections after it). */
const listening = (
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host: string,
  port: number,
): Effect.Effect<{ readonly hostname: string; readonly port: number }, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const server = createServer({ keepAliveTimeout: 65_000 }, handler)
    server.on("clientError", answerClientError)
    yield* Effect.acquireRelease(
      Effect.async<void, Error>((resume) => {
        const onError = (e: Error) => resume(Effect.fail(e))
        server.once("error", onError)
        server.listen(port, host, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeIdleConnections()
          // In-flight requests get a moment to finish; then every socket is closed.
          const t = setTimeout(() => server.closeAllConnections(), 2_000)
          t.unref()
        }),
    )
    const a = server.address()
    if (a === null || typeof a !== "object") return yield* Effect.die(new Error("no TCP address"))
    return { hostname: a.address, port: a.port }
  })

/**
 * The HTTP server on `host:port` (port 0 = ephemeral): `node:http` dispatching straight to the route effects,
 * each request one fiber on the layer's runtime — except where a route's fiber-less fast path answers (`DirectHandler`:
 * GET one checkout with a cached key, the API's hottest request). Not @effect/platform's HttpServer/HttpLayerRouter: measured
 * here, that stack cost ≈ 120–150 µs of CPU per request above bare node:http on an empty route (≈ 4 × slower),
 * while `Runtime.runCallback` per request stays within ≈ 10 % of bare (bench/RESULTS.md, api). The contract
 * (API.md) is the same; the OpenAPI document still comes from the HttpApi description (api.ts).
 * Plus the metrics listener (`metrics`, INZI_METRICS_ADDR): GET /metrics alone, by default on loopback, so the
 * public port never serves it without INZI_METRICS_TOKEN.
 * Build the database before this layer so no request waits on its opening.
 */
export const HttpServerLive = (opts: {
  readonly host: string
  readonly port: number
  readonly metrics?: InziEnv["metricsAddr"] | undefined
}) =>
  Layer.scoped(
    HttpListener,
    Effect.gen(function* () {
      const ctx = yield* ServerContext
      const runtime = yield* Effect.runtime<RouteRequirements | ServerContext>()
      const run = Runtime.runCallback(runtime)
      // Each route's fiber-less fast path, built once from the services (see DirectHandler).
      const directs = new Map<Route, DirectHandler>()
      for (const r of ROUTES) {
        const d = r.direct?.(runtime)
        if (d !== undefined) directs.set(r, d)
      }

      const dispatcher =
        (routes: ReadonlyArray<Route>) => (incoming: IncomingMessage, res: ServerResponse) => {
          const start = performance.now()
          const url = incoming.url ?? "/"
          const q = url.indexOf("?")
          const method = incoming.method ?? "GET"
          const { route: r, params } = matchRoute(routes, method, q === -1 ? url : url.slice(0, q))
          const headers = incoming.headers as Record<string, string | undefined>
          const given = headers["x-request-id"]
          const id = given !== undefined && REQUEST_ID.test(given) ? given : `req_${randomUUID()}`
          const req: HttpRequest = { method, url, headers, incoming, params, id, body: null }
          const finish = (out: HttpResponse) => {
            if (r.instrumented) {
              const seconds = (performance.now() - start) / 1000
              ctx.http.record(r.name, method, out.status, seconds)
              const line = {
                request_id: id,
                route: r.name,
                method,
                status: out.status,
                ms: Math.round(seconds * 1000),
              }
              // Every request at debug, as before the dispatcher change; 5xx at error.
              if (out.status >= 500) ctx.logger.error("request error", line)
              else ctx.logger.debug("request", line)
            }
            write(res, out, r.instrumented ? id : null)
          }
          const fail = (e: unknown, crashed: boolean) => {
            ctx.logger.error(crashed ? "request crashed" : "request failed", {
              request_id: id,
              route: r.name,
              error: describe(e),
            })
            finish(internalError())
          }
          const exec = (req: HttpRequest) => answerWith(run, r.handler(req), finish, fail)
          const direct = directs.get(r)
          const handle = (req: HttpRequest) => {
            if (direct !== undefined) {
              let answered: boolean
              try {
                answered = direct(req, finish, fail)
              } catch (e) {
                return fail(e, true)
              }
              if (answered) return
            }
            exec(req)
          }
          if (r.readsBody) return collectBody(incoming, r.bodyLimit, (body) => handle({ ...req, body }))
          handle(req)
        }

      const api = yield* listening(dispatcher(ROUTES), opts.host, opts.port)
      const m = opts.metrics
      const metricsAt =
        m === null || m === undefined
          ? null
          : yield* listening(dispatcher(METRICS_ROUTES), m.host, m.port).pipe(
              // The default address taken (another server on this host): logged, not fatal.
              Effect.catchAll((e) =>
                m.explicit
                  ? Effect.fail(e)
                  : Effect.sync(() => {
                      ctx.logger.warn("metrics listener not started; set INZI_METRICS_ADDR", {
                        address: `${m.host}:${m.port}`,
                        error: e.message,
                      })
                      return null
                    }),
              ),
            )
      return { ...api, metrics: metricsAt }
    }),
  )
