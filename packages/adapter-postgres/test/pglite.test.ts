import { PGlite } from "@electric-sql/pglite"
import { makeDatabase, migrate } from "../src/index.js"
import { storeContract } from "./contract.js"

// One in-memory PGlite for the whole file, migrated once.
storeContract("storage contract on PGlite", async () => {
  const pglite = await PGlite.create({ dataDir: "memory://" })
  const database = await makeDatabase({ pglite, schema: "contract" })
  await migrate(database.db)
  return { db: database.db, concurrent: false, close: database.close }
})
