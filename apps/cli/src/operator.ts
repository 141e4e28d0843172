/**
 * `inzi operator create <email> [--merchant ID]`: an account of the operator console (apps/server, /console).
 * The password is read from stdin (its first line) or, on a terminal, from a prompt that does not echo it:
 * never from argv or the environment. Only its scrypt hash is stored.
 */
import { ConsoleStoreLive } from "@inzi/adapter-postgres"
import { ConsoleStore, emailProblem, MerchantStore, normalizeEmail, passwordProblem } from "@inzi/core"
import { hashPassword } from "@inzi/platform/password"
import { Effect } from "effect"
import { type Args, str, UsageError } from "./args.js"
import { withRuntime } from "./db.js"
import { jsonText, terminalSafe } from "./text.js"

/** A line typed at a terminal without echo (raw mode; Enter ends it, Ctrl-C aborts). */
const promptHidden = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const input = process.stdin
    process.stderr.write(question)
    input.setRawMode(true)
    input.resume()
    let line = ""
    const done = (e: Error | null) => {
      input.setRawMode(false)
      input.pause()
      input.off("data", onData)
      process.stderr.write("\n")
      if (e) reject(e)
      else resolve(line)
    }
    const onData = (b: Buffer) => {
      for (const ch of b.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done(null)
        if (ch === "\u0003") return done(new UsageError("aborted"))
        if (ch === "\u007f" || ch === "\b") line = line.slice(0, -1)
        else if (ch >= " ") line += ch
      }
    }
    input.on("data", onData)
  })

const readPassword = async (): Promise<string> => {
  if (process.stdin.isTTY) {
    const a = await promptHidden("password: ")
    const b = await promptHidden("password again: ")
    if (a !== b) throw new UsageError("the two passwords differ")
    return a
  }
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? ""
}

export const operatorCreate = async (args: Args): Promise<number> => {
  const email = normalizeEmail(args.positionals[0] ?? "")
  const problem = emailProblem(email)
  if (problem !== null) throw new UsageError(`operator create <email>: the email ${problem}`)
  const merchantId = str(args, "merchant") ?? null
  const password = await readPassword()
  const weak = passwordProblem(password)
  if (weak !== null) throw new UsageError(`the password ${weak}`)
  const passwordHash = await hashPassword(password)
  const op = await withRuntime(
    Effect.gen(function* () {
      if (merchantId !== null) yield* (yield* MerchantStore).getMerchant(merchantId)
      return yield* (yield* ConsoleStore).createOperator({ email, passwordHash, merchantId, now: new Date() })
    }).pipe(
      Effect.catchTag("OperatorExists", () =>
        Effect.fail(new UsageError(`an account for ${terminalSafe(email)} already exists`)),
      ),
      Effect.provide(ConsoleStoreLive),
    ),
  )
  const json = { id: op.id, email: op.email, merchant: op.merchantId }
  process.stdout.write(
    args.flags.json
      ? jsonText(json)
      : `operator ${op.id} ${terminalSafe(op.email)}: ${
          op.merchantId === null ? "sees every merchant" : `sees merchant ${op.merchantId} only`
        }; sign in at <PUBLIC_URL>/console\n`,
  )
  return 0
}
