import type { Leases } from "@inzi/core"
import { type Context, Effect } from "effect"
import type { Kysely } from "kysely"
import { run } from "./errors.js"
import type { DB } from "./schema.js"

/** Named leases in one upsert: taken when free or expired, renewed by its holder, refused otherwise. */
export const makeLeases = (db: Kysely<DB>): Context.Tag.Service<typeof Leases> => ({
  // Uninterruptible: a caller stopped while the upsert is on its way waits for it, so the release its
  // finalizer runs next cannot reach the server first and leave the lease held by a stopped worker.
  acquire: (name, holder, now, ttlMs) =>
    run("acquireLease", async () => {
      const expires = new Date(now.getTime() + ttlMs)
      const row = await db
        .insertInto("leases")
        .values({ name, holder, expires_at: expires })
        .onConflict((oc) =>
          oc
            .column("name")
            .doUpdateSet({ holder, expires_at: expires })
            .where((eb) => eb.or([eb("leases.holder", "=", holder), eb("leases.expires_at", "<=", now)])),
        )
        .returning("holder")
        .executeTakeFirst()
      return row !== undefined
    }).pipe(Effect.uninterruptible),

  release: (name, holder) =>
    run("releaseLease", async () => {
      await db.deleteFrom("leases").where("name", "=", name).where("holder", "=", holder).execute()
    }),
})
