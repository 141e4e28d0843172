import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LOCALES, type PagePayment, type PageView } from "../../src/page/index.js"
import {
  launchBrowser,
  type PageServer,
  sampleView,
  startPageServer,
  statusOf,
  TOKEN,
  watchPage,
} from "./harness.js"

const POLL = { timeout: 10_000, interval: 50 }
const TX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
const detected: PagePayment = {
  network: "tron",
  networkLabel: "Tron (TRC-20)",
  token: "USDT",
  amount: "25.000000",
  txHash: TX,
  explorerUrl: `https://tronscan.org/#/transaction/${TX}`,
  status: "detected",
  confirmations: 2,
  confirmationsRequired: 19,
  at: "2026-04-04T12:01:30.000Z",
}

let browser: Browser
const servers: Array<PageServer> = []
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await Promise.all(servers.map((s) => s.close()))
})

const serve = async (view: PageView) => {
  const server = await startPageServer(view)
  servers.push(server)
  return server
}
const script = (server: PageServer, patch: Partial<PageView>) => {
  server.view = { ...server.view, ...patch }
  server.status = statusOf(server.view)
}

describe("shopper experience in Chromium", () => {
  it("on a 390×844 phone the amount and the Open in wallet button are above the fold, in every language", async () => {
    const server = await serve(sampleView({ testMode: true }))
    for (const locale of LOCALES) {
      const context = await browser.newContext({ locale, viewport: { width: 390, height: 844 } })
      try {
        const page = await context.newPage()
        await page.goto(server.pageUrl)
        for (const sel of ["#test-mode", "#amount-0", "#wallet-0"]) {
          const box = await page.locator(sel).boundingBox()
          expect(box, `${locale} ${sel}`).not.toBeNull()
          expect(box!.y + box!.height, `${locale} ${sel} above the fold`).toBeLessThanOrEqual(844)
        }
        expect(await page.locator("#wallet-0").getAttribute("href")).toBe(server.view.options[0]!.uri)
      } finally {
        await context.close()
      }
    }
  })

  it("the language switcher changes the language and the choice is remembered", async () => {
    const server = await serve(sampleView())
    const context = await browser.newContext({ locale: "en-US" })
    try {
      const page = await context.newPage()
      const watch = await watchPage(page)
      await page.goto(server.pageUrl)
      expect(await page.getAttribute("html", "lang")).toBe("en")
      await page.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "Русский" }).click()
      await expect.poll(() => page.getAttribute("html", "lang"), POLL).toBe("ru")
      expect(await page.locator("legend").textContent()).toBe("Сеть и токен")
      await page.goto(server.pageUrl) // no ?lang= any more: the cookie remembers
      expect(await page.getAttribute("html", "lang")).toBe("ru")
      expect(await page.locator('.langs a[aria-current="true"]').textContent()).toBe("Русский")
      expect(watch.pageErrors).toEqual([])
      expect(await watch.domViolations()).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("detected → paid: amount received, confirmations and the transaction live; then a printable receipt", async () => {
    const server = await serve(sampleView({ checkoutId: "chk_test_42" }))
    const context = await browser.newContext({ locale: "en-US" })
    try {
      const page = await context.newPage()
      const watch = await watchPage(page)
      await page.goto(server.pageUrl)
      expect(await page.locator("#txs").isVisible()).toBe(false)
      script(server, {
        status: "processing",
        confirmations: 2,
        confirmationsRequired: 19,
        payments: [detected],
      })
      await expect
        .poll(() => page.locator("#txs li").first().textContent(), POLL)
        .toBe("Received 25\u00a0USDT on Tron (TRC-20) 2/19 confirmations Transaction 9f86d08188…b0f00a08")
      const link = page.locator("#txs a")
      expect(await link.getAttribute("href")).toBe(detected.explorerUrl)
      expect(await link.getAttribute("title")).toBe(TX)

      script(server, {
        status: "completed",
        amountPaid: "25.00",
        payments: [{ ...detected, status: "confirmed", confirmations: 19 }],
      })
      // no redirect_url: the page reloads once into the receipt
      await page.locator("#receipt").waitFor({ state: "visible", timeout: 10_000 })
      expect(await page.locator("#receipt").textContent()).toContain("chk_test_42")
      expect(await page.locator("#receipt li").textContent()).toBe(
        "Received 25\u00a0USDT on Tron (TRC-20) Transaction 9f86d08188…b0f00a08",
      )
      expect(await page.getByRole("button", { name: "Print or save the receipt" }).isVisible()).toBe(true)
      await page.emulateMedia({ media: "print" })
      expect(await page.locator("#receipt").isVisible()).toBe(true)
      expect(await page.locator("#status-h").isVisible()).toBe(false)
      expect(await page.locator("footer").isVisible()).toBe(false)
      expect(watch.pageErrors).toEqual([])
      expect(await watch.domViolations()).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("server-sent events: a 'detected' that lasts 300 ms is shown, with no polling at all", async () => {
    const server = await startPageServer(sampleView({ redirectUrl: "https://shop.example/thanks" }), {
      pollIntervalMs: 60_000,
      redirectDelayMs: 60_000,
    })
    servers.push(server)
    server.events = true
    const context = await browser.newContext({ locale: "en-US" })
    try {
      const page = await context.newPage()
      const watch = await watchPage(page)
      await page.goto(server.pageUrl)
      await page.evaluate(`(() => {
        window.__seen = [];
        const el = document.getElementById("status-text");
        new MutationObserver(() => window.__seen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
      })()`)
      await expect.poll(() => server.requests.includes(`/p/${TOKEN}/events`), POLL).toBe(true)
      await page.waitForTimeout(200)
      script(server, {
        status: "processing",
        confirmations: 1,
        confirmationsRequired: 1,
        payments: [detected],
      })
      await page.waitForTimeout(300)
      script(server, {
        status: "completed",
        amountPaid: "25.00",
        payments: [{ ...detected, status: "confirmed" }],
      })
      await expect
        .poll(() => page.evaluate<Array<string>>("window.__seen"), POLL)
        .toContain("Paid. Thank you!")
      expect(await page.evaluate<Array<string>>("window.__seen")).toContain(
        "Payment detected. Waiting for confirmations: 1/1",
      )
      expect(server.requests.filter((p) => p.endsWith("/status"))).toEqual([])
      expect(watch.pageErrors).toEqual([])
      expect(await watch.domViolations()).toEqual([])
    } finally {
      await context.close()
    }
  })
})
