/**
 * The console's "resend" reaches the merchant: the whole gateway (server and worker with its webhook
 * dispatcher, in this process), a local receiver as the checkout's webhook URL, and Chromium clicking
 * "Resend" on the checkout's page. The receiver gets the event again, signed with the merchant's test secret.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { ConsoleStore, verifyWebhookSignature } from "@inzi/core"
import { hashPassword } from "@inzi/platform/password"
import { Effect } from "effect"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, type Stack, startStack } from "./stack.js"

interface Delivery {
  readonly body: string
  readonly signature: string | undefined
}

let stack: Stack
let browser: Browser
let receiver: Server
const deliveries: Array<Delivery> = []
let hookUrl = ""

const waitFor = async (what: string, ok: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (c: string) => {
      body += c
    })
    req.on("end", () => {
      const h = req.headers["inzi-signature"]
      deliveries.push({ body, signature: Array.isArray(h) ? h[0] : h })
      res.writeHead(200).end("ok")
    })
  })
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  ;[stack, browser] = await Promise.all([
    startStack({ INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS: "1" }),
    launchBrowser(),
  ])
  const passwordHash = await hashPassword("console resend password")
  await stack.runtime.runPromise(
    Effect.flatMap(ConsoleStore, (s) =>
      s.createOperator({ email: "ops@example.test", passwordHash, merchantId: null, now: new Date() }),
    ),
  )
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await stack?.close()
  await new Promise((r) => receiver?.close(r))
})

describe("console resend, end to end", () => {
  it("delivers the resent event to the receiver again, with a valid signature", async () => {
    const c = await stack.createCheckout({ amount: "3.00", currency: "USD", webhook_url: hookUrl })
    await stack.expire(c.id)
    // The sweeper expires it; the dispatcher delivers checkout.expired once.
    await waitFor("the first delivery", () => deliveries.length >= 1)
    const first = JSON.parse(deliveries[0]!.body) as { id: string; type: string }
    expect(first.type).toBe("checkout.expired")
    expect(deliveries).toHaveLength(1)

    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${stack.url}/console/checkouts/${c.id}`)
      await page.getByLabel("Email").fill("ops@example.test")
      await page.getByLabel("Password").fill("console resend password")
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.waitForURL(`**/console/checkouts/${c.id}`)
      await page.getByRole("button", { name: "Resend checkout.expired" }).first().click()
      await page.getByRole("status").getByText("queued for delivery").waitFor()
    } finally {
      await context.close()
    }
    await waitFor("the resent delivery", () => deliveries.length >= 2)
    const again = deliveries[1]!
    const event = JSON.parse(again.body) as { id: string; type: string; data: { id?: string } }
    expect(event.id).toBe(first.id)
    expect(event.type).toBe("checkout.expired")
    expect(again.body).toContain(c.id)
    expect(
      verifyWebhookSignature({
        payload: again.body,
        header: again.signature,
        secret: stack.merchant.testWebhookSecret,
      }),
    ).toMatchObject({ ok: true })
    // A wrong secret does not verify: the check above is a real one.
    expect(
      verifyWebhookSignature({ payload: again.body, header: again.signature, secret: "whsec_wrong" }).ok,
    ).toBe(false)
  }, 90_000)
})
