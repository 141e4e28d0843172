import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LOCALES, type PageView } from "../../src/page/index.js"
import { launchBrowser, type PageServer, sampleView, startPageServer } from "./harness.js"

let browser: Browser
let server: PageServer

/** Large amounts, a partly paid state (so every amount-bearing sentence shows) and an 18-decimal token. */
const bigView = (): PageView => {
  const base = sampleView()
  return sampleView({
    amount: "999999.99",
    amountPaid: "123456.78",
    status: "underpaid",
    options: [
      ...base.options.map((o) => ({ ...o, amountCrypto: "999999.990000", amountDue: "876543.210000" })),
      {
        ...base.options[2]!,
        network: "bsc",
        networkLabel: "BNB Smart Chain (BEP-20)",
        icon: "bsc",
        token: "USDT",
        amountCrypto: "999999.990000000000000000",
        amountDue: "876543.210000000000000001",
      },
    ],
  })
}

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startPageServer(bigView())])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/**
 * Every place on screen where a number meets its unit ("999999.99 USD", "876543.21 USDT"), and whether
 * it lies on one line; plus the big amount boxes and horizontal overflow.
 */
interface Measured {
  readonly broken: Array<string>
  readonly boxes: Array<{ text: string; lines: number; left: number; right: number }>
  readonly width: number
  readonly scrollWidth: number
}

// Runs in the page (plain JS: this package has no DOM types). Boxes that overlap vertically share a line
// (a smaller unit sits lower inside the same line).
const MEASURE = String.raw`(() => {
  const lineCount = (range) => {
    let lines = 0
    let bottom = -Infinity
    for (const r of Array.from(range.getClientRects()).sort((x, y) => x.top - y.top)) {
      if (r.width === 0) continue
      if (r.top >= bottom - 1) lines++
      bottom = Math.max(bottom, r.bottom)
    }
    return lines
  }
  const broken = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement
    if (!el || el.closest("script,[hidden]") || el.getClientRects().length === 0) continue
    for (const m of (node.textContent || "").matchAll(/\d[\d.]*[\s ]+[A-Z][A-Za-z0-9.]*/g)) {
      const range = document.createRange()
      range.setStart(node, m.index)
      range.setEnd(node, m.index + m[0].length)
      if (lineCount(range) !== 1) broken.push(m[0])
    }
  }
  const width = document.documentElement.clientWidth
  const boxes = Array.from(document.querySelectorAll(".panel:not([hidden]) code.big, .amount .sum"))
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => {
      const range = document.createRange()
      range.selectNodeContents(el)
      const r = el.getBoundingClientRect()
      return { text: el.textContent, lines: lineCount(range), left: r.left, right: r.right }
    })
  return { broken, boxes, width, scrollWidth: document.documentElement.scrollWidth }
})()`

/**
 * Every place on screen where a number meets its unit ("999999.99 USD", "876543.21 USDT"), and whether
 * it lies on one line; plus the big amount boxes and horizontal overflow.
 */
const measure = (page: Page) => page.evaluate<Measured>(MEASURE)

describe("amounts at 320 px", () => {
  it.each(LOCALES)("never wrap inside a number or split from their unit (%s)", async (locale) => {
    const context = await browser.newContext({ locale, viewport: { width: 320, height: 800 } })
    try {
      const page = await context.newPage()
      await page.goto(server.pageUrl)
      const n = await page.locator("input[name=option]").count()
      expect(n).toBe(4)
      for (let i = 0; i < n; i++) {
        await page.locator(`label:has(#opt-${i})`).click()
        await page.locator(`#panel-${i}`).waitFor({ state: "visible" })
        const { broken, boxes, width, scrollWidth } = await measure(page)
        expect(broken, `option ${i}`).toEqual([])
        expect(boxes.length, `option ${i}`).toBe(2) // the USD amount and this option's token amount
        for (const b of boxes) {
          expect(b.lines, `${b.text} on one line`).toBe(1)
          expect(b.left).toBeGreaterThanOrEqual(0)
          expect(b.right, `${b.text} inside the screen`).toBeLessThanOrEqual(width)
        }
        expect(scrollWidth, "no horizontal scrolling").toBeLessThanOrEqual(width)
      }
    } finally {
      await context.close()
    }
  })
})
