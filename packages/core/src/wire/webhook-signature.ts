import { hmacSha256Hex } from "./hash.js"

/**
 * Webhook signatures, for Inzi (signing) and for merchants (verifying):
 * `Inzi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * During a secret rotation the header may carry several `v1=` values; one matching is enough.
 *
 * @example
 * // In a merchant's live-mode webhook handler (raw body as received, before any JSON parsing), with the live
 * // secret (each mode has its own), then the mode (`@inzi/client`'s parseWebhookEvent does both):
 * const r = verifyWebhookSignature({ payload: rawBody, header: req.headers["inzi-signature"], secret: LIVE_WHSEC })
 * if (!r.ok) return res.status(400).end(r.reason)
 * if (JSON.parse(rawBody).livemode !== true) return res.status(400).end("wrong_mode")
 */

export const SIGNATURE_HEADER = "Inzi-Signature"
export const EVENT_ID_HEADER = "Inzi-Event-Id"
/** Receivers reject a `t` further than this from their clock (API.md: 5 minutes). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300

/** Hex HMAC-SHA256 of `"<t>.<payload>"` with the secret (the whole `whsec_…` string is the key). */
export const computeSignature = (secret: string, timestamp: number, payload: string): string =>
  hmacSha256Hex(secret, `${timestamp}.${payload}`)

/**
 * The `Inzi-Signature` header value for a body sent at `timestamp` (unix seconds). Several secrets (during a
 * rotation) give several `v1=` entries.
 * @example signWebhook({ payload: body, secret: "whsec_…", timestamp: Math.floor(Date.now() / 1000) })
 */
export const signWebhook = (input: {
  readonly payload: string
  readonly secret: string | ReadonlyArray<string>
  readonly timestamp: number
}): string => {
  const secrets = typeof input.secret === "string" ? [input.secret] : input.secret
  const t = Math.floor(input.timestamp)
  return [`t=${t}`, ...secrets.map((s) => `v1=${computeSignature(s, t, input.payload)}`)].join(",")
}

export interface ParsedSignatureHeader {
  readonly timestamp: number
  readonly signatures: ReadonlyArray<string>
}

/** Parses `t=…,v1=…[,v1=…]` (unknown schemes such as `v0=` are ignored); null when malformed. */
export const parseSignatureHeader = (header: string): ParsedSignatureHeader | null => {
  let timestamp: number | null = null
  const signatures: Array<string> = []
  for (const part of header.split(",")) {
    const eq = part.indexOf("=")
    if (eq < 0) continue
    const k = part.slice(0, eq).trim()
    const v = part.slice(eq + 1).trim()
    if (k === "t") {
      if (!/^[0-9]{1,12}$/.test(v) || timestamp !== null) return null
      timestamp = Number(v)
    } else if (k === "v1" && /^[0-9a-f]{64}$/i.test(v)) signatures.push(v.toLowerCase())
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures }
}

/** Compares two equal-length strings in time independent of where they differ. */
export const constantTimeEqual = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

export type VerifyWebhookResult =
  | { readonly ok: true; readonly timestamp: number }
  | {
      readonly ok: false
      readonly reason: "malformed_header" | "timestamp_out_of_tolerance" | "signature_mismatch"
    }

/**
 * Verifies a webhook: the header parses, `t` is within `toleranceSeconds` (default 300) of `now`, and one of
 * its `v1` values matches one of the secrets (constant-time). `payload` must be the raw body as received.
 */
export const verifyWebhookSignature = (input: {
  readonly payload: string
  readonly header: string | null | undefined
  readonly secret: string | ReadonlyArray<string>
  readonly toleranceSeconds?: number | undefined
  /** Unix seconds; default: the current time. */
  readonly now?: number | undefined
}): VerifyWebhookResult => {
  const parsed = input.header == null ? null : parseSignatureHeader(input.header)
  if (parsed === null) return { ok: false, reason: "malformed_header" }
  const now = input.now ?? Math.floor(Date.now() / 1000)
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS
  if (Math.abs(now - parsed.timestamp) > tolerance) return { ok: false, reason: "timestamp_out_of_tolerance" }
  const secrets = typeof input.secret === "string" ? [input.secret] : input.secret
  let match = false
  for (const s of secrets) {
    const expected = computeSignature(s, parsed.timestamp, input.payload)
    // No early exit: every candidate is compared.
    for (const sig of parsed.signatures) if (constantTimeEqual(expected, sig)) match = true
  }
  return match ? { ok: true, timestamp: parsed.timestamp } : { ok: false, reason: "signature_mismatch" }
}
