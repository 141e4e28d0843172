import {
  type ChainFamily,
  type ChainFamilyModule,
  type FamilyRegistry,
  familyModules,
  isKnownFamily,
  type PayoutKeyProblem,
  type PayoutKeys,
} from "@inzi/core"
import { type Args, list, str, UsageError } from "./args.js"
import { terminalSafe } from "./text.js"

/**
 * A family's one-key flag, the documented alias of `--payout <family>=<key>`: `--<family>-xpub` for a family
 * whose deposit addresses are derived from an xpub, `--<family>-wallet` for a wallet + memo family.
 */
export const payoutAlias = (m: ChainFamilyModule): string =>
  `${m.family}-${m.deposit.kind === "derived-address" ? "xpub" : "wallet"}`

/** The merchant's payout keys given on the command line, with the flag each came from (for its errors). */
export interface GivenPayoutKeys {
  readonly keys: PayoutKeys
  readonly flags: Readonly<Partial<Record<ChainFamily, string>>>
}

/**
 * `--payout <family>=<key>[,<family>=<key>…]` and the aliases (`payoutAlias`): one key per family, of a
 * family the registry knows. The keys themselves are checked by the family modules (`payoutKeysProblem`).
 */
export const givenPayoutKeys = (args: Args, families: FamilyRegistry): GivenPayoutKeys => {
  const keys: Partial<Record<ChainFamily, string>> = {}
  const flags: Partial<Record<ChainFamily, string>> = {}
  const put = (family: ChainFamily, key: string, flag: string) => {
    if (keys[family] !== undefined)
      throw new UsageError(`${flag}: the ${family} key is given twice (${flags[family]} and ${flag})`)
    keys[family] = key
    flags[family] = flag
  }
  for (const entry of list(str(args, "payout"))) {
    const eq = entry.indexOf("=")
    const family = eq < 0 ? entry : entry.slice(0, eq)
    const key = eq < 0 ? "" : entry.slice(eq + 1).trim()
    if (!isKnownFamily(families, family))
      throw new UsageError(
        `--payout: unknown family "${terminalSafe(family)}" (known: ${Object.keys(families).join(", ")}); give <family>=<key>`,
      )
    if (key === "") throw new UsageError(`--payout: ${family}=<key> needs the key`)
    put(family, key, `--payout ${family}=`)
  }
  for (const m of familyModules(families)) {
    const key = str(args, payoutAlias(m))
    if (key !== undefined) put(m.family, key, `--${payoutAlias(m)}`)
  }
  return { keys, flags }
}

/** How to give any payout key, for a usage error: "--payout <family>=<key> (or --evm-xpub, …)". */
export const payoutUsage = (families: FamilyRegistry): string =>
  `--payout <family>=<key> (or ${familyModules(families)
    .map((m) => `--${payoutAlias(m)}`)
    .join(", ")})`

/** A payout-key problem as the error of the flag that gave the key. */
export const payoutKeyError = (p: PayoutKeyProblem, given: GivenPayoutKeys, families: FamilyRegistry) => {
  if (p.family === null) return new UsageError(`${p.message}: give ${payoutUsage(families)}`)
  const flag = given.flags[p.family] ?? `--payout ${p.family}=`
  const key = given.keys[p.family] ?? ""
  return new UsageError(
    families[p.family].deposit.kind === "derived-address"
      ? `${flag}: ${p.message}`
      : `${flag} ${p.message}: "${terminalSafe(key)}"`,
  )
}
