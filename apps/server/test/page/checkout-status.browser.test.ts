import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PageView } from "../../src/page/index.js"
import {
  decodeQr,
  launchBrowser,
  type PageServer,
  sampleView,
  startPageServer,
  statusOf,
  watchPage,
} from "./harness.js"

/** Generous: the suite may share two cores with much else. */
const POLL = { timeout: 10_000, interval: 50 }

let browser: Browser
const servers: Array<PageServer> = []

beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await Promise.all(servers.map((s) => s.close()))
})

/** A fresh server (its own scripted state) and a page on it. */
const openCheckout = async (view: PageView) => {
  const server = await startPageServer(view)
  servers.push(server)
  const context = await browser.newContext({ locale: "en-US" })
  context.setDefaultTimeout(8_000)
  const page = await context.newPage()
  const watch = await watchPage(page)
  await page.goto(server.pageUrl)
  return { server, context, page, watch }
}

/** Set what both the page route and the status route report. */
const script = (server: PageServer, patch: Partial<PageView>) => {
  server.view = { ...server.view, ...patch }
  server.status = statusOf(server.view)
}

const statusText = (page: Page) => page.locator("#status-text").textContent()

describe("live status in Chromium", () => {
  it("pending → processing x/N → completed → redirect to redirect_url", async () => {
    const { server, context, page, watch } = await openCheckout(sampleView())
    try {
      const redirectUrl = `${server.origin}/thanks`
      script(server, { redirectUrl }) // the origin is known only now: render again with it
      await page.reload()
      expect(await statusText(page)).toBe("Waiting for your payment…")
      expect(await page.locator("#pay").isVisible()).toBe(true)
      expect(await page.locator("#conf").isVisible()).toBe(false)

      script(server, { status: "processing", confirmations: 3, confirmationsRequired: 19 })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Payment detected. Waiting for confirmations: 3/19")
      expect(await page.locator("#conf").isVisible()).toBe(true)
      expect(
        await page.evaluate('[document.querySelector("#conf").value, document.querySelector("#conf").max]'),
      ).toEqual([3, 19])
      expect(await page.locator("#pay").isVisible()).toBe(false) // nothing more to pay meanwhile
      expect(await page.locator("#timer").isVisible()).toBe(false) // nor a deadline
      expect(await page.getByRole("status").getAttribute("aria-live")).toBe("polite")

      script(server, { confirmations: 17 })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Payment detected. Waiting for confirmations: 17/19")

      script(server, { status: "completed", amountPaid: "25.00", confirmations: 19 })
      await expect.poll(() => statusText(page), POLL).toBe("Paid. Thank you!")
      expect(await page.locator("#redirect").isVisible()).toBe(true)
      expect(await page.locator("#redirect-text").textContent()).toMatch(
        /^Returning to Acme Coffee Roasters in \d s…$/,
      )
      expect(await page.getByRole("link", { name: "Go now" }).getAttribute("href")).toBe(redirectUrl)
      await page.waitForURL(redirectUrl)
      expect(await page.locator("h1").textContent()).toBe("Thanks from the merchant")
      expect(watch.pageErrors).toEqual([])
      expect(watch.consoleViolations).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("a paid checkout without redirect_url stays on the page and stops polling", async () => {
    const { server, context, page } = await openCheckout(sampleView())
    try {
      script(server, { status: "completed", amountPaid: "25.00" })
      await expect.poll(() => statusText(page), POLL).toBe("Paid. Thank you!")
      expect(await page.locator("#redirect").count()).toBe(0)
      expect(await page.locator("#pay").isVisible()).toBe(false)
      const polls = server.requests.filter((p) => p.endsWith("/status")).length
      await page.waitForTimeout(600) // four polling intervals
      expect(server.requests.filter((p) => p.endsWith("/status")).length).toBe(polls)
    } finally {
      await context.close()
    }
  })

  it("underpaid: shows what is still due, to the same address, with amounts and QR re-rendered", async () => {
    const { server, context, page } = await openCheckout(sampleView())
    try {
      const before = await page.locator("#address-1").textContent()
      await page.getByText("USDC · Base").click()
      const options = server.view.options.map((o) => ({
        ...o,
        amountDue: "15.000000",
        uri:
          o.network === "tron"
            ? o.uri
            : o.uri
                .replace("amount=25000000", "amount=15000000")
                .replace("uint256=25000000", "uint256=15000000"),
      }))
      script(server, { status: "underpaid", amountPaid: "10.00", options })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Partly paid: 10.00\u00a0USD of 25.00\u00a0USD received.")
      expect(await page.locator("#status-extra").textContent()).toBe(
        "Still due: 15.00\u00a0USD. Send the rest to the same address.",
      )
      // the page reloaded once to get the server's new amounts (and QR codes)
      expect(await page.locator("#amount-0").textContent()).toBe("15")
      // the shopper's choice (USDC on Base) survived the reload
      expect(await page.locator("#opt-2").isChecked()).toBe(true)
      expect(await page.locator(".panel:visible .hint").textContent()).toContain("Send USDC on Base only")
      expect(await decodeQr(page, "#panel-2 svg.qr")).toBe(options[2]!.uri)
      expect(options[2]!.uri).toContain("uint256=15000000")
      expect(await page.locator("#pay").isVisible()).toBe(true)
      expect(await page.locator("#address-1").textContent()).toBe(before)
      expect(server.requests.filter((p) => p === server.pageUrl.replace(server.origin, "")).length).toBe(2)

      // a top-up is seen, then confirmed
      script(server, { status: "processing", confirmations: 0, confirmationsRequired: 1 })
      await expect.poll(() => statusText(page), POLL).toBe("Payment detected. Waiting for confirmations: 0/1")
      script(server, { status: "completed", amountPaid: "25.00" })
      await expect.poll(() => statusText(page), POLL).toBe("Paid. Thank you!")
    } finally {
      await context.close()
    }
  })

  it("expired (from the status endpoint): says so and removes the payment instructions", async () => {
    const { server, context, page } = await openCheckout(sampleView())
    try {
      expect(await page.locator("#pay").count()).toBe(1)
      script(server, { status: "expired" })
      await expect
        .poll(() => statusText(page))
        .toBe("This checkout has expired. Do not send any payment to it.")
      expect(await page.locator("#pay").count()).toBe(0)
      expect(await page.locator("code, svg.qr, button").count()).toBe(0)
      // and says what to do next
      expect(await page.locator("#next-text").textContent()).toBe(
        "To pay, go back to Acme Coffee Roasters and start the payment again.",
      )
      expect(await page.locator("#next-text").isVisible()).toBe(true)
      // a reload renders no instructions either
      await page.reload()
      expect(await statusText(page)).toBe("This checkout has expired. Do not send any payment to it.")
      expect(await page.locator("#pay, svg.qr, #countdown").count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it("expired by the countdown: the page stops offering payment at expires_at on its own", async () => {
    const expiresAt = new Date(Date.now() + 5_000).toISOString()
    const { server, context, page } = await openCheckout(sampleView({ expiresAt }))
    try {
      expect(await page.locator("#countdown").textContent()).toMatch(/^0:0[1-5]$/)
      expect(await page.locator("#pay").isVisible()).toBe(true)
      await expect.poll(() => page.locator("#countdown").textContent(), POLL).toBe("Expired")
      expect(await statusText(page)).toBe("This checkout has expired. Do not send any payment to it.")
      expect(await page.locator("#pay").count()).toBe(0)
      // a payment first seen before expires_at still counts: the page keeps asking and shows it
      script(server, { status: "processing", confirmations: 0, confirmationsRequired: 19 })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Payment detected. Waiting for confirmations: 0/19")
    } finally {
      await context.close()
    }
  })

  it("a payment reverted by a reorg brings the instructions back", async () => {
    const { server, context, page } = await openCheckout(sampleView())
    try {
      script(server, { status: "processing", confirmations: 1, confirmationsRequired: 12 })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Payment detected. Waiting for confirmations: 1/12")
      expect(await page.locator("#pay").isVisible()).toBe(false)
      script(server, { status: "pending", confirmations: 0 })
      await expect.poll(() => statusText(page), POLL).toBe("Waiting for your payment…")
      expect(await page.locator("#pay").isVisible()).toBe(true)
      expect(await page.locator("#timer").isVisible()).toBe(true)
    } finally {
      await context.close()
    }
  })

  it("keeps polling through server errors and recovers", async () => {
    const { server, context, page, watch } = await openCheckout(sampleView())
    try {
      server.failures = 3
      script(server, { status: "processing", confirmations: 2, confirmationsRequired: 12 })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Payment detected. Waiting for confirmations: 2/12")
      expect(server.failures).toBe(0)
      expect(watch.pageErrors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
