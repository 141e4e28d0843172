import { AddressDerivation, type AddressDeriver, type ChainFamily, DerivationError } from "@inzi/core"
import { Effect, Layer } from "effect"

let loaded: ReadonlyArray<AddressDeriver> | null = null

/**
 * The derivers, imported on first use: a process that never derives an address (the CLI's database commands)
 * does not load the chain adapters (ethers and the rest) with the runtime.
 */
const derivers = Effect.suspend(() =>
  loaded !== null
    ? Effect.succeed(loaded)
    : Effect.promise(async () => {
        const [evm, tron] = await Promise.all([import("@inzi/adapter-evm"), import("@inzi/adapter-tron")])
        loaded = [evm.EvmAddressDeriver, tron.TronAddressDeriver]
        return loaded
      }),
)

const pick = (family: ChainFamily) =>
  Effect.flatMap(derivers, (all) => {
    const d = all.find((x) => x.family === family)
    return d
      ? Effect.succeed(d)
      : Effect.fail(new DerivationError({ family, message: `no address derivation for ${family}` }))
  })

/** Address derivation for every family the reference apps support (EVM and Tron; TON uses the merchant wallet). */
export const AddressDerivationLive = Layer.succeed(AddressDerivation, {
  derive: (family, xpub, index) => Effect.flatMap(pick(family), (d) => d.derive(xpub, index)),
  validateXpub: (family, xpub) => Effect.flatMap(pick(family), (d) => d.validateXpub(xpub)),
})
