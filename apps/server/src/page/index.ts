/**
 * The hosted checkout page (`GET /p/{token}`): pure rendering, no I/O, no Effect. Wiring, for the server:
 *
 * ```ts
 * const nonce = generateNonce()
 * const locale = pickLocale(request.headers["accept-language"])
 * // found:   200, renderCheckoutPage(view, { locale, nonce, publicUrl: config.publicUrl })
 * // unknown: 404, renderNotFoundPage(locale)
 * // both with { ...pageSecurityHeaders(nonce, pageCspFor(view)), "Content-Type": PAGE_CONTENT_TYPE }
 * ```
 *
 * Mapping the API checkout object to a {@link PageView}:
 * - `amount`, `amount_paid`, `status`, `description`, `redirect_url`, `expires_at` as they are;
 *   `merchantName` from the merchant; `statusUrl` = `/p/<token>/status` (same origin: the CSP only
 *   allows `connect-src 'self'`, so keep it relative).
 * - each `payment_options[i]` → `{ network, token: crypto_currency, address, memo, uri,
 *   amountDue: amount_crypto }` (API.md: it is what is still due once underpaid), plus `amountCrypto`
 *   (the full amount in token units), `networkLabel` ("Tron (TRC-20)") and `confirmationsRequired`
 *   from the network config.
 * - `confirmations` of the latest detected payment while `processing` (0 otherwise), and optionally
 *   `confirmationsRequired` for it.
 *
 * The page's script polls `statusUrl` and expects {@link PageStatusJson}: `status`, `amount_paid`,
 * `confirmations`, `confirmations_required`, `expires_at`, optionally `amount_due` (USD). When what is due
 * changes (an underpayment, a top-up) it reloads once, so amounts and QR codes come from the server.
 */
export {
  accentOn,
  brandCss,
  contrast,
  type PageCspExtras,
  pageCspFor,
  safeLogoUrl,
  textOn,
} from "./brand.js"
export { escapeHtml, isHttpUrl, jsonForScript } from "./escape.js"
export { generateNonce, PAGE_CONTENT_TYPE, PAGE_STYLE_HASH, pageSecurityHeaders } from "./headers.js"
export {
  DEFAULT_LOCALE,
  format,
  glueAmounts,
  LANGUAGE_NAMES,
  LOCALE_COOKIE,
  LOCALES,
  localeForRequest,
  type Locale,
  MESSAGES,
  type Messages,
  messagesFor,
  pickLocale,
} from "./i18n.js"
export { qrSvg } from "./qr.js"
export {
  amountDueUsd,
  type RenderCheckoutPageOptions,
  renderCheckoutPage,
  renderNotFoundPage,
  trimAmount,
  walletLink,
} from "./render.js"
export type {
  PageOption,
  PagePayment,
  PageStatus,
  PageStatusJson,
  PageStatusPayment,
  PageView,
} from "./view.js"
