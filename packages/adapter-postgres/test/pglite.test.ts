import { makeTestDatabase } from "../src/testing.js"
import { storeContract } from "./contract.js"
import { countsContract } from "./counts.js"

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
