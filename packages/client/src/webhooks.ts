import { ApiWebhookEvent, verifyWebhookSignature } from "@inzi/wire"
import { Effect, Either, ParseResult, Schema } from "effect"
import { InziWebhookError } from "./errors.js"

/** The body Inzi POSTs to a webhook endpoint (`{ id, type, created_at, livemode, data: { object } }`). */
export type WebhookEvent = ApiWebhookEvent
export type WebhookEventType = ApiWebhookEvent["type"]

export interface ParseWebhookEventInput {
  /** The request body exactly as received: the raw bytes or their UTF-8 text, before any JSON parsing. */
  readonly payload: string | Uint8Array
  /** The `Inzi-Signature` header (Node gives `req.headers["inzi-signature"]`). */
  readonly header: string | ReadonlyArray<string> | null | undefined
  /**
   * The merchant's `whsec_…` secret of the mode this endpoint serves (each mode has its own); several during a
   * rotation (one match is enough).
   */
  readonly secret: string | ReadonlyArray<string>
  /**
   * The mode this endpoint serves: `true` for live, `false` for test. Required, so no endpoint fulfils orders
   * without saying which money it expects: an event of the other mode is refused (`wrong_mode`).
   */
  readonly livemode: boolean
  /** Largest accepted distance between the header's `t` and now, in seconds. Default 300. */
  readonly toleranceSeconds?: number | undefined
  /** Unix seconds; default the current time. */
  readonly now?: number | undefined
}

const decodeEvent = Schema.decodeUnknownEither(ApiWebhookEvent)

/**
 * Verifies a webhook's `Inzi-Signature` and decodes its body with the wire's `ApiWebhookEvent` Schema, as an
 * `Either`. The signature is checked first, over the raw payload; nothing of an unverified body is parsed.
 */
export const parseWebhookEventEither = (
  input: ParseWebhookEventInput,
): Either.Either<WebhookEvent, InziWebhookError> => {
  const payload = typeof input.payload === "string" ? input.payload : new TextDecoder().decode(input.payload)
  const header = Array.isArray(input.header)
    ? input.header.join(",")
    : (input.header as string | null | undefined)
  const v = verifyWebhookSignature({
    payload,
    header,
    secret: input.secret,
    toleranceSeconds: input.toleranceSeconds,
    now: input.now,
  })
  if (!v.ok)
    return Either.left(
      new InziWebhookError({
        reason: v.reason,
        message:
          v.reason === "malformed_header"
            ? "missing or malformed Inzi-Signature header"
            : v.reason === "timestamp_out_of_tolerance"
              ? "Inzi-Signature timestamp is too far from the current time"
              : "Inzi-Signature does not match the payload and secret",
      }),
    )
  let json: unknown
  try {
    json = JSON.parse(payload)
  } catch {
    return Either.left(new InziWebhookError({ reason: "invalid_payload", message: "the body is not JSON" }))
  }
  return Either.flatMap(
    Either.mapLeft(
      decodeEvent(json, { onExcessProperty: "ignore" }),
      (e) =>
        new InziWebhookError({
          reason: "invalid_payload",
          message: `the body is not an Inzi webhook event: ${ParseResult.TreeFormatter.formatErrorSync(e)}`,
        }),
    ),
    (event) =>
      event.livemode === input.livemode
        ? Either.right(event)
        : Either.left(
            new InziWebhookError({
              reason: "wrong_mode",
              message: `a ${event.livemode ? "live" : "test"}-mode event reached an endpoint for ${input.livemode ? "live" : "test"} mode`,
            }),
          ),
  )
}

/**
 * Verifies and decodes a webhook request; throws `InziWebhookError` (answer 400) when it is not genuine.
 * Deliveries are at least once: deduplicate on `event.id` (also in the `Inzi-Event-Id` header).
 * @example
 * // express: app.post("/hooks/inzi", express.raw({ type: "application/json" }), (req, res) => { … })
 * const event = parseWebhookEvent({
 *   payload: req.body, header: req.headers["inzi-signature"], secret: LIVE_WHSEC, livemode: true,
 * })
 * if (event.type === "checkout.completed") await markOrderPaid(event.data.object.metadata.order_id)
 */
export const parseWebhookEvent = (input: ParseWebhookEventInput): WebhookEvent => {
  const r = parseWebhookEventEither(input)
  if (Either.isLeft(r)) throw r.left
  return r.right
}

/** `parseWebhookEvent` as an Effect failing with `InziWebhookError`. */
export const decodeWebhookEvent = (
  input: ParseWebhookEventInput,
): Effect.Effect<WebhookEvent, InziWebhookError> => Effect.suspend(() => parseWebhookEventEither(input))
