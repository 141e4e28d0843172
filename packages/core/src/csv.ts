/** CSV as RFC 4180 writes it, safe to open in a spreadsheet (the CLI's `export`, the console's CSV). */

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a double quote, CR or LF (quotes doubled inside).
 * A field a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR: the OWASP rule
 * for CSV injection) gets a leading `'` so it is shown as text. Applied to text only: the callers' own numbers
 * (amounts, never negative) and timestamps never start with those characters, and ids and hashes are not
 * changed by it.
 */
export const csvField = (v: string): string => {
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export const csvRow = (fields: ReadonlyArray<string>): string => `${fields.map(csvField).join(",")}\r\n`
