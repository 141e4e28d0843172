import { AddressDerivation, type AddressDeriver, type ChainFamily, DerivationError } from "@inzi/core"
import { EvmAddressDeriver } from "@inzi/adapter-evm"
import { TronAddressDeriver } from "@inzi/adapter-tron"
import { Effect, Layer } from "effect"

const DERIVERS: ReadonlyArray<AddressDeriver> = [EvmAddressDeriver, TronAddressDeriver]

const pick = (family: ChainFamily) => {
  const d = DERIVERS.find((x) => x.family === family)
  return d
    ? Effect.succeed(d)
    : Effect.fail(new DerivationError({ family, message: `no address derivation for ${family}` }))
}

/** Address derivation for every family the reference apps support (EVM and Tron; TON uses the merchant wallet). */
export const AddressDerivationLive = Layer.succeed(AddressDerivation, {
  derive: (family, xpub, index) => Effect.flatMap(pick(family), (d) => d.derive(xpub, index)),
  validateXpub: (family, xpub) => Effect.flatMap(pick(family), (d) => d.validateXpub(xpub)),
})
