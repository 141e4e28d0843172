import { describe, expect, it } from "vitest"
import { escapeHtml, isHttpUrl, jsonForScript, renderCheckoutPage } from "../../src/page/index.js"
import { sampleView } from "./fixtures.js"

const NONCE = "AAAAAAAAAAAAAAAAAAAAAA=="
const XSS_SCRIPT = "<script>alert(1)</script>"
const XSS_ATTR = `"'><img src=x onerror=alert(2)>`

describe("escapeHtml", () => {
  it("escapes the characters that matter in text and in quoted attributes", () => {
    expect(escapeHtml(XSS_SCRIPT)).toBe("&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(escapeHtml(XSS_ATTR)).toBe("&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;")
    expect(escapeHtml("a & b ` c")).toBe("a &amp; b &#96; c")
    expect(escapeHtml("&amp;")).toBe("&amp;amp;") // no double-decoding shortcuts
    expect(escapeHtml(42)).toBe("42")
    expect(escapeHtml("Кофе 咖啡 ☕")).toBe("Кофе 咖啡 ☕")
  })
})

describe("jsonForScript", () => {
  it("cannot close its <script> block and round-trips through JSON.parse", () => {
    const value = { d: `</script><script>alert(1)</script><!-- & \u2028\u2029 '"` }
    const out = jsonForScript(value)
    expect(out).not.toMatch(/[<>&\u2028\u2029]/)
    expect(out.toLowerCase()).not.toContain("</script")
    expect(JSON.parse(out)).toEqual(value)
  })
})

describe("isHttpUrl", () => {
  it("accepts only absolute http(s) URLs", () => {
    expect(isHttpUrl("https://shop.example/thanks?x=1")).toBe(true)
    expect(isHttpUrl("http://127.0.0.1:3000/")).toBe(true)
    expect(isHttpUrl("javascript:alert(1)")).toBe(false)
    expect(isHttpUrl("JaVaScRiPt:alert(1)")).toBe(false)
    expect(isHttpUrl("data:text/html,<script>")).toBe(false)
    expect(isHttpUrl("/relative")).toBe(false)
  })
})

describe("merchant strings in the rendered page", () => {
  const html = renderCheckoutPage(
    sampleView({
      merchantName: `Evil ${XSS_ATTR}`,
      description: `${XSS_SCRIPT} ${XSS_ATTR}`,
      redirectUrl: `https://shop.example/thanks?a=1&b="><script>alert(3)</script>`,
      status: "completed",
      amountPaid: "25.00",
    }),
    { locale: "en", nonce: NONCE, publicUrl: "https://pay.example.com" },
  )

  it("appear only escaped: no markup of theirs survives, in text, title, attributes or the JSON block", () => {
    expect(html).not.toContain(XSS_SCRIPT)
    expect(html).not.toContain("<img")
    expect(html).not.toContain(XSS_ATTR)
    expect(html).toContain(
      `<p class="desc" id="description">&lt;script&gt;alert(1)&lt;/script&gt; ${escapeHtml(XSS_ATTR)}</p>`,
    )
    expect(html).toContain(`<title>Pay Evil ${escapeHtml(XSS_ATTR)}</title>`)
    expect(html).toContain(
      `href="https://shop.example/thanks?a=1&amp;b=&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"`,
    )
    // exactly our two script elements: the JSON data block and the nonced script
    expect(html.match(/<script/gi)).toHaveLength(2)
    expect(html.match(/<\/script/gi)).toHaveLength(2)
    const json = /<script type="application\/json" id="inzi-data">([^<]*)<\/script>/.exec(html)
    expect(JSON.parse(json![1]!).merchant).toBe(`Evil ${XSS_ATTR}`)
  })

  it("a javascript: redirect_url is never linked", () => {
    const page = renderCheckoutPage(sampleView({ redirectUrl: "javascript:alert(1)", status: "completed" }), {
      locale: "en",
      nonce: NONCE,
      publicUrl: "https://pay.example.com",
    })
    expect(page).not.toContain("javascript:")
    expect(page).not.toContain('id="go-now"')
    expect(page).toContain('"redirectUrl":null')
  })
})
