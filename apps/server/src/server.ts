import { createServer } from "node:http"
// Module imports, not the package barrels: a barrel loads every module of the package (bench/RESULTS.md, rss).
import * as HttpLayerRouter from "@effect/platform/HttpLayerRouter"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import { CurrentRequestId, ServerContext } from "./context.js"
import { notFound } from "./http/errors.js"
import { createCheckoutRoute, getCheckoutRoute, listCheckoutsRoute } from "./routes/checkouts.js"
import { healthz, metrics, openapi, readyz } from "./routes/ops.js"
import { pageRoute, pageStatusRoute } from "./routes/page.js"

type RouteRequirements =
  | Effect.Effect.Context<typeof createCheckoutRoute>
  | Effect.Effect.Context<typeof getCheckoutRoute>

const API_ROUTES = [
  ["POST", "/checkouts", "checkouts.create", createCheckoutRoute],
  ["GET", "/checkouts/:id", "checkouts.retrieve", getCheckoutRoute],
  ["GET", "/checkouts", "checkouts.list", listCheckoutsRoute],
] as const

/** Every route of the server; `/v1` answers exactly like `/api/v1`. */
export const Routes = HttpLayerRouter.use((router) =>
  Effect.gen(function* () {
    for (const [method, path, name, handler] of API_ROUTES) {
      const h = instrument(
        name,
        handler as Effect.Effect<HttpServerResponse.HttpServerResponse, never, RouteRequirements>,
      )
      yield* router.add(method, `/api/v1${path}`, h)
      yield* router.add(method, `/v1${path}`, h)
    }
    yield* router.add("GET", "/healthz", instrument("healthz", healthz))
    yield* router.add("GET", "/readyz", instrument("readyz", readyz))
    yield* router.add("GET", "/metrics", metrics)
    yield* router.add("GET", "/openapi.json", instrument("openapi", openapi))
    yield* router.add("GET", "/p/:token", instrument("page", pageRoute))
    yield* router.add("GET", "/p/:token/status", instrument("page.status", pageStatusRoute))
    yield* router.add("*", "*", instrument("not_found", Effect.succeed(notFound())))
  }),
)

/** Records the route's latency and status; adds `x-request-id` and logs failures with it. */
const instrument = <E, R>(
  route: string,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E,
  R | ServerContext | HttpServerRequest.HttpServerRequest
> =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const req = yield* HttpServerRequest.HttpServerRequest
    const incoming = req.headers["x-request-id"]
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : `req_${randomUUID()}`
    const start = performance.now()
    const res = yield* Effect.locally(handler, CurrentRequestId, requestId)
    const seconds = (performance.now() - start) / 1000
    ctx.http.requests.inc({ route, method: req.method, status: String(res.status) })
    ctx.http.duration.observe({ route }, seconds)
    const line = {
      request_id: requestId,
      route,
      method: req.method,
      status: res.status,
      ms: Math.round(seconds * 1000),
    }
    if (res.status >= 500) ctx.logger.error("request error", line)
    else ctx.logger.debug("request", line)
    return HttpServerResponse.setHeader(res, "x-request-id", requestId)
  })

/** An incoming `X-Request-Id` is kept when it is short and plain (it is echoed and logged). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The HTTP server on `host:port` (port 0 = ephemeral). The caller provides the ports (stores, derivation,
 * ids) and the ServerContext; build the database before this layer so no request waits on it (STACK.md).
 */
export const HttpServerLive = (opts: { readonly host: string; readonly port: number }) =>
  HttpLayerRouter.serve(Routes, { disableLogger: true, disableListenLog: true }).pipe(
    // No span per request: nothing exports traces, and the platform's tracer middleware parses the URL,
    // redacts and copies every header into span attributes on each request (bench/RESULTS.md).
    HttpMiddleware.withTracerDisabledWhen(() => true),
    Layer.provideMerge(
      NodeHttpServer.layer(() => createServer({ keepAliveTimeout: 65_000 }), {
        host: opts.host,
        port: opts.port,
      }),
    ),
  )
