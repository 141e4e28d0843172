import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  Checkouts,
  CheckoutStore,
  ExpirySweep,
  IdempotencyRecords,
  MerchantStore,
  PaymentLedger,
  UnmatchedPayments,
  WatchTargets,
} from "@inzi/core"
import { Effect, Either } from "effect"
import {
  DummyDriver,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from "kysely"
import { afterAll, describe, expect, it } from "vitest"
import * as api from "../src/index.js"
import { type DB, dropSchema, makeDatabase, PgDatabase, PgStore } from "../src/index.js"

const newMerchant = (id: string) => ({
  id,
  name: "Layered",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  payoutKeys: {},
  networks: { live: [], test: ["devnet"] },
})

describe("public surface", () => {
  it("exports exactly this (review API changes here)", () => {
    expect(Object.keys(api).sort()).toEqual([
      "ConsoleStoreLive",
      "IDEMPOTENCY_TTL_MS",
      "MIGRATIONS",
      "MIGRATION_SQL",
      "PgDatabase",
      "PgFastPath",
      "PgStore",
      "SecretKeyError",
      "addRateCounts",
      "checkSchemaName",
      "clusterStats",
      "compactCheckoutCounts",
      "dropSchema",
      "forgetChainCursors",
      "hotStatements",
      "isSealed",
      "listQuarantined",
      "listWatcherStatus",
      "makeAddressPool",
      "makeCheckoutStore",
      "makeConsoleStore",
      "makeDatabase",
      "makeExpirySweep",
      "makeLeases",
      "makeMerchantStore",
      "makeOutbox",
      "makePaymentLedger",
      "makeSecretBox",
      "makeStores",
      "makeUnmatchedPayments",
      "migrate",
      "migrationsApplied",
      "minimalEventBody",
      "pruneRateCounts",
      "quarantineSummary",
      "recordWatcherStatus",
      "resealSecrets",
      "verifySecretKey",
    ])
  })

  it("refuses schema names that are not plain identifiers", () => {
    expect(() => api.checkSchemaName('x"; DROP TABLE merchants; --')).toThrow(/invalid schema name/)
    expect(api.checkSchemaName("inzi_ci_1")).toBe("inzi_ci_1")
  })
})

describe("PgStore.layer on an embedded PGlite data folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "inzi-pglite-layer-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("migrates on first open, keeps data across restarts, reports ready", async () => {
    const layer = () => PgStore.layer({ dataDir: join(dir, "data") })
    await Effect.runPromise(
      Effect.gen(function* () {
        const merchants = yield* MerchantStore
        yield* merchants.createMerchant(newMerchant("mer_disk"))
        expect(yield* (yield* CheckoutStore).allocateDerivationIndex("mer_disk")).toBe(0n)
        const pg = yield* PgDatabase
        expect(pg.database.kind).toBe("pglite")
        expect(yield* pg.ready).toBe(true)
      }).pipe(Effect.provide(layer())),
    )
    // Reopened: the merchant and its sequence survived; the index is never handed out twice.
    await Effect.runPromise(
      Effect.gen(function* () {
        expect((yield* (yield* MerchantStore).getMerchant("mer_disk")).name).toBe("Layered")
        expect(yield* (yield* CheckoutStore).allocateDerivationIndex("mer_disk")).toBe(1n)
        // Each small port is provided on its own too, over the same store.
        expect(yield* (yield* PaymentLedger).getCursor("devnet")).toBeNull()
        expect(yield* (yield* UnmatchedPayments).listUnmatched()).toEqual([])
        expect(yield* (yield* ExpirySweep).sweepExpired(new Date(), 10)).toBe(0)
        expect(yield* (yield* Checkouts).allocateDerivationIndex("mer_disk")).toBe(2n)
        const list = { merchantId: "mer_disk", mode: "test" as const, limit: 10, offset: 0, now: new Date() }
        expect((yield* (yield* Checkouts).listCheckouts(list)).total).toBe(0)
        const replay = {
          merchantId: "mer_disk",
          mode: "test" as const,
          key: "k",
          requestHash: "h",
          now: new Date(),
        }
        expect(yield* (yield* IdempotencyRecords).findIdempotentReplay(replay)).toBeNull()
        const since = new Date(0)
        const open = {
          family: "evm",
          deposit: { kind: "derived-address", caseInsensitive: true },
          mode: "test",
          network: "devnet",
          since,
        } as const
        expect((yield* (yield* WatchTargets).openTargets(open)).addresses).toEqual([])
      }).pipe(Effect.provide(layer())),
    )
  })

  it("an out-of-date folder is not ready without migrate, and migrated with it", async () => {
    const dataDir = join(dir, "old")
    const names = Object.keys(api.MIGRATIONS)
    const old = await makeDatabase({ dataDir })
    const provider = { getMigrations: async () => ({ ...api.MIGRATIONS }) }
    const r = await new Migrator({ db: old.db, provider }).migrateTo(names.at(-2)!)
    expect(r.error).toBeUndefined()
    await old.close()
    const state = Effect.gen(function* () {
      const pg = yield* PgDatabase
      const rows = yield* Effect.promise(() =>
        pg.database.db
          .selectFrom("kysely_migration" as never)
          .select("name" as never)
          .execute(),
      )
      return { ready: yield* pg.ready, applied: rows.length }
    })
    expect(
      await Effect.runPromise(Effect.provide(state, PgStore.layer({ dataDir, migrate: false }))),
    ).toEqual({ ready: false, applied: names.length - 1 })
    expect(await Effect.runPromise(Effect.provide(state, PgStore.layer({ dataDir })))).toEqual({
      ready: true,
      applied: names.length,
    })
  })
})

const url = process.env.TEST_DATABASE_URL
describe.skipIf(url === undefined || url === "")("PgStore layers on PostgreSQL", () => {
  it("PgStore.layer with a database URL and a schema migrates into that schema", async () => {
    const schema = `inzi_layer_${process.pid}_${Date.now().toString(36)}`
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const pg = yield* PgDatabase
          expect(pg.database.kind).toBe("postgres")
          expect(pg.database.schema).toBe(schema)
          expect(yield* pg.ready).toBe(true)
          const m = yield* (yield* MerchantStore).createMerchant(newMerchant("mer_cfg"))
          expect(m.id).toBe("mer_cfg")
        }).pipe(Effect.provide(PgStore.layer({ databaseUrl: url, schema, maxConnections: 2 }))),
      )
    } finally {
      const d = await makeDatabase({ databaseUrl: url })
      const tables = await d.db
        .selectFrom("information_schema.tables" as never)
        .select("table_name" as never)
        .where("table_schema" as never, "=", schema as never)
        .execute()
      expect(tables.length).toBeGreaterThanOrEqual(12)
      await dropSchema(d.db, schema)
      await d.close()
    }
  })

  it("a layer that cannot reach its database fails with a StoreError", async () => {
    const r = await Effect.runPromise(
      Effect.either(
        Effect.provide(MerchantStore, PgStore.layer({ databaseUrl: "postgres://postgres@127.0.0.1:1/none" })),
      ),
    )
    expect(Either.isLeft(r) && r.left._tag).toBe("StoreError")
    expect(Either.isLeft(r) && r.left.message).toMatch(/^opening the database failed/)
  })
})

describe("hotStatements", () => {
  it("gives the hot statements' SQL with an argument index for every $n", () => {
    const db = new Kysely<DB>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    })
    const { pooledCreate, checkoutById } = api.hotStatements(db)
    const params = (sql: string) => new Set(sql.match(/\$\d+/g)).size
    expect(pooledCreate.sql).toMatch(/DELETE FROM address_pool/)
    expect(pooledCreate.sql).toMatch(/INSERT INTO deposit_targets/)
    expect(params(pooledCreate.sql)).toBe(pooledCreate.positions.length)
    // 16 arguments (id … createdAt, derived families, memos, keys, above), each bound at least once.
    expect(new Set(pooledCreate.positions)).toEqual(new Set(Array.from({ length: 16 }, (_, i) => i)))
    expect(checkoutById.sql).toMatch(/json_build_object/)
    expect(checkoutById.positions).toEqual([0])
  })
})
