import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { openApiJson } from "../api.js"
import { ServerContext } from "../context.js"
import { jsonText } from "../http/errors.js"

export const healthz = Effect.succeed(jsonText('{"status":"ok"}'))

export const readyz = Effect.gen(function* () {
  const ctx = yield* ServerContext
  const ok = yield* Effect.promise(() => ctx.ready().catch(() => false))
  return ok ? jsonText('{"status":"ready"}') : jsonText('{"status":"not_ready"}', 503)
})

export const metrics = Effect.gen(function* () {
  const ctx = yield* ServerContext
  const extra = yield* Effect.promise(() =>
    ctx.clusterMetrics().catch((e: unknown) => {
      ctx.logger.warn("cluster metrics unavailable", { error: String(e) })
      return []
    }),
  )
  return HttpServerResponse.text(ctx.registry.render(extra), {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
  })
})

export const openapi = Effect.sync(() =>
  jsonText(openApiJson(), 200, { "cache-control": "public, max-age=60" }),
)
