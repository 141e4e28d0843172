/**
 * The hosted checkout page end to end, in Chromium: the real server (real routes, real database) and a real
 * worker watching a real local EVM devnet. Checkouts are created through the HTTP API and paid on the chain;
 * nothing on the page's path is scripted.
 */
import { join } from "node:path"
import { DEVNET_TOKENS, payTo } from "@inzi/devnet"
import { parseUnits } from "ethers"
import type { Browser, BrowserContext, Page, Response } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ARTIFACTS,
  type ApiCheckoutJson,
  decodeQr,
  FUNDED_ADDRESSES,
  http,
  launchBrowser,
  merchantAddressAt,
  type Stack,
  startStack,
  watchPage,
} from "./stack.js"

/** Generous: the suite may share two cores with much else (the page polls every 2.5 s). */
const POLL = { timeout: 30_000, interval: 100 }
const DESCRIPTION = `Order #42 <script>alert(1)</script> & "friends" <img src=x onerror=alert(2)>`

let browser: Browser
let stack: Stack

beforeAll(async () => {
  ;[browser, stack] = await Promise.all([launchBrowser(), startStack()])
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await stack?.close()
}, 60_000)

const tokenOf = (c: ApiCheckoutJson): string => {
  const t = c.checkout_url.split("/p/")[1]
  if (t === undefined) throw new Error(`no token in ${c.checkout_url}`)
  return t
}

const open = async (
  url: string,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{
  context: BrowserContext
  page: Page
  response: Response | null
  watch: Awaited<ReturnType<typeof watchPage>>
}> => {
  const context = await browser.newContext({ locale: "en-US", ...options })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const watch = await watchPage(page)
  const response = await page.goto(url)
  return { context, page, response, watch }
}

const statusText = (page: Page) => page.locator("#status-text").textContent()

/** The devnet token behind a payment option (by the contract in its EIP-681 URI; never the fake USDT). */
const tokenFor = (uri: string) => {
  const contract = /^ethereum:(0x[0-9a-fA-F]{40})@/.exec(uri)?.[1]?.toLowerCase()
  const token = Object.entries(DEVNET_TOKENS).find(
    ([k, x]) => k !== "FAKE_USDT" && x.address.toLowerCase() === contract,
  )?.[1]
  if (token === undefined) throw new Error(`no devnet token for ${uri}`)
  return token
}

describe("hosted checkout page, end to end (server + worker + devnet + Chromium)", () => {
  it("renders the API's payment options with an escaped description, a decodable QR code and a clean CSP", async () => {
    const c = await stack.createCheckout({
      amount: "25.00",
      currency: "USD",
      description: DESCRIPTION,
      redirect_url: `${stack.site.origin}/thanks`,
    })
    expect(c.payment_options.map((o) => [o.network, o.crypto_currency])).toEqual([
      ["devnet", "USDT"],
      ["devnet", "USDC"],
      ["devnet", "USDT18"],
    ])
    const address = c.payment_options[0]!.address
    // one deposit address per checkout, derived from the merchant's xpub, not a funded devnet account
    expect(new Set(c.payment_options.map((o) => o.address))).toEqual(new Set([address]))
    const ours = Array.from({ length: 10 }, (_, i) => merchantAddressAt(i).toLowerCase())
    expect(ours).toContain(address.toLowerCase())
    expect(FUNDED_ADDRESSES.has(address.toLowerCase())).toBe(false)

    const { context, page, response, watch } = await open(c.checkout_url)
    try {
      expect(response?.status()).toBe(200)
      const csp = (await response?.allHeaders())?.["content-security-policy"] ?? ""
      expect(csp).toMatch(/script-src[^;]*'nonce-/)
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/)

      // merchant-provided strings are text, never markup
      expect(await page.locator("#merchant").textContent()).toBe("Acme <Coffee> & Co")
      expect(await page.locator("#description").textContent()).toBe(DESCRIPTION)
      expect(await page.locator("#description *").count()).toBe(0)
      expect(await page.locator("img").count()).toBe(0)
      expect(await page.locator("script").count()).toBe(2) // the JSON data block and the nonced script
      expect(await statusText(page)).toBe("Waiting for your payment…")

      for (const [i, o] of c.payment_options.entries()) {
        await page.locator(`label:has(#opt-${i})`).click()
        await page.locator(`#panel-${i}`).waitFor({ state: "visible" })
        expect(await page.locator(".panel:visible").count()).toBe(1)
        expect(await page.locator(`#address-${i}`).textContent()).toBe(o.address)
        expect(await page.locator(`#amount-${i}`).textContent()).toBe(o.amount_crypto.replace(/\.?0+$/, ""))
        // the URI itself is the EIP-681 transfer of exactly that amount of that token to that address
        const token = tokenFor(o.uri)
        expect(token.symbol).toBe(o.crypto_currency)
        expect(o.uri).toBe(
          `ethereum:${token.address}@31337/transfer?address=${o.address}&uint256=${parseUnits(o.amount_crypto, token.decimals)}`,
        )
        expect(parseUnits(o.amount_crypto, token.decimals)).toBe(parseUnits("25", token.decimals))
        expect(await decodeQr(page, `#panel-${i} svg.qr`)).toBe(o.uri)
      }

      // the copy button copies the real deposit address
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url })
      await page.locator("label:has(#opt-1)").click()
      await page.locator("#panel-1").getByRole("button", { name: "Copy address" }).click()
      expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(address)

      await page.setViewportSize({ width: 375, height: 812 })
      await page.locator("label:has(#opt-0)").click()
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375)
      expect(await decodeQr(page, "#panel-0 svg.qr")).toBe(c.payment_options[0]!.uri)
      await page.screenshot({ path: join(ARTIFACTS, "e2e-checkout-375.png"), fullPage: true })
      await page.setViewportSize({ width: 1280, height: 900 })
      await page.screenshot({ path: join(ARTIFACTS, "e2e-checkout-desktop.png"), fullPage: true })

      expect(watch.dialogs).toEqual([])
      expect(watch.pageErrors).toEqual([])
      expect(watch.consoleViolations).toEqual([])
      expect(await watch.domViolations()).toEqual([])
      expect(watch.foreignRequests).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("an exact payment on the devnet: payment detected 1/2 → paid → redirect to redirect_url", async () => {
    const redirectUrl = `${stack.site.origin}/thanks?order=paid-1`
    const c = await stack.createCheckout({
      amount: "12.34",
      currency: "USD",
      description: "Exact payment",
      redirect_url: redirectUrl,
    })
    const usdc = c.payment_options.find((o) => o.crypto_currency === "USDC")!
    expect(usdc.amount_crypto).toBe("12.340000")
    const { context, page, watch } = await open(c.checkout_url)
    try {
      expect(await statusText(page)).toBe("Waiting for your payment…")
      // Hold the chain at the payment's block so that "1 of 2 confirmations" is observable, whatever the
      // page's polling interval; the transfer itself is mined at once (automine).
      await stack.intervalMining(0)
      try {
        await payTo({
          rpcUrl: stack.devnet.rpcUrl,
          token: DEVNET_TOKENS.USDC,
          to: usdc.address,
          amount: parseUnits(usdc.amount_crypto, 6),
        })
        await expect
          .poll(() => statusText(page), POLL)
          .toBe("Payment detected. Waiting for confirmations: 1/2")
        expect(
          await page.evaluate('[document.querySelector("#conf").value, document.querySelector("#conf").max]'),
        ).toEqual([1, 2])
        expect(await page.locator("#pay").isVisible()).toBe(false)
        expect((await stack.getCheckout(c.id)).status).toBe("processing")
      } finally {
        await stack.intervalMining(300)
      }
      await expect.poll(() => statusText(page), POLL).toBe("Paid. Thank you!")
      expect(await page.getByRole("link", { name: "Go now" }).getAttribute("href")).toBe(redirectUrl)
      await page.waitForURL(redirectUrl, { timeout: 20_000 })
      expect(await page.locator("h1").textContent()).toBe("Thank you for your order")
      expect(stack.site.hits).toContain("/thanks?order=paid-1")
      const after = await stack.getCheckout(c.id)
      expect([after.status, after.amount_paid]).toEqual(["completed", "12.34"])
      expect(watch.pageErrors).toEqual([])
      expect(watch.consoleViolations).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("an underpayment shows the amount still due, to the same address, with the API's new amounts", async () => {
    const c = await stack.createCheckout({ amount: "20.00", currency: "USD", description: "Underpaid" })
    const usdt = c.payment_options[0]!
    expect(usdt.crypto_currency).toBe("USDT")
    const { context, page, watch } = await open(c.checkout_url)
    try {
      await payTo({
        rpcUrl: stack.devnet.rpcUrl,
        token: DEVNET_TOKENS.USDT,
        to: usdt.address,
        amount: 5_000_000n,
      })
      await expect
        .poll(() => statusText(page), POLL)
        .toBe("Partly paid: 5.00\u00a0USD of 20.00\u00a0USD received.")
      expect(await page.locator("#status-extra").textContent()).toBe(
        "Still due: 15.00\u00a0USD. Send the rest to the same address.",
      )
      const api = await stack.getCheckout(c.id)
      expect([api.status, api.amount_paid]).toEqual(["underpaid", "5.00"])
      const due = api.payment_options[0]!
      expect([due.address, due.amount_crypto]).toEqual([usdt.address, "15.000000"])
      // the page reloads once to get the server's new amounts and QR code
      await expect.poll(() => page.locator("#amount-0").textContent(), POLL).toBe("15")
      expect(await page.locator("#panel-0 .remaining").textContent()).toBe(
        "Remaining of 20\u00a0USDT in total.",
      )
      expect(await page.locator("#pay").isVisible()).toBe(true)
      expect(await page.locator("#address-0").textContent()).toBe(usdt.address)
      expect(await decodeQr(page, "#panel-0 svg.qr")).toBe(due.uri)
      expect(due.uri).toContain("&uint256=15000000")
      expect(watch.pageErrors).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("an expired checkout says so and offers nothing to pay", async () => {
    const c = await stack.createCheckout({ amount: "9.99", currency: "USD", description: "Too late" })
    await stack.expire(c.id)
    expect((await stack.getCheckout(c.id)).status).toBe("expired")
    const { context, page, response, watch } = await open(c.checkout_url)
    try {
      expect(response?.status()).toBe(200)
      expect(await statusText(page)).toBe("This checkout has expired. Do not send any payment to it.")
      expect(await page.locator("#pay").count()).toBe(0)
      expect(await page.locator("svg.qr").count()).toBe(0)
      const html = await page.content()
      for (const o of c.payment_options) {
        expect(html).not.toContain(o.address)
        expect(html).not.toContain(o.uri)
      }
      const status = await http(`${stack.url}/p/${tokenOf(c)}/status`)
      expect((JSON.parse(status.text) as { status: string }).status).toBe("expired")
      expect(watch.pageErrors).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("the real page speaks the customer's language (Accept-Language)", async () => {
    const c = await stack.createCheckout({ amount: "5.00", currency: "USD", description: "Idiomas" })
    for (const [locale, lang, waiting] of [
      ["es-ES", "es", "Esperando su pago…"],
      ["ru-RU", "ru", "Ожидаем ваш платёж…"],
      ["zh-CN", "zh", "正在等待您的付款…"],
    ] as const) {
      const { context, page } = await open(c.checkout_url, { locale })
      try {
        expect(await page.locator("html").getAttribute("lang")).toBe(lang)
        expect(await statusText(page)).toBe(waiting)
        expect(await page.locator("#address-0").textContent()).toBe(c.payment_options[0]!.address)
      } finally {
        await context.close()
      }
    }
  })

  it("an unknown token is a 404 page (and a 404 status)", async () => {
    for (const token of ["abcdefghijklmnopqrstuvwx", "not-a-token", "%3Cscript%3E"]) {
      const { context, page, response, watch } = await open(`${stack.url}/p/${token}`)
      try {
        expect(response?.status()).toBe(404)
        expect(await page.locator("h1").count()).toBe(1)
        expect(await page.locator("#nf-h").isVisible()).toBe(true)
        expect(await page.locator("#pay").count()).toBe(0)
        expect(watch.dialogs).toEqual([])
      } finally {
        await context.close()
      }
    }
    const s = await http(`${stack.url}/p/abcdefghijklmnopqrstuvwx/status`)
    expect(s.status).toBe(404)
  })

  it("/p/<token>/status never contains metadata, customer_email or webhook_url", async () => {
    const c = await stack.createCheckout({
      amount: "30.00",
      currency: "USD",
      description: "Private fields",
      metadata: { order_id: "ord-secret-7731", user: { id: "usr-secret-55" } },
      customer_email: "buyer.secret@example.com",
      webhook_url: "https://hooks.example.test/secret-webhook-path",
      redirect_url: `${stack.site.origin}/thanks`,
    })
    // stored and returned to the merchant …
    const apiText = JSON.stringify(await stack.getCheckout(c.id))
    for (const s of ["ord-secret-7731", "usr-secret-55", "buyer.secret@example.com"])
      expect(apiText).toContain(s)
    expect((await stack.storedWebhookUrl(c.id)).webhook_url).toBe(
      "https://hooks.example.test/secret-webhook-path",
    )
    // … but never to the public
    const status = await http(`${stack.url}/p/${tokenOf(c)}/status`)
    expect(status.status).toBe(200)
    const page = await http(c.checkout_url)
    expect(page.status).toBe(200)
    for (const text of [status.text, page.text]) {
      for (const s of [
        "metadata",
        "customer_email",
        "webhook_url",
        "ord-secret-7731",
        "usr-secret-55",
        "buyer.secret@example.com",
        "secret-webhook-path",
        "hooks.example.test",
      ])
        expect(text).not.toContain(s)
    }
    const body = JSON.parse(status.text) as Record<string, unknown>
    expect(body.status).toBe("pending")
    expect(body.expires_at).toBe(c.expires_at)
  })
})
