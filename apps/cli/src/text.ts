/**
 * Text the CLI prints that it did not write itself (TON comments, checkout descriptions, merchant names,
 * webhook errors, RPC errors): made safe for a terminal (CSV: core's csv.ts). Imports nothing.
 */

/**
 * C0 controls (but tab), DEL, C1 controls, and the Unicode format characters that reorder or hide text:
 * bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E, U+200F, U+061C), and
 * line/paragraph separators (U+2028, U+2029).
 */
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * Untrusted text made inert for a terminal: every character of `UNSAFE` becomes a visible escape (`\x1b`,
 * `\u202e`; `\n`, `\r` as such), so an ESC sequence cannot move the cursor, recolour or retitle the operator's
 * terminal, and a bidi override cannot make `evil.exe` read as `exe.live`. Backslashes are left alone: the
 * output is for reading, not for parsing back (use `--json` for that). Tab is kept: it separates columns.
 *
 * @example terminalSafe("pay\u001b[2Jme") // "pay\\x1b[2Jme"
 */
export const terminalSafe = (s: string): string =>
  s.replace(UNSAFE, (c) => {
    if (c === "\n") return "\\n"
    if (c === "\r") return "\\r"
    const code = c.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`
  })

/** What JSON.stringify leaves raw of `UNSAFE` (it escapes C0 controls only): DEL, C1, bidi, separators. */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * JSON text made terminal-safe the JSON way: those characters as `\uXXXX` escapes, so the text parses to the
 * same value and a `--json` output piped to a terminal is as inert as the human one.
 */
export const jsonSafe = (json: string): string =>
  json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** `--json` output: bigints as strings, indented, terminal-safe (`jsonSafe`), newline-terminated. */
export const jsonText = (v: unknown): string =>
  `${jsonSafe(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2))}\n`

/** `terminalSafe` for a table cell: a tab inside the text would shift the columns, so it is escaped too. */
export const cell = (s: string | null | undefined): string =>
  s === null || s === undefined ? "-" : terminalSafe(s).replace(/\t/g, "\\t")
