import { createHash } from "node:crypto"
import type { PageView } from "./view.js"

/** What accent-coloured text sits on, light and dark: the cards and the page around them (as in styles.ts). */
const SURFACES = { light: ["#ffffff", "#f3f4f6"], dark: ["#181b21", "#0e1014"] } as const

const HEX = /^#[0-9a-f]{6}$/

const rgb = (hex: string): readonly [number, number, number] => [
  Number.parseInt(hex.slice(1, 3), 16),
  Number.parseInt(hex.slice(3, 5), 16),
  Number.parseInt(hex.slice(5, 7), 16),
]

const toHex = (c: readonly [number, number, number]): string =>
  `#${c.map((x) => Math.round(x).toString(16).padStart(2, "0")).join("")}`

/** WCAG 2 relative luminance of `#rrggbb`. */
export const luminance = (hex: string): number => {
  const [r, g, b] = rgb(hex).map((v) => {
    const s = v / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/** Text on a filled accent: black or white, whichever contrasts more (at least 4.58:1 for any colour). */
export const textOn = (fill: string): string =>
  contrast(fill, "#000000") >= contrast(fill, "#ffffff") ? "#000000" : "#ffffff"

/**
 * The accent as text on each of `surfaces`: itself when it reaches 4.5:1 (AA) on all, else mixed towards black
 * (light surfaces) or white (dark ones) in steps until it does.
 */
export const accentOn = (accent: string, surfaces: ReadonlyArray<string>): string => {
  const dark = surfaces.every((c) => luminance(c) < 0.5)
  const toward = dark ? [255, 255, 255] : [0, 0, 0]
  const from = rgb(accent)
  for (let step = 0; step <= 20; step++) {
    const t = step / 20
    const c = toHex(from.map((v, i) => v + (toward[i]! - v) * t) as [number, number, number])
    if (surfaces.every((bg) => contrast(c, bg) >= 4.5)) return c
  }
  return dark ? "#ffffff" : "#000000"
}

/**
 * The page's extra stylesheet for a merchant's accent colour, or `""` without one (or a malformed one). Fills
 * (selected network, buttons) take the colour itself with black or white text; links and outlines take the
 * AA-safe variant of it on each card colour.
 */
export const brandCss = (accentColor: string | null | undefined): string => {
  const accent = accentColor?.toLowerCase()
  if (accent === undefined || !HEX.test(accent)) return ""
  return (
    `:root{--fill:${accent};--fill-fg:${textOn(accent)};--accent:${accentOn(accent, SURFACES.light)}}` +
    `@media (prefers-color-scheme:dark){:root{--fill:${accent};--fill-fg:${textOn(accent)};` +
    `--accent:${accentOn(accent, SURFACES.dark)}}}`
  )
}

/** What the page's Content-Security-Policy adds for a branded view (see `pageSecurityHeaders`). */
export interface PageCspExtras {
  /** `'sha256-…'` of the brand stylesheet. */
  readonly styleHashes: ReadonlyArray<string>
  /** Where the logo may load from: `'self'` for an upload, the logo URL's https origin otherwise. */
  readonly imgSources: ReadonlyArray<string>
}

/** The logo URL the page may show: same-origin `/p/logo/…`, or an absolute https URL; else null. */
export const safeLogoUrl = (url: string | null | undefined): string | null => {
  if (url === null || url === undefined) return null
  if (/^\/p\/logo\/[0-9a-f]{64}\.(png|jpg|webp)$/.test(url)) return url
  try {
    const u = new URL(url)
    return u.protocol === "https:" && u.username === "" && u.password === "" ? u.href : null
  } catch {
    return null
  }
}

/** The CSP additions `view` needs: its brand stylesheet's hash and its logo's source. */
export const pageCspFor = (view: PageView): PageCspExtras => {
  const css = brandCss(view.accentColor)
  const logo = safeLogoUrl(view.logoUrl)
  return {
    styleHashes: css === "" ? [] : [`'sha256-${createHash("sha256").update(css, "utf8").digest("base64")}'`],
    imgSources: logo === null ? [] : [logo.startsWith("/") ? "'self'" : new URL(logo).origin],
  }
}
