import { join } from "node:path"
import jsQR from "jsqr"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { PNG } from "pngjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ARTIFACTS,
  BASE_URI,
  launchBrowser,
  type PageServer,
  sampleView,
  startPageServer,
  TON_URI,
  watchPage,
} from "./harness.js"

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

const decodeQr = async (page: Page, selector: string): Promise<string | null> => {
  const png = PNG.sync.read(await page.locator(selector).screenshot())
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null
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
      expect(await page.locator("#amount-2").textContent()).toBe("25.000000")
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
      const clipboard = () => page.evaluate(() => navigator.clipboard.readText())
      await page.locator("#panel-0 button[data-copy=memo-0]").click()
      expect(await clipboard()).toBe("K7P2M9QX")
      await expect.poll(() => page.locator("#announce").textContent()).toContain("Copied")
      await page.locator("#panel-0 button[data-copy=address-0]").click()
      expect(await clipboard()).toBe("EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ")
      await page.locator("#panel-0 button[data-copy=amount-0]").click()
      expect(await clipboard()).toBe("25.000000")
      await page.getByText("USDT · Tron (TRC-20)").click()
      await page.getByRole("button", { name: "Copy address" }).click()
      expect(await clipboard()).toBe("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18")
    } finally {
      await context.close()
    }
  })
})
