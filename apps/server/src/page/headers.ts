import { createHash, randomBytes } from "node:crypto"
import type { PageCspExtras } from "./brand.js"
import { PAGE_CSS } from "./styles.js"

/** `'sha256-…'` source of the page's one stylesheet (the same constant on every page). */
export const PAGE_STYLE_HASH = `'sha256-${createHash("sha256").update(PAGE_CSS, "utf8").digest("base64")}'`

const NONCE = /^[A-Za-z0-9+/_-]{16,}={0,2}$/

/** A fresh CSP nonce (128 random bits, base64): one per response. */
export const generateNonce = (): string => randomBytes(16).toString("base64")

/** The Content-Type to send with the pages of this module. */
export const PAGE_CONTENT_TYPE = "text/html; charset=utf-8"

/**
 * Response headers for the hosted page and its 404 page: a strict Content-Security-Policy (nothing
 * external, the one inline script allowed by `nonce`, the one stylesheet by its hash, `fetch` to the
 * same origin only), no sniffing, no referrer, no caching, no framing. A branded page adds its brand
 * stylesheet's hash and its logo's source (`pageCspFor(view)`), nothing else.
 *
 * @example
 * const nonce = generateNonce()
 * const html = renderCheckoutPage(view, { locale, nonce, publicUrl })
 * // respond 200 with html and { ...pageSecurityHeaders(nonce), "Content-Type": PAGE_CONTENT_TYPE }
 */
export const pageSecurityHeaders = (
  nonce: string,
  extras: PageCspExtras = { styleHashes: [], imgSources: [] },
): Readonly<Record<string, string>> => {
  if (!NONCE.test(nonce)) throw new Error("CSP nonce must be at least 16 base64 characters")
  const sources = [...extras.styleHashes, ...extras.imgSources]
  if (!sources.every((x) => /^('sha256-[A-Za-z0-9+/]+={0,2}'|'self'|https:\/\/[a-z0-9.:[\]-]+)$/i.test(x)))
    throw new Error("CSP source out of the expected forms")
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      ["style-src", PAGE_STYLE_HASH, ...extras.styleHashes].join(" "),
      ["img-src data:", ...extras.imgSources].join(" "),
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  }
}

/** @internal exported for tests */
export const isValidNonce = (nonce: string): boolean => NONCE.test(nonce)
