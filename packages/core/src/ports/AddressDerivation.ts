import { Context, type Effect, type Either } from "effect"
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
  /**
   * `derive` as plain code, with the same addresses and failures: what a server's fiber-less create derives
   * with (`syncDeriver`). Optional: a family without it takes the create's Effect route.
   */
  readonly deriveSync?: ((xpub: string, index: bigint) => Either.Either<string, DerivationError>) | undefined
  /**
   * `derive` at each index, in order, cheaper per address than one call each (a pool refill's batch). Fails
   * as `derive` does at the first bad index. Optional: without it, callers call `derive` per index.
   */
  readonly deriveMany?:
    | ((
        xpub: string,
        indices: ReadonlyArray<bigint>,
      ) => Effect.Effect<ReadonlyArray<string>, DerivationError>)
    | undefined
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
    /** `AddressDeriver.deriveMany` of the family's deriver (or `derive` per index); optional, like it. */
    readonly deriveMany?:
      | ((
          family: ChainFamily,
          xpub: string,
          indices: ReadonlyArray<bigint>,
        ) => Effect.Effect<ReadonlyArray<string>, DerivationError>)
      | undefined
    readonly validateXpub: (family: ChainFamily, xpub: string) => Effect.Effect<void, DerivationError>
  }
>() {}
