import { randomBytes } from "node:crypto"
import { escapeHtml } from "../page/escape.js"
import { HttpResponse } from "../http/response.js"

/** HTML that is already safe (our own markup); anything else interpolated into `html` is escaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const part = (v: unknown): string => {
  if (v instanceof Html) return v.text
  if (v === null || v === undefined || v === false) return ""
  if (Array.isArray(v)) return v.map(part).join("")
  if (typeof v === "bigint") return v.toString()
  return escapeHtml(String(v))
}

/**
 * The console's only way to write markup: every interpolated value that is not an `Html` (merchant names,
 * descriptions, metadata, chain data, errors) goes through the page's `escapeHtml`.
 */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Html => {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1]!
  return new Html(out)
}

/**
 * The console's Content-Security-Policy: nothing but its own origin's scripts and stylesheets (served from
 * node_modules and this module, never a CDN), forms posted to itself only, no framing.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
}

export interface NavUser {
  readonly email: string
  readonly merchantId: string | null
  readonly csrf: string
}

const NAV: ReadonlyArray<readonly [string, string, boolean]> = [
  ["/console/overview", "Overview", false],
  ["/console/checkouts", "Checkouts", false],
  ["/console/unmatched", "Unmatched", true],
  ["/console/watchers", "Watchers", true],
  ["/console/merchants", "Merchants & keys", false],
  ["/console/audit", "Audit log", false],
]

/** A whole console page. `user` null: the login page (no navigation). */
export const page = (title: string, user: NavUser | null, body: Html, opts: { scripts?: boolean } = {}) =>
  html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Inzi console</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console/assets/console.css">
${opts.scripts ? html`<link rel="stylesheet" href="/console/assets/uplot.css"><script src="/console/assets/uplot.js" defer></script><script src="/console/assets/console.js" defer></script>` : ""}
</head><body>
${
  user === null
    ? ""
    : html`<header><nav aria-label="Console"><span class="brand">Inzi</span><ul>${NAV.filter(
        ([, , opOnly]) => !opOnly || user.merchantId === null,
      ).map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`)}</ul>
<form method="post" action="/console/logout" class="logout"><input type="hidden" name="_csrf" value="${user.csrf}">
<span class="who">${user.email}${user.merchantId === null ? " (operator)" : html` (merchant ${user.merchantId})`}</span>
<button type="submit">Sign out</button></form></nav></header>`
}
<main id="main"><h1>${title}</h1>
${body}
</main></body></html>`

export const htmlResponse = (doc: Html, status = 200, headers: Record<string, string> = {}) =>
  new HttpResponse(status, doc.text, {
    "content-type": "text/html; charset=utf-8",
    ...CONSOLE_HEADERS,
    ...headers,
  })

/** A hidden CSRF field for a form. */
export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`

/** An id for a form control (labels point at it). */
export const controlId = (): string => `f${randomBytes(4).toString("hex")}`

export const CONSOLE_CSS = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1f2b;background:#f6f7f9}
body{margin:0}
header{background:#1a1f2b;color:#fff}
nav{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.5rem 1rem}
nav ul{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;margin:0;padding:0}
nav a{color:#fff}
.brand{font-weight:700}
.logout{margin-left:auto;display:flex;gap:.5rem;align-items:center}
.who{font-size:.9rem}
main{padding:1rem 1.5rem;max-width:80rem}
h1{font-size:1.5rem}
h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0}
th,td{border:1px solid #c8ccd4;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0}
code,.mono{font-family:ui-monospace,monospace;word-break:break-all}
form.inline{display:inline}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:.5rem 0}
label{display:flex;flex-direction:column;font-size:.85rem;gap:.2rem}
input,select,button{font:inherit;padding:.3rem .5rem}
button{background:#1d4ed8;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.danger{background:#b91c1c}
a{color:#1d4ed8}
header a{color:#fff}
.error{background:#fde8e8;border:1px solid #b91c1c;padding:.5rem 1rem;color:#7f1d1d}
.notice{background:#e6f4ea;border:1px solid #166534;padding:.5rem 1rem;color:#14532d}
.secret{font-family:ui-monospace,monospace;background:#fff;border:1px dashed #1a1f2b;padding:.5rem;word-break:break-all}
.stats{display:flex;flex-wrap:wrap;gap:1rem}
.stat{background:#fff;border:1px solid #c8ccd4;padding:.5rem 1rem;min-width:10rem}
.stat strong{display:block;font-size:1.4rem}
.chart{background:#fff;border:1px solid #c8ccd4;padding:.5rem;margin:.5rem 0;min-height:1rem}
.login{max-width:24rem;margin:3rem auto;background:#fff;padding:1rem 1.5rem;border:1px solid #c8ccd4}
.login form{display:flex;flex-direction:column;gap:.75rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
`
