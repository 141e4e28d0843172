import { PgDatabase, resealSecrets } from "@inzi/adapter-postgres"
import { readEnv } from "@inzi/platform/env"
import { openRuntime, secretBoxOf } from "@inzi/platform/runtime"
import { Effect } from "effect"
import { type Args, UsageError } from "./args.js"

/**
 * `inzi secrets encrypt`: seals the webhook secrets still stored in clear under `INZI_SECRET_KEY`.
 * `inzi secrets rotate`: re-seals every secret not under the current key (clear, or sealed by
 * `INZI_SECRET_KEY_OLD`), so the old key can be dropped. Both can be re-run; they print counts, never a secret.
 */
const reseal = (onlyClear: boolean) => async (args: Args) => {
  const env = readEnv()
  const box = secretBoxOf(env)
  if (box === null)
    throw new UsageError("INZI_SECRET_KEY is not set: there is no key to seal the secrets with")
  const rt = await openRuntime(env, { migrate: true })
  try {
    const db = await rt.run(Effect.map(PgDatabase, (d) => d.database.db))
    const r = await resealSecrets(db, box, { onlyClear })
    process.stdout.write(
      args.flags.json
        ? `${JSON.stringify({ key_id: box.kid, sealed: r.sealed, unchanged: r.current })}\n`
        : `${r.sealed} webhook secret(s) sealed under key id ${box.kid}; ${r.current} left as they were\n`,
    )
  } finally {
    await rt.close()
  }
  return 0
}

export const secretsCommands = { encrypt: reseal(true), rotate: reseal(false) }
