// The webhook signature scheme is part of the wire contract: `./wire` holds it, shared with
// `@inzi/client` through `@inzi/wire`.
export {
  computeSignature,
  constantTimeEqual,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  EVENT_ID_HEADER,
  hmacSha256Hex,
  type ParsedSignatureHeader,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signWebhook,
  type VerifyWebhookResult,
  verifyWebhookSignature,
} from "./wire/index.js"
