// The webhook signature scheme is part of the wire contract: `@inzi/wire` holds it, shared with `@inzi/client`.
export {
  computeSignature,
  constantTimeEqual,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  EVENT_ID_HEADER,
  type ParsedSignatureHeader,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signWebhook,
  type VerifyWebhookResult,
  verifyWebhookSignature,
} from "@inzi/wire"
