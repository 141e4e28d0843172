/**
 * `@inzi/client`: the Inzi HTTP API for merchants' backends, typed from `@inzi/wire`'s Schemas (the server's), plus webhook
 * verification. Promise API (`InziClient`) and Effect API (`makeInziClient`, the `Inzi` service).
 */
export {
  type Checkout,
  type CheckoutList,
  type CreateCheckoutOptions,
  type CreateCheckoutParams,
  Inzi,
  InziClient,
  type InziEffectClient,
  type ListCheckoutsParams,
  makeInziClient,
} from "./client.js"
export {
  InziApiError,
  InziConnectionError,
  type InziError,
  InziResponseError,
  InziWebhookError,
} from "./errors.js"
export { type FetchLike, type InziClientOptions, parseRetryAfter } from "./http.js"
export {
  decodeWebhookEvent,
  type ParseWebhookEventInput,
  parseWebhookEvent,
  parseWebhookEventEither,
  type WebhookEvent,
  type WebhookEventType,
} from "./webhooks.js"
// From @inzi/wire (the server validates with the same), so that merchants need only this package.
export {
  ApiCheckout,
  ApiCheckoutList,
  ApiErrorBody,
  type ApiErrorType,
  ApiWebhookEvent,
  type CheckoutStatus,
  CreateCheckoutRequest,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  type VerifyWebhookResult,
  verifyWebhookSignature,
} from "@inzi/wire"
