/**
 * `inzi dev`'s webhook receiver is a test-mode endpoint: it checks the signature with the demo merchant's test
 * secret AND the event's mode, and prints what it got without letting the body's text drive the terminal.
 */
import { signWebhook } from "@inzi/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startReceiver } from "../src/dev-receiver.js"

const SECRET = "whsec_dev_test"
const lines: string[] = []
let receiver: { url: string; close: () => void }
beforeAll(async () => {
  receiver = await startReceiver({ current: SECRET }, (l) => lines.push(l), 0)
})
afterAll(() => receiver?.close())

const post = async (event: Record<string, unknown>, secret = SECRET) => {
  const body = JSON.stringify(event)
  const r = await fetch(receiver.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "inzi-signature": signWebhook({ payload: body, secret, timestamp: Date.now() / 1000 }),
    },
    body,
  })
  return { status: r.status, line: lines.at(-1) }
}
const event = (livemode: unknown, status = "completed") => ({
  id: "evt_1",
  type: "checkout.completed",
  created_at: "2026-04-04T12:00:00Z",
  livemode,
  data: { object: { id: "chk_test_1", status } },
})

describe("inzi dev's webhook receiver", () => {
  it("accepts a signed test-mode event and refuses a signed live-mode one (or one without livemode)", async () => {
    expect(await post(event(false))).toEqual({
      status: 200,
      line: "[webhook] signature ok  checkout.completed  chk_test_1 → completed",
    })
    for (const livemode of [true, undefined, "false"])
      expect(await post(event(livemode))).toEqual({
        status: 400,
        line: "[webhook] NOT TEST MODE  checkout.completed  chk_test_1 → completed",
      })
  })

  it("refuses a bad signature and prints its body's text escaped", async () => {
    const r = await post(event(false, "\u001b[2J\u202ecompleted"), "whsec_other")
    expect(r.status).toBe(400)
    expect(r.line).toBe("[webhook] BAD SIGNATURE  checkout.completed  chk_test_1 → \\x1b[2J\\u202ecompleted")
  })
})
