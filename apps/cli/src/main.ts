#!/usr/bin/env node
/**
 * `inzi`: the operator CLI. One binary, subcommands, `--json` for scripts. Configuration comes from the
 * environment (see the README's table). Secrets are printed once, to stdout, and never logged.
 */
import { type Args, parseArgs, UsageError } from "./args.js"
import { commands } from "./commands.js"

const HELP = `inzi — self-hosted stablecoin payments

usage: inzi <command> [options]

  dev                                  server + worker + embedded database + local EVM devnet (demo data)
  serve                                HTTP server only           work      worker only
  migrate                              apply database migrations
  merchant create --name N [--webhook-url U] [--test-webhook-url U] [--evm-xpub X] [--tron-xpub X]
                  [--ton-wallet W] [--live-networks a,b] [--test-networks c,d]
  merchant update --merchant ID [--webhook-url U] [--test-webhook-url U] [--rotate-secret live|test]
                  [--allowed-redirect-hosts h,*.d] [--allowed-webhook-hosts h,*.d]   ("" = any host)
  merchant list
  secrets encrypt | rotate                       seal webhook secrets under INZI_SECRET_KEY (README)
  key create --merchant ID --mode live|test      (prints the key once)
  key revoke <key id | visible prefix>           key list --merchant ID
  webhooks list [--failed] [--checkout ID]       webhooks resend <event id>
  unmatched list [--network N]                   unmatched assign <unmatched id> <checkout id>
  status                               per network: cursor vs head, lag, last error; outbox backlog; quarantine
  quarantine list [--network N]        chain events set aside because their data could not be stored
  export --from ISO --to ISO [--status S] [--merchant ID] [--mode live|test]   CSV to stdout
  pay <checkout id> [--network devnet] [--token USDT] [--amount 25.00] [--rpc-url U]   (devnet)
  sweep plan --merchant ID [--network N] [--treasury 0x…,T…]      what sits on deposit addresses, gas needed
  sweep run --merchant ID [...] [--execute]     dry run by default; --execute reads the mnemonic from stdin
  indices export --merchant ID [--network N]    used derivation indices (for wallets with a larger gap limit)

  --json   machine-readable output
`

/** Runs one CLI invocation; resolves to the exit code (throws UsageError for exit 2). */
export const runCli = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [cmd, sub, ...rest] = argv
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP)
    return 0
  }
  const key = sub !== undefined && commands[`${cmd} ${sub}`] ? `${cmd} ${sub}` : cmd
  const command = commands[key]
  if (command === undefined) throw new UsageError(`unknown command "${[cmd, sub].filter(Boolean).join(" ")}"`)
  const args: Args = parseArgs(
    key === cmd ? [sub, ...rest].filter((x): x is string => x !== undefined) : rest,
    command.booleans,
  )
  return (await command.run(args)) ?? 0
}

const isMain = process.argv[1] !== undefined && /main\.(ts|js)$/.test(process.argv[1])
if (isMain)
  runCli(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === "number" && code !== 0) process.exitCode = code
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`inzi: ${e.message}\n(run "inzi help" for usage)\n`)
        process.exitCode = 2
      } else {
        process.stderr.write(`inzi: ${e instanceof Error ? e.message : String(e)}\n`)
        process.exitCode = 1
      }
    },
  )
