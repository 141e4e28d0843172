import { AddressDerivation, type AddressDeriver, type ChainFamily, DerivationError } from "@inzi/core"
import { Effect, Layer } from "effect"

let loaded: Partial<Record<ChainFamily, AddressDeriver>> | null = null

/**
 * The family modules' derivers, imported on first use: a process that never derives an address (the CLI's
 * database commands) does not load the chain adapters (ethers and the rest) with the runtime.
 */
const derivers = Effect.suspend(() =>
  loaded !== null
    ? Effect.succeed(loaded)
    : Effect.promise(async () => {
        const { FAMILIES } = await import("./networks.js")
        const found: Partial<Record<ChainFamily, AddressDeriver>> = {}
        for (const [family, module] of Object.entries(FAMILIES) as Array<
          [ChainFamily, (typeof FAMILIES)[ChainFamily]]
        >)
          if (module.deriver !== undefined) found[family] = module.deriver
        loaded = found
        return found
      }),
)

const pick = (family: ChainFamily) =>
  Effect.flatMap(derivers, (all) => {
    const d = all[family]
    return d
      ? Effect.succeed(d)
      : Effect.fail(new DerivationError({ family, message: `no address derivation for ${family}` }))
  })

/** Address derivation of every family whose module has a `deriver` (the others use the merchant's wallet). */
export const AddressDerivationLive = Layer.succeed(AddressDerivation, {
  derive: (family, xpub, index) => Effect.flatMap(pick(family), (d) => d.derive(xpub, index)),
  deriveMany: (family, xpub, indices) =>
    Effect.flatMap(pick(family), (d) =>
      d.deriveMany !== undefined
        ? d.deriveMany(xpub, indices)
        : Effect.forEach(indices, (index) => d.derive(xpub, index)),
    ),
  validateXpub: (family, xpub) => Effect.flatMap(pick(family), (d) => d.validateXpub(xpub)),
})
