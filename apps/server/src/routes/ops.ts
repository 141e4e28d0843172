import { Effect } from "effect"
import { ServerContext } from "../context.js"
import { jsonText } from "../http/errors.js"
import { textResponse } from "../http/response.js"

const HEALTHY = jsonText('{"status":"ok"}')
export const healthz = () => Effect.succeed(HEALTHY)

export const readyz = () =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const ok = yield* Effect.promise(() => ctx.ready().catch(() => false))
    return ok ? jsonText('{"status":"ready"}') : jsonText('{"status":"not_ready"}', 503)
  })

export const metrics = () =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
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

/**
 * The OpenAPI document, built from the HttpApi description on first request: the HttpApi/OpenApi modules are
 * loaded only then, not at start-up (bench/RESULTS.md, rss).
 */
export const openapi = () =>
  Effect.promise(() => import("../api.js")).pipe(
    Effect.map((api) => jsonText(api.openApiJson(), 200, { "cache-control": "public, max-age=60" })),
  )
