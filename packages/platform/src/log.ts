/**
 * Structured JSON logs, one object per line on stdout. Fields that could carry secrets are redacted by name,
 * and strings that look like API keys, webhook secrets or extended keys are masked wherever they appear.
 */
export type Level = "debug" | "info" | "warn" | "error"
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const SECRET_FIELD = /(secret|password|authorization|api[_-]?key|mnemonic|xprv|private)/i
const SECRET_TEXT =
  /\b(sk_(?:live|test)_[A-Za-z0-9]{4})[A-Za-z0-9]+|\b(whsec_)[A-Za-z0-9]+|\b([xt]pub[1-9A-HJ-NP-Za-km-z]{6})[1-9A-HJ-NP-Za-km-z]{60,}/g

export const redactText = (s: string): string =>
  // Most strings hold none of the three markers: skip the global regex replace for them (hot: every log field).
  s.indexOf("sk_") === -1 && s.indexOf("whsec_") === -1 && s.indexOf("pub") === -1
    ? s
    : s.replace(
        SECRET_TEXT,
        (_m, key: string | undefined, wh: string | undefined, xpub: string | undefined) =>
          key ? `${key}…` : wh ? `${wh}…` : `${xpub}…`,
      )

const redact = (v: unknown, depth = 0): unknown => {
  if (typeof v === "string") return redactText(v)
  if (typeof v === "bigint") return v.toString()
  if (v instanceof Error) return { name: v.name, message: redactText(v.message) }
  if (v === null || typeof v !== "object" || depth > 4) return v
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = redactField(k, x, depth + 1)
  return out
}

/** A field's value for the line: redacted whole when its name says secret, else masked within. */
const redactField = (name: string, v: unknown, depth: number): unknown =>
  isSecretField(name) ? "[redacted]" : redact(v, depth)

/** `SECRET_FIELD` per field name, remembered (the same few names come on every line). */
const secretFields = new Map<string, boolean>()
const isSecretField = (name: string): boolean => {
  let secret = secretFields.get(name)
  if (secret === undefined) {
    secret = SECRET_FIELD.test(name)
    if (secretFields.size < 10_000) secretFields.set(name, secret)
  }
  return secret
}

/**
 * stdout, one write per event-loop turn: writes to a file or pipe are synchronous on Linux (a system call
 * each), so lines logged in one turn go out together. Flushed on exit; a SIGKILL loses at most that turn.
 */
let pendingOut = ""
let flushScheduled = false
let exitHooked = false
const flushStdout = () => {
  flushScheduled = false
  const s = pendingOut
  pendingOut = ""
  if (s !== "") process.stdout.write(s)
}
const writeStdout = (line: string) => {
  pendingOut += `${line}\n`
  if (!flushScheduled) {
    flushScheduled = true
    if (!exitHooked) {
      exitHooked = true
      process.on("exit", flushStdout)
    }
    setImmediate(flushStdout)
  }
}

export interface Logger {
  readonly debug: (msg: string, fields?: Record<string, unknown>) => void
  readonly info: (msg: string, fields?: Record<string, unknown>) => void
  readonly warn: (msg: string, fields?: Record<string, unknown>) => void
  readonly error: (msg: string, fields?: Record<string, unknown>) => void
  readonly child: (fields: Record<string, unknown>) => Logger
}

export const makeLogger = (
  level: Level = "info",
  base: Record<string, unknown> = {},
  write: (line: string) => void = writeStdout,
): Logger => {
  const at =
    (lv: Level) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[lv] < ORDER[level]) return
      // One object, base fields then the line's (a line's field replaces a base field of the same name).
      const line: Record<string, unknown> = {
        time: new Date().toISOString(),
        level: lv,
        msg: redactText(msg),
      }
      for (const k in base) line[k] = redactField(k, base[k], 1)
      for (const k in fields) line[k] = redactField(k, fields[k], 1)
      write(JSON.stringify(line))
    }
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => makeLogger(level, { ...base, ...fields }, write),
  }
}
