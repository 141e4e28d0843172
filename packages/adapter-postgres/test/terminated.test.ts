import { sql } from "kysely"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { makeDatabase } from "../src/index.js"

const url = process.env.TEST_DATABASE_URL
if (url === undefined || url === "") {
  if (process.env.INZI_REQUIRE_PG === "1")
    it("terminated backends need TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () =>
      expect.fail("TEST_DATABASE_URL unset"))
  else describe.skip("terminated backends (TEST_DATABASE_URL unset)", () => it("skipped", () => {}))
} else {
  describe("a PostgreSQL backend terminated under a checked-out connection", () => {
    // Found by the chaos run (tooling/chaos): pg emits 'error' on a client whose connection dies; the pool
    // listens only on idle clients, so a client checked out at that moment (a transaction between statements)
    // threw an uncaught 'error' event and the whole server or worker process exited.
    it("fails that transaction only: the process survives and the next query gets a new connection", async () => {
      const app = `inzi_terminated_${process.pid}`
      const u = new URL(url)
      u.searchParams.set("application_name", app)
      const database = await makeDatabase({ databaseUrl: u.toString(), maxConnections: 2 })
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      const uncaught: Array<unknown> = []
      const onUncaught = (e: unknown) => uncaught.push(e)
      process.on("uncaughtException", onUncaught)
      try {
        let inside: () => void = () => {}
        const entered = new Promise<void>((r) => {
          inside = r
        })
        let resume: () => void = () => {}
        const paused = new Promise<void>((r) => {
          resume = r
        })
        const tx = database.db.transaction().execute(async (trx) => {
          await sql`SELECT 1`.execute(trx)
          inside()
          await paused
          await sql`SELECT 1`.execute(trx)
        })
        const outcome = tx.then(
          () => "committed",
          () => "failed",
        )
        await entered
        const killed = await admin.query(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction'",
          [app],
        )
        expect(killed.rows).toEqual([{ ok: true }])
        await new Promise((r) => setTimeout(r, 300))
        resume()
        expect(await outcome).toBe("failed")
        expect(uncaught).toEqual([])
        const r = await sql<{ n: number }>`SELECT 2 AS n`.execute(database.db)
        expect(r.rows).toEqual([{ n: 2 }])
      } finally {
        process.off("uncaughtException", onUncaught)
        await admin.end()
        await database.close()
      }
    })
  })
}
