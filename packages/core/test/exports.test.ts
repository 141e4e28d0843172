import { describe, expect, it } from "@effect/vitest"
import * as wire from "@inzi/core/wire"
import * as core from "../src/index.js"

/**
 * Other packages build against these names: they may be added to, never renamed or removed without a
 * deliberate change here (in the spirit of viem's export snapshot test).
 */
const STABLE = [
  // api.ts
  "API_LIMITS",
  "ApiCheckout",
  "ApiCheckoutList",
  "ApiErrorBody",
  "ApiErrorDetail",
  "ApiErrorType",
  "ApiMetadata",
  "ApiPayment",
  "ApiPaymentEntry",
  "ApiPaymentOption",
  "ApiPublicStatus",
  "ApiTimestamp",
  "ApiValidationError",
  "ApiWebhookEvent",
  "CHECKOUT_STATUSES",
  "CREATE_CHECKOUT_FIELDS",
  "CheckoutStatusSchema",
  "CreateCheckoutRequest",
  "LIST_QUERY_PARAMS",
  "ListCheckoutsQuery",
  "PaymentStatusSchema",
  "VALIDATION_CODES",
  "WebhookEventTypeSchema",
  "apiErrorBody",
  "codePointLength",
  "formatTimestamp",
  "isPlausibleEmail",
  "isDisplaySafeText",
  "metadataByteLength",
  "parseIsoTimestamp",
  "urlProblem",
  "utf8ByteLength",
  "validateCreateCheckout",
  "validateListQuery",
  "validationErrorBody",
  // ids.ts
  "BASE62",
  "LOWER_ALNUM",
  "TON_COMMENT_ALPHABET",
  "apiKeyPrefix",
  "checkoutIdFromToken",
  "checkoutIdMode",
  "checkoutIdsFromToken",
  "checkoutToken",
  "hashApiKey",
  "isCheckoutId",
  "isCheckoutToken",
  "newApiKey",
  "newApiKeyId",
  "newCheckoutId",
  "newEventId",
  "newMerchantId",
  "newTonComment",
  "newTonCommentOfLength",
  "newUnmatchedId",
  "newWebhookSecret",
  "normalizeTonComment",
  "parseApiKey",
  "randomString",
  "sha256Hex",
  "unbiasedString",
  // machine, money, tolerance
  "TransitionRefused",
  "acceptedNormalized",
  "amountDueUnits",
  "amountPaidCents",
  "currentStatus",
  "deriveStatus",
  "sameKey",
  "transition",
  "centsToUnits",
  "formatCents",
  "formatUnits",
  "parseUnits",
  "parseUsd",
  "unitsToCentsFloor",
  "normalizeUnits",
  "denormalizeUnitsCeil",
  "acceptedUnits",
  // network config, presenters, raw JSON, URIs, webhooks
  "NetworkConfigError",
  "NetworkConfigSchema",
  "decodeNetworkConfig",
  "latestCountedPayment",
  "paymentOptions",
  "renderCheckoutJson",
  "renderCheckoutListJson",
  "toApiCheckout",
  "toApiCheckoutList",
  "toPublicStatus",
  "webhookEventBody",
  "compactJson",
  "extractRawMetadata",
  "extractRawProperty",
  "escapeUnstorable",
  "storableChainEvent",
  "storableText",
  "rawObject",
  "evmTransferUri",
  "tonTransferUri",
  "tronTransferUri",
  "nextAttemptAt",
  "nominalRetryDelayMs",
  "WEBHOOK_MAX_ATTEMPTS",
  "SIGNATURE_HEADER",
  "EVENT_ID_HEADER",
  "computeSignature",
  "parseSignatureHeader",
  "signWebhook",
  "verifyWebhookSignature",
  // ingestion (usecases/ingest.ts)
  "decideChainEvent",
  "decideTransition",
  "decideExpiry",
  "decideAssignment",
  "lookupFor",
  "ownsTarget",
  "webhookUrlOf",
  "isOverdue",
  "needsRecheck",
  "pendingOf",
  // ports and their errors
  "AddressDerivation",
  "ChainError",
  "CheckoutNotFound",
  "CheckoutStore",
  "DerivationError",
  "IdempotencyConflict",
  "Ids",
  "Leases",
  "MerchantNotFound",
  "MerchantStore",
  "Outbox",
  "PaymentLedger",
  "UnmatchedPayments",
  "ExpirySweep",
  "StoreError",
  "WebhookTransport",
  "WebhookTransportError",
] as const

describe("public surface of @inzi/core", () => {
  it("keeps every stable export", () => {
    const missing = STABLE.filter((name) => !(name in core))
    expect(missing).toEqual([])
  })

  it("re-exports its ./wire subpath (the contract @inzi/wire is built from) as the same values", () => {
    const shared = Object.entries(wire)
    expect(shared.length).toBeGreaterThan(30)
    const exported = new Map(Object.entries(core))
    for (const [name, value] of shared) {
      // ListCheckoutsQuery is re-declared in core (its type is the store's query), with the wire's value.
      expect(exported.get(name), name).toBe(value)
    }
  })
})
