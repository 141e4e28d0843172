import { describe, expect, it } from "vitest"
import { CLIENT_SCRIPT } from "../../src/page/client.js"
import * as page from "../../src/page/index.js"
import {
  amountDueUsd,
  type PageView,
  qrSvg,
  renderCheckoutPage,
  renderNotFoundPage,
} from "../../src/page/index.js"
import { BASE_URI, sampleView, TON_URI } from "./fixtures.js"

const NOW = new Date("2026-04-04T12:00:00Z")
const render = (
  overrides: Partial<PageView> = {},
  opts: Partial<Parameters<typeof renderCheckoutPage>[1]> = {},
) =>
  renderCheckoutPage(sampleView({ expiresAt: "2026-04-04T12:30:00Z", ...overrides }), {
    locale: "en",
    nonce: "AAAAAAAAAAAAAAAAAAAAAA==",
    publicUrl: "https://pay.example.com",
    now: NOW,
    ...opts,
  })
const count = (html: string, needle: string | RegExp) =>
  typeof needle === "string" ? html.split(needle).length - 1 : (html.match(needle) ?? []).length
const dataOf = (html: string) =>
  JSON.parse(/<script type="application\/json" id="inzi-data">([^<]*)<\/script>/.exec(html)![1]!)

describe("renderCheckoutPage", () => {
  it("renders merchant, description, amount, countdown and every option with its own QR code", () => {
    const html = render()
    expect(html.startsWith('<!doctype html>\n<html lang="en"')).toBe(true)
    expect(html).toContain("<title>Pay Acme Coffee Roasters</title>")
    expect(html).toContain('<h1 id="merchant">Acme Coffee Roasters</h1>')
    expect(html).toContain("Order #12345 — 2 × Ethiopia Yirgacheffe, 250 g")
    expect(html).toContain('<span class="sum">25.00&nbsp;<small>USD</small></span>')
    expect(html).toContain('datetime="2026-04-04T12:30:00.000Z">30:00</time>')
    expect(html).toContain("Pay before 12:30\u00a0UTC")
    expect(count(html, /<svg class="qr"/g)).toBe(3)
    expect(count(html, 'type="radio" name="option"')).toBe(3)
    expect(html).toContain('id="opt-0" value="0" data-key="ton/USDT" checked>')
    expect(count(html, " checked>")).toBe(1)
    for (const label of ["USDT · TON", "USDT · Tron (TRC-20)", "USDC · Base"])
      expect(html).toContain(`<span>${label}</span>`)
    expect(html).toContain("Send USDT on Tron (TRC-20) only.")
    expect(html).toContain("Send USDC on Base only.")
    // no URL anywhere but the SVG namespace (an identifier, never fetched)
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:/)
    expect(html).not.toMatch(/\s(src|srcset)=/)
  })

  it("asks for the TON comment, with its own copy button and warning, only where there is one", () => {
    const html = render()
    const panels = html.slice(0, html.indexOf("</section><footer>")).split('<div class="panel"').slice(1)
    expect(panels).toHaveLength(3)
    expect(panels[0]).toContain('<code id="memo-0">K7P2M9QX</code>')
    expect(panels[0]).toContain('data-copy="memo-0" data-announce="copiedComment" aria-label="Copy comment"')
    expect(panels[0]).toContain("The comment is required.")
    for (const p of panels.slice(1)) {
      expect(p).not.toContain("memo")
      expect(p).not.toContain("The comment is required.")
    }
    // copy buttons are hidden until the script shows them (useless without JavaScript)
    expect(count(html, /<button [^>]*hidden>/g)).toBe(count(html, "<button "))
    expect(count(html, "<button ")).toBe(7)
  })

  it("selects another option when asked (e.g. from a query parameter)", () => {
    const html = render({}, { selectedOption: 2 })
    expect(html).toContain('id="opt-2" value="2" data-key="base/USDC" checked>')
    expect(count(html, " checked>")).toBe(1)
    expect(render({}, { selectedOption: 9 })).toContain('id="opt-0" value="0" data-key="ton/USDT" checked>')
  })

  it("processing: confirmations x/N, instructions hidden (not removed: a reorg can bring them back)", () => {
    const html = render({ status: "processing", confirmations: 4, confirmationsRequired: 19 })
    expect(html).toContain("Payment detected. Waiting for confirmations: 4/19")
    expect(html).toMatch(/<progress id="conf" max="19" value="4" aria-label="Confirmations"><\/progress>/)
    expect(html).toContain('<section class="card pay" id="pay" aria-labelledby="pay-h" hidden>')
    expect(html).toContain('<div class="timer" id="timer" hidden>')
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="15"></noscript>')
    // N falls back to the selected option's requirement
    expect(render({ status: "processing", confirmations: 1 }, { selectedOption: 1 })).toContain(
      "confirmations: 1/19",
    )
  })

  it("underpaid: what is still due, in USD and in token units, same addresses", () => {
    const view = sampleView()
    const options = view.options.map((o) => ({ ...o, amountDue: "15.000000" }))
    const html = render({ status: "underpaid", amountPaid: "10.00", options })
    expect(html).toContain("Partly paid: 10.00\u00a0USD of 25.00\u00a0USD received.")
    expect(html).toContain("Still due: 15.00\u00a0USD. Send the rest to the same address.")
    expect(html).toContain('<span id="amount-0">15</span>')
    expect(html).toContain("Remaining of 25\u00a0USDT in total.")
    expect(render()).not.toContain('class="label remaining"')
    expect(html).toContain(view.options[1]!.address)
    expect(html).not.toMatch(/id="pay"[^>]*hidden/)
    expect(amountDueUsd(sampleView({ amount: "25.00", amountPaid: "24.99" }))).toBe("0.01")
    expect(amountDueUsd(sampleView({ amount: "25.00", amountPaid: "30.00" }))).toBe("0.00")
    expect(amountDueUsd(sampleView({ amountDue: "7.50" }))).toBe("7.50")
  })

  it("underpaid after expires_at: says so and offers nothing to pay", () => {
    const html = render({ status: "underpaid", amountPaid: "10.00", expiresAt: "2026-04-04T11:59:00Z" })
    expect(html).toContain(
      "expired before it was fully paid (10.00\u00a0USD of 25.00\u00a0USD received). Please contact Acme",
    )
    expect(html).not.toContain('id="pay"')
    expect(html).not.toContain("<svg")
  })

  it("expired (by status or by clock): no instructions, no QR, no countdown", () => {
    for (const html of [render({ status: "expired" }), render({ expiresAt: "2026-04-04T11:00:00Z" })]) {
      expect(html).toContain("This checkout has expired. Do not send any payment to it.")
      expect(html).toContain('data-status="expired"')
      for (const gone of ['id="pay"', "<svg", "<code", 'id="countdown"', "EQBBeqhW", "TJtEySo"])
        expect(html).not.toContain(gone)
    }
  })

  it("expired or underpaid too late: the next step, and a way back to the merchant when there is one", () => {
    const back =
      '<a class="button" id="back" href="https://shop.example/cart?x=1&amp;y=2">Back to Acme Coffee Roasters</a>'
    const expired = render({ status: "expired", redirectUrl: "https://shop.example/cart?x=1&y=2" })
    expect(expired).toContain(
      '<div class="next" id="next"><p id="next-text">To pay, go back to Acme Coffee Roasters',
    )
    expect(expired).toContain(back)
    const late = render({
      status: "underpaid",
      amountPaid: "10.00",
      expiresAt: "2026-04-04T11:59:00Z",
      redirectUrl: "https://shop.example/cart?x=1&y=2",
    })
    expect(late).toContain('<div class="next" id="next"><p id="next-text" hidden>')
    expect(late).toContain(back)
    // while something can still be paid: nothing of it shows
    expect(render({ redirectUrl: "https://shop.example/cart" })).toContain(
      '<div class="next" id="next" hidden>',
    )
    // without redirect_url: the text, no dead link
    expect(render({ status: "expired" })).not.toContain('id="back"')
  })

  it("Tron: says the amount is typed by hand, and the QR is named for the address it holds", () => {
    const html = render()
    const panels = html.slice(0, html.indexOf("</section><footer>")).split('<div class="panel"').slice(1)
    expect(panels[1]).toContain(
      "This network has no payment link: the QR code holds the address only. Type the amount in your wallet by hand.",
    )
    expect(panels[1]).toContain('aria-label="QR code of the deposit address for USDT · Tron (TRC-20)"')
    expect(panels[1]).not.toContain("Scan with your wallet app.")
    for (const p of [panels[0]!, panels[2]!]) {
      expect(p).not.toContain("no payment link")
      expect(p).toContain("QR code of the payment link for")
    }
  })

  it("amounts: trailing zeros trimmed only where the value stays exact; numbers keep their unit", () => {
    expect(page.trimAmount("25.000000")).toBe("25")
    expect(page.trimAmount("15.500000")).toBe("15.5")
    expect(page.trimAmount("0.000001")).toBe("0.000001")
    expect(page.trimAmount("100")).toBe("100")
    expect(page.trimAmount("1e5")).toBe("1e5")
    expect(page.format("{a} USD of {b} USDC.e", { a: "1.00", b: 2 })).toBe("1.00\u00a0USD of 2\u00a0USDC.e")
    expect(page.format("Send USDT on Tron", {})).toBe("Send USDT on Tron")
    expect(page.walletLink("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18")).toBeNull()
    expect(page.walletLink("ethereum:0xabc@1/transfer")).toBe("ethereum:0xabc@1/transfer")
  })

  it("mobile-first order: amount, Open in wallet, address, QR; then the status; TEST MODE ribbon on test checkouts", () => {
    const html = render()
    expect(html.indexOf('id="pay"')).toBeLessThan(html.indexOf('id="status-h"'))
    const panels = html
      .slice(0, html.indexOf("</section>", html.indexOf('id="pay"')))
      .split('<div class="panel"')
      .slice(1)
    const ton = panels[0]!
    const order = ['id="amount-0"', 'id="wallet-0"', 'id="address-0"', 'id="memo-0"', '<svg class="qr"']
    expect(order.map((n) => ton.indexOf(n))).toEqual(order.map((n) => ton.indexOf(n)).sort((a, b) => a - b))
    expect(ton).toContain(
      `<a class="button wallet" id="wallet-0" href="${TON_URI.replaceAll("&", "&amp;")}">Open in wallet</a>`,
    )
    expect(panels[2]).toContain(`id="wallet-2" href="${BASE_URI.replaceAll("&", "&amp;")}"`)
    expect(panels[1]).not.toContain("wallet-1") // Tron: the typed-by-hand note instead
    expect(html).not.toContain('id="test-mode"')
    expect(render({ testMode: true })).toContain(
      '<p class="ribbon" id="test-mode" role="note">TEST MODE · test networks only, no real money</p><main>',
    )
    expect(render({ testMode: true }, { locale: "ru" })).toContain("ТЕСТОВЫЙ РЕЖИМ")
  })

  it("detected/paid: amount received, confirmations, the transaction linked to the explorer; a receipt once paid", () => {
    const tx = "0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    const payment = {
      network: "tron",
      networkLabel: "Tron (TRC-20)",
      token: "USDT",
      amount: "10.000000",
      txHash: tx,
      explorerUrl: `https://tronscan.org/#/transaction/${tx}?a=1&b="2"`,
      status: "detected" as const,
      confirmations: 3,
      confirmationsRequired: 19,
      at: "2026-04-04T12:01:30Z",
    }
    const html = render({ status: "processing", confirmations: 3, payments: [payment] })
    expect(html).toContain(
      '<ul class="txs" id="txs"><li><span>Received 10\u00a0USDT on Tron (TRC-20)</span> <span class="conf-n">3/19 confirmations</span> ' +
        `<a href="https://tronscan.org/#/transaction/${tx}?a=1&amp;b=&quot;2&quot;" title="${tx}" rel="noopener noreferrer" target="_blank">Transaction 0x9f86d081…b0f00a08</a></li></ul>`,
    )
    // no explorer configured, or not http(s): the hash, unlinked
    for (const explorerUrl of [null, "javascript:alert(1)"])
      expect(render({ status: "processing", payments: [{ ...payment, explorerUrl }] })).toContain(
        `<span title="${tx}">Transaction 0x9f86d081…b0f00a08</span>`,
      )
    expect(render()).toContain('<ul class="txs" id="txs" hidden></ul>')

    const paid = render({
      status: "completed",
      amountPaid: "25.00",
      checkoutId: "chk_test_abc",
      payments: [{ ...payment, amount: "25.000000", status: "confirmed", confirmations: 19 }],
    })
    const receipt = paid.slice(paid.indexOf('<section class="card receipt"'), paid.indexOf("<footer>"))
    for (const part of [
      "<dt>Merchant</dt><dd>Acme Coffee Roasters</dd>",
      "<dt>Description</dt><dd>Order #12345 — 2 × Ethiopia Yirgacheffe, 250 g</dd>",
      "<dt>Amount</dt><dd>25.00\u00a0USD</dd>",
      "<dt>Paid</dt><dd>25.00\u00a0USD</dd>",
      "<dt>Date (UTC)</dt><dd>2026-04-04 12:01</dd>",
      "<dt>Reference</dt><dd>chk_test_abc</dd>",
      "Received 25\u00a0USDT on Tron (TRC-20)",
      '<button type="button" class="copy print" id="print" hidden>Print or save the receipt</button>',
    ])
      expect(receipt).toContain(part)
    expect(receipt).not.toContain("confirmations") // final: no counter
    expect(render()).not.toContain('id="receipt"')
  })

  it("offers every language as a link to the same page, the current one marked", () => {
    const html = render({}, { locale: "es" })
    expect(html).toContain(
      '<nav class="langs" aria-label="Idioma"><a href="?lang=en" hreflang="en" lang="en">English</a>' +
        '<a href="?lang=es" hreflang="es" lang="es" aria-current="true">Español</a>' +
        '<a href="?lang=ru" hreflang="ru" lang="ru">Русский</a><a href="?lang=zh" hreflang="zh" lang="zh">中文</a></nav>',
    )
  })

  it("completed: paid message, redirect link, a no-JS redirect, nothing more to pay", () => {
    const html = render({
      status: "completed",
      amountPaid: "25.00",
      redirectUrl: "https://shop.example/thanks?o=1&x=2",
    })
    expect(html).toContain(">Paid. Thank you!</p>")
    expect(html).toContain('<a id="go-now" href="https://shop.example/thanks?o=1&amp;x=2">Go now</a>')
    expect(html).toContain(
      '<noscript><meta http-equiv="refresh" content="3;url=https://shop.example/thanks?o=1&amp;x=2"></noscript>',
    )
    expect(html).not.toContain('id="pay"')
    expect(dataOf(html)).toMatchObject({
      redirectUrl: "https://shop.example/thanks?o=1&x=2",
      redirectDelayMs: 3000,
    })
  })

  it("hands the script its data (status URL, timings, this locale's strings) in the JSON block", () => {
    const data = dataOf(render({}, { locale: "ru", pollIntervalMs: 2000 }))
    expect(data).toMatchObject({
      statusUrl: "/p/k3j9x2m1q8w7e5r4t6y0u2i9/status",
      status: "pending",
      amount: "25.00",
      amountPaid: "0.00",
      expiresAt: "2026-04-04T12:30:00.000Z",
      serverNow: NOW.getTime(),
      pollMs: 2000,
      confirmationsRequired: 1,
    })
    expect(data.messages.statusPending).toBe("Ожидаем ваш платёж…")
  })

  it("is deterministic and localised", () => {
    expect(render()).toBe(render())
    const es = render({}, { locale: "es" })
    expect(es).toContain('<html lang="es"')
    expect(es).toContain("Envíe USDT solo en Tron (TRC-20).")
    expect(render({}, { locale: "zh" })).toContain("备注为必填项")
  })
})

describe("qrSvg", () => {
  it("is a self-contained SVG with a quiet zone and no style attribute, one path of dark modules", () => {
    const svg = qrSvg("TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18", `label "with" <quotes>`)
    expect(svg).toMatch(/^<svg class="qr" xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) \1"/)
    const size = Number(/viewBox="0 0 (\d+)/.exec(svg)![1])
    expect((size - 8 - 17) % 4).toBe(0) // QR sizes are 17 + 4·version, plus 4 modules of border each side
    expect(svg).toContain('aria-label="label &quot;with&quot; &lt;quotes&gt;"')
    expect(svg).not.toContain("style")
    expect(count(svg, "<path")).toBe(1)
    expect(qrSvg("a", "x")).not.toBe(qrSvg("b", "x"))
  })
})

describe("renderNotFoundPage", () => {
  it("is a localised page with no script and no data", () => {
    const html = renderNotFoundPage("es")
    expect(html).toContain('<html lang="es"')
    expect(html).toContain('<h1 id="nf-h">Página de pago no encontrada</h1>')
    expect(html).not.toContain("<script")
  })
})

describe("public surface of the page module", () => {
  it("exports exactly these names", () => {
    expect(Object.keys(page).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_LOCALE",
        "LANGUAGE_NAMES",
        "LOCALES",
        "LOCALE_COOKIE",
        "MESSAGES",
        "PAGE_CONTENT_TYPE",
        "PAGE_STYLE_HASH",
        "accentOn",
        "amountDueUsd",
        "brandCss",
        "contrast",
        "escapeHtml",
        "format",
        "generateNonce",
        "glueAmounts",
        "isHttpUrl",
        "jsonForScript",
        "localeForRequest",
        "messagesFor",
        "pageCspFor",
        "pageSecurityHeaders",
        "pickLocale",
        "qrSvg",
        "renderCheckoutPage",
        "renderNotFoundPage",
        "safeLogoUrl",
        "textOn",
        "trimAmount",
        "walletLink",
      ]
    `)
  })
})

describe("the script's strings", () => {
  it("are exactly the ones CLIENT_SCRIPT reads, no more", () => {
    const used = [...new Set([...CLIENT_SCRIPT.matchAll(/\bm\.(\w+)/g)].map((x) => x[1]))].sort()
    const data = JSON.parse(
      /<script type="application\/json" id="inzi-data">([^<]*)<\/script>/.exec(
        renderCheckoutPage(sampleView(), {
          locale: "en",
          nonce: "AAAAAAAAAAAAAAAAAAAAAA==",
          publicUrl: "https://x",
        }),
      )![1]!,
    )
    // plus the copy buttons' announcements, named by their data-announce attribute
    expect(Object.keys(data.messages).sort()).toEqual(
      [...used, "copiedAddress", "copiedAmount", "copiedComment"].sort(),
    )
  })
})
