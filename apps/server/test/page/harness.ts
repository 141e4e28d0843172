import { mkdirSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import jsQRModule from "jsqr"
import { type Browser, chromium, type Page } from "playwright-core"
import { PNG } from "pngjs"
import {
  generateNonce,
  PAGE_CONTENT_TYPE,
  type PageStatusJson,
  type PageView,
  localeForRequest,
  pageCspFor,
  pageSecurityHeaders,
  renderCheckoutPage,
  renderNotFoundPage,
} from "../../src/page/index.js"
import { statusPayments } from "../../src/routes/page.js"
import { TOKEN } from "./fixtures.js"

export { BASE_URI, sampleView, TOKEN, TON_URI } from "./fixtures.js"

export const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url))
mkdirSync(ARTIFACTS, { recursive: true })

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  })

export interface PageServer {
  readonly origin: string
  readonly pageUrl: string
  /** The view the page route renders (mutable: tests script it). */
  view: PageView
  /** The JSON the status route returns; defaults to what the view says. */
  status: PageStatusJson | null
  /** While > 0, the status route answers 500 (and decrements it): a flaky backend. */
  failures: number
  /** Paths requested so far, in order. */
  readonly requests: Array<string>
  /** Whether `/p/<TOKEN>/events` streams the status (server-sent events); otherwise it is a 404. */
  events: boolean
  close(): Promise<void>
}

export const statusOf = (view: PageView): PageStatusJson => ({
  status: view.status,
  amount_paid: view.amountPaid,
  confirmations: view.confirmations,
  confirmations_required: view.confirmationsRequired ?? view.options[0]?.confirmationsRequired ?? 1,
  expires_at: view.expiresAt,
  payments: statusPayments(view),
})

/**
 * A tiny node:http server: `/p/<TOKEN>` renders the page with a fresh nonce and the real security
 * headers, `/p/<TOKEN>/status` serves the scripted status, `/thanks` is the merchant's redirect target,
 * anything else under `/p/` is the 404 page, and `/csp-probe` is a page with an inline script lacking
 * the nonce (to prove the CSP blocks it).
 */
export const startPageServer = async (
  view: PageView,
  render: { pollIntervalMs?: number; redirectDelayMs?: number; now?: Date; publicUrl?: string } = {},
): Promise<PageServer> => {
  const requests: Array<string> = []
  let origin = ""
  const state: PageServer = {
    origin: "",
    pageUrl: "",
    view,
    status: null,
    failures: 0,
    requests,
    events: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname
    requests.push(path)
    const { locale, setCookie } = localeForRequest({
      url: req.url ?? "/",
      cookie: req.headers.cookie,
      acceptLanguage: req.headers["accept-language"],
    })
    if (path === `/p/${TOKEN}`) {
      const nonce = generateNonce()
      const html = renderCheckoutPage(state.view, {
        locale,
        nonce,
        publicUrl: render.publicUrl ?? origin,
        pollIntervalMs: render.pollIntervalMs ?? 150,
        redirectDelayMs: render.redirectDelayMs ?? 800,
        now: render.now,
      })
      res.writeHead(200, {
        ...pageSecurityHeaders(nonce, pageCspFor(state.view)),
        "Content-Type": PAGE_CONTENT_TYPE,
        ...(setCookie === null ? {} : { "Set-Cookie": setCookie }),
      })
      res.end(html)
    } else if (path === `/p/${TOKEN}/status`) {
      if (state.failures > 0) {
        state.failures--
        res.writeHead(500, { "Content-Type": "application/json" }).end('{"error":{"type":"api_error"}}')
        return
      }
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" })
      res.end(JSON.stringify(state.status ?? statusOf(state.view)))
    } else if (path === `/p/${TOKEN}/events` && state.events) {
      // Like the real route: the status at once and on every change (checked every 40 ms).
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" })
      let last = ""
      const push = () => {
        const body = JSON.stringify(state.status ?? statusOf(state.view))
        if (body !== last) res.write(`event: status\ndata: ${body}\n\n`)
        last = body
      }
      push()
      const timer = setInterval(push, 40)
      res.on("close", () => clearInterval(timer))
    } else if (path === "/thanks") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      res.end("<!doctype html><title>Thanks</title><h1>Thanks from the merchant</h1>")
    } else if (path === "/csp-probe") {
      const nonce = generateNonce()
      res.writeHead(200, { ...pageSecurityHeaders(nonce), "Content-Type": PAGE_CONTENT_TYPE })
      res.end(
        `<!doctype html><title>probe</title><script>window.__ran = true</script>` +
          `<script nonce="${nonce}">window.__nonced = true</script><div style="color:red">x</div>`,
      )
    } else if (path === "/favicon.ico") {
      res.writeHead(404).end()
    } else {
      const nonce = generateNonce()
      res.writeHead(404, { ...pageSecurityHeaders(nonce), "Content-Type": PAGE_CONTENT_TYPE })
      res.end(renderNotFoundPage(locale))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  Object.assign(state, { origin, pageUrl: `${origin}/p/${TOKEN}` })
  return state
}

/**
 * Count CSP violations: a `securitypolicyviolation` listener installed before any page script (CDP
 * init scripts are not subject to the page's CSP), plus Chromium's console reports, plus any dialog.
 */
export const watchPage = async (page: Page) => {
  const consoleViolations: Array<string> = []
  const dialogs: Array<string> = []
  const pageErrors: Array<string> = []
  const foreignRequests: Array<string> = []
  await page.addInitScript({
    content:
      "window.__csp = []; document.addEventListener('securitypolicyviolation', " +
      "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))",
  })
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) consoleViolations.push(msg.text())
  })
  page.on("dialog", (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  page.on("pageerror", (e) => pageErrors.push(String(e)))
  page.on("request", (r) => {
    if (!r.url().startsWith("http://127.0.0.1:")) foreignRequests.push(r.url())
  })
  return {
    consoleViolations,
    dialogs,
    pageErrors,
    foreignRequests,
    domViolations: () => page.evaluate<Array<string>>("window.__csp ?? []"),
  }
}

// jsqr is CommonJS with an ES-style `default` in its types: take whichever the loader gives.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ??
  jsQRModule) as typeof jsQRModule.default

/** Screenshot an element (the QR code's SVG as the browser rasterises it) and decode it with jsQR. */
export const decodeQr = async (page: Page, selector: string): Promise<string | null> => {
  const png = PNG.sync.read(await page.locator(selector).screenshot())
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null
}
