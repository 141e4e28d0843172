#!/usr/bin/env node
/**
 * `inzi`: the operator CLI. One binary, subcommands, `--json` for scripts. Configuration comes from the
 * environment (see the README's table). Secrets are printed once, to stdout, and never logged.
 *
 * This module imports only the argument parser: `--help` and a usage error load nothing else, and each
 * command loads what it needs when it runs (PGlite only for database commands, the devnets only for dev/devnet/pay).
 */
import { existsSync } from "node:fs"
import { type Args, type ArgSpec, closest, parseArgs, UsageError } from "./args.js"
import { terminalSafe } from "./text.js"

const HELP = `inzi — self-hosted stablecoin payments

usage: inzi <command> [options]

  dev                                  server + worker + embedded database + local EVM and TON devnets (demo data)
  devnet                               the local chains alone (EVM devnet, TON devnet) and their URLs
  serve                                HTTP server only           work      worker only
  migrate                              apply database migrations
  merchant create --name N [--webhook-url U] [--test-webhook-url U] [--payout <family>=<key>,…]
                  [--evm-xpub X] [--tron-xpub X] [--ton-wallet W] [--live-networks a,b] [--test-networks c,d]
  merchant update --merchant ID [--webhook-url U] [--test-webhook-url U] [--rotate-secret live|test]
                  [--allowed-redirect-hosts h,*.d] [--allowed-webhook-hosts h,*.d]   ("" = any host)
                  [--display-name N] [--logo-url https://… | --logo-file F.png] [--accent-color #rrggbb]
                                       hosted page branding ("" clears one; logo: PNG/JPEG/WebP ≤ 32 KiB)
  merchant show --merchant ID          one merchant: endpoints, networks, allow-lists, branding
  merchant list
  secrets encrypt | rotate                       seal webhook secrets under INZI_SECRET_KEY (README)
  key create --merchant ID --mode live|test      (prints the key once)
  key revoke <key id | visible prefix>           key list --merchant ID
  webhooks list [--failed] [--checkout ID]       webhooks resend <event id>
  unmatched list [--network N]                   unmatched assign <unmatched id> <checkout id>
  status                               per network: cursor vs head, lag, last error; outbox backlog; quarantine
  quarantine list [--network N]        chain events set aside because their data could not be stored
  export --from ISO --to ISO [--status S] [--merchant ID] [--mode live|test]   CSV to stdout
  pay <checkout id> [--network devnet|ton-devnet] [--token USDT] [--amount 25.00] [--rpc-url U] [--server URL]
  sweep plan --merchant ID [--network N] [--treasury 0x…,T…]      what sits on deposit addresses, gas needed
  sweep run --merchant ID --network N --treasury A [--confirmations N] [--gas-account A] [--indices 1,2]
            [--execute]                 dry run by default; --execute reads the mnemonic from stdin
  indices export --merchant ID [--network N]    used derivation indices (for wallets with a larger gap limit)
  operator create <email> [--merchant ID]       an account of the web console (/console); the password is
                                                read from stdin or a prompt (never argv); --merchant: that one only

  --json   machine-readable output
`

type Run = (args: Args) => Promise<number | undefined>

interface CommandSpec extends ArgSpec {
  /** Loads the command's module (and with it only what that command needs). */
  readonly load: () => Promise<Run>
}

const forever = () => new Promise<number>(() => {})
/**
 * The database commands: their bundle (dist/bundle/, made by `pnpm build`; far fewer modules to load) when there
 * is one, else the module itself (a build without the bundle, or the sources through tsx).
 */
let useBundle = true
const loadCommands = async (): Promise<typeof import("./commands.js")> => {
  const bundle = new URL("./bundle/commands.js", import.meta.url)
  if (useBundle && existsSync(bundle)) return import(bundle.href)
  return import("./commands.js")
}
const db = (key: string) => async (): Promise<Run> => (await loadCommands()).commands[key]!
const sweep = (key: "plan" | "run" | "indicesExport") => async (): Promise<Run> =>
  (await import("./sweep.js")).sweepCommands[key]
const J = ["json"]

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  dev: {
    load: async () => {
      const { runDev } = await import("./dev.js")
      return async () => {
        await runDev()
        return forever()
      }
    },
  },
  devnet: { load: async () => (await import("./dev.js")).runDevnet },
  serve: {
    load: async () => async () => {
      await import("@inzi/server/main")
      return forever()
    },
  },
  work: {
    load: async () => async () => {
      await import("@inzi/worker/main")
      return forever()
    },
  },
  migrate: { booleans: J, load: db("migrate") },
  status: { booleans: J, load: db("status") },
  "merchant create": {
    values: [
      "name",
      "webhook-url",
      "test-webhook-url",
      "payout",
      // The documented one-family aliases of --payout (payout.ts's `payoutAlias` of each family module).
      "evm-xpub",
      "tron-xpub",
      "ton-wallet",
      "live-networks",
      "test-networks",
    ],
    booleans: J,
    load: db("merchant create"),
  },
  "merchant update": {
    values: [
      "merchant",
      "webhook-url",
      "test-webhook-url",
      "rotate-secret",
      "allowed-redirect-hosts",
      "allowed-webhook-hosts",
      "display-name",
      "logo-url",
      "logo-file",
      "accent-color",
    ],
    booleans: J,
    load: db("merchant update"),
  },
  "merchant show": { values: ["merchant"], booleans: J, load: db("merchant show") },
  "merchant list": { booleans: J, load: db("merchant list") },
  "secrets encrypt": {
    booleans: J,
    load: async () => (await import("./secrets.js")).secretsCommands.encrypt,
  },
  "secrets rotate": { booleans: J, load: async () => (await import("./secrets.js")).secretsCommands.rotate },
  "key create": { values: ["merchant", "mode"], booleans: J, load: db("key create") },
  "key revoke": { booleans: J, positionals: 1, load: db("key revoke") },
  "key list": { values: ["merchant"], booleans: J, load: db("key list") },
  "webhooks list": { values: ["checkout"], booleans: ["json", "failed"], load: db("webhooks list") },
  "webhooks resend": { booleans: J, positionals: 1, load: db("webhooks resend") },
  "unmatched list": { values: ["network"], booleans: J, load: db("unmatched list") },
  "unmatched assign": { booleans: J, positionals: 2, load: db("unmatched assign") },
  "quarantine list": {
    values: ["network"],
    booleans: J,
    load: async () => (await import("./quarantine.js")).quarantineCommands.list,
  },
  export: { values: ["from", "to", "status", "merchant", "mode"], load: db("export") },
  pay: {
    values: ["network", "token", "amount", "rpc-url", "server"],
    booleans: J,
    positionals: 1,
    load: async () => (await import("./pay.js")).runPay,
  },
  "sweep plan": { values: ["merchant", "network", "treasury"], booleans: J, load: sweep("plan") },
  "sweep run": {
    values: ["merchant", "network", "treasury", "confirmations", "gas-account", "indices"],
    booleans: ["json", "execute"],
    load: sweep("run"),
  },
  "indices export": { values: ["merchant", "network"], booleans: J, load: sweep("indicesExport") },
  "operator create": {
    values: ["merchant"],
    booleans: J,
    positionals: 1,
    load: async () => (await import("./operator.js")).operatorCreate,
  },
}

/** Runs one CLI invocation; resolves to the exit code (throws UsageError for exit 2). */
export const runCli = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [cmd, sub, ...rest] = argv
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP)
    return 0
  }
  const key = sub !== undefined && COMMANDS[`${cmd} ${sub}`] ? `${cmd} ${sub}` : cmd
  const spec = COMMANDS[key]
  if (spec === undefined) {
    const typed = [cmd, sub].filter((x) => x !== undefined && !x.startsWith("-")).join(" ")
    const group = Object.keys(COMMANDS).filter((k) => k.startsWith(`${cmd} `))
    const hint = closest(typed, Object.keys(COMMANDS)) ?? closest(cmd, Object.keys(COMMANDS))
    throw new UsageError(
      `unknown command "${typed}"${
        group.length
          ? ` (${cmd} has: ${group.join(", ")})`
          : hint !== undefined
            ? ` (did you mean "${hint}"?)`
            : ""
      }`,
    )
  }
  const rawArgs = key === cmd ? [sub, ...rest].filter((x): x is string => x !== undefined) : rest
  if (rawArgs.includes("--help") || rawArgs.includes("-h")) {
    process.stdout.write(HELP)
    return 0
  }
  const args = parseArgs(rawArgs, spec, key)
  const run = await spec.load()
  return (await run(args)) ?? 0
}

/** What an error says to the operator: its message, or the tag and fields of an error that has none. */
const describe = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e)
  const tag = (e as { _tag?: unknown })._tag
  if (typeof tag === "string" && (e.message === "" || e.message.startsWith("{"))) {
    const { _tag, ...fields } = e as unknown as Record<string, unknown>
    return `${tag} ${JSON.stringify(fields)}`
  }
  return e.message
}

/**
 * The process entry point: runs `argv`, writes errors to stderr, sets the exit code (2 for usage errors).
 * `bundle: false` (bin/inzi.mjs, when the bundle is older than a package's build) loads the commands' modules.
 */
export const main = (
  argv: ReadonlyArray<string>,
  options: { readonly bundle?: boolean } = {},
): Promise<void> => {
  useBundle = options.bundle ?? true
  return runCli(argv).then(
    (code) => {
      if (code !== 0) process.exitCode = code
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`inzi: ${terminalSafe(e.message)}\n(run "inzi help" for usage)\n`)
        process.exitCode = 2
      } else {
        process.stderr.write(`inzi: ${terminalSafe(describe(e))}\n`)
        process.exitCode = 1
      }
    },
  )
}

if (process.argv[1] !== undefined && /main\.(ts|js)$/.test(process.argv[1])) void main(process.argv.slice(2))
