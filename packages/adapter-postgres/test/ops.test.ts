import { Effect } from "effect"
import { sql } from "kysely"
import { afterAll, describe, expect, it } from "vitest"
import { clusterStats, type Database, forgetChainCursors, recordWatcherStatus } from "../src/index.js"
import { makeTestDatabase } from "../src/testing.js"

// The operator-facing reads and writes that platform and the apps used to run as SQL of their own.
const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

describe("operations store functions (PGlite)", () => {
  const open: Database[] = []
  afterAll(async () => {
    for (const d of open) await d.close()
  })
  const fresh = async () => {
    const d = await makeTestDatabase()
    open.push(d)
    return d
  }

  it("clusterStats: empty on a new database, then the watchers and counts as stored", async () => {
    const { db } = await fresh()
    expect(await run(clusterStats(db))).toEqual({
      checkouts: [],
      outbox: [],
      webhookAttempts: [],
      watchers: [],
      quarantined: [],
    })
    const at = new Date("2026-04-04T12:00:00Z")
    await run(recordWatcherStatus(db, { network: "base", head: 12n, scannedTo: 10n, lastError: null, at }))
    // Unfolded deltas count with the folded rows (the counters' contract, checkoutCounts.ts).
    await sql`INSERT INTO checkout_count_deltas (merchant_id, mode, status, n) VALUES
      ('mer_a', 'test', 'pending', 3), ('mer_b', 'test', 'pending', -1), ('mer_a', 'live', 'completed', 2)`.execute(
      db,
    )
    const s = await run(clusterStats(db))
    expect(s.checkouts).toEqual([
      { mode: "live", status: "completed", count: 2 },
      { mode: "test", status: "pending", count: 2 },
    ])
    expect(s.watchers).toMatchObject([{ network: "base", head: 12n, scannedTo: 10n, lastError: null }])
  })

  it("forgetChainCursors deletes the cursors of the named networks only", async () => {
    const { db } = await fresh()
    await sql`INSERT INTO chain_cursors (network, cursor, updated_at)
      VALUES ('devnet', 'a', now()), ('ton-devnet', 'b', now()), ('base', 'c', now())`.execute(db)
    await run(forgetChainCursors(db, ["devnet", "ton-devnet"]))
    await run(forgetChainCursors(db, []))
    const left = await sql<{ network: string }>`SELECT network FROM chain_cursors ORDER BY network`.execute(
      db,
    )
    expect(left.rows.map((r) => r.network)).toEqual(["base"])
  })
})
