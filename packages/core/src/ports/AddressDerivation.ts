import { Context, type Effect } from "effect"
import type { ChainFamily } from "../domain.js"
import type { DerivationError } from "./errors.js"

/**
 * One chain family's derivation of deposit addresses from a merchant's account-level extended public key
 * (`m/44'/60'/0'` for EVM, `m/44'/195'/0'` for Tron): the address at `…/0/index`. No private key involved.
 */
export interface AddressDeriver {
  readonly family: ChainFamily
  /** Rejects malformed or private extended keys. */
  readonly validateXpub: (xpub: string) => Effect.Effect<void, DerivationError>
  readonly derive: (xpub: string, index: bigint) => Effect.Effect<string, DerivationError>
}

/** All derivers the application wired in (EVM and Tron adapters each provide one). */
export class AddressDerivation extends Context.Tag("@inzi/core/AddressDerivation")<
  AddressDerivation,
  {
    readonly derive: (
      family: ChainFamily,
      xpub: string,
      index: bigint,
    ) => Effect.Effect<string, DerivationError>
    readonly validateXpub: (family: ChainFamily, xpub: string) => Effect.Effect<void, DerivationError>
  }
>() {}
