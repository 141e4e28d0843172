import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import {
  generateNonce,
  PAGE_STYLE_HASH,
  pageSecurityHeaders,
  renderCheckoutPage,
  renderNotFoundPage,
} from "../../src/page/index.js"
import { sampleView } from "./fixtures.js"

describe("pageSecurityHeaders", () => {
  const nonce = generateNonce()
  const headers = pageSecurityHeaders(nonce)
  const csp = headers["Content-Security-Policy"]!
  const directives = Object.fromEntries(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/)
      return [name!, values.join(" ")]
    }),
  )

  it("is a strict CSP: nothing external, script by nonce, style by hash, fetch to self only", () => {
    expect(directives).toEqual({
      "default-src": "'none'",
      "script-src": `'nonce-${nonce}'`,
      "style-src": PAGE_STYLE_HASH,
      "img-src": "data:",
      "connect-src": "'self'",
      "base-uri": "'none'",
      "form-action": "'none'",
      "frame-ancestors": "'none'",
    })
    expect(csp).not.toMatch(/unsafe|https?:|\*/)
  })

  it("sends the other hardening headers", () => {
    expect(headers).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      "X-Frame-Options": "DENY",
    })
  })

  it("the style hash is the hash of the <style> both pages carry, and the script carries the nonce", () => {
    const page = renderCheckoutPage(sampleView(), {
      locale: "en",
      nonce,
      publicUrl: "https://pay.example.com",
    })
    for (const html of [page, renderNotFoundPage("ru")]) {
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!)
      expect(styles).toHaveLength(1)
      const hash = createHash("sha256").update(styles[0]!, "utf8").digest("base64")
      expect(PAGE_STYLE_HASH).toBe(`'sha256-${hash}'`)
      expect(html).not.toMatch(/\sstyle=/) // inline style attributes would be blocked
    }
    expect(page).toContain(`<script nonce="${nonce}">`)
    expect(page.match(/<script nonce=/g)).toHaveLength(1)
  })

  it("nonces are fresh and well-formed; a bad nonce is refused", () => {
    expect(generateNonce()).not.toBe(generateNonce())
    expect(generateNonce()).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(() => pageSecurityHeaders("short")).toThrow()
    expect(() => pageSecurityHeaders("'unsafe-inline' 'nonce-AAAAAAAAAAAAAAAA'")).toThrow()
    expect(() =>
      renderCheckoutPage(sampleView(), {
        locale: "en",
        nonce: '"><script>',
        publicUrl: "https://pay.example.com",
      }),
    ).toThrow()
  })
})
