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

describe("/metrics counters of the outbox and of webhook attempts (migration 0022, PGlite)", () => {
  let database: Database
  afterAll(async () => {
    await database?.close()
  })

  it("clusterStats reads them from the maintained counters: exact through writes, deletes and compaction, no scan", async () => {
    database = await makeTestDatabase()
    const { db } = database
    const t0 = new Date("2026-04-04T12:00:00Z")
    await sql`INSERT INTO merchants (id, name, webhook_url, webhook_secret, test_webhook_secret, created_at, updated_at)
      VALUES ('mer_o', 'O', NULL, 'whsec_l', 'whsec_t', ${t0}, ${t0})`.execute(db)
    await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at, updated_at)
      VALUES ('chk_o', 'mer_o', 'test', 'pending', 100, '["devnet"]', ${t0}, ${t0}, ${t0})`.execute(db)
    const events = (n: number, from: number) =>
      sql`INSERT INTO outbox_events (id, type, checkout_id, merchant_id, mode, url, body, status, created_at)
        SELECT 'evt_' || i, 'checkout.created', 'chk_o', 'mer_o', 'test', NULL, '{}', 'pending',
               ${t0}::timestamptz + i * interval '1 second'
        FROM generate_series(${from}::int, ${from + n - 1}::int) i`.execute(db)
    await events(10, 0)
    await sql`UPDATE outbox_events SET status = 'delivering' WHERE id IN ('evt_0', 'evt_1', 'evt_2')`.execute(
      db,
    )
    await sql`UPDATE outbox_events SET status = 'delivered' WHERE id IN ('evt_0', 'evt_1')`.execute(db)
    await sql`UPDATE outbox_events SET status = 'failed' WHERE id = 'evt_3'`.execute(db)
    await sql`UPDATE outbox_events SET attempts = attempts + 1`.execute(db) // no status change: no delta
    await sql`INSERT INTO webhook_attempts (event_id, at, status_code, latency_ms, error, ok, worker)
      VALUES ('evt_0', ${t0}, 200, 5, NULL, true, 'w'), ('evt_1', ${t0}, 500, 5, 'HTTP 500', false, 'w'),
             ('evt_1', ${t0}, 200, 5, NULL, true, 'w'), ('evt_3', ${t0}, NULL, 5, 'refused: x', false, 'w')`.execute(
      db,
    )
    await sql`DELETE FROM webhook_attempts WHERE error = 'refused: x'`.execute(db)
    await sql`DELETE FROM outbox_events WHERE id = 'evt_9'`.execute(db)

    const truth = async () => {
      const o = await sql<{ status: string; n: string }>`
        SELECT status, count(*)::text AS n FROM outbox_events GROUP BY status ORDER BY status`.execute(db)
      const a = await sql<{ ok: boolean; n: string }>`
        SELECT ok, count(*)::text AS n FROM webhook_attempts GROUP BY ok ORDER BY ok`.execute(db)
      return {
        outbox: o.rows.map((r) => [r.status, Number(r.n)]),
        attempts: a.rows.map((r) => [r.ok, Number(r.n)]),
      }
    }
    const reported = async () => {
      const s = await run(clusterStats(db))
      return {
        outbox: s.outbox.map((r) => [r.status, r.count]),
        attempts: s.webhookAttempts.map((r) => [r.ok, r.count]),
        s,
      }
    }
    const before = await reported()
    expect(before.outbox).toEqual([
      ["delivered", 2],
      ["delivering", 1],
      ["failed", 1],
      ["pending", 5],
    ])
    expect({ outbox: before.outbox, attempts: before.attempts }).toEqual(await truth())
    // The oldest age is read for the backlog statuses only (evt_2 delivering, evt_4 the oldest pending).
    const age = (status: string) => before.s.outbox.find((r) => r.status === status)?.oldestSeconds
    expect(age("delivered")).toBeNull()
    expect(age("delivering")! - age("pending")!).toBeCloseTo(2, 3)

    // Deltas folded (by a read once COMPACT_AT piled up, or by the sweeper) change nothing.
    for (let i = 0; i < 300; i++)
      await sql`UPDATE outbox_events SET status = ${i % 2 === 0 ? "delivering" : "pending"} WHERE id = 'evt_5'`.execute(
        db,
      )
    await events(3, 100)
    const piled = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ops_count_deltas`.execute(db)
    expect(Number(piled.rows[0]!.n)).toBeGreaterThanOrEqual(256)
    const after = await reported()
    expect({ outbox: after.outbox, attempts: after.attempts }).toEqual(await truth())
    const left = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ops_count_deltas`.execute(db)
    expect(Number(left.rows[0]!.n)).toBe(0)

    // Not a scan: a counter row standing for a million delivered events the table does not hold is reported.
    await sql`INSERT INTO ops_count_deltas (tbl, label, n) VALUES ('outbox_events', 'delivered', 1000000),
      ('webhook_attempts', 'true', 1000000)`.execute(db)
    const big = await reported()
    expect(big.outbox).toContainEqual(["delivered", 1_000_002])
    expect(big.attempts).toContainEqual([true, 1_000_002])

    // TRUNCATE empties the counters with the tables.
    await sql`TRUNCATE outbox_events, webhook_attempts`.execute(db)
    const empty = await reported()
    expect({ outbox: empty.outbox, attempts: empty.attempts }).toEqual({ outbox: [], attempts: [] })
  })
})
