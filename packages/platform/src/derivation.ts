import { AddressDerivation, type ChainFamily, DerivationError } from "@inzi/core"
import { Effect, Layer } from "effect"
import { FAMILIES } from "./networks.js"

const pick = (family: ChainFamily) => {
  const d = FAMILIES[family]?.deriver
  return d
    ? Effect.succeed(d)
    : Effect.fail(new DerivationError({ family, message: `no address derivation for ${family}` }))
}

/** Address derivation of every family whose module has a `deriver` (the others use the merchant's wallet). */
export const AddressDerivationLive = Layer.succeed(AddressDerivation, {
  derive: (family, xpub, index) => Effect.flatMap(pick(family), (d) => d.derive(xpub, index)),
  validateXpub: (family, xpub) => Effect.flatMap(pick(family), (d) => d.validateXpub(xpub)),
})
