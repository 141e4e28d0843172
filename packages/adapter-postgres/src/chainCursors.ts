import type { NetworkId, StoreError } from "@inzi/core"
import type { Effect } from "effect"
import type { Kysely } from "kysely"
import { run } from "./errors.js"
import type { DB } from "./schema.js"

/**
 * Forgets the scan cursors of these networks, so their scanners start over (`inzi dev`: the local chains
 * restart empty on every run). Payments already recorded stay; rescanning them credits nothing twice.
 */
export const forgetChainCursors = (
  db: Kysely<DB>,
  networks: ReadonlyArray<NetworkId>,
): Effect.Effect<void, StoreError> =>
  run("forgetChainCursors", async () => {
    if (networks.length === 0) return
    await db.deleteFrom("chain_cursors").where("network", "in", networks).execute()
  })
