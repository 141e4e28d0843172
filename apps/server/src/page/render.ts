import { CLIENT_SCRIPT } from "./client.js"
import { brandCss, safeLogoUrl } from "./brand.js"
import { escapeHtml as h, isHttpUrl, jsonForScript } from "./escape.js"
import { isValidNonce } from "./headers.js"
import { icon, iconSprite, networkIcon, tokenIcon } from "./icons.js"
import { format, LANGUAGE_NAMES, LOCALES, type Locale, type Messages, messagesFor } from "./i18n.js"
import { qrSvg } from "./qr.js"
import { PAGE_CSS } from "./styles.js"
import type { PageOption, PagePayment, PageStatus, PageView } from "./view.js"

export interface RenderCheckoutPageOptions {
  readonly locale: Locale
  /** The CSP nonce sent in this response's `Content-Security-Policy` (see `pageSecurityHeaders`). */
  readonly nonce: string
  /** The operator's public base URL (`PUBLIC_URL`); its host is shown in the footer. */
  readonly publicUrl: string
  /** Index of the option selected when the page opens (default 0). */
  readonly selectedOption?: number | undefined
  /** Render time (default: now); the script corrects the customer's clock skew against it. */
  readonly now?: Date | undefined
  /** Status polling interval in ms (default 2500). */
  readonly pollIntervalMs?: number | undefined
  /** Delay before redirecting a paid customer to `redirect_url`, in ms (default 3000). */
  readonly redirectDelayMs?: number | undefined
}

/** The strings the page's script uses (the rest are rendered by the server): less to download. */
const CLIENT_KEYS = [
  "confirmationsOf",
  "copied",
  "copiedAddress",
  "copiedAmount",
  "copiedComment",
  "copy",
  "copyFailed",
  "expiredShort",
  "expiredUnderpaid",
  "received",
  "redirecting",
  "statusCompleted",
  "statusExpired",
  "statusPending",
  "statusProcessing",
  "statusUnderpaid",
  "stillDue",
  "transaction",
] as const satisfies ReadonlyArray<keyof Messages>

const clientMessages = (m: Messages): Pick<Messages, (typeof CLIENT_KEYS)[number]> =>
  Object.fromEntries(CLIENT_KEYS.map((k) => [k, m[k]])) as Pick<Messages, (typeof CLIENT_KEYS)[number]>

const DEFAULT_POLL_MS = 2500
const DEFAULT_REDIRECT_MS = 3000

/** `"25.00"` → 2500n. Lenient: anything unparsable counts as 0. */
const toCents = (usd: string): bigint => {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(usd.trim())
  return m ? BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0")) : 0n
}
const fromCents = (c: bigint): string => {
  const v = c < 0n ? 0n : c
  return `${v / 100n}.${(v % 100n).toString().padStart(2, "0")}`
}

/** USD still due, 2 decimals. */
export const amountDueUsd = (view: PageView): string =>
  view.amountDue ?? fromCents(toCents(view.amount) - toCents(view.amountPaid))

const countdownText = (ms: number, m: Messages): string => {
  const left = Math.max(0, Math.ceil(ms / 1000))
  if (left === 0) return m.expiredShort
  const hours = Math.floor(left / 3600)
  const minutes = Math.floor((left % 3600) / 60)
  const seconds = left % 60
  const p = (n: number) => n.toString().padStart(2, "0")
  return hours > 0 ? `${hours}:${p(minutes)}:${p(seconds)}` : `${minutes}:${p(seconds)}`
}

const utcDeadline = (expires: Date, now: Date): string => {
  const iso = expires.toISOString()
  const hhmm = iso.slice(11, 16)
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? hhmm : `${iso.slice(0, 10)} ${hhmm}`
}

const optionTitle = (o: PageOption): string => `${o.token} · ${o.networkLabel}`

interface StatusText {
  readonly text: string
  readonly extra: string
  /** Whether payment instructions are offered at all (rendered). */
  readonly offerPayment: boolean
  /** Whether they are visible now. */
  readonly showPayment: boolean
}

const statusText = (view: PageView, m: Messages, expired: boolean, required: number): StatusText => {
  const status: PageStatus = view.status === "pending" && expired ? "expired" : view.status
  switch (status) {
    case "pending":
      return { text: m.statusPending, extra: "", offerPayment: true, showPayment: true }
    case "processing":
      return {
        text: format(m.statusProcessing, { x: view.confirmations, n: required }),
        extra: "",
        offerPayment: true,
        showPayment: false,
      }
    case "completed":
      return { text: m.statusCompleted, extra: "", offerPayment: false, showPayment: false }
    case "expired":
      return { text: m.statusExpired, extra: "", offerPayment: false, showPayment: false }
    case "underpaid":
      return expired
        ? {
            text: format(m.expiredUnderpaid, {
              paid: view.amountPaid,
              amount: view.amount,
              merchant: view.merchantName,
            }),
            extra: "",
            offerPayment: false,
            showPayment: false,
          }
        : {
            text: format(m.statusUnderpaid, { paid: view.amountPaid, amount: view.amount }),
            extra: format(m.stillDue, { due: amountDueUsd(view) }),
            offerPayment: true,
            showPayment: true,
          }
  }
}

/** `done`: the key of the script's "… copied" announcement. */
const copyButton = (target: string, label: string, done: CopiedKey, m: Messages): string =>
  `<button type="button" class="copy" data-copy="${h(target)}" data-announce="${done}" aria-label="${h(label)}" hidden>${h(m.copy)}</button>`

type CopiedKey = "copiedAmount" | "copiedAddress" | "copiedComment"

/**
 * `"25.000000"` → `"25"`, `"15.500000"` → `"15.5"`: the same value, shorter to read and to type (what the
 * copy button copies too). Anything that is not a plain decimal is left as it is.
 */
export const trimAmount = (amount: string): string =>
  /^\d+\.\d+$/.test(amount) ? amount.replace(/\.?0+$/, "") : amount

/**
 * The option's link a wallet app opens (EIP-681 `ethereum:`, `ton://transfer`, Solana Pay `solana:`),
 * or `null` where the network has none and the QR code holds only the address (Tron).
 */
export const walletLink = (uri: string): string | null =>
  /^(ethereum|ton|solana|tron):/i.test(uri) ? uri : null

/** Font step for the big amount, so a long value still fits a 320 px screen on one line. */
const amountSize = (chars: number): string => (chars > 22 ? " xs" : chars > 16 ? " sm" : "")

const renderPanel = (o: PageOption, i: number, m: Messages): string => {
  const title = optionTitle(o)
  const due = trimAmount(o.amountDue)
  const link = walletLink(o.uri)
  const memo =
    o.memo === null
      ? ""
      : `<div class="field"><p class="label" id="memo-l-${i}">${h(m.comment)}</p>` +
        `<div class="value"><code id="memo-${i}">${h(o.memo)}</code>` +
        `${copyButton(`memo-${i}`, m.copyComment, "copiedComment", m)}</div>` +
        `<p class="warn" role="note"><strong>${h(m.commentRequired)}</strong></p></div>`
  return (
    `<div class="panel" id="panel-${i}" role="group" aria-label="${h(title)}" data-network="${h(o.network)}">` +
    `<div class="field"><p class="label" id="amount-l-${i}">${h(m.sendExactly)}</p>` +
    `<div class="value amt"><code class="big${amountSize(due.length + o.token.length)}"><span id="amount-${i}">${h(due)}</span>` +
    `<span class="unit">${h(o.token)}</span></code>${copyButton(`amount-${i}`, m.copyAmount, "copiedAmount", m)}</div>` +
    (o.amountDue !== o.amountCrypto
      ? `<p class="label remaining">${h(format(m.remainingOf, { total: trimAmount(o.amountCrypto), token: o.token }))}</p>`
      : "") +
    `</div>` +
    (link === null
      ? `<p class="note manual" role="note" id="manual-${i}">${h(m.manualAmount)}</p>`
      : `<a class="button wallet" id="wallet-${i}" href="${h(link)}">${h(m.openWallet)}</a>`) +
    `<div class="field"><p class="label" id="address-l-${i}">${h(m.depositAddress)}</p>` +
    `<div class="value"><code id="address-${i}">${h(o.address)}</code>` +
    `${copyButton(`address-${i}`, m.copyAddress, "copiedAddress", m)}</div></div>` +
    memo +
    `<div class="qr-box">${qrSvg(o.uri, format(link === null ? m.qrAddressLabel : m.qrLabel, { option: title }))}` +
    (link === null ? "" : `<p class="label">${h(m.scanHint)}</p>`) +
    `</div>` +
    `<p class="hint">${h(format(m.networkHint, { token: o.token, network: o.networkLabel }))}</p>` +
    `</div>`
  )
}

/** `0x1234abcd…9f8e7d`: enough to recognise a hash; the explorer link and the receipt carry it whole. */
const shortHash = (hash: string): string =>
  hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : hash

/** One payment line: amount received, confirmations while counted, the transaction (linked when possible). */
const paymentItem = (p: PagePayment, m: Messages): string => {
  const tx = h(format(m.transaction, { hash: shortHash(p.txHash) }))
  return (
    `<li><span>${h(format(m.received, { amount: trimAmount(p.amount), token: p.token, network: p.networkLabel }))}</span>` +
    (p.status === "detected"
      ? ` <span class="conf-n">${h(format(m.confirmationsOf, { x: p.confirmations, n: p.confirmationsRequired }))}</span>`
      : "") +
    ` ${
      p.explorerUrl !== null && isHttpUrl(p.explorerUrl)
        ? `<a href="${h(p.explorerUrl)}" title="${h(p.txHash)}" rel="noopener noreferrer" target="_blank">${tx}</a>`
        : `<span title="${h(p.txHash)}">${tx}</span>`
    }</li>`
  )
}

const paymentList = (id: string, payments: ReadonlyArray<PagePayment>, m: Messages): string =>
  `<ul class="txs" id="${id}"${payments.length === 0 ? " hidden" : ""}>${payments.map((p) => paymentItem(p, m)).join("")}</ul>`

const utcDateTime = (iso: string): string => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16).replace("T", " ")
}

/** A saveable, printable summary once the checkout is paid. */
const renderReceipt = (view: PageView, m: Messages): string => {
  const payments = view.payments ?? []
  const row = (label: string, value: string) => `<dt>${h(label)}</dt><dd>${h(value)}</dd>`
  const last = payments.at(-1)
  return (
    `<section class="card receipt" id="receipt" aria-labelledby="receipt-h"><h2 id="receipt-h">${h(m.receiptHeading)}</h2><dl>` +
    row(m.receiptMerchant, view.merchantName) +
    (view.description ? row(m.receiptDescription, view.description) : "") +
    row(m.receiptAmount, format("{a} USD", { a: view.amount })) +
    row(m.receiptPaid, format("{a} USD", { a: view.amountPaid })) +
    (last !== undefined && utcDateTime(last.at) !== "" ? row(m.receiptDate, utcDateTime(last.at)) : "") +
    (view.checkoutId ? row(m.receiptReference, view.checkoutId) : "") +
    `</dl>` +
    paymentList("receipt-txs", payments, m) +
    `<button type="button" class="copy print" id="print" hidden>${h(m.print)}</button></section>`
  )
}

/** Links to the same page in each language (`?lang=`); the server remembers the choice in a cookie. */
const languageSwitcher = (locale: Locale, m: Messages): string =>
  `<nav class="langs" aria-label="${h(m.language)}">` +
  LOCALES.map(
    (l) =>
      `<a href="?lang=${l}" hreflang="${l}" lang="${l}"${l === locale ? ' aria-current="true"' : ""}>${h(LANGUAGE_NAMES[l])}</a>`,
  ).join("") +
  `</nav>`

const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return ""
  }
}

const documentShell = (args: {
  readonly locale: Locale
  readonly title: string
  readonly head?: string
  readonly body: string
  /** A merchant's brand stylesheet (its hash goes into the CSP: `pageCspFor`). */
  readonly brandCss?: string
}): string =>
  `<!doctype html>\n<html lang="${h(args.locale)}" dir="ltr"><head><meta charset="utf-8">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="color-scheme" content="light dark"><meta name="referrer" content="no-referrer">` +
  `<meta name="robots" content="noindex, nofollow"><title>${h(args.title)}</title>` +
  `<link rel="icon" href="data:,"><style>${PAGE_CSS}</style>` +
  `${args.brandCss ? `<style>${args.brandCss}</style>` : ""}${args.head ?? ""}</head>` +
  `<body>${args.body}</body></html>\n`

/**
 * The hosted checkout page as a complete HTML document. Pure: the same input gives the same output.
 * Send it with `pageSecurityHeaders(opts.nonce)`.
 *
 * @example
 * const nonce = generateNonce()
 * const html = renderCheckoutPage(view, { locale: pickLocale(req.headers["accept-language"]), nonce, publicUrl })
 */
export const renderCheckoutPage = (view: PageView, opts: RenderCheckoutPageOptions): string => {
  if (!isValidNonce(opts.nonce)) throw new Error("CSP nonce must be at least 16 base64 characters")
  const m = messagesFor(opts.locale)
  const now = opts.now ?? new Date()
  const expires = new Date(view.expiresAt)
  const msLeft = expires.getTime() - now.getTime()
  const expired = !(msLeft > 0)
  const options = view.options
  const selected =
    opts.selectedOption !== undefined && opts.selectedOption >= 0 && opts.selectedOption < options.length
      ? opts.selectedOption
      : 0
  const required = view.confirmationsRequired ?? options[selected]?.confirmationsRequired ?? 1
  const st = statusText(view, m, expired, required)
  const shownStatus = view.status === "pending" && expired ? "expired" : view.status
  const redirectUrl = view.redirectUrl !== null && isHttpUrl(view.redirectUrl) ? view.redirectUrl : null
  const pollMs = opts.pollIntervalMs ?? DEFAULT_POLL_MS
  const redirectDelayMs = opts.redirectDelayMs ?? DEFAULT_REDIRECT_MS
  const ended = shownStatus === "expired" || (view.status === "underpaid" && expired)
  const live =
    shownStatus !== "completed" && shownStatus !== "expired" && !(view.status === "underpaid" && expired)

  const data = {
    merchant: view.merchantName,
    amount: view.amount,
    amountPaid: view.amountPaid,
    amountDue: view.amountDue ?? null,
    status: view.status,
    expiresAt: expires.toISOString(),
    serverNow: now.getTime(),
    confirmations: view.confirmations,
    confirmationsRequired: required,
    statusUrl: view.statusUrl,
    eventsUrl: view.eventsUrl ?? null,
    redirectUrl,
    pollMs,
    redirectDelayMs,
    messages: clientMessages(m),
  }

  // Decorative next to the merchant's name in the heading (alt=""); the CSP allows exactly its source.
  const logo = safeLogoUrl(view.logoUrl)
  const summary =
    `<section class="card summary" aria-labelledby="merchant">` +
    (logo === null ? "" : `<img class="logo" id="logo" src="${h(logo)}" alt="">`) +
    `<p class="label">${h(m.payTo)}</p><h1 id="merchant">${h(view.merchantName)}</h1>` +
    (view.description ? `<p class="desc" id="description">${h(view.description)}</p>` : "") +
    `<p class="amount"><span class="vh">${h(m.amountLabel)}: </span><span class="sum">${h(view.amount)}&nbsp;<small>USD</small></span></p>` +
    (live
      ? `<div class="timer" id="timer"${view.status === "processing" ? " hidden" : ""}>` +
        `<span class="label" id="countdown-l">${h(m.timeLeft)}</span>` +
        `<time class="countdown" id="countdown" datetime="${h(expires.toISOString())}">` +
        `${h(countdownText(msLeft, m))}</time>` +
        `<span class="label">${h(format(m.payBefore, { time: utcDeadline(expires, now) }))}</span></div>`
      : "") +
    `</section>`

  const confMax = Math.max(1, required)
  const status =
    `<section class="card status" aria-labelledby="status-h"><h2 id="status-h">${h(m.statusHeading)}</h2>` +
    `<div id="status" role="status" aria-live="polite" aria-atomic="true" data-status="${h(shownStatus)}">` +
    `<p class="status-text" id="status-text">${h(st.text)}</p>` +
    `<p class="status-extra" id="status-extra"${st.extra === "" ? " hidden" : ""}>${h(st.extra)}</p>` +
    paymentList("txs", view.status === "completed" ? [] : (view.payments ?? []), m) +
    `<progress id="conf" max="${confMax}" value="${Math.min(view.confirmations, confMax)}" aria-label="${h(m.confirmations)}"` +
    `${shownStatus === "processing" ? "" : " hidden"}></progress>` +
    `<div class="next" id="next"${ended ? "" : " hidden"}>` +
    `<p id="next-text"${shownStatus === "expired" ? "" : " hidden"}>${h(format(m.expiredNext, { merchant: view.merchantName }))}</p>` +
    (redirectUrl !== null
      ? `<a class="button" id="back" href="${h(redirectUrl)}">${h(format(m.backTo, { merchant: view.merchantName }))}</a>`
      : "") +
    `</div>` +
    (redirectUrl !== null
      ? `<p class="redirect" id="redirect" hidden><span id="redirect-text"></span> ` +
        `<a id="go-now" href="${h(redirectUrl)}">${h(m.goNow)}</a></p>`
      : "") +
    `</div>` +
    (live ? `<noscript><p class="label">${h(m.noScript)}</p></noscript>` : "") +
    `</section>`

  const pay = st.offerPayment
    ? `<section class="card pay" id="pay" aria-labelledby="pay-h"${st.showPayment ? "" : " hidden"}>` +
      `<fieldset class="tabs"><legend id="pay-h">${h(m.chooseNetwork)}</legend>` +
      options
        .map(
          (o, i) =>
            `<label class="tab"><input type="radio" name="option" id="opt-${i}" value="${i}" data-key="${h(`${o.network}/${o.token}`)}"` +
            `${i === selected ? " checked" : ""}>${icon(tokenIcon(o.token))}${icon(networkIcon(o.icon))}` +
            `<span>${h(optionTitle(o))}</span></label>`,
        )
        .join("") +
      `</fieldset>` +
      options.map((o, i) => renderPanel(o, i, m)).join("") +
      `</section>`
    : ""

  // Without JavaScript: refresh while confirmations are counted, and still return a paid customer.
  const noscriptHead =
    view.status === "completed" && redirectUrl !== null
      ? `<noscript><meta http-equiv="refresh" content="${Math.ceil(redirectDelayMs / 1000)};url=${h(redirectUrl)}"></noscript>`
      : view.status === "processing"
        ? `<noscript><meta http-equiv="refresh" content="15"></noscript>`
        : ""

  const host = hostOf(opts.publicUrl)
  const ribbon = view.testMode ? `<p class="ribbon" id="test-mode" role="note">${h(m.testMode)}</p>` : ""
  const receipt = view.status === "completed" ? renderReceipt(view, m) : ""
  // Mobile first: what to send and where come right after the amount; the status follows.
  const sprite = st.offerPayment
    ? iconSprite(options.flatMap((o) => [tokenIcon(o.token), networkIcon(o.icon)]))
    : ""
  const body =
    `${ribbon}<main>${summary}${pay}${status}${receipt}` +
    `<footer>${languageSwitcher(opts.locale, m)}<p>${h(m.poweredBy)}${host ? ` · ${h(host)}` : ""}</p></footer></main>` +
    `<p class="vh" id="announce" aria-live="polite"></p>${sprite}` +
    `<script type="application/json" id="inzi-data">${jsonForScript(data)}</script>` +
    `<script nonce="${h(opts.nonce)}">${CLIENT_SCRIPT}</script>`

  return documentShell({
    locale: opts.locale,
    title: format(m.htmlTitle, { merchant: view.merchantName }),
    head: noscriptHead,
    body,
    brandCss: brandCss(view.accentColor),
  })
}

/** The page for an unknown (or malformed) token; send it with status 404 and `pageSecurityHeaders`. */
export const renderNotFoundPage = (locale: Locale): string => {
  const m = messagesFor(locale)
  return documentShell({
    locale,
    title: m.notFoundTitle,
    body:
      `<main><section class="card" aria-labelledby="nf-h"><h1 id="nf-h">${h(m.notFoundTitle)}</h1>` +
      `<p class="desc">${h(m.notFoundBody)}</p></section></main>`,
  })
}
