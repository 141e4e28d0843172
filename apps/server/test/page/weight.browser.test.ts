/**
 * Page weight: the first load (HTML, with its one stylesheet and script inline; nothing else is fetched) of a
 * checkout offering seven network/token options stays under 60 KB transferred, in every language.
 */
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LOCALES, type PageOption } from "../../src/page/index.js"
import { launchBrowser, type PageServer, sampleView, startPageServer } from "./harness.js"

export const PAGE_BUDGET_BYTES = 60_000

let browser: Browser
let server: PageServer
beforeAll(async () => {
  const base = sampleView()
  const evm = base.options[2]!
  const icons: Record<string, string> = { ethereum: "eth", bsc: "bsc", polygon: "pol", arbitrum: "arb" }
  const more: Array<PageOption> = ["ethereum", "bsc", "polygon", "arbitrum"].map((network, i) => ({
    ...evm,
    network,
    icon: icons[network]!,
    networkLabel: `${network} (ERC-20)`,
    token: i % 2 === 0 ? "USDT" : "USDC",
    address: `0x${String(i + 1).repeat(40)}`,
    uri: evm.uri.replace("@8453", `@${i + 1}`),
  }))
  ;[browser, server] = await Promise.all([
    launchBrowser(),
    startPageServer(sampleView({ options: [...base.options, ...more] })),
  ])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe("page weight", () => {
  it(`first load of a seven-option checkout is under ${PAGE_BUDGET_BYTES} bytes transferred`, async () => {
    const sizes: Record<string, number> = {}
    for (const locale of LOCALES) {
      const context = await browser.newContext({ locale })
      try {
        const page = await context.newPage()
        const urls: Array<string> = []
        page.on("request", (r) => urls.push(new URL(r.url()).pathname))
        await page.goto(server.pageUrl, { waitUntil: "load" })
        expect(await page.locator("input[name=option]").count()).toBe(7)
        sizes[locale] = await page.evaluate<number>(
          'performance.getEntriesByType("navigation")[0].transferSize',
        )
        // everything of the first load is in the document
        expect(urls.filter((u) => !u.endsWith("/events") && !u.endsWith("/status"))).toEqual([
          new URL(server.pageUrl).pathname,
        ])
      } finally {
        await context.close()
      }
    }
    console.log("page weight (bytes transferred, first load, 7 options):", JSON.stringify(sizes))
    for (const [locale, bytes] of Object.entries(sizes)) {
      expect(bytes, locale).toBeGreaterThan(10_000) // measured, not a zero from a failed lookup
      expect(bytes, locale).toBeLessThan(PAGE_BUDGET_BYTES)
    }
  })
})
