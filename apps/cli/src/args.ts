/**
 * Argv parsing, strict: positionals plus `--flag value` / `--flag=value` / boolean `--flag`, checked against
 * what the command declares. Imports nothing, so `--help` and a usage error cost no module loading.
 */
export interface Args {
  readonly positionals: ReadonlyArray<string>
  readonly flags: Readonly<Record<string, string | true>>
}

/** What a command accepts: flags that take a value, boolean flags, and how many positionals at most. */
export interface ArgSpec {
  readonly values?: ReadonlyArray<string>
  readonly booleans?: ReadonlyArray<string>
  readonly positionals?: number
}

export class UsageError extends Error {
  override readonly name = "UsageError"
}

/** Levenshtein distance (insert, delete, substitute). */
export const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]!
}

/** The known name closest to `name`, when it is close enough to be a typo (at most a third of it differs). */
export const closest = (name: string, known: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const k of known) {
    const d = editDistance(name, k)
    if (d < bestD) {
      best = k
      bestD = d
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

export const parseArgs = (argv: ReadonlyArray<string>, spec: ArgSpec = {}, command = "inzi"): Args => {
  const values = new Set(spec.values ?? [])
  const booleans = new Set(spec.booleans ?? [])
  const known = [...values, ...booleans].sort()
  const unknown = (name: string) => {
    const hint = closest(name, known)
    return new UsageError(
      `unknown flag --${name} for "${command}"${
        hint !== undefined
          ? ` (did you mean --${hint}?)`
          : known.length
            ? ` (it takes ${known.map((k) => `--${k}`).join(", ")})`
            : " (it takes no flags)"
      }`,
    )
  }
  const positionals: string[] = []
  const flags: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2)
      if (name in flags) throw new UsageError(`--${name} is given twice`)
      if (booleans.has(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`)
        flags[name] = true
      } else if (values.has(name)) {
        if (eq > 0) flags[name] = a.slice(eq + 1)
        else {
          const next = argv[i + 1]
          if (next === undefined || next.startsWith("--")) flags[name] = true
          else {
            flags[name] = next
            i++
          }
        }
      } else throw unknown(name)
    } else if (a.length > 1 && a.startsWith("-") && !/^-[0-9]/.test(a)) {
      throw new UsageError(`unknown option ${a} for "${command}" (flags are spelled --name)`)
    } else positionals.push(a)
  }
  const max = spec.positionals ?? 0
  if (positionals.length > max)
    throw new UsageError(
      `unexpected argument "${positionals[max]}" for "${command}"${max === 0 ? " (it takes none)" : ""}`,
    )
  return { positionals, flags }
}

export const str = (args: Args, name: string): string | undefined => {
  const v = args.flags[name]
  if (v === true) throw new UsageError(`--${name} needs a value`)
  return v
}

export const required = (args: Args, name: string): string => {
  const v = str(args, name)
  if (v === undefined || v === "") throw new UsageError(`--${name} is required`)
  return v
}

/** A comma-separated flag value as its non-empty, trimmed items. */
export const list = (s: string | undefined): ReadonlyArray<string> =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
