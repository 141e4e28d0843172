/**
 * Text PostgreSQL cannot hold: NUL (refused in `text` and `jsonb`) and unpaired UTF-16 surrogates (refused in
 * `jsonb` as `"\ud800"` escapes; in `text` the driver's UTF-8 encoder turns them into U+FFFD, so the value read
 * back is another string). Matched per UTF-16 code unit.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const UNSTORABLE_ONE = new RegExp(UNSTORABLE.source)

/** Text a PostgreSQL `text` / `jsonb` value stores and gives back unchanged (the API refuses anything else). */
export const isStorableText = (s: string): boolean => !UNSTORABLE_ONE.test(s)

/**
 * The rule for chain-sourced free text (TON comments, memos, sender text, reasons): every unstorable code unit
 * becomes U+FFFD. Replaced, never removed: a comment "K7P2\0M9QX" stripped would name checkout K7P2M9QX, which
 * the payer never wrote; with U+FFFD it names none (no memo alphabet holds U+FFFD). Storable text is returned
 * as is.
 *
 * @example
 * storableText("K7P2\u0000M9QX") // "K7P2\uFFFDM9QX"
 */
export const storableText = (s: string): string =>
  UNSTORABLE_ONE.test(s) ? s.replace(UNSTORABLE, "\uFFFD") : s

/**
 * For the operator's eyes (a quarantined event, an error text): every unstorable code unit as a visible
 * `\uXXXX` escape, so what arrived can still be told apart. Not reversible (a literal `\u0000` reads the same).
 *
 * @example
 * escapeUnstorable("ab\u0000") // "ab\\u0000"
 */
export const escapeUnstorable = (s: string): string =>
  UNSTORABLE_ONE.test(s)
    ? s.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : s
