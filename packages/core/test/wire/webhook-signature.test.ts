import { describe, expect, it } from "@effect/vitest"
import { createHmac } from "node:crypto"
import {
  computeSignature,
  constantTimeEqual,
  parseSignatureHeader,
  signWebhook,
  verifyWebhookSignature,
} from "../../src/wire/index.js"

const secret = "whsec_test_secret_0123456789"
const body = '{"id":"evt_1","type":"checkout.completed","data":{"object":{"metadata":{"b":1,"2":"é"}}}}'
const t = 1_775_304_301

describe("webhook signatures", () => {
  it('signs t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> (checked against node:crypto)', () => {
    const header = signWebhook({ payload: body, secret, timestamp: t })
    const expected = createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest("hex")
    expect(header).toBe(`t=${t},v1=${expected}`)
    expect(computeSignature(secret, t, body)).toBe(expected)
  })

  it("verifies a fresh signature", () => {
    const header = signWebhook({ payload: body, secret, timestamp: t })
    expect(verifyWebhookSignature({ payload: body, header, secret, now: t + 299 })).toEqual({
      ok: true,
      timestamp: t,
    })
    expect(verifyWebhookSignature({ payload: body, header, secret, now: t - 300 }).ok).toBe(true)
  })

  it("rejects a tampered body, a wrong secret, a tampered timestamp", () => {
    const header = signWebhook({ payload: body, secret, timestamp: t })
    expect(verifyWebhookSignature({ payload: body.replace("é", "e"), header, secret, now: t })).toEqual({
      ok: false,
      reason: "signature_mismatch",
    })
    expect(verifyWebhookSignature({ payload: body, header, secret: "whsec_other", now: t }).ok).toBe(false)
    const shifted = header.replace(`t=${t}`, `t=${t + 1}`)
    expect(verifyWebhookSignature({ payload: body, header: shifted, secret, now: t }).ok).toBe(false)
  })

  it("rejects an expired (or far-future) timestamp, with a configurable tolerance", () => {
    const header = signWebhook({ payload: body, secret, timestamp: t })
    expect(verifyWebhookSignature({ payload: body, header, secret, now: t + 301 })).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    })
    expect(verifyWebhookSignature({ payload: body, header, secret, now: t - 301 }).ok).toBe(false)
    expect(
      verifyWebhookSignature({ payload: body, header, secret, now: t + 301, toleranceSeconds: 600 }).ok,
    ).toBe(true)
    // default clock: a signature made now verifies now
    const fresh = signWebhook({ payload: body, secret, timestamp: Date.now() / 1000 })
    expect(verifyWebhookSignature({ payload: body, header: fresh, secret }).ok).toBe(true)
  })

  it("accepts any of several v1 values and several secrets (rotation)", () => {
    const header = signWebhook({ payload: body, secret: ["whsec_old", secret], timestamp: t })
    expect(header.match(/v1=/g)).toHaveLength(2)
    expect(verifyWebhookSignature({ payload: body, header, secret, now: t }).ok).toBe(true)
    expect(verifyWebhookSignature({ payload: body, header, secret: "whsec_old", now: t }).ok).toBe(true)
    const single = signWebhook({ payload: body, secret, timestamp: t })
    expect(
      verifyWebhookSignature({ payload: body, header: single, secret: ["whsec_new", secret], now: t }).ok,
    ).toBe(true)
  })

  it("rejects malformed headers", () => {
    for (const h of [
      null,
      undefined,
      "",
      "t=1",
      "v1=abc",
      `t=x,v1=${"a".repeat(64)}`,
      `t=1,t=2,v1=${"a".repeat(64)}`,
      `t=1,v1=${"a".repeat(63)}`,
    ])
      expect(verifyWebhookSignature({ payload: body, header: h, secret, now: 1 })).toEqual({
        ok: false,
        reason: "malformed_header",
      })
    expect(parseSignatureHeader(` t=5 , v0=zz, v1=${"A".repeat(64)}, junk`)).toEqual({
      timestamp: 5,
      signatures: ["a".repeat(64)],
    })
  })

  it("compares in constant time (same answer as ===)", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true)
    expect(constantTimeEqual("abc", "abd")).toBe(false)
    expect(constantTimeEqual("abc", "ab")).toBe(false)
  })
})
