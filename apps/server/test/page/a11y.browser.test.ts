/**
 * axe-core in Chromium on every state of the page, in every language, light and dark: no serious or
 * critical violation (colour contrast AA included: axe rates it serious).
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LOCALES } from "../../src/page/index.js"
import { PAGE_STATES as STATES } from "./fixtures.js"
import { launchBrowser, type PageServer, sampleView, startPageServer } from "./harness.js"

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

/** Every language in light; dark in two scripts (Latin, Cyrillic) — contrast depends on the scheme, not the text. */
const COMBOS: ReadonlyArray<readonly ["light" | "dark", string]> = [
  ...LOCALES.map((l) => ["light", l] as const),
  ["dark", "en"],
  ["dark", "ru"],
]

let browser: Browser
let server: PageServer
beforeAll(async () => {
  ;[browser, server] = await Promise.all([
    launchBrowser(),
    startPageServer(sampleView(), { pollIntervalMs: 60_000, redirectDelayMs: 600_000 }),
  ])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }>
}

describe("accessibility (axe-core)", () => {
  for (const [state, patch] of Object.entries(STATES))
    it(`${state}: no serious or critical violation in any language, light or dark`, async () => {
      server.view = sampleView(patch)
      server.status = null
      const found: Array<string> = []
      for (const [colorScheme, locale] of COMBOS) {
        const context = await browser.newContext({
          locale,
          colorScheme,
          viewport: { width: 390, height: 844 },
        })
        try {
          const page = await context.newPage()
          await page.goto(server.pageUrl)
          // Evaluated through the DevTools protocol, which the page's CSP does not govern.
          await page.evaluate(AXE_SOURCE)
          const violations = await page.evaluate<Array<AxeViolation>>(
            "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
          )
          for (const v of violations)
            if (v.impact === "serious" || v.impact === "critical")
              found.push(
                `${colorScheme} ${locale} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
              )
        } finally {
          await context.close()
        }
      }
      expect(found).toEqual([])
    })

  it("would see a violation (the check is live): a nameless button is critical", async () => {
    server.view = sampleView()
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(server.pageUrl)
      await page.evaluate(AXE_SOURCE)
      const violations = await page.evaluate<Array<AxeViolation>>(
        "document.querySelector('main').appendChild(document.createElement('button')), " +
          "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
      )
      expect(violations.map((v) => `${v.id} ${v.impact}`)).toContain("button-name critical")
    } finally {
      await context.close()
    }
  })
})
