import type { AddressInfo } from "node:net"
import { signWebhook, type WebhookEvent } from "@inzi/client"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createWebhookReceiver } from "../src/receiver.js"

const SECRET = "whsec_example_0123456789abcdefghijklmnopqrstuv"

/** An event body shaped like Inzi's (the end-to-end test gets real ones from a real worker). */
const eventBody = (id: string, type = "checkout.completed", livemode = false) =>
  JSON.stringify({
    id,
    type,
    created_at: "2026-04-04T12:05:01Z",
    livemode,
    data: {
      object: {
        id: "chk_test_k3j9x2m1q8w7e5r4t6y0u2i9",
        status: "completed",
        amount: "25.00",
        currency: "USD",
        description: null,
        metadata: { order_id: "1234" },
        customer_email: null,
        redirect_url: null,
        checkout_url: "https://pay.example.com/p/k3j9x2m1q8w7e5r4t6y0u2i9",
        payment: null,
        amount_paid: "25.00",
        payments: [],
        payment_options: [],
        expires_at: "2026-04-04T12:30:00Z",
        created_at: "2026-04-04T12:00:00Z",
      },
    },
  })

describe("merchant webhook receiver (real HTTP)", () => {
  const handled: Array<WebhookEvent> = []
  let failNext = false
  const server = createWebhookReceiver({
    secret: SECRET,
    livemode: false,
    onEvent: (e) => {
      if (failNext) {
        failNext = false
        throw new Error("database down")
      }
      handled.push(e)
    },
  })
  let url = ""
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/inzi`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const post = (body: string, headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then(
      async (r) => ({ status: r.status, text: await r.text() }),
    )
  const signed = (body: string, secret = SECRET, t = Math.floor(Date.now() / 1000)) => ({
    "inzi-signature": signWebhook({ payload: body, secret, timestamp: t }),
  })

  it("accepts a signed event once, answers duplicates 200 without handling them again", async () => {
    const body = eventBody("evt_aaaaaaaaaaaaaaaaaaaaaaaa")
    expect(await post(body, signed(body))).toEqual({ status: 200, text: "ok" })
    expect(await post(body, signed(body))).toEqual({ status: 200, text: "duplicate" })
    expect(handled.map((e) => e.id)).toEqual(["evt_aaaaaaaaaaaaaaaaaaaaaaaa"])
    expect(handled[0]?.data.object.metadata).toEqual({ order_id: "1234" })
  })

  it("rejects forged, tampered, stale and unsigned requests with 400 and the reason", async () => {
    const body = eventBody("evt_bbbbbbbbbbbbbbbbbbbbbbbb")
    const old = Math.floor(Date.now() / 1000) - 600
    expect(await post(body, signed(body, "whsec_guessed"))).toEqual({
      status: 400,
      text: "signature_mismatch",
    })
    expect(await post(body.replace("25.00", "2500.00"), signed(body))).toEqual({
      status: 400,
      text: "signature_mismatch",
    })
    expect(await post(body, signed(body, SECRET, old))).toEqual({
      status: 400,
      text: "timestamp_out_of_tolerance",
    })
    expect(await post(body, {})).toEqual({ status: 400, text: "malformed_header" })
    expect(await post("{}", signed("{}"))).toEqual({ status: 400, text: "invalid_payload" })
    // This endpoint serves test mode: a genuine live event (signed with the secret it was given) is refused.
    const live = eventBody("evt_bbbbbbbbbbbbbbbbbbbbbbbb", "checkout.completed", true)
    expect(await post(live, signed(live))).toEqual({ status: 400, text: "wrong_mode" })
    expect(handled.map((e) => e.id)).not.toContain("evt_bbbbbbbbbbbbbbbbbbbbbbbb")
  })

  it("a failing handler answers 500 (Inzi retries) and the retry is handled", async () => {
    const body = eventBody("evt_cccccccccccccccccccccccc", "checkout.processing")
    failNext = true
    expect((await post(body, signed(body))).status).toBe(500)
    expect(await post(body, signed(body))).toEqual({ status: 200, text: "ok" })
    expect(handled.filter((e) => e.id === "evt_cccccccccccccccccccccccc")).toHaveLength(1)
  })

  it("other paths and methods are refused", async () => {
    expect((await fetch(url, { method: "GET" })).status).toBe(405)
    expect((await fetch(url.replace("/webhooks/inzi", "/other"), { method: "POST", body: "x" })).status).toBe(
      404,
    )
  })
})
