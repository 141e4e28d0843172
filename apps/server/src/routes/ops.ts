import { Effect } from "effect"
import { ServerContext } from "../context.js"
import { BEARER, unauthorized } from "../http/auth.js"
import { jsonText, notFound } from "../http/errors.js"
import { type HttpRequest, textResponse } from "../http/response.js"
import { sha256Hex } from "@inzi/core"

const HEALTHY = jsonText('{"status":"ok"}')
export const healthz = () => Effect.succeed(HEALTHY)

export const readyz = () =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const ok = yield* Effect.promise(() => ctx.ready().catch(() => false))
    return ok ? jsonText('{"status":"ready"}') : jsonText('{"status":"not_ready"}', 503)
  })

/**
 * GET /metrics (Prometheus text): the process's HTTP metrics and the cluster-wide gauges (`clusterMetrics`, cached
 * for INZI_METRICS_CACHE_MS). With INZI_METRICS_TOKEN set, only with `Authorization: Bearer <token>` (401 otherwise,
 * counted as a failed authentication of the address). `onPublicPort`: the API's listener, where /metrics is 404
 * unless a token is set — the metrics listener (INZI_METRICS_ADDR) is where it is served by default.
 */
const metricsRoute = (onPublicPort: boolean) => (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const token = ctx.env.metricsToken
    if (token === null && onPublicPort) return notFound()
    if (token !== null) {
      const given = BEARER.exec(req.headers.authorization ?? "")?.[1]
      // Compared as digests: the time taken tells nothing about the token's characters.
      if (given === undefined || sha256Hex(given) !== sha256Hex(token))
        return unauthorized(req, ctx, "/metrics needs Authorization: Bearer <INZI_METRICS_TOKEN>")
    }
    const extra = yield* Effect.promise(() =>
      ctx.clusterMetrics().catch((e: unknown) => {
        ctx.logger.warn("cluster metrics unavailable", { error: String(e) })
        return []
      }),
    )
    return textResponse(ctx.registry.render(extra), {
      contentType: "text/plain; version=0.0.4; charset=utf-8",
    })
  })

/** /metrics on the metrics listener. */
export const metrics = metricsRoute(false)
/** /metrics on the API's public port: 404 unless INZI_METRICS_TOKEN is set. */
export const publicMetrics = metricsRoute(true)

/**
 * The OpenAPI document, built from the HttpApi description on first request: the HttpApi/OpenApi modules are
 * loaded only then, not at start-up (bench/RESULTS.md, rss).
 */
export const openapi = () =>
  Effect.promise(() => import("../api.js")).pipe(
    Effect.map((api) => jsonText(api.openApiJson(), 200, { "cache-control": "public, max-age=60" })),
  )
