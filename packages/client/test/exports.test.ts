import { expect, it } from "vitest"
import * as client from "../src/index.js"

// The public surface, listed on purpose: a change here is an API change for merchants.
it("exports exactly the public surface", () => {
  expect(Object.keys(client).sort()).toEqual([
    "ApiCheckout",
    "ApiCheckoutList",
    "ApiErrorBody",
    "ApiWebhookEvent",
    "CreateCheckoutRequest",
    "DEFAULT_SIGNATURE_TOLERANCE_SECONDS",
    "EVENT_ID_HEADER",
    "Inzi",
    "InziApiError",
    "InziClient",
    "InziConnectionError",
    "InziResponseError",
    "InziWebhookError",
    "SIGNATURE_HEADER",
    "decodeWebhookEvent",
    "makeInziClient",
    "parseRetryAfter",
    "parseWebhookEvent",
    "parseWebhookEventEither",
    "signWebhook",
    "verifyWebhookSignature",
  ])
})
