import { join } from "node:path"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ARTIFACTS,
  BASE_URI,
  decodeQr,
  launchBrowser,
  type PageServer,
  sampleView,
  startPageServer,
  TOKEN,
  TON_URI,
  watchPage,
} from "./harness.js"

/** Generous: the suite may share two cores with much else. */
const POLL = { timeout: 10_000, interval: 50 }

let browser: Browser
let server: PageServer

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startPageServer(sampleView())])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const open = async (
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page; watch: Awaited<ReturnType<typeof watchPage>> }> => {
  const context = await browser.newContext({ locale: "en-US", ...options })
  context.setDefaultTimeout(5_000)
  const page = await context.newPage()
  const watch = await watchPage(page)
  await page.goto(server.pageUrl)
  return { context, page, watch }
}

describe("hosted checkout page in Chromium", () => {
  it("switching networks changes address, amount, comment and QR code", async () => {
    const { context, page, watch } = await open()
    try {
      expect(await page.locator("#panel-0").isVisible()).toBe(true)
      expect(await page.locator("#address-0").textContent()).toBe(
        "EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ",
      )
      expect(await page.locator("#memo-0").isVisible()).toBe(true)
      expect(await page.locator("#panel-1").isVisible()).toBe(false)

      await page.getByText("USDT · Tron (TRC-20)").click()
      await page.locator("#panel-1").waitFor({ state: "visible" })
      expect(await page.locator("#panel-0").isVisible()).toBe(false)
      const visible = page.locator(".panel:visible")
      expect(await visible.count()).toBe(1)
      expect(await visible.locator("code").nth(1).textContent()).toBe("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18")
      expect(await visible.locator(".hint").textContent()).toContain("Send USDT on Tron (TRC-20) only")
      expect(await visible.locator(".warn").count()).toBe(0) // no comment on Tron

      await page.getByText("USDC · Base").click()
      await page.locator("#panel-2").waitFor({ state: "visible" })
      expect(await page.locator("#address-2").textContent()).toBe(
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      )
      expect(await page.locator("#amount-2").textContent()).toBe("25")
      expect(await decodeQr(page, "#panel-2 svg.qr")).toBe(BASE_URI)
      expect(watch.pageErrors).toEqual([])
      expect(await watch.domViolations()).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("every QR code decodes back to its option's deep link", async () => {
    const { context, page } = await open({ deviceScaleFactor: 2 })
    try {
      const view = server.view
      for (const [i, option] of view.options.entries()) {
        await page.locator(`label.tab:has(#opt-${i})`).click()
        await page.locator(`#panel-${i}`).waitFor({ state: "visible" })
        expect(await decodeQr(page, `#panel-${i} svg.qr`)).toBe(option.uri)
      }
      expect(view.options[0]!.uri).toBe(TON_URI)
    } finally {
      await context.close()
    }
  })

  it("copy buttons put the exact address, amount and comment on the clipboard", async () => {
    const { context, page } = await open()
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin })
      const clipboard = () => page.evaluate<string>("navigator.clipboard.readText()")
      await page.locator("#panel-0 button[data-copy=memo-0]").click()
      expect(await clipboard()).toBe("K7P2M9QX")
      // the screen reader hears what was copied, not the button's own name
      await expect.poll(() => page.locator("#announce").textContent(), POLL).toBe("Comment copied")
      await page.locator("#panel-0 button[data-copy=address-0]").click()
      expect(await clipboard()).toBe("EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ")
      await page.locator("#panel-0 button[data-copy=amount-0]").click()
      expect(await clipboard()).toBe("25")
      await expect.poll(() => page.locator("#announce").textContent(), POLL).toBe("Amount copied")
      await page.getByText("USDT · Tron (TRC-20)").click()
      await page.getByRole("button", { name: "Copy address" }).click()
      expect(await clipboard()).toBe("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18")
    } finally {
      await context.close()
    }
  })

  it("merchant text with markup renders as text and no script runs (CSP violations counted)", async () => {
    const original = server.view
    server.view = sampleView({
      merchantName: `<b>Evil</b> & "Co" <script>window.__xss = 1</script>`,
      description: `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`,
      redirectUrl: "javascript:alert(3)",
      status: "completed",
      amountPaid: "25.00",
    })
    try {
      const { context, page, watch } = await open()
      try {
        expect(await page.locator("#description").textContent()).toBe(
          `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`,
        )
        expect(await page.locator("#merchant").textContent()).toBe(
          `<b>Evil</b> & "Co" <script>window.__xss = 1</script>`,
        )
        expect(await page.title()).toBe(`Pay <b>Evil</b> & "Co" <script>window.__xss = 1</script>`)
        expect(await page.locator("img").count()).toBe(0)
        expect(await page.locator("main script, main b").count()).toBe(0)
        // the javascript: redirect_url is neither linked nor followed
        expect(await page.locator("a:not(.langs a)").count()).toBe(0)
        await page.waitForTimeout(300)
        expect(page.url()).toBe(server.pageUrl)
        expect(await page.evaluate("window.__xss")).toBeUndefined()
        expect(watch.dialogs).toEqual([])
        expect(watch.pageErrors).toEqual([])
        expect(await watch.domViolations()).toEqual([])
        expect(watch.consoleViolations).toEqual([])
        expect(watch.foreignRequests).toEqual([])
      } finally {
        await context.close()
      }
    } finally {
      server.view = original
    }
  })

  it("the CSP header blocks an inline script without the nonce (and the listener counts it)", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const watch = await watchPage(page)
    try {
      const response = await page.goto(`${server.origin}/csp-probe`)
      expect(response?.headers()["content-security-policy"]).toContain("script-src 'nonce-")
      expect(await page.evaluate("window.__ran")).toBeUndefined()
      expect(await page.evaluate("window.__nonced")).toBe(true)
      await expect.poll(() => watch.domViolations(), POLL).toHaveLength(2) // the script and the style attribute
      expect((await watch.domViolations()).sort()).toEqual([
        expect.stringMatching(/^script-src-elem inline$/),
        expect.stringMatching(/^style-src-attr inline$/),
      ])
    } finally {
      await context.close()
    }
  })

  it("loads nothing but the page itself and its status endpoints", async () => {
    const before = server.requests.length
    const { context, page, watch } = await open()
    try {
      await expect.poll(() => server.requests.slice(before).includes(`/p/${TOKEN}/status`), POLL).toBe(true)
      const response = await page.reload()
      const headers = response!.headers()
      expect(headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'nonce-[^']+'/)
      expect(headers["x-content-type-options"]).toBe("nosniff")
      expect(headers["referrer-policy"]).toBe("no-referrer")
      expect(headers["cache-control"]).toBe("no-store")
      // the event stream is tried first (404 here), then the page polls
      expect(new Set(server.requests.slice(before))).toEqual(
        new Set([`/p/${TOKEN}`, `/p/${TOKEN}/events`, `/p/${TOKEN}/status`]),
      )
      expect(watch.foreignRequests).toEqual([])
      expect(await watch.domViolations()).toEqual([])
      expect(watch.consoleViolations).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("works without JavaScript: CSS-only network selection, no dead copy buttons", async () => {
    const { context, page } = await open({ javaScriptEnabled: false })
    try {
      expect(await page.locator("#panel-0").isVisible()).toBe(true)
      expect(await page.locator("#panel-1").isVisible()).toBe(false)
      expect(await page.locator("button.copy:visible").count()).toBe(0)
      expect(await page.locator("#countdown").textContent()).toMatch(/^(29|30):\d\d$/)
      await page.locator("label.tab", { hasText: "USDT · Tron" }).click()
      expect(await page.locator("#panel-1").isVisible()).toBe(true)
      expect(await page.locator("#panel-0").isVisible()).toBe(false)
      expect(await page.locator("#address-1").textContent()).toBe("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18")
      expect(await page.locator("noscript").count()).toBeGreaterThan(0)
    } finally {
      await context.close()
    }
  })

  it("is keyboard accessible: Tab to the selector, arrows switch network, Enter copies", async () => {
    const { context, page } = await open()
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin })
      await page.keyboard.press("Tab")
      expect(await page.evaluate("document.activeElement?.id")).toBe("opt-0")
      await page.keyboard.press("ArrowRight")
      expect(await page.evaluate("document.activeElement?.id")).toBe("opt-1")
      expect(await page.locator("#panel-1").isVisible()).toBe(true)
      expect(await page.locator("#panel-0").isVisible()).toBe(false)
      const radio = page.getByRole("radio", { name: "USDT · Tron (TRC-20)" })
      expect(await radio.isChecked()).toBe(true)
      await page.keyboard.press("Tab")
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe("Copy amount")
      await page.keyboard.press("Tab")
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe("Copy address")
      await page.keyboard.press("Enter")
      expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(
        "TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18",
      )
      // the things a screen reader needs
      expect(await page.getByRole("status").count()).toBe(1)
      expect(await page.getByRole("group", { name: "Network and token" }).count()).toBe(1)
      expect(
        await page.getByRole("img", { name: /QR code of the deposit address for USDT · Tron/ }).count(),
      ).toBe(1)
    } finally {
      await context.close()
    }
  })

  it("speaks the customer's language from Accept-Language", async () => {
    for (const [browserLocale, lang, legend, warning] of [
      ["es-MX", "es", "Red y token", "El comentario es obligatorio"],
      ["ru-RU", "ru", "Сеть и токен", "Комментарий обязателен"],
      ["zh-CN", "zh", "网络和代币", "备注为必填项"],
    ] as const) {
      // the browser's locale becomes its Accept-Language header
      const { context, page } = await open({ locale: browserLocale, viewport: { width: 375, height: 700 } })
      try {
        expect(await page.getAttribute("html", "lang")).toBe(lang)
        expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375)
        expect(await page.locator("legend").textContent()).toBe(legend)
        expect(await page.locator("#panel-0 .warn").textContent()).toContain(warning)
      } finally {
        await context.close()
      }
    }
  })

  it("an unknown token gets the 404 page", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      const response = await page.goto(`${server.origin}/p/nope`)
      expect(response?.status()).toBe(404)
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'")
      expect(await page.locator("h1").textContent()).toBe("Payment page not found")
    } finally {
      await context.close()
    }
  })

  it("fits a 375 px phone and a desktop, light and dark (screenshots in test-artifacts/)", async () => {
    const shots: Array<[string, Parameters<Browser["newContext"]>[0]]> = [
      [
        "checkout-375-light.png",
        { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
      ],
      [
        "checkout-375-dark.png",
        {
          viewport: { width: 375, height: 812 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
          colorScheme: "dark",
        },
      ],
      ["checkout-desktop-light.png", { viewport: { width: 1280, height: 900 } }],
      ["checkout-desktop-dark.png", { viewport: { width: 1280, height: 900 }, colorScheme: "dark" }],
    ]
    const backgrounds: Array<string> = []
    for (const [file, options] of shots) {
      const { context, page } = await open(options)
      try {
        const width = options?.viewport?.width ?? 0
        expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(width)
        const qr = await page.locator("#panel-0 svg.qr").boundingBox()
        expect(qr!.width).toBeGreaterThanOrEqual(180)
        expect(qr!.x + qr!.width).toBeLessThanOrEqual(width)
        backgrounds.push(await page.evaluate<string>("getComputedStyle(document.body).backgroundColor"))
        await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true })
      } finally {
        await context.close()
      }
    }
    expect(backgrounds[0]).not.toBe(backgrounds[1]) // prefers-color-scheme: dark changes the palette
    expect(backgrounds[1]).toBe(backgrounds[3])
  })
})
