import { makeDatabase } from "../src/index.js"
import { makeTestDatabase } from "../src/testing.js"
import { storeContract } from "./contract.js"
import { countsContract } from "./counts.js"
import { upgrade0020Contract } from "./upgrade-0020.js"

// One in-memory PGlite for the whole file, loaded from the cached migrated snapshot.
storeContract("storage contract on PGlite", async () => {
  const database = await makeTestDatabase()
  return { db: database.db, concurrent: false, close: database.close }
})

// The list counters (migration 0004) against count(*), on a PGlite of their own.
countsContract("list counters on PGlite", async () => {
  const database = await makeTestDatabase()
  return { db: database.db, concurrent: false, close: database.close }
})

// Migration 0020 on a PGlite filled through the schema of 0019.
upgrade0020Contract("migration 0020 (family rows) on PGlite", async () => {
  const database = await makeDatabase({ dataDir: "memory://" })
  return { db: database.db, schema: "public", close: database.close }
})
