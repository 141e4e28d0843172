/** Minimal argv parsing: positionals plus `--flag value` / `--flag=value` / boolean `--flag`. */
export interface Args {
  readonly positionals: ReadonlyArray<string>
  readonly flags: Readonly<Record<string, string | true>>
}

export const parseArgs = (argv: ReadonlyArray<string>, booleans: ReadonlySet<string> = new Set()): Args => {
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
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1)
      else {
        const name = a.slice(2)
        const next = argv[i + 1]
        if (booleans.has(name) || next === undefined || next.startsWith("--")) flags[name] = true
        else {
          flags[name] = next
          i++
        }
      }
    } else positionals.push(a)
  }
  return { positionals, flags }
}

export class UsageError extends Error {
  override readonly name = "UsageError"
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
