/**
 * The hosted checkout page (`GET /p/{token}`): pure rendering, no I/O. The server maps a checkout to a
 * {@link PageView}, picks the locale from `Accept-Language`, generates a nonce and sends
 * `renderCheckoutPage(...)` with `pageSecurityHeaders(nonce)`.
 */
export { escapeHtml, isHttpUrl, jsonForScript } from "./escape.js"
export { generateNonce, PAGE_CONTENT_TYPE, PAGE_STYLE_HASH, pageSecurityHeaders } from "./headers.js"
export {
  DEFAULT_LOCALE,
  format,
  LOCALES,
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
} from "./render.js"
export type { PageOption, PageStatus, PageStatusJson, PageView } from "./view.js"
