/**
 * Screenshot tests: every state (pending, detected, paid, underpaid, expired) in every language at 320, 390 and
 * 1280 px, compared with the reference PNGs in `screenshots/` (pixelmatch, a small tolerance), so a layout
 * regression fails. Deterministic: fixed data, a fixed render time and a fixed browser clock (the countdown
 * reads 30:00), no polling during the shot, Debian's fonts (zh needs fonts-noto-cjk: tooling/scripts/chromium.mjs).
 *
 * References are full-page shots stored as greyscale in 32 levels (a fraction of the bytes of colour; a moved or
 * resized box still changes the luminance of its pixels). `UPDATE_SCREENSHOTS=1` rewrites them; on a mismatch the actual image and
 * a diff are written to test-artifacts/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import pixelmatch from "pixelmatch"
import type { Browser, Page } from "playwright-core"
import { PNG } from "pngjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LOCALES } from "../../src/page/index.js"
import { PAGE_STATES } from "./fixtures.js"
import { ARTIFACTS, launchBrowser, type PageServer, sampleView, startPageServer } from "./harness.js"

const REFERENCES = fileURLToPath(new URL("./screenshots/", import.meta.url))
const OUT = `${ARTIFACTS}screenshots/`
const UPDATE = process.env.UPDATE_SCREENSHOTS === "1"
const WIDTHS = [320, 390, 1280] as const
const HEIGHTS: Record<(typeof WIDTHS)[number], number> = { 320: 640, 390: 844, 1280: 800 }

/** The render time and the browser's clock: 2026-04-04 12:00 UTC, the checkout expiring 30 minutes later. */
const NOW = new Date("2026-04-04T12:00:00.000Z")
const EXPIRES = "2026-04-04T12:30:00Z"
const EXPIRED = "2026-04-04T11:30:00Z"

/** Per pixel, pixelmatch's colour threshold; per image, the share of pixels that may differ (antialiasing). */
const PIXEL_THRESHOLD = 0.1
const MAX_DIFF_SHARE = 0.0002

/**
 * Full-page RGBA screenshot → greyscale RGBA in 32 levels (what is stored and compared): fewer distinct values
 * compress far better, and a layout change still moves edges that differ by much more than one level.
 */
const greyscale = (png: PNG): PNG => {
  const d = png.data
  for (let i = 0; i < d.length; i += 4) {
    const level = Math.round(((0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!) * 31) / 255)
    const y = Math.round((level * 255) / 31)
    d[i] = d[i + 1] = d[i + 2] = y
    d[i + 3] = 255
  }
  return png
}

const encodeGrey = (png: PNG): Buffer =>
  PNG.sync.write(png, { colorType: 0, inputColorType: 6, inputHasAlpha: true, deflateLevel: 9 })

export interface Comparison {
  readonly ok: boolean
  readonly why: string
}

/** Compares a screenshot with its reference; writes the actual image and a diff on a mismatch. */
export const compareWithReference = (name: string, actual: PNG, reference: PNG): Comparison => {
  const save = (diff?: PNG) => {
    mkdirSync(OUT, { recursive: true })
    writeFileSync(`${OUT}${name}.actual.png`, encodeGrey(actual))
    if (diff) writeFileSync(`${OUT}${name}.diff.png`, PNG.sync.write(diff))
  }
  if (actual.width !== reference.width || actual.height !== reference.height) {
    save()
    return {
      ok: false,
      why: `${name}: size ${actual.width}×${actual.height}, reference ${reference.width}×${reference.height}`,
    }
  }
  const diff = new PNG({ width: actual.width, height: actual.height })
  const changed = pixelmatch(reference.data, actual.data, diff.data, actual.width, actual.height, {
    threshold: PIXEL_THRESHOLD,
  })
  const allowed = Math.ceil(actual.width * actual.height * MAX_DIFF_SHARE)
  if (changed > allowed) {
    save(diff)
    return { ok: false, why: `${name}: ${changed} pixels differ (at most ${allowed})` }
  }
  return { ok: true, why: "" }
}

let browser: Browser
let server: PageServer
beforeAll(async () => {
  ;[browser, server] = await Promise.all([
    launchBrowser(),
    startPageServer(sampleView({ expiresAt: EXPIRES }), {
      pollIntervalMs: 600_000,
      redirectDelayMs: 600_000,
      now: NOW,
      publicUrl: "https://pay.example.com", // the footer shows its host: not the test server's random port
    }),
  ])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const viewFor = (state: string) =>
  sampleView({
    expiresAt: state === "expired" ? EXPIRED : EXPIRES,
    ...PAGE_STATES[state],
    // paid: stay on the receipt (no redirect), so the shot shows it
    ...(state === "paid" ? { redirectUrl: null } : {}),
  })

/** Opens the page as a shopper at `width` with the clock fixed, and returns the full-page shot in greyscale. */
const shoot = async (locale: string, width: (typeof WIDTHS)[number], tweak?: (p: Page) => Promise<void>) => {
  const context = await browser.newContext({
    locale,
    colorScheme: "light",
    viewport: { width, height: HEIGHTS[width] },
    deviceScaleFactor: 1,
  })
  try {
    await context.clock.setFixedTime(NOW)
    const page = await context.newPage()
    await page.goto(`${server.pageUrl}?lang=${locale}`, { waitUntil: "load" })
    await page.evaluate("document.fonts.ready.then(() => undefined)")
    if (tweak) await tweak(page)
    const shot = await page.screenshot({ fullPage: true, animations: "disabled", caret: "hide" })
    return greyscale(PNG.sync.read(shot))
  } finally {
    await context.close()
  }
}

describe("screenshots against the committed references", () => {
  for (const state of Object.keys(PAGE_STATES))
    it(`${state}: every language at ${WIDTHS.join(", ")} px`, async () => {
      server.view = viewFor(state)
      server.status = null
      const failures: Array<string> = []
      for (const locale of LOCALES)
        for (const width of WIDTHS) {
          const name = `${state}-${locale}-${width}`
          const file = `${REFERENCES}${name}.png`
          const actual = await shoot(locale, width)
          if (UPDATE) {
            mkdirSync(REFERENCES, { recursive: true })
            writeFileSync(file, encodeGrey(actual))
            continue
          }
          if (!existsSync(file)) {
            failures.push(`${name}: no reference (UPDATE_SCREENSHOTS=1 writes it)`)
            continue
          }
          const r = compareWithReference(name, actual, greyscale(PNG.sync.read(readFileSync(file))))
          if (!r.ok) failures.push(r.why)
        }
      expect(failures).toEqual([])
    })

  it("the comparison is live: a moved card, a changed heading, a hidden QR code fail it; the same page passes", async () => {
    server.view = viewFor("pending")
    const file = `${REFERENCES}pending-en-390.png`
    const reference = greyscale(PNG.sync.read(readFileSync(file)))
    const same = compareWithReference("live-same", await shoot("en", 390), reference)
    expect(same).toEqual({ ok: true, why: "" })
    // A style set through the CSSOM (allowed by the CSP): the layout a regression would shift.
    const moved = await shoot("en", 390, (p) =>
      p.evaluate("document.querySelector('.pay').style.marginTop = '16px'"),
    )
    const r = compareWithReference("live-moved", moved, reference)
    expect(r.ok).toBe(false)
    // Same size, different pixels: the heading's text changed, or the QR code is gone.
    for (const [name, script] of [
      ["live-text", "document.getElementById('merchant').textContent = 'Acme Tea Merchants'"],
      ["live-qr", "document.querySelector('.panel:not([hidden]) .qr').style.visibility = 'hidden'"],
    ] as const) {
      const e = compareWithReference(name, await shoot("en", 390, (p) => p.evaluate(script)), reference)
      expect(e.ok, name).toBe(false)
      expect(e.why, name).toMatch(/pixels differ/)
    }
  })
})
