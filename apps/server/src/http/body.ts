import { isUtf8 } from "node:buffer"
import type { IncomingMessage } from "node:http"

export const MAX_BODY_BYTES = 16 * 1024

export type BodyResult =
  | { readonly _tag: "Ok"; readonly text: string }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Aborted" }
  /** Not valid UTF-8 (decoding would have replaced bytes with U+FFFD silently). */
  | { readonly _tag: "InvalidUtf8" }

const JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i

/** `application/json`, optionally with `charset=utf-8` (any letter case): the one body type the API reads. */
export const isJsonContentType = (header: string | undefined): boolean =>
  header === "application/json" || (header !== undefined && JSON_TYPE.test(header))

/**
 * Reads a request body as strict UTF-8 straight from the Node stream, stopping at `limit` bytes (→ 413) without
 * buffering the rest, and calls `done` once with the outcome. Cheaper than the platform's generic body reader,
 * which was the largest single cost per request when profiled. The dispatcher reads the body of a
 * route that takes one this way before the route's fiber starts (one Effect async step less per request).
 */
export const collectBody = (req: IncomingMessage, limit: number, done: (r: BodyResult) => void): void => {
  const declared = Number(req.headers["content-length"] ?? "0")
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    done({ _tag: "TooLarge" })
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  let finished = false
  const finish = (r: BodyResult) => {
    if (finished) return
    finished = true
    req.off("data", onData)
    req.off("end", onEnd)
    req.off("error", onError)
    done(r)
  }
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > limit) {
      req.resume()
      finish({ _tag: "TooLarge" })
      return
    }
    chunks.push(chunk)
  }
  const onEnd = () => {
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
    finish(isUtf8(bytes) ? { _tag: "Ok", text: bytes.toString("utf8") } : { _tag: "InvalidUtf8" })
  }
  const onError = () => finish({ _tag: "Aborted" })
  req.on("data", onData)
  req.on("end", onEnd)
  req.on("error", onError)
}
