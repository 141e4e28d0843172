import { Effect, Fiber } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Database, dropSchema, makeDatabase, makeStores, migrate } from "../src/index.js"

const url = process.env.TEST_DATABASE_URL
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!url)("leases on PostgreSQL", () => {
  const schema = `inzi_leases_${process.pid}_${Date.now().toString(36)}`
  let store: Database
  let other: Database
  beforeAll(async () => {
    store = await makeDatabase({ databaseUrl: url!, schema })
    await migrate(store.db)
    other = await makeDatabase({ databaseUrl: url!, schema })
  })
  afterAll(async () => {
    await other?.close()
    if (store !== undefined) {
      await dropSchema(store.db, schema)
      await store.close()
    }
  })

  it("an acquire interrupted mid-statement finishes first: the release after it is not overtaken", async () => {
    const leases = makeStores(store.db).leases
    const t0 = new Date()
    expect(await Effect.runPromise(leases.acquire("job", "w1", t0, 60_000))).toBe(true)
    // Another session locks the lease's row, so the renewal below waits at the server.
    let unlock = () => {}
    let locked = () => {}
    const isLocked = new Promise<void>((r) => {
      locked = r
    })
    const tx = other.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM leases WHERE name = 'job' FOR UPDATE`.execute(trx)
      locked()
      await new Promise<void>((r) => {
        unlock = r
      })
    })
    await isLocked
    const renewal = Effect.runFork(leases.acquire("job", "w1", new Date(t0.getTime() + 1_000), 60_000))
    await sleep(200)
    let stopped = false
    const interrupted = Effect.runPromise(Fiber.interrupt(renewal)).then(() => {
      stopped = true
    })
    await sleep(300)
    // A worker being stopped (SIGTERM) waits for its lease statement instead of running its release now.
    expect(stopped).toBe(false)
    unlock()
    await tx
    await interrupted
    await Effect.runPromise(leases.release("job", "w1"))
    expect(await store.db.selectFrom("leases").selectAll().execute()).toEqual([])
  })
})
