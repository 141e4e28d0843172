import type { Mode } from "@inzi/core"
import { Effect } from "effect"
import type { Kysely } from "kysely"
import { describe, it } from "vitest"
import { type IngestionBackend, ingestionContract } from "@inzi/conformance"
import { type DB, dropSchema, makeDatabase, makeStores, migrate } from "../src/index.js"
import { makeTestDatabase } from "../src/testing.js"

/** The ingestion ports of `makeStores` as the shared contract (the conformance kit's) drives them. */
const backend = (db: Kysely<DB>, close: () => Promise<void>): IngestionBackend => {
  const s = makeStores(db)
  const owners = new Map<string, { merchantId: string; mode: Mode }>()
  const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
  return {
    ledger: s.checkouts,
    unmatched: s.checkouts,
    sweep: s.checkouts,
    addMerchant: async (m) => {
      await run(
        s.merchants.createMerchant({
          id: m.id,
          name: "Acme",
          webhookUrl: m.webhookUrl,
          webhookSecret: "whsec_live",
          testWebhookUrl: m.testWebhookUrl,
          testWebhookSecret: "whsec_test",
          payoutKeys: m.payoutKeys,
          networks: { live: [], test: [] },
        }),
      )
    },
    addCheckout: async (c, network) => {
      const derivationIndex = await run(s.checkouts.allocateDerivationIndex(c.merchantId))
      await run(
        s.checkouts.createCheckout(
          {
            id: c.id,
            merchantId: c.merchantId,
            mode: c.mode,
            amountCents: c.amountCents,
            description: null,
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: c.webhookUrl,
            networks: [network],
            targets: { derivationIndex, entries: c.targets },
            expiresAt: c.expiresAt,
            createdAt: new Date(c.expiresAt.getTime() - 1_800_000),
          },
          null,
        ),
      )
      owners.set(c.id, { merchantId: c.merchantId, mode: c.mode })
    },
    // The stored status: read at a time before any expiry (an overdue pending checkout would read expired).
    readCheckout: (id) => run(s.checkouts.getCheckout({ id, ...owners.get(id)!, now: new Date(0) })),
    readEvents: async (id) => {
      const rows = await db
        .selectFrom("outbox_events")
        .select(["type", "sequence", "url", "status"])
        .where("checkout_id", "=", id)
        .orderBy("sequence")
        .execute()
      return rows.map((r) => ({ ...r, type: r.type as never, sequence: Number(r.sequence) }))
    },
    close,
  }
}

ingestionContract("ingestion contract on PGlite", async () => {
  const database = await makeTestDatabase()
  return backend(database.db, database.close)
})

const url = process.env.TEST_DATABASE_URL
if (url === undefined || url === "") {
  describe.skipIf(process.env.INZI_REQUIRE_PG !== "1")("ingestion contract on PostgreSQL", () => {
    it("needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () => {
      throw new Error("INZI_REQUIRE_PG=1 but TEST_DATABASE_URL is not set")
    })
  })
} else {
  ingestionContract("ingestion contract on PostgreSQL", async () => {
    const schema = `inzi_ingest_${process.pid}_${Date.now().toString(36)}`
    const database = await makeDatabase({ databaseUrl: url, schema, maxConnections: 5 })
    await migrate(database.db)
    return backend(database.db, async () => {
      await dropSchema(database.db, schema)
      await database.close()
    })
  })
}
