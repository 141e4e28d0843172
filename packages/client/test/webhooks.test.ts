import { webhookEventBody } from "@inzi/core"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  decodeWebhookEvent,
  InziClient,
  InziWebhookError,
  parseWebhookEvent,
  parseWebhookEventEither,
  signWebhook,
  verifyWebhookSignature,
} from "../src/index.js"
import { startTestServer, type TestMerchant, type TestServer } from "./server.js"

// The event body is built exactly as the worker builds it (core's webhookEventBody) around the checkout JSON
// a real server returns, with metadata whose key order JSON.parse would change.
let server: TestServer
let shop: TestMerchant
let body = ""
let checkoutId = ""
const NOW = 1_790_000_000

beforeAll(async () => {
  server = await startTestServer({ rateLimit: 0 })
  shop = await server.merchant()
  const key = await shop.key("test")
  // created with a raw body: a JavaScript object would already have its integer-like keys reordered
  const created = await fetch(`${server.url}/api/v1/checkouts`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: '{"amount":"25.00","currency":"USD","metadata":{"order_id":"A-7","2":"two","1":"one"}}',
  })
  expect(created.status).toBe(201)
  checkoutId = (await new InziClient({ apiKey: key, baseUrl: server.url }).checkouts.list()).data[0]!.id
  const raw = await fetch(`${server.url}/api/v1/checkouts/${checkoutId}`, {
    headers: { authorization: `Bearer ${key}` },
  }).then((r) => r.text())
  body = webhookEventBody({
    id: "evt_k3j9x2m1q8w7e5r4t6y0u2i9",
    type: "checkout.completed",
    createdAt: new Date(NOW * 1000),
    livemode: false,
    sequence: 2,
    checkoutJson: raw,
  })
}, 120_000)
afterAll(async () => {
  await server?.close()
})

const header = (payload = body, secret: string | ReadonlyArray<string> = shop.webhookSecret, t = NOW) =>
  signWebhook({ payload, secret, timestamp: t })

describe("parseWebhookEvent", () => {
  it("verifies and decodes a genuine event (string or bytes payload, header as string or array)", () => {
    expect(shop.webhookSecret).toMatch(/^whsec_/)
    const h = header()
    for (const input of [
      { payload: body, header: h },
      { payload: new TextEncoder().encode(body), header: h },
      { payload: body, header: [h] },
    ]) {
      const e = parseWebhookEvent({ ...input, secret: shop.webhookSecret, livemode: false, now: NOW + 10 })
      expect(e.id).toBe("evt_k3j9x2m1q8w7e5r4t6y0u2i9")
      expect(e.type).toBe("checkout.completed")
      expect(e.livemode).toBe(false)
      expect(e.created_at).toBe(new Date(NOW * 1000).toISOString().replace(".000Z", "Z"))
      expect(e.data.object.id).toBe(checkoutId)
      expect(e.data.object.amount).toBe("25.00")
      expect(e.data.object.metadata).toEqual({ order_id: "A-7", "1": "one", "2": "two" })
      expect(e.sequence).toBe(2)
      expect(e.data.payment).toBeUndefined()
    }
    // the raw body keeps the metadata exactly as sent (JSON.parse reorders integer-like keys)
    expect(body).toContain('"metadata":{"order_id":"A-7","2":"two","1":"one"}')
  })

  it("decodes checkout.payment_reverted with the payment it is about", () => {
    const object = JSON.parse(body.slice(body.indexOf('"object":') + 9, -2)) as Record<string, unknown>
    const payment = {
      amount_crypto: "25.000000",
      crypto_currency: "USDT",
      network: "devnet",
      tx_hash: "0xabc",
      sender_address: "0xdef",
      status: "reverted",
      confirmations: 2,
      detected_at: "2026-04-04T12:04:40Z",
      confirmed_at: null,
    }
    const reverted = JSON.stringify({
      id: "evt_k3j9x2m1q8w7e5r4t6y0u2i8",
      type: "checkout.payment_reverted",
      created_at: "2026-04-04T12:05:00Z",
      livemode: false,
      sequence: 3,
      data: { object: { ...object, status: "pending", payments: [payment] }, payment },
    })
    const e = parseWebhookEvent({
      payload: reverted,
      header: header(reverted),
      secret: shop.webhookSecret,
      livemode: false,
      now: NOW,
    })
    expect(e.type).toBe("checkout.payment_reverted")
    expect(e.sequence).toBe(3)
    expect(e.data.payment).toEqual(payment)
    expect(e.data.object.status).toBe("pending")
  })

  it("refuses a tampered body, a wrong secret, an old timestamp, a missing header", () => {
    const cases: Array<[Parameters<typeof parseWebhookEvent>[0], InziWebhookError["reason"]]> = [
      [
        {
          payload: body.replace("25.00", "2500.00"),
          header: header(),
          secret: shop.webhookSecret,
          livemode: false,
        },
        "signature_mismatch",
      ],
      [
        { payload: body, header: header(), secret: "whsec_not_the_one", livemode: false },
        "signature_mismatch",
      ],
      [
        {
          payload: body,
          header: header(body, shop.webhookSecret, NOW - 301),
          secret: shop.webhookSecret,
          livemode: false,
        },
        "timestamp_out_of_tolerance",
      ],
      [{ payload: body, header: undefined, secret: shop.webhookSecret, livemode: false }, "malformed_header"],
      [
        { payload: body, header: "v1=deadbeef", secret: shop.webhookSecret, livemode: false },
        "malformed_header",
      ],
    ]
    for (const [input, reason] of cases) {
      let thrown: unknown
      try {
        parseWebhookEvent({ ...input, now: NOW })
      } catch (e) {
        thrown = e
      }
      expect(thrown).toBeInstanceOf(InziWebhookError)
      expect(thrown).toMatchObject({ _tag: "InziWebhookError", reason })
    }
  })

  it("accepts the old or the new secret during a rotation, and a wider tolerance when asked", () => {
    const rotated = header(body, ["whsec_new_secret", shop.webhookSecret])
    expect(
      parseWebhookEvent({
        payload: body,
        header: rotated,
        secret: shop.webhookSecret,
        livemode: false,
        now: NOW,
      }).id,
    ).toBe("evt_k3j9x2m1q8w7e5r4t6y0u2i9")
    expect(
      parseWebhookEvent({
        payload: body,
        header: header(),
        secret: ["whsec_x", shop.webhookSecret],
        livemode: false,
        now: NOW,
      }).type,
    ).toBe("checkout.completed")
    const old = header(body, shop.webhookSecret, NOW - 600)
    expect(
      parseWebhookEvent({
        payload: body,
        header: old,
        secret: shop.webhookSecret,
        livemode: false,
        now: NOW,
        toleranceSeconds: 900,
      }).id,
    ).toBe("evt_k3j9x2m1q8w7e5r4t6y0u2i9")
  })

  it("a genuine event of the other mode is refused: a test event never fulfils a live order", () => {
    // The body is a test-mode event (livemode false), correctly signed: a live endpoint refuses it.
    const r = parseWebhookEventEither({
      payload: body,
      header: header(),
      secret: shop.webhookSecret,
      livemode: true,
      now: NOW,
    })
    expect(Either.isLeft(r) && r.left).toMatchObject({ reason: "wrong_mode" })
    expect(Either.isLeft(r) && r.left.message).toBe("a test-mode event reached an endpoint for live mode")
    expect(
      Either.isRight(
        parseWebhookEventEither({
          payload: body,
          header: header(),
          secret: shop.webhookSecret,
          livemode: false,
          now: NOW,
        }),
      ),
    ).toBe(true)
  })

  it("a correctly signed body that is not an event is invalid_payload", () => {
    for (const payload of ["not json", '{"id":"evt_x","type":"checkout.refunded"}']) {
      const r = parseWebhookEventEither({
        payload,
        header: header(payload),
        secret: shop.webhookSecret,
        livemode: false,
        now: NOW,
      })
      expect(Either.isLeft(r) && r.left.reason).toBe("invalid_payload")
    }
  })

  it("decodeWebhookEvent is the Effect form; verifyWebhookSignature is the wire's", async () => {
    const ok = await Effect.runPromise(
      decodeWebhookEvent({
        payload: body,
        header: header(),
        secret: shop.webhookSecret,
        livemode: false,
        now: NOW,
      }),
    )
    expect(ok.data.object.id).toBe(checkoutId)
    const bad = await Effect.runPromise(
      Effect.flip(
        decodeWebhookEvent({
          payload: `${body} `,
          header: header(),
          secret: shop.webhookSecret,
          livemode: false,
          now: NOW,
        }),
      ),
    )
    expect(bad.reason).toBe("signature_mismatch")
    expect(
      verifyWebhookSignature({ payload: body, header: header(), secret: shop.webhookSecret, now: NOW }),
    ).toEqual({
      ok: true,
      timestamp: NOW,
    })
  })
})
