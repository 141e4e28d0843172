// A second process on a data folder (run by data-dir.test.ts): opens it as the CLI does, writes one row, reports.
import { sql } from "kysely"
import { makeDatabase } from "../src/database.js"

const database = await makeDatabase({ dataDir: process.argv[2], lockWaitMs: 500 })
try {
  await sql`INSERT INTO probe (who) VALUES ('child')`.execute(database.db)
  process.stdout.write(
    JSON.stringify({ kind: database.kind, via: database.via?.pid ?? null, opened: database.pglite !== null }),
  )
} finally {
  await database.close()
}
