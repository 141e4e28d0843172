import { Context, type Effect } from "effect"
import type { StoreError } from "./errors.js"

/**
 * Named leases so that several workers split the work: whoever holds `watcher:<network>` scans it; a dead
 * holder's lease expires and is taken over.
 */
export class Leases extends Context.Tag("@inzi/core/Leases")<
  Leases,
  {
    /** Take or renew the lease; true when `holder` holds it until `now + ttlMs`. */
    readonly acquire: (
      name: string,
      holder: string,
      now: Date,
      ttlMs: number,
    ) => Effect.Effect<boolean, StoreError>
    readonly release: (name: string, holder: string) => Effect.Effect<void, StoreError>
  }
>() {}
