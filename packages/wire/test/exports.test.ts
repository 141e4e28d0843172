import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import * as wire from "../src/index.js"

describe("public surface of @inzi/wire", () => {
  // A change here is a change of the contract @inzi/client ships to merchants.
  it("exports exactly the API contract", () => {
    expect(Object.keys(wire).sort()).toEqual([
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
      "ApiWebhookEvent",
      "CHECKOUT_STATUSES",
      "CheckoutStatusSchema",
      "CreateCheckoutRequest",
      "DEFAULT_SIGNATURE_TOLERANCE_SECONDS",
      "EVENT_ID_HEADER",
      "LIST_QUERY_PARAMS",
      "ListCheckoutsQuery",
      "MODES",
      "PaymentStatusSchema",
      "SIGNATURE_HEADER",
      "WebhookEventTypeSchema",
      "codePointLength",
      "computeSignature",
      "constantTimeEqual",
      "escapeUnstorable",
      "isDisplaySafeText",
      "isPlausibleEmail",
      "isStorableText",
      "parseSignatureHeader",
      "signWebhook",
      "storableText",
      "urlProblem",
      "verifyWebhookSignature",
    ])
  })

  it("the statuses of the Schemas are the domain's", () => {
    const status = Schema.decodeUnknownEither(wire.CheckoutStatusSchema)
    for (const s of wire.CHECKOUT_STATUSES) expect(status(s)._tag).toBe("Right")
    expect(status("paid")._tag).toBe("Left")
    const decode = Schema.decodeUnknownEither(wire.ListCheckoutsQuery)
    expect(decode({ status: "underpaid", limit: "5" })._tag).toBe("Right")
    expect(decode({ status: "paid" })._tag).toBe("Left")
  })

  it("the create request Schema applies the field rules (code points, display-safe, storable)", () => {
    const decode = Schema.decodeUnknownEither(wire.CreateCheckoutRequest)
    expect(decode({ amount: "25.00", currency: "usd", description: "é".repeat(256) })._tag).toBe("Right")
    expect(decode({ amount: "25.00", currency: "USD", description: "é".repeat(257) })._tag).toBe("Left")
    expect(decode({ amount: "25.00", currency: "USD", description: "a\u202eb" })._tag).toBe("Left")
    expect(decode({ amount: 25, currency: "USD" })._tag).toBe("Left")
    expect(decode({ amount: "1", currency: "USD", customer_email: "a\u0000@b.io" })._tag).toBe("Left")
    expect(decode({ amount: "1", currency: "USD", redirect_url: "ftp://x.io" })._tag).toBe("Left")
  })
})
