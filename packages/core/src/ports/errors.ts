import { Schema } from "effect"

/** A storage backend failed (connection lost, constraint we did not expect…). Details stay in logs. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
}) {}

export class CheckoutNotFound extends Schema.TaggedError<CheckoutNotFound>()("CheckoutNotFound", {
  id: Schema.String,
}) {}

export class MerchantNotFound extends Schema.TaggedError<MerchantNotFound>()("MerchantNotFound", {
  id: Schema.String,
}) {}

/** An Idempotency-Key reused with a different request body. */
export class IdempotencyConflict extends Schema.TaggedError<IdempotencyConflict>()("IdempotencyConflict", {
  key: Schema.String,
}) {}

/**
 * An RPC / indexer call failed after the adapter's own retries. `retryable`: the chain could not be reached
 * (timeouts, 5xx, 429, network errors); false: asking again cannot help (a config the chain refuses, an
 * endpoint that is not the expected API, an unreadable cursor).
 */
export class ChainError extends Schema.TaggedError<ChainError>()("ChainError", {
  network: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean,
}) {}

/** An extended public key is malformed, or derivation failed. */
export class DerivationError extends Schema.TaggedError<DerivationError>()("DerivationError", {
  family: Schema.String,
  message: Schema.String,
}) {}

/** A webhook delivery attempt failed at the transport level (DNS, refused address, timeout, TLS…). */
export class WebhookTransportError extends Schema.TaggedError<WebhookTransportError>()(
  "WebhookTransportError",
  {
    message: Schema.String,
    /** True when the URL was refused by policy (private/loopback/metadata address in live mode). */
    refused: Schema.Boolean,
  },
) {}
