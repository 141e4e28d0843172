/**
 * Benchmark: weight of the hosted checkout page's first load, as Chromium counts it (`transferSize` of every
 * resource: headers and body), against a baseline in the same run: a bare HTML page carrying the same facts
 * (merchant, amount, per option the token amount, address and memo) with no style, script, QR code or icon — the
 * floor of a page that says what to pay.
 *
 * Rows: the page rendered by the server's own code (`@inzi/server/page`, served by node:http with the real
 * security headers) with 1, 3 and 7 network/token options, pending, in English and Russian (the longest texts);
 * the paid page with its receipt; the 7-option page branded with an accent colour and an uploaded 8 KiB logo (the
 * logo is a second request). `gzip` is what a compressing reverse proxy would send for the HTML (zlib level 6).
 * Target (issue #27): first load under 60 000 bytes transferred, without a logo.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { gzipSync } from "node:zlib"
import {
  generateNonce,
  type Locale,
  PAGE_CONTENT_TYPE,
  type PageOption,
  type PageView,
  pageCspFor,
  pageSecurityHeaders,
  renderCheckoutPage,
} from "@inzi/server/page"
import { chromium } from "playwright-core"
import { appendResult, fmt, machineFacts, table } from "./lib/results.js"

const BUDGET = 60_000
const facts = machineFacts()
const TOKEN = "k3j9x2m1q8w7e5r4t6y0u2i9"
const NOW = new Date("2026-04-04T12:00:00Z")
const LOGO_SHA = "a".repeat(64)

const TON: PageOption = {
  network: "ton",
  networkLabel: "TON",
  icon: "ton",
  token: "USDT",
  amountCrypto: "25.000000",
  amountDue: "25.000000",
  address: "EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ",
  memo: "K7P2M9QX",
  uri: "ton://transfer/EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ?jetton=EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs&amount=25000000&text=K7P2M9QX",
  confirmationsRequired: 1,
}
const TRON: PageOption = {
  ...TON,
  network: "tron",
  networkLabel: "Tron (TRC-20)",
  icon: "tron",
  address: "TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18",
  memo: null,
  uri: "TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18",
  confirmationsRequired: 19,
}
const EVM_ICONS: Record<string, string> = {
  base: "base",
  ethereum: "eth",
  bsc: "bsc",
  polygon: "pol",
  arbitrum: "arb",
}
const evm = (network: string, label: string, chainId: number, token: string, i: number): PageOption => {
  const address = `0x${(i + 1).toString(16).repeat(40)}`
  return {
    ...TON,
    network,
    icon: EVM_ICONS[network] ?? "eth",
    networkLabel: label,
    token,
    address,
    memo: null,
    uri: `ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@${chainId}/transfer?address=${address}&uint256=25000000`,
    confirmationsRequired: 12,
  }
}
const SEVEN = [
  TON,
  TRON,
  evm("base", "Base (ERC-20)", 8453, "USDC", 0),
  evm("ethereum", "Ethereum (ERC-20)", 1, "USDT", 1),
  evm("bsc", "BNB Smart Chain (BEP-20)", 56, "USDC", 2),
  evm("polygon", "Polygon (ERC-20)", 137, "USDT", 3),
  evm("arbitrum", "Arbitrum One (ERC-20)", 42161, "USDC", 4),
]

const view = (options: ReadonlyArray<PageOption>, extra: Partial<PageView> = {}): PageView => ({
  merchantName: "Acme Coffee Roasters",
  description: "Order #12345 — 2 × Ethiopia Yirgacheffe, 250 g",
  amount: "25.00",
  status: "pending",
  amountPaid: "0.00",
  expiresAt: "2026-04-04T12:30:00Z",
  redirectUrl: null,
  statusUrl: `/p/${TOKEN}/status`,
  eventsUrl: `/p/${TOKEN}/events`,
  confirmations: 0,
  options,
  ...extra,
})

/** The baseline: the same facts as bare HTML (no style, script, QR code or icon). */
const bare = (v: PageView): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay ${v.merchantName}</title></head><body>` +
  `<h1>${v.merchantName}</h1><p>${v.description}</p><p>${v.amount} USD</p>` +
  v.options
    .map(
      (o) =>
        `<h2>${o.token} · ${o.networkLabel}</h2><p>Send ${o.amountDue} ${o.token} to ${o.address}${o.memo ? ` with comment ${o.memo}` : ""}</p>`,
    )
    .join("") +
  `</body></html>`

interface Case {
  readonly name: string
  readonly locale: Locale
  readonly view: PageView
  readonly bare?: boolean
}

const paid = view(SEVEN.slice(0, 3), {
  status: "completed",
  amountPaid: "25.00",
  checkoutId: `chk_test_${TOKEN}`,
  payments: [
    {
      network: "tron",
      networkLabel: "Tron (TRC-20)",
      token: "USDT",
      amount: "25.000000",
      txHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      explorerUrl:
        "https://tronscan.org/#/transaction/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      status: "confirmed",
      confirmations: 19,
      confirmationsRequired: 19,
      at: "2026-04-04T12:01:30.000Z",
    },
  ],
})
const branded = view(SEVEN, { accentColor: "#0a7f5c", logoUrl: `/p/logo/${LOGO_SHA}.png` })
const CASES: ReadonlyArray<Case> = [
  { name: "baseline: bare HTML, same facts, 7 options", locale: "en", view: view(SEVEN), bare: true },
  { name: "pending, 1 option (TON), en", locale: "en", view: view([TON]) },
  { name: "pending, 3 options, en", locale: "en", view: view(SEVEN.slice(0, 3)) },
  { name: "pending, 7 options, en", locale: "en", view: view(SEVEN) },
  { name: "pending, 7 options, ru", locale: "ru", view: view(SEVEN) },
  { name: "paid with receipt, 3 options, en", locale: "en", view: paid },
  { name: "branded (accent + 8 KiB logo), 7 options, en", locale: "en", view: branded },
]

const LOGO = Buffer.alloc(8 * 1024, 0x42)
Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(LOGO)

let current: Case = CASES[0]!
const htmlOf = (c: Case, nonce: string) =>
  c.bare
    ? bare(c.view)
    : renderCheckoutPage(c.view, { locale: c.locale, nonce, publicUrl: "https://pay.example.com", now: NOW })
const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname
  if (path === `/p/${TOKEN}`) {
    const nonce = generateNonce()
    res.writeHead(200, {
      ...pageSecurityHeaders(nonce, pageCspFor(current.view)),
      "Content-Type": PAGE_CONTENT_TYPE,
    })
    res.end(htmlOf(current, nonce))
  } else if (path === `/p/logo/${LOGO_SHA}.png`) {
    res.writeHead(200, {
      "Content-Type": "image/png",
      "Cache-Control": "public, max-age=31536000, immutable",
    })
    res.end(LOGO)
  } else res.writeHead(404).end() // status/events: not part of the first load's weight
})
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
})
interface Measured {
  readonly c: Case
  readonly html: number
  readonly transferred: number
  readonly requests: number
  readonly gzip: number
}
const results: Array<Measured> = []
try {
  for (const c of CASES) {
    current = c
    const context = await browser.newContext({ locale: c.locale })
    const page = await context.newPage()
    await page.goto(`${origin}/p/${TOKEN}`, { waitUntil: "load" })
    const sizes = await page.evaluate<Array<number>>(
      "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]" +
        ".filter((e) => !/\\/(status|events)$/.test(e.name)).map((e) => e.transferSize)",
    )
    const html = htmlOf(c, "AAAAAAAAAAAAAAAAAAAAAA==")
    results.push({
      c,
      html: Buffer.byteLength(html),
      transferred: sizes.reduce((a, b) => a + b, 0),
      requests: sizes.length,
      gzip: gzipSync(html, { level: 6 }).length,
    })
    await context.close()
  }
} finally {
  await browser.close()
  server.close()
}

const baseline = results[0]!.transferred
const worst = Math.max(...results.filter((r) => !r.c.bare && !r.c.view.logoUrl).map((r) => r.transferred))
const body = [
  `- Heaviest unbranded first load: ${fmt(worst)} bytes transferred (${fmt(worst / baseline, 1)} × the bare-HTML baseline of ${fmt(baseline)} bytes) — target < ${BUDGET}: ${worst < BUDGET ? "met" : "missed"}.`,
  "",
  table(
    ["page", "requests", "HTML bytes", "transferred bytes", "× baseline", "gzip HTML bytes", `< ${BUDGET}`],
    results.map((r) => [
      r.c.name,
      r.requests,
      fmt(r.html),
      fmt(r.transferred),
      fmt(r.transferred / baseline, 1),
      fmt(r.gzip),
      r.c.bare ? "-" : r.transferred < BUDGET ? "yes" : r.c.view.logoUrl ? "no (logo)" : "no",
    ]),
  ),
].join("\n")
console.log(body)
appendResult("page", body, facts)
