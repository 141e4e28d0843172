/** The accent colour rules: whatever `#rrggbb` the operator picks, text on and in it stays AA. */
import { describe, expect, it } from "vitest"
import {
  accentOn,
  brandCss,
  contrast,
  pageCspFor,
  pageSecurityHeaders,
  safeLogoUrl,
  textOn,
} from "../../src/page/index.js"
import { sampleView } from "./fixtures.js"

const every = (step: number) => {
  const out: Array<string> = []
  for (let r = 0; r < 256; r += step)
    for (let g = 0; g < 256; g += step)
      for (let b = 0; b < 256; b += step)
        out.push(`#${[r, g, b].map((x) => x.toString(16).padStart(2, "0")).join("")}`)
  return out
}

describe("accent colour", () => {
  it("text on the fill and the accent as text reach 4.5:1 for a grid of colours", () => {
    for (const c of [...every(17), "#ffffff", "#000000", "#767676", "#777777"]) {
      expect(contrast(textOn(c), c), c).toBeGreaterThanOrEqual(4.5)
      for (const surfaces of [
        ["#ffffff", "#f3f4f6"],
        ["#181b21", "#0e1014"],
      ]) {
        const a = accentOn(c, surfaces)
        for (const s of surfaces) expect(contrast(a, s), `${c} on ${s}`).toBeGreaterThanOrEqual(4.5)
      }
    }
    expect(accentOn("#1f4fd1", ["#ffffff"])).toBe("#1f4fd1") // good enough already: kept as is
    expect(textOn("#ffd400")).toBe("#000000")
    expect(textOn("#1f4fd1")).toBe("#ffffff")
  })

  it("the brand stylesheet only for a well-formed colour; its hash in the CSP", () => {
    expect(brandCss(null)).toBe("")
    expect(brandCss("red")).toBe("")
    expect(brandCss("#12345}")).toBe("")
    expect(brandCss("#1F4FD1")).toContain("--fill:#1f4fd1;--fill-fg:#ffffff")
    const csp = pageCspFor(sampleView({ accentColor: "#1f4fd1" }))
    expect(csp.styleHashes).toHaveLength(1)
    expect(pageSecurityHeaders("AAAAAAAAAAAAAAAAAAAAAA==", csp)["Content-Security-Policy"]).toContain(
      `style-src 'sha256-`,
    )
    expect(pageCspFor(sampleView())).toEqual({ styleHashes: [], imgSources: [] })
  })

  it("a logo only from our /p/logo/ path or an https URL; the CSP gets its origin, nothing looser", () => {
    expect(safeLogoUrl("javascript:alert(1)")).toBeNull()
    expect(safeLogoUrl("http://cdn.example/l.png")).toBeNull()
    expect(safeLogoUrl("/p/logo/../../x")).toBeNull()
    expect(safeLogoUrl(`/p/logo/${"a".repeat(64)}.png`)).toBe(`/p/logo/${"a".repeat(64)}.png`)
    expect(pageCspFor(sampleView({ logoUrl: "https://cdn.example/a/l.png" })).imgSources).toEqual([
      "https://cdn.example",
    ])
    expect(pageCspFor(sampleView({ logoUrl: `/p/logo/${"a".repeat(64)}.webp` })).imgSources).toEqual([
      "'self'",
    ])
    expect(pageCspFor(sampleView({ logoUrl: "data:image/svg+xml,<svg/>" })).imgSources).toEqual([])
    expect(() =>
      pageSecurityHeaders("AAAAAAAAAAAAAAAAAAAAAA==", { styleHashes: [], imgSources: ["*; script-src *"] }),
    ).toThrow(/CSP source/)
  })
})
