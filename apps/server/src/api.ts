import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  ApiCheckout,
  ApiCheckoutList,
  ApiErrorBody,
  CreateCheckoutRequest,
  ListCheckoutsQuery,
} from "@inzi/core"
import { Schema } from "effect"

/**
 * The declaration of `/api/v1`, built from core's Schemas: the single source of the OpenAPI document.
 * Requests are served by the routes in `routes/` (which validate with the same core functions and return the
 * exact error object of API.md); this declaration is what `/openapi.json` publishes.
 */
const err = (status: number, description: string) =>
  ApiErrorBody.pipe(HttpApiSchema.withEncoding({ kind: "Json" }), (s) =>
    s.annotations({ ...HttpApiSchema.annotations({ status }), description, identifier: `Error${status}` }),
  )

const IdParam = Schema.Struct({
  id: Schema.String.annotations({ description: "Checkout id (chk_live_… or chk_test_…)" }),
})

const checkouts = HttpApiGroup.make("checkouts")
  .add(
    HttpApiEndpoint.post("create", "/checkouts")
      .setPayload(CreateCheckoutRequest)
      .setHeaders(
        Schema.Struct({
          "idempotency-key": Schema.optional(
            Schema.String.pipe(Schema.maxLength(255)).annotations({
              description: "Same key + same body within 24 h replays the first response",
            }),
          ),
        }),
      )
      .addSuccess(ApiCheckout, { status: 201 })
      .addError(err(400, "Validation failed; `param` names the field"))
      .addError(err(409, "Idempotency-Key reused with a different request"))
      .addError(err(413, "Body larger than 16 KiB"))
      .annotate(OpenApi.Summary, "Create a checkout"),
  )
  .add(
    HttpApiEndpoint.get("retrieve", "/checkouts/:id")
      .setPath(IdParam)
      .addSuccess(ApiCheckout)
      .addError(err(404, "Unknown checkout, or one of another merchant or mode"))
      .annotate(OpenApi.Summary, "Retrieve a checkout"),
  )
  .add(
    HttpApiEndpoint.get("list", "/checkouts")
      .setUrlParams(ListCheckoutsQuery)
      .addSuccess(ApiCheckoutList)
      .addError(err(400, "Invalid query parameter; `param` names it"))
      .annotate(OpenApi.Summary, "List checkouts, newest first"),
  )
  .addError(err(401, "Missing, malformed, unknown or revoked API key"))
  .addError(err(429, "Per-key rate limit exceeded; see Retry-After"))
  .addError(err(500, "Internal error"))

export const InziApi = HttpApi.make("inzi")
  .add(checkouts)
  .prefix("/api/v1")
  .annotate(OpenApi.Title, "Inzi API")
  .annotate(OpenApi.Version, "1.0.0")
  .annotate(
    OpenApi.Description,
    "Self-hosted, non-custodial stablecoin payments. Authenticate with `Authorization: Bearer sk_live_…` or `sk_test_…`.",
  )

let cached: string | null = null
/** The OpenAPI 3.1 document of `/api/v1`, generated from the Schemas (computed once). */
export const openApiJson = (): string => {
  if (cached === null) {
    const spec = OpenApi.fromApi(InziApi) as unknown as Record<string, unknown>
    const components = (spec.components ?? {}) as Record<string, unknown>
    spec.components = {
      ...components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "sk_live_… or sk_test_…" } },
    }
    spec.security = [{ bearer: [] }]
    cached = JSON.stringify(spec)
  }
  return cached
}
