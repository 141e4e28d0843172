import { Effect, Either } from "effect"
import { Migrator, sql } from "kysely"
import { describe, expect, it } from "vitest"
import {
  dropSchema,
  listQuarantined,
  MIGRATIONS,
  makeDatabase,
  makeStores,
  migrate,
  migrationsApplied,
} from "../src/index.js"
import { storeContract } from "./contract.js"
import { countsContract } from "./counts.js"
import { upgrade0020Contract } from "./upgrade-0020.js"

const url = process.env.TEST_DATABASE_URL
const required = process.env.INZI_REQUIRE_PG === "1"

/** A schema per run (and per file), dropped afterwards: concurrent runs against one server never collide. */
const schemaName = (tag: string) => `inzi_${tag}_${process.pid}_${Date.now().toString(36)}`

if (url === undefined || url === "") {
  if (required) {
    describe("storage contract on PostgreSQL", () => {
      it("needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () => {
        throw new Error(
          "INZI_REQUIRE_PG=1 but TEST_DATABASE_URL is not set: the Postgres contract cannot run",
        )
      })
    })
  } else {
    console.warn(
      "\n\n*** WARNING: TEST_DATABASE_URL is not set: the storage contract is NOT running against real PostgreSQL " +
        "(only PGlite). Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run it. ***\n\n",
    )
    describe.skip("storage contract on PostgreSQL (TEST_DATABASE_URL unset)", () => {
      it("skipped", () => {})
    })
  }
} else {
  storeContract("storage contract on PostgreSQL", async () => {
    const schema = schemaName("contract")
    const database = await makeDatabase({ databaseUrl: url, schema, maxConnections: 20 })
    await migrate(database.db)
    return {
      db: database.db,
      concurrent: true,
      close: async () => {
        await dropSchema(database.db, schema)
        await database.close()
      },
    }
  })

  countsContract("list counters on PostgreSQL", async () => {
    const schema = schemaName("counts")
    const database = await makeDatabase({ databaseUrl: url, schema, maxConnections: 20 })
    await migrate(database.db)
    return {
      db: database.db,
      concurrent: true,
      close: async () => {
        await dropSchema(database.db, schema)
        await database.close()
      },
    }
  })

  upgrade0020Contract("migration 0020 (family rows) on PostgreSQL", async () => {
    const schema = schemaName("upgrade20")
    const database = await makeDatabase({ databaseUrl: url, schema })
    return {
      db: database.db,
      schema,
      close: async () => {
        await dropSchema(database.db, schema)
        await database.close()
      },
    }
  })

  describe("PostgreSQL specifics", () => {
    it("two processes migrating one schema at once both succeed, once", async () => {
      const schema = schemaName("migrate")
      const a = await makeDatabase({ databaseUrl: url, schema })
      const b = await makeDatabase({ databaseUrl: url, schema })
      try {
        const [ra, rb] = await Promise.all([migrate(a.db), migrate(b.db)])
        expect([...ra.applied, ...rb.applied]).toEqual(Object.keys(MIGRATIONS))
      } finally {
        await dropSchema(a.db, schema)
        await a.close()
        await b.close()
      }
    })

    it("migrates a new schema while another schema of the database is already migrated", async () => {
      const first = schemaName("first")
      const second = schemaName("second")
      const a = await makeDatabase({ databaseUrl: url, schema: first })
      const b = await makeDatabase({ databaseUrl: url, schema: second })
      try {
        await migrate(a.db)
        expect((await migrate(b.db)).applied).toEqual(Object.keys(MIGRATIONS))
        expect(await migrationsApplied(b.db)).toBe(true)
        await b.db.selectFrom("checkouts").select("id").execute()
      } finally {
        await dropSchema(a.db, first)
        await dropSchema(a.db, second)
        await a.close()
        await b.close()
      }
    })

    it("migration 0004 counts the checkouts that exist before it", async () => {
      const schema = schemaName("backfill")
      const database = await makeDatabase({ databaseUrl: url, schema })
      try {
        const before = Object.fromEntries(
          Object.entries(MIGRATIONS).filter(([name]) => name < "0004_checkout_counts"),
        )
        const migrator = new Migrator({
          db: database.db,
          provider: { getMigrations: async () => before },
          migrationTableSchema: schema,
        })
        expect((await migrator.migrateToLatest()).error).toBeUndefined()
        await sql`INSERT INTO merchants (id, name, webhook_secret, created_at, updated_at)
          VALUES ('mer_a', 'A', 's', now(), now()), ('mer_b', 'B', 's', now(), now())`.execute(database.db)
        await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at, updated_at)
          SELECT 'chk_' || i, CASE WHEN i % 3 = 0 THEN 'mer_b' ELSE 'mer_a' END, CASE WHEN i % 2 = 0 THEN 'live' ELSE 'test' END,
                 (ARRAY['pending','processing','completed','expired','underpaid'])[1 + i % 5], 100, '[]',
                 now() + interval '1 hour', now(), now()
          FROM generate_series(1, 500) i`.execute(database.db)
        expect((await migrate(database.db)).applied[0]).toBe("0004_checkout_counts")
        const counted = await sql<{ merchant_id: string; mode: string; status: string; n: string }>`
          SELECT merchant_id, mode, status, (sum(n))::text AS n FROM (
            SELECT merchant_id, mode, status, n FROM checkout_counts
            UNION ALL SELECT merchant_id, mode, status, n FROM checkout_count_deltas) x
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(database.db)
        const actual = await sql<{ merchant_id: string; mode: string; status: string; n: string }>`
          SELECT merchant_id, mode, status, count(*)::text AS n FROM checkouts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(
          database.db,
        )
        expect(counted.rows).toEqual(actual.rows)
        expect(actual.rows).toHaveLength(20)
      } finally {
        await dropSchema(database.db, schema)
        await database.close()
      }
    })

    it("migration 0010 numbers new events after those a checkout already has", async () => {
      const schema = schemaName("seq")
      const database = await makeDatabase({ databaseUrl: url, schema })
      try {
        const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < "0010"))
        const migrator = new Migrator({
          db: database.db,
          provider: { getMigrations: async () => before },
          migrationTableSchema: schema,
        })
        expect((await migrator.migrateToLatest()).error).toBeUndefined()
        await sql`INSERT INTO merchants (id, name, webhook_secret, created_at, updated_at)
          VALUES ('mer_a', 'A', 's', now(), now())`.execute(database.db)
        await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at, updated_at)
          VALUES ('chk_a', 'mer_a', 'test', 'completed', 100, '[]', now(), now(), now()),
                 ('chk_b', 'mer_a', 'test', 'pending', 100, '[]', now(), now(), now())`.execute(database.db)
        await sql`INSERT INTO outbox_events (id, type, checkout_id, merchant_id, mode, body, status, created_at)
          VALUES ('evt_1', 'checkout.processing', 'chk_a', 'mer_a', 'test', '{}', 'delivered', now()),
                 ('evt_2', 'checkout.completed', 'chk_a', 'mer_a', 'test', '{}', 'delivered', now())`.execute(
          database.db,
        )
        expect((await migrate(database.db)).applied).toContain("0010_event_sequence")
        const rows = await sql<{ id: string; event_seq: number }>`
          SELECT id, event_seq FROM checkouts ORDER BY id`.execute(database.db)
        expect(rows.rows).toEqual([
          { id: "chk_a", event_seq: 2 },
          { id: "chk_b", event_seq: 0 },
        ])
        const old = await sql<{ sequence: number | null }>`SELECT sequence FROM outbox_events`.execute(
          database.db,
        )
        expect(old.rows.map((r) => r.sequence)).toEqual([null, null])
      } finally {
        await dropSchema(database.db, schema)
        await database.close()
      }
    })

    it("a database of the previous release (0001–0008, with rows) takes every migration since (0009 on)", async () => {
      const schema = schemaName("upgrade")
      const database = await makeDatabase({ databaseUrl: url, schema })
      try {
        const released = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < "0009"))
        const migrator = new Migrator({
          db: database.db,
          provider: { getMigrations: async () => released },
          migrationTableSchema: schema,
        })
        expect((await migrator.migrateToLatest()).error).toBeUndefined()
        const t0 = new Date("2026-12-01T00:00:00Z")
        await sql`INSERT INTO merchants (id, name, webhook_url, webhook_secret, created_at, updated_at)
          VALUES ('mer_a', 'A', 'https://shop.example/hook', 'whsec_live_a', ${t0}, ${t0}),
                 ('mer_b', 'B', NULL, 'whsec_live_b', ${t0}, ${t0})`.execute(database.db)
        await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at, updated_at)
          VALUES ('chk_t', 'mer_a', 'test', 'processing', 100, '["devnet"]', ${new Date(t0.getTime() + 3_600_000)}, ${t0}, ${t0})`.execute(
          database.db,
        )
        await sql`INSERT INTO deposit_targets (checkout_id, merchant_id, derivation_index, evm_address, ton_comment)
          VALUES ('chk_t', 'mer_a', 0, '0x00000000000000000000000000000000000000aa', 'K7P2M9QX')`.execute(
          database.db,
        )
        await sql`INSERT INTO payments (network, tx_hash, log_index, checkout_id, token, token_contract, decimals, amount,
            recipient, block_number, block_hash, status, confirmations, detected_at, updated_at)
          VALUES ('devnet', '0xabc', 0, 'chk_t', 'USDT', '0xdef', 6, 1000000,
            '0x00000000000000000000000000000000000000aa', 10, '0x10', 'detected', 1, ${t0}, ${t0})`.execute(
          database.db,
        )
        await sql`INSERT INTO outbox_events (id, type, checkout_id, merchant_id, mode, url, body, status, attempts, next_attempt_at, created_at)
          VALUES ('evt_old', 'checkout.processing', 'chk_t', 'mer_a', 'test', 'https://shop.example/hook', '{}', 'delivered', 1, NULL, ${t0})`.execute(
          database.db,
        )

        expect((await migrate(database.db)).applied).toEqual([
          "0009_quarantined_events",
          "0010_event_sequence",
          "0011_webhooks_per_mode",
          "0012_merchant_allowed_hosts",
          "0013_rate_limits",
          "0014_payment_duplicate",
          "0015_merchant_branding",
          "0017_operator_console",
          "0018_console_days",
          "0019_watcher_samples",
          "0020_family_rows",
          "0022_ops_counts",
          "0023_watch_cursor",
          "0024_wallet_cursor",
        ])
        expect(await migrationsApplied(database.db)).toBe(true)
        const secrets = await sql<{
          id: string
          test_webhook_secret: string
          test_webhook_url: string | null
        }>`
          SELECT id, test_webhook_secret, test_webhook_url FROM merchants ORDER BY id`.execute(database.db)
        expect(secrets.rows.map((r) => r.test_webhook_url)).toEqual([null, null])
        expect(secrets.rows.every((r) => /^whsec_[0-9a-f]{64}$/.test(r.test_webhook_secret))).toBe(true)
        expect(secrets.rows[0]!.test_webhook_secret).not.toBe(secrets.rows[1]!.test_webhook_secret)

        // The old checkout's payment confirms on the new code: its event follows the one it already had, and
        // the quarantine table is usable.
        const stores = makeStores(database.db)
        const now = new Date(t0.getTime() + 60_000)
        const r = await Effect.runPromise(
          stores.checkouts.applyChainEvents({
            network: "devnet",
            mode: "test",
            requiredConfirmations: 1,
            events: [
              {
                _tag: "PaymentConfirmed",
                network: "devnet",
                txHash: "0xabc",
                logIndex: 0,
                confirmations: 3,
                confirmedAt: now,
              },
            ],
            cursor: "c1",
            now,
          }),
        )
        expect(r).toEqual({ applied: 1, emitted: 1 })
        const events = await sql<{ type: string; sequence: number | null; status: string }>`
          SELECT type, sequence, status FROM outbox_events ORDER BY created_at, id`.execute(database.db)
        // No test endpoint yet: the new test event is kept but not sent (never to the live endpoint).
        expect(events.rows).toEqual([
          { type: "checkout.processing", sequence: null, status: "delivered" },
          { type: "checkout.completed", sequence: 2, status: "skipped" },
        ])
        expect(await Effect.runPromise(listQuarantined(database.db))).toEqual([])
      } finally {
        await dropSchema(database.db, schema)
        await database.close()
      }
    })

    it("an unreachable server is a StoreError, never a driver error", async () => {
      const bad = await makeDatabase({ databaseUrl: "postgres://postgres@127.0.0.1:1/none" })
      try {
        const r = await Effect.runPromise(Effect.either(makeStores(bad.db).merchants.listMerchants()))
        expect(Either.isLeft(r) && r.left._tag).toBe("StoreError")
        expect(Either.isLeft(r) && r.left.message).toMatch(/^listMerchants failed/)
      } finally {
        await bad.close()
      }
    })
  })
}
