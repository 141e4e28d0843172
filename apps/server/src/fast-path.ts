import type { FastPath as StoreFastPath } from "@inzi/adapter-postgres"
import { Context } from "effect"

/**
 * What the fiber-less routes (GET one checkout, the common POST) run on besides the key cache: the store's
 * callback statements (adapter-postgres's `PgFastPath`) and a synchronous CSPRNG for the create's id and TON
 * comment (core's `cryptoRandomBytes`). Without it, every request runs its route's Effect.
 */
export class FastPath extends Context.Tag("@inzi/server/FastPath")<
  FastPath,
  {
    readonly store: StoreFastPath
    readonly randomBytes: (n: number) => Uint8Array
  }
>() {}
