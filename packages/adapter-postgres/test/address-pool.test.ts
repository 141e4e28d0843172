import { describe, it } from "vitest"
import { dropSchema, makeDatabase, migrate } from "../src/index.js"
import { makeTestDatabase } from "../src/testing.js"
import { addressPoolContract } from "./address-pool.js"

addressPoolContract("address pool on PGlite", async () => {
  const database = await makeTestDatabase()
  return { db: database.db, concurrent: false, close: database.close }
})

const url = process.env.TEST_DATABASE_URL
if (url === undefined || url === "") {
  describe.skip("address pool on PostgreSQL (TEST_DATABASE_URL unset)", () => {
    it("skipped", () => {})
  })
} else {
  addressPoolContract("address pool on PostgreSQL", async () => {
    const schema = `inzi_pool_${process.pid}_${Date.now().toString(36)}`
    const database = await makeDatabase({ databaseUrl: url, schema, maxConnections: 20 })
    await migrate(database.db)
    return {
      db: database.db,
      concurrent: true,
      // Independent connection pools on the same schema: takers that share nothing but the database.
      openMore: async () => {
        const more = await makeDatabase({ databaseUrl: url, schema, maxConnections: 10 })
        return { db: more.db, concurrent: true, close: more.close }
      },
      close: async () => {
        await dropSchema(database.db, schema)
        await database.close()
      },
    }
  })
}
