/** Network and token icons: one per family and token, decorative, and only the symbols a page uses. */
import { FAMILIES, PRESETS } from "@inzi/platform"
import { describe, expect, it } from "vitest"
import { ICON_IDS, iconSprite, networkIcon, tokenIcon } from "../../src/page/icons.js"
import { generateNonce, renderCheckoutPage } from "../../src/page/index.js"
import { sampleView } from "./fixtures.js"

describe("icons", () => {
  it("the symbol of a network's icon id (its config's or its family's), a neutral one for an unknown id", () => {
    const cases: Record<string, string> = {
      eth: "n-eth",
      bsc: "n-bsc",
      pol: "n-pol",
      arb: "n-arb",
      base: "n-base",
      tron: "n-tron",
      ton: "n-ton",
      any: "n-any",
      // Network ids are not icon ids: the icon comes from the network config or the family module.
      ethereum: "n-any",
      "base-sepolia": "n-any",
      solana: "n-any",
    }
    for (const [id, icon] of Object.entries(cases)) expect(networkIcon(id), id).toBe(icon)
    expect(tokenIcon("USDT")).toBe("t-usdt")
    expect(tokenIcon("USDC")).toBe("t-usdc")
    expect(tokenIcon("DAI")).toBe("t-any")
    for (const id of ICON_IDS)
      expect(iconSprite([id])).toMatch(new RegExp(`<symbol id="${id}" viewBox="0 0 24 24">`))
  })

  it("the page carries each used symbol once, every icon aria-hidden, the names in text", () => {
    const html = renderCheckoutPage(sampleView(), {
      locale: "en",
      nonce: generateNonce(),
      publicUrl: "https://pay.example.com",
    })
    const symbols = [...html.matchAll(/<symbol id="([^"]+)"/g)].map((m) => m[1])
    expect(symbols.sort()).toEqual(["n-base", "n-ton", "n-tron", "t-usdc", "t-usdt"])
    const uses = [...html.matchAll(/<svg class="ic"([^>]*)><use href="#([^"]+)"\/><\/svg>/g)]
    expect(uses).toHaveLength(6) // token + network per option
    for (const u of uses) expect(u[1]).toContain('aria-hidden="true"')
    expect(html).toContain("<span>USDT · Tron (TRC-20)</span></label>")
    // no payment offered (paid): no sprite
    const paid = renderCheckoutPage(sampleView({ status: "completed", amountPaid: "25.00" }), {
      locale: "en",
      nonce: generateNonce(),
      publicUrl: "https://pay.example.com",
    })
    expect(paid).not.toContain("<symbol")
  })
})

describe("every icon a preset or family module names is drawn", () => {
  it("each preset's icon and each family module's icon has a symbol", () => {
    const ids = [
      ...PRESETS.flatMap((p) => (p.icon === undefined ? [] : [p.icon])),
      ...Object.values(FAMILIES).map((f) => f.icon),
    ]
    expect(ids.length).toBeGreaterThan(3)
    for (const id of ids) expect(networkIcon(id), id).not.toBe("n-any")
  })
})
