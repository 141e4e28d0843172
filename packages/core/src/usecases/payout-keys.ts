import { Effect } from "effect"
import type { ChainFamily, PayoutKeys } from "../domain.js"
import { type FamilyRegistry, familyModules } from "../family.js"
import { MerchantStore } from "../ports/MerchantStore.js"

/** What is wrong with a merchant's payout keys: which family's (`null`: none given) and why. */
export interface PayoutKeyProblem {
  readonly family: ChainFamily | null
  readonly message: string
}

/** "an EVM account xpub, a Tron account xpub and/or a TON wallet": what a merchant may be paid with. */
export const payoutKeyChoices = (families: FamilyRegistry): string => {
  const names = familyModules(families).map((m) => {
    const name = `${m.label} ${m.payoutKeyLabel}`
    return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`
  })
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and/or ${names.at(-1)}`
}

/**
 * The keys' own checks (no storage needed): at least one key, each valid for its family's module (an xpub by
 * the family's `deriver`: checksum, public, account depth; a wallet by its `walletProblem`). null when fine.
 */
export const payoutKeysFormatProblem = (keys: PayoutKeys, families: FamilyRegistry) =>
  Effect.gen(function* () {
    const given = familyModules(families).filter((m) => keys[m.family] !== undefined)
    if (given.length === 0)
      return {
        family: null,
        message: `a merchant needs a way to be paid: ${payoutKeyChoices(families)}`,
      } satisfies PayoutKeyProblem
    for (const m of given) {
      const key = keys[m.family] ?? ""
      if (m.deriver !== undefined) {
        const r = yield* Effect.either(m.deriver.validateXpub(key))
        if (r._tag === "Left") return { family: m.family, message: r.left.message } satisfies PayoutKeyProblem
      }
      const wallet = m.walletProblem?.(key) ?? null
      if (wallet !== null) return { family: m.family, message: wallet } satisfies PayoutKeyProblem
    }
    return null
  })

/**
 * The checks every way of creating a merchant makes (the CLI's `merchant create`, the console): the keys' own
 * (`payoutKeysFormatProblem`), then that no other merchant has the same xpub of a derived family (it would
 * hand out the same deposit addresses). null when they are fine.
 */
export const payoutKeysProblem = (keys: PayoutKeys, families: FamilyRegistry) =>
  Effect.gen(function* () {
    const format = yield* payoutKeysFormatProblem(keys, families)
    if (format !== null) return format
    const derived = familyModules(families).filter(
      (m) => m.deposit.kind === "derived-address" && keys[m.family] !== undefined,
    )
    if (derived.length === 0) return null
    for (const other of yield* (yield* MerchantStore).listMerchants())
      for (const m of derived)
        if (other.payoutKeys[m.family] === keys[m.family])
          return {
            family: m.family,
            message: `this ${m.label} xpub is already used by merchant ${other.id}`,
          } satisfies PayoutKeyProblem
    return null
  })
