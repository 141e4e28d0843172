import { Cause, FiberRef, HashMap, HashSet, Layer, List, LogLevel, Logger as EffectLogger } from "effect"

/**
 * Structured JSON logs, one object per line on stdout. Fields that could carry secrets are redacted by name,
 * and strings that look like API keys, webhook secrets or extended keys are masked wherever they appear.
 * Effect's own logging (`Effect.log*`) goes through the same writer once `jsonLogs` is provided.
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
  /** Lines below this level are dropped (`LOG_LEVEL`). */
  readonly level: Level
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
    level,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => makeLogger(level, { ...base, ...fields }, write),
  }
}

const levelOf = (l: LogLevel.LogLevel): Level =>
  l._tag === "Fatal" || l._tag === "Error"
    ? "error"
    : l._tag === "Warning"
      ? "warn"
      : l._tag === "Info"
        ? "info"
        : "debug"

const EFFECT_LEVEL: Record<Level, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  error: LogLevel.Error,
}

/**
 * An Effect logger writing through `logger`: the message's strings make `msg`, an error among the message
 * parts or the logged cause makes `error`, other parts go to `data`, and log annotations and spans become
 * fields. Redaction and the level filter are `logger`'s.
 */
export const effectLogger = (logger: Logger): EffectLogger.Logger<unknown, void> =>
  EffectLogger.make(({ logLevel, message, cause, annotations, spans, date }) => {
    const parts = Array.isArray(message) ? message : [message]
    const words: Array<string> = []
    const data: Array<unknown> = []
    const fields: Record<string, unknown> = {}
    for (const p of parts) {
      if (typeof p === "string") words.push(p)
      else if (p instanceof Error) fields.error = p.message
      else data.push(p)
    }
    if (!Cause.isEmpty(cause)) {
      const e = Cause.squash(cause)
      fields.error = e instanceof Error ? e.message : String(e)
      // A defect is a bug: keep where it came from.
      if (Cause.isDie(cause) && e instanceof Error && e.stack) fields.stack = e.stack
    }
    if (data.length > 0) fields.data = data.length === 1 ? data[0] : data
    for (const [k, v] of HashMap.toEntries(annotations)) fields[k] = v
    for (const s of List.toArray(spans)) fields[`${s.label}Ms`] = date.getTime() - s.startTime
    logger[levelOf(logLevel)](words.join(" "), fields)
  })

/**
 * The layer that routes every `Effect.log*` of the program through `logger` (same JSON lines, redaction and
 * `LOG_LEVEL`), in place of Effect's default and pretty loggers.
 */
export const jsonLogs = (logger: Logger) =>
  Layer.merge(
    Layer.fiberRefLocallyScopedWith(FiberRef.currentLoggers, (set) =>
      set.pipe(
        HashSet.remove(EffectLogger.defaultLogger),
        HashSet.remove(EffectLogger.prettyLoggerDefault),
        HashSet.add(effectLogger(logger)),
      ),
    ),
    EffectLogger.minimumLogLevel(EFFECT_LEVEL[logger.level]),
  )
