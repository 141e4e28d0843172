/**
 * INZI_DB_POOL_SIZE reaches the process's PostgreSQL pool: concurrent queries through the apps' runtime use at most
 * that many connections (server, worker and CLI all open their database through `appLayer`).
 */
import { dropSchema, PgDatabase } from "@inzi/adapter-postgres"
import { Effect } from "effect"
import { sql } from "kysely"
import { describe, expect, it } from "vitest"
import { openRuntime, readEnv } from "../src/index.js"

const url = process.env.TEST_DATABASE_URL

describe.skipIf(url === undefined || url === "")("INZI_DB_POOL_SIZE on PostgreSQL", () => {
  /** The backend pids serving `n` concurrent queries (each holds its connection ≈ 50 ms). */
  const backendsFor = async (poolSize: string | undefined, n: number) => {
    const schema = `inzi_poolsize_${process.pid}_${Date.now().toString(36)}`
    const rt = await openRuntime(
      readEnv({
        DATABASE_URL: url,
        INZI_DB_SCHEMA: schema,
        ...(poolSize === undefined ? {} : { INZI_DB_POOL_SIZE: poolSize }),
      }),
      { migrate: false },
    )
    try {
      return await rt.run(
        Effect.flatMap(PgDatabase, (d) =>
          Effect.promise(async () => {
            const rows = await Promise.all(
              Array.from({ length: n }, () =>
                sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(d.database.db),
              ),
            )
            await dropSchema(d.database.db, schema)
            return new Set(rows.map((r) => r.rows[0]?.pid))
          }),
        ),
      )
    } finally {
      await rt.close()
    }
  }

  it("bounds the connections each process opens (default 10)", async () => {
    expect((await backendsFor("2", 6)).size).toBe(2)
    expect((await backendsFor("1", 3)).size).toBe(1)
    expect((await backendsFor(undefined, 12)).size).toBe(10)
  })
})
