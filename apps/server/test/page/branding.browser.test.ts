/**
 * Merchant branding on the real server (PGlite) in Chromium: the display name (escaped), an uploaded logo served
 * by us under a strict policy and allowed by the page's CSP, the accent colour with AA text, no CSP violation,
 * axe clean in light and dark; a remote logo URL widens img-src to exactly its origin.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { checkLogoImage, MerchantStore, type MerchantBranding } from "@inzi/core"
import { Effect } from "effect"
import type { Browser } from "playwright-core"
import { PNG } from "pngjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { contrast } from "../../src/page/index.js"
import { type ApiServer, client, startApiServer } from "../api/harness.js"
import { launchBrowser, watchPage } from "./harness.js"

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

let server: ApiServer
let browser: Browser
beforeAll(async () => {
  ;[server, browser] = await Promise.all([startApiServer("pglite"), launchBrowser()])
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** A 40×20 PNG of one colour. */
const logoPng = (): Uint8Array => {
  const png = new PNG({ width: 40, height: 20 })
  for (let i = 0; i < png.data.length; i += 4) png.data.set([200, 30, 60, 255], i)
  return new Uint8Array(PNG.sync.write(png))
}

/** A merchant branded as given (the logo uploaded when `upload`), and one of its test checkouts' page path. */
const brandedCheckout = async (branding: MerchantBranding, upload?: Uint8Array) => {
  const m = await server.merchant({ networks: { live: [], test: ["devnet"] } })
  await server.runtime.runPromise(
    Effect.gen(function* () {
      const store = yield* MerchantStore
      if (upload !== undefined) {
        const image = checkLogoImage(upload)
        if ("problem" in image) throw new Error(image.problem)
        yield* store.saveLogo(image)
      }
      yield* store.updateMerchant(m.id, { branding })
    }),
  )
  const created = await client(server.url).post("/api/v1/checkouts", {
    key: m.test,
    body: { amount: "12.00", currency: "USD" },
  })
  expect(created.status).toBe(201)
  return `/p/${(created.json().id as string).slice("chk_test_".length)}`
}

const rgb = (css: string): string => {
  const [r, g, b] = (css.match(/\d+/g) ?? []).map(Number) as [number, number, number]
  return `#${[r, g, b].map((x) => x.toString(16).padStart(2, "0")).join("")}`
}

describe("merchant branding on the hosted page", () => {
  it("uploaded logo, display name and accent colour: shown, escaped, allowed by the CSP, AA, axe clean", async () => {
    const bytes = logoPng()
    const image = checkLogoImage(bytes)
    if ("problem" in image) throw new Error(image.problem)
    const path = await brandedCheckout(
      {
        displayName: `Acme <b id="x">"Roasters"</b> & Co`,
        logo: { kind: "image", sha256: image.sha256, contentType: "image/png" },
        accentColor: "#ffd400", // light yellow: black text on it, links darkened to reach 4.5:1
      },
      bytes,
    )

    const res = await fetch(`${server.url}${path}`)
    expect(res.status).toBe(200)
    const csp = res.headers.get("content-security-policy") ?? ""
    expect(csp).toMatch(/img-src data: 'self'(;|$)/)
    expect(csp).toMatch(/style-src 'sha256-[^']+' 'sha256-[^']+'(;|$)/)
    expect(csp).toContain("default-src 'none'")
    const html = await res.text()
    expect(html).toContain(`<img class="logo" id="logo" src="/p/logo/${image.sha256}.png" alt="">`)
    expect(html).toContain("Acme &lt;b id=&quot;x&quot;&gt;&quot;Roasters&quot;&lt;/b&gt; &amp; Co")

    for (const colorScheme of ["light", "dark"] as const) {
      const context = await browser.newContext({ colorScheme, viewport: { width: 390, height: 844 } })
      try {
        const page = await context.newPage()
        const watch = await watchPage(page)
        await page.goto(`${server.url}${path}`, { waitUntil: "load" })
        expect(await page.locator("#merchant").textContent()).toBe(`Acme <b id="x">"Roasters"</b> & Co`)
        expect(await page.locator("#x").count()).toBe(0)
        expect(await page.title()).toContain(`Acme <b id="x">"Roasters"</b> & Co`)
        // the logo loaded (CSP allowed it, the route served it)
        expect(await page.evaluate<number>('document.getElementById("logo").naturalWidth')).toBe(40)
        const style = (selector: string, prop: string) =>
          page.evaluate<string>(
            `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${prop}`,
          )
        expect(rgb(await style(".tab:has(input:checked)", "backgroundColor"))).toBe("#ffd400")
        expect(rgb(await style(".tab:has(input:checked)", "color"))).toBe("#000000")
        // links on the card and on the page around it (the footer's language links) reach AA
        const link = rgb(await style(".langs a:not([aria-current])", "color"))
        for (const surface of [
          await style(".summary", "backgroundColor"),
          await style("body", "backgroundColor"),
        ])
          expect(contrast(link, rgb(surface))).toBeGreaterThanOrEqual(4.5)
        await page.evaluate(AXE_SOURCE)
        const violations = await page.evaluate<Array<{ id: string; impact: string | null }>>(
          "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
        )
        expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([])
        expect(watch.consoleViolations).toEqual([])
        expect(await watch.domViolations()).toEqual([])
        expect(watch.pageErrors).toEqual([])
      } finally {
        await context.close()
      }
    }
  })

  it("serves an uploaded logo by its SHA-256 as an image that cannot act as a document; 404 otherwise", async () => {
    const bytes = logoPng()
    const image = checkLogoImage(bytes)
    if ("problem" in image) throw new Error(image.problem)
    await brandedCheckout(
      {
        displayName: null,
        logo: { kind: "image", sha256: image.sha256, contentType: "image/png" },
        accentColor: null,
      },
      bytes,
    )
    const res = await fetch(`${server.url}/p/logo/${image.sha256}.png`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("image/png")
    expect(res.headers.get("x-content-type-options")).toBe("nosniff")
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox")
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    for (const wrong of [
      `${image.sha256}.jpg`, // another type than stored
      `${"0".repeat(64)}.png`, // unknown
      `${image.sha256}.svg`,
      `${image.sha256.toUpperCase()}.png`,
    ]) {
      const r = await fetch(`${server.url}/p/logo/${wrong}`)
      expect(r.status, wrong).toBe(404)
      await r.arrayBuffer()
    }
  })

  it("a logo URL: img-src allows exactly its https origin; no branding: the default policy", async () => {
    const path = await brandedCheckout({
      displayName: "Acme",
      logo: { kind: "url", url: "https://cdn.shop.example:8443/brand/logo.png?v=2" },
      accentColor: null,
    })
    const res = await fetch(`${server.url}${path}`)
    const csp = res.headers.get("content-security-policy") ?? ""
    expect(csp).toMatch(/img-src data: https:\/\/cdn\.shop\.example:8443(;|$)/)
    expect(csp).toMatch(/style-src 'sha256-[^' ]+'(;|$)/) // no accent: no brand stylesheet
    expect(await res.text()).toContain(
      `<img class="logo" id="logo" src="https://cdn.shop.example:8443/brand/logo.png?v=2" alt="">`,
    )

    const plain = await brandedCheckout({ displayName: null, logo: null, accentColor: null })
    const r2 = await fetch(`${server.url}${plain}`)
    expect(r2.headers.get("content-security-policy")).toMatch(/img-src data:(;|$)/)
    const html = await r2.text()
    expect(html).not.toContain('class="logo"')
    expect(html).toMatch(/<h1 id="merchant">Shop \d+<\/h1>/)
  })
})
