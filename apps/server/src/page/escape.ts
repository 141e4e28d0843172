/**
 * The one HTML escape of the page. Every string that is not a literal of our own templates goes
 * through it, in text and in (double- or single-quoted) attribute values alike.
 *
 * @example
 * escapeHtml(`"'><img onerror=x>`) // "&quot;&#39;&gt;&lt;img onerror=x&gt;"
 */
export const escapeHtml = (value: string | number): string =>
  String(value).replace(/[&<>"'`]/g, (c) => ENTITIES[c]!)

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
}

/**
 * Serialise data for a `<script type="application/json">` block. `<`, `>` and `&` become `\u003c` …
 * so neither `</script>` nor `<!--` can appear inside the block; U+2028/2029 are escaped as well.
 * `JSON.parse(element.textContent)` gives the original value back.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  )

/** `true` for an absolute `http:` or `https:` URL; anything else (e.g. `javascript:`) is never linked. */
export const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "https:" || url.protocol === "http:"
  } catch {
    return false
  }
}
