import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { codePointLength, isDisplaySafeText, urlProblem } from "./api.js"
import type { LogoContentType, MerchantLogo } from "./domain.js"
import { isStorableText } from "./storable-text.js"

/** Limits of a merchant's branding (the operator sets it: `inzi merchant update`). */
export const BRANDING_LIMITS = {
  displayNameMaxChars: 80,
  /** An uploaded logo is served on every page view: small, so the page stays light. */
  logoMaxBytes: 32 * 1024,
} as const

/** Why a display name is refused, or null. */
export const displayNameProblem = (s: string): string | null => {
  if (s.trim() === "") return "must not be empty"
  if (codePointLength(s) > BRANDING_LIMITS.displayNameMaxChars)
    return `must be at most ${BRANDING_LIMITS.displayNameMaxChars} characters`
  if (!isDisplaySafeText(s) || !isStorableText(s))
    return "must not contain control or bidirectional formatting characters"
  return null
}

/**
 * Why an accent colour is refused, or null: `#rrggbb` (hex, either case). The page picks black or white text
 * on it by contrast, so every colour of that form is usable.
 */
export const accentColorProblem = (s: string): string | null =>
  /^#[0-9a-fA-F]{6}$/.test(s) ? null : "must be a colour #rrggbb, e.g. #1f4fd1"

/**
 * Why a logo URL is refused, or null: an absolute `https:` URL with no user name or password (the page's
 * Content-Security-Policy then allows images from exactly that origin).
 */
export const logoUrlProblem = (s: string): string | null => {
  if (/^http:\/\//i.test(s)) return "must use https"
  return urlProblem(s, "live")
}

const startsWith = (b: Uint8Array, sig: ReadonlyArray<number>, at = 0): boolean =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x)

/**
 * The image type of `bytes` by its signature: PNG, JPEG or WebP, else null. Raster only: an SVG can carry
 * script, a raster image cannot.
 */
export const sniffLogo = (bytes: Uint8Array): LogoContentType | null =>
  startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    ? "image/png"
    : startsWith(bytes, [0xff, 0xd8, 0xff])
      ? "image/jpeg"
      : startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)
        ? "image/webp"
        : null

/** An uploaded logo, checked: its type from its bytes, its size, its SHA-256 (its name when served). */
export interface LogoImage {
  readonly sha256: string
  readonly contentType: LogoContentType
  readonly bytes: Uint8Array
}

/** `bytes` as a logo, or why it is refused. */
export const checkLogoImage = (bytes: Uint8Array): LogoImage | { readonly problem: string } => {
  if (bytes.length === 0) return { problem: "is empty" }
  if (bytes.length > BRANDING_LIMITS.logoMaxBytes)
    return {
      problem: `is ${bytes.length} bytes; at most ${BRANDING_LIMITS.logoMaxBytes} (${BRANDING_LIMITS.logoMaxBytes / 1024} KiB)`,
    }
  const contentType = sniffLogo(bytes)
  if (contentType === null) return { problem: "is not a PNG, JPEG or WebP image (SVG is not accepted)" }
  return { sha256: bytesToHex(sha256(bytes)), contentType, bytes }
}

const EXTENSIONS: Readonly<Record<LogoContentType, string>> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
}

/** The same-origin path an uploaded logo is served at, e.g. `/p/logo/<sha256>.png`. */
export const logoPath = (logo: Extract<MerchantLogo, { kind: "image" }>): string =>
  `/p/logo/${logo.sha256}.${EXTENSIONS[logo.contentType]}`

/** `<sha256>.<ext>` of a served logo's file name, or null when it is not one. */
export const parseLogoFile = (file: string): { sha256: string; contentType: LogoContentType } | null => {
  const m = /^([0-9a-f]{64})\.(png|jpg|webp)$/.exec(file)
  if (m === null) return null
  const contentType = (Object.keys(EXTENSIONS) as Array<LogoContentType>).find((t) => EXTENSIONS[t] === m[2])!
  return { sha256: m[1]!, contentType }
}
