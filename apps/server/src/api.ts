import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  OpenApi,
  OpenApiJsonSchema,
} from "@effect/platform"
import {
  ApiCheckout,
  ApiCheckoutList,
  ApiErrorBody,
  ApiWebhookEvent,
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
      .addError(err(415, "Content-Type is not application/json (charset utf-8, if given)"))
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
      // the fields, not the identified Schema: OpenApi only lists parameters of an inline object
      .setUrlParams(Schema.Struct(ListCheckoutsQuery.fields))
      .addSuccess(ApiCheckoutList)
      .addError(err(400, "Invalid query parameter; `param` names it"))
      .annotate(OpenApi.Summary, "List checkouts, newest first"),
  )
  .addError(err(401, "Missing, malformed, unknown or revoked API key"))
  .addError(
    err(
      429,
      "Per-key rate limit exceeded, or too many failed authentications from the client address; see Retry-After",
    ),
  )
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

const DECODE_ERROR = "#/components/schemas/HttpApiDecodeError"

/**
 * Removes what the framework adds but this server never does: the `HttpApiDecodeError` alternative of 400
 * responses (requests are validated by the routes, which answer with the one error shape of API.md), the
 * operation-level `security: []` (which would declare every operation public), and the repeated
 * `$id: "/schemas/unknown"` of `Schema.Unknown` (duplicate ids make JSON Schema validators refuse the document).
 */
type JsonObject = Record<string, unknown>
const obj = (v: unknown): JsonObject | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined

const tidy = (spec: JsonObject): void => {
  const schemas = obj(obj(spec.components)?.schemas) ?? {}
  for (const ops of Object.values(obj(spec.paths) ?? {}))
    for (const o of Object.values(obj(ops) ?? {})) {
      const op = obj(o)
      if (op === undefined) continue
      if (Array.isArray(op.security) && op.security.length === 0) delete op.security
      const responses = obj(op.responses) ?? {}
      for (const [status, r] of Object.entries(responses)) {
        const res = obj(r)
        const media = obj(obj(res?.content)?.["application/json"])
        const schema = obj(media?.schema)
        if (res === undefined || media === undefined || schema === undefined) continue
        if (schema.$ref === DECODE_ERROR) delete responses[status]
        else if (Array.isArray(schema.anyOf)) {
          const rest = schema.anyOf.filter((x) => obj(x)?.$ref !== DECODE_ERROR)
          if (rest.length === 0) delete responses[status]
          else if (rest.length === 1) {
            media.schema = rest[0]
            const name =
              String(obj(rest[0])?.$ref ?? "")
                .split("/")
                .pop() ?? ""
            const described = obj(schemas[name])?.description
            if (typeof described === "string") res.description = described
          } else schema.anyOf = rest
        }
      }
    }
  for (const name of ["HttpApiDecodeError", "Issue", "PropertyKey"]) {
    const others = { ...schemas, [name]: undefined }
    const text = JSON.stringify({ ...spec, components: { ...obj(spec.components), schemas: others } })
    if (!text.includes(`"#/components/schemas/${name}"`)) delete schemas[name]
  }
  const strip = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(strip)
    else {
      const o = obj(v)
      if (o === undefined) return
      if (o.$id === "/schemas/unknown") delete o.$id
      for (const x of Object.values(o)) strip(x)
    }
  }
  strip(spec)
}

let cached: string | null = null
/** The OpenAPI 3.1 document of `/api/v1`, generated from the Schemas (computed once). */
export const openApiJson = (): string => {
  if (cached === null) {
    // a deep copy: OpenApi.fromApi caches its result per API object
    const spec = JSON.parse(JSON.stringify(OpenApi.fromApi(InziApi))) as JsonObject
    const components = (spec.components ?? {}) as Record<string, unknown>
    spec.components = {
      ...components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "sk_live_… or sk_test_…" } },
    }
    spec.security = [{ bearer: [] }]
    // What Inzi POSTs to the merchant's webhook URL (OpenAPI 3.1 `webhooks`), from the same core Schema.
    const schemas = ((spec.components as JsonObject).schemas ?? {}) as Record<string, unknown>
    ;(spec.components as JsonObject).schemas = schemas
    const event = OpenApiJsonSchema.makeWithDefs(ApiWebhookEvent, {
      defs: schemas,
      defsPath: "#/components/schemas/",
    })
    spec.webhooks = {
      checkoutEvent: {
        post: {
          summary: "A checkout event, sent to the webhook URL",
          description:
            'Signed with `Inzi-Signature`; at least once; order a checkout\'s events by `sequence` (API.md "Webhooks").',
          requestBody: { required: true, content: { "application/json": { schema: event } } },
          responses: { "200": { description: "Any 2xx within 10 s acknowledges the event" } },
        },
      },
    }
    tidy(spec)
    cached = JSON.stringify(spec)
  }
  return cached
}
