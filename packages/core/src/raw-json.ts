/**
 * A small JSON scanner that keeps the original text. `JSON.parse` reorders integer-like keys
 * (`{"b":1,"2":0}` → `{"2":0,"b":1}`), so metadata could not come back "exactly as sent" through it.
 * The scanner walks the raw request body and returns values as compact text: whitespace between tokens
 * removed, every token (string escapes, number spelling, key order) kept byte-for-byte.
 */

/** Raised internally on malformed JSON; callers of the exported functions get `null`. */
class RawJsonError extends Error {}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])

/** Deepest nesting of arrays/objects the scanner reads (deeper values are refused, never a stack overflow). */
export const RAW_JSON_MAX_DEPTH = 100

interface Scanned {
  /** Compact text of the value. */
  readonly text: string
  /** Index just after the value in the source. */
  readonly end: number
}

class Scanner {
  /** True once an object with the same key twice was met (inside the scanned value). */
  duplicateKeys = false
  depth = 0
  constructor(readonly src: string) {}

  ws(i: number): number {
    while (i < this.src.length && WS.has(this.src.charCodeAt(i))) i++
    return i
  }

  fail(): never {
    throw new RawJsonError("malformed JSON")
  }

  value(start: number): Scanned {
    const i = this.ws(start)
    const c = this.src[i]
    if (c === "{" || c === "[") {
      if (++this.depth > RAW_JSON_MAX_DEPTH) return this.fail()
      const v = c === "{" ? this.object(i) : this.array(i)
      this.depth--
      return v
    }
    if (c === '"') return this.string(i)
    if (c === "t") return this.literal(i, "true")
    if (c === "f") return this.literal(i, "false")
    if (c === "n") return this.literal(i, "null")
    return this.number(i)
  }

  literal(i: number, word: string): Scanned {
    if (this.src.startsWith(word, i)) return { text: word, end: i + word.length }
    return this.fail()
  }

  number(i: number): Scanned {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
    m.lastIndex = i
    const r = m.exec(this.src)
    if (r === null || r[0].length === 0) return this.fail()
    return { text: r[0], end: i + r[0].length }
  }

  string(i: number): Scanned {
    let j = i + 1
    while (j < this.src.length) {
      const code = this.src.charCodeAt(j)
      if (code === 0x22) return { text: this.src.slice(i, j + 1), end: j + 1 }
      if (code < 0x20) return this.fail()
      if (code === 0x5c) {
        const e = this.src[j + 1]
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.src.slice(j + 2, j + 6))) return this.fail()
          j += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j += 2
        else return this.fail()
      } else j++
    }
    return this.fail()
  }

  object(i: number): Scanned {
    const parts: Array<string> = []
    const keys = new Set<string>()
    let j = this.ws(i + 1)
    if (this.src[j] === "}") return { text: "{}", end: j + 1 }
    for (;;) {
      j = this.ws(j)
      if (this.src[j] !== '"') return this.fail()
      const k = this.string(j)
      const key = JSON.parse(k.text) as string
      if (keys.has(key)) this.duplicateKeys = true
      keys.add(key)
      j = this.ws(k.end)
      if (this.src[j] !== ":") return this.fail()
      const v = this.value(j + 1)
      parts.push(`${k.text}:${v.text}`)
      j = this.ws(v.end)
      if (this.src[j] === ",") {
        j++
        continue
      }
      if (this.src[j] === "}") return { text: `{${parts.join(",")}}`, end: j + 1 }
      return this.fail()
    }
  }

  array(i: number): Scanned {
    const parts: Array<string> = []
    let j = this.ws(i + 1)
    if (this.src[j] === "]") return { text: "[]", end: j + 1 }
    for (;;) {
      const v = this.value(j)
      parts.push(v.text)
      j = this.ws(v.end)
      if (this.src[j] === ",") {
        j++
        continue
      }
      if (this.src[j] === "]") return { text: `[${parts.join(",")}]`, end: j + 1 }
      return this.fail()
    }
  }
}

/** Compact text of a whole JSON document, tokens kept verbatim; null when it is not valid JSON. */
export const compactJson = (raw: string): string | null => {
  try {
    const s = new Scanner(raw)
    const v = s.value(0)
    return s.ws(v.end) === raw.length ? v.text : null
  } catch (e) {
    if (e instanceof RawJsonError) return null
    throw e
  }
}

/** What the scanner found for one top-level property of a JSON object body. */
export interface RawProperty {
  /** Compact text of the value, tokens and key order kept byte-for-byte. */
  readonly text: string
  /** True when the value contains an object with a repeated key (JSON.parse would silently keep the last). */
  readonly duplicateKeys: boolean
}

/** Every top-level property of a JSON object body, as the scanner read it. */
export interface RawObject {
  /** Each property by its decoded name (the last one when a name repeats, as `JSON.parse` keeps). */
  readonly properties: ReadonlyMap<string, RawProperty>
  /** The first top-level name that appears twice, or null. */
  readonly duplicateKey: string | null
}

/**
 * The top-level properties of a JSON object body, each as compact raw text; null when the body is not a JSON
 * object or nests deeper than `RAW_JSON_MAX_DEPTH`.
 * @example rawObject('{"a":1,"a":2}') // { properties: Map { "a" => { text: "2", … } }, duplicateKey: "a" }
 */
export const rawObject = (rawBody: string): RawObject | null => {
  try {
    const s = new Scanner(rawBody)
    let j = s.ws(0)
    if (rawBody[j] !== "{") return null
    j = s.ws(j + 1)
    const properties = new Map<string, RawProperty>()
    let duplicateKey: string | null = null
    if (rawBody[j] === "}") return s.ws(j + 1) === rawBody.length ? { properties, duplicateKey } : null
    for (;;) {
      j = s.ws(j)
      if (rawBody[j] !== '"') return null
      const k = s.string(j)
      j = s.ws(k.end)
      if (rawBody[j] !== ":") return null
      const inner = new Scanner(rawBody)
      const v = inner.value(j + 1)
      const name = JSON.parse(k.text) as string
      if (duplicateKey === null && properties.has(name)) duplicateKey = name
      properties.set(name, { text: v.text, duplicateKeys: inner.duplicateKeys })
      j = s.ws(v.end)
      if (rawBody[j] === ",") {
        j++
        continue
      }
      if (rawBody[j] === "}") return s.ws(j + 1) === rawBody.length ? { properties, duplicateKey } : null
      return null
    }
  } catch (e) {
    if (e instanceof RawJsonError) return null
    throw e
  }
}

/**
 * The compact raw text of a top-level property of a JSON object body (the last one when the key repeats,
 * as `JSON.parse` does); null when the body is not a JSON object, has no such property, or nests deeper than
 * `RAW_JSON_MAX_DEPTH`.
 */
export const extractRawProperty = (rawBody: string, name: string): RawProperty | null =>
  rawObject(rawBody)?.properties.get(name) ?? null

/**
 * The compact text of the top-level `"metadata"` value of a request body, with its key order and every
 * token kept byte-for-byte (`JSON.parse` would reorder integer-like keys); null when absent or malformed.
 * @example extractRawMetadata('{"amount":"5", "metadata": {"b": 1, "2": [1.50]}}') // '{"b":1,"2":[1.50]}'
 */
export const extractRawMetadata = (rawBody: string): string | null =>
  extractRawProperty(rawBody, "metadata")?.text ?? null
