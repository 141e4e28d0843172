/**
 * Precompiled hot queries (precompiled.ts): same rows as the builder on PGlite and PostgreSQL, named prepared
 * statements on PostgreSQL, and recovery when a migration changes a prepared statement's result columns.
 */
import { StoreError } from "@inzi/core"
import { Data, Effect, Either } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Database, dropSchema, makeDatabase, migrate } from "../src/index.js"
import { Fail, runStatement } from "../src/errors.js"
import { P, precompile } from "../src/precompiled.js"
import { makeTestDatabase } from "../src/testing.js"

const merchantRow = (id: string) => ({
  id,
  name: `Shop ${id}`,
  webhook_url: null,
  webhook_secret: "whsec_test",
  networks: JSON.stringify({ live: [], test: [] }),
  index_sequence: null,
  created_at: new Date(),
  updated_at: new Date(),
})

const suite = (name: string, open: () => Promise<{ database: Database; close: () => Promise<void> }>) =>
  describe(name, () => {
    let database: Database
    let close: () => Promise<void>
    beforeAll(async () => {
      ;({ database, close } = await open())
    }, 60_000)
    afterAll(async () => {
      await close?.()
    })

    it("returns what the builder returns, for each call's own values", async () => {
      const db = database.db
      await db
        .insertInto("merchants")
        .values([merchantRow("mer_a"), merchantRow("mer_b")])
        .execute()
      const byId = precompile(
        db,
        (id: string) => db.selectFrom("merchants").selectAll().where("id", "=", id),
        P("id"),
      )
      for (const id of ["mer_a", "mer_b", "mer_missing"]) {
        const direct = await db.selectFrom("merchants").selectAll().where("id", "=", id).execute()
        expect(await byId.execute(id)).toEqual(direct)
      }
      expect((await byId.execute("mer_b"))[0]?.name).toBe("Shop mer_b")
    })

    it("refuses a build whose values are not all placeholders", () => {
      const db = database.db
      expect(() =>
        precompile(
          db,
          (id: string) => db.selectFrom("merchants").selectAll().where("id", "=", id).where("name", "=", "x"),
          P("id"),
        ),
      ).toThrow(/not one of the placeholders/)
      expect(() => precompile(db, (_id: string) => db.selectFrom("merchants").selectAll(), P("id"))).toThrow(
        /not used/,
      )
    })

    it("query: rows or the driver's error through the callback; runStatement maps both to the Effect", async () => {
      const db = database.db
      const byName = precompile(
        db,
        (n: string) => db.selectFrom("merchants").select("id").where("name", "=", n),
        P("name"),
      )
      const rows = await new Promise((resolve, reject) =>
        byName.query(["Shop mer_b"], (e, r) => (e === null ? resolve(r) : reject(e))),
      )
      expect(rows).toEqual([{ id: "mer_b" }])
      // "abc" is not an int8: Postgres refuses the parameter (SQLSTATE 22P02).
      const byAmount = precompile(
        db,
        (a: string) => db.selectFrom("checkouts").select("id").where("amount_cents", "=", a),
        P("amount"),
      )
      const error = await new Promise<Error | null>((resolve) => byAmount.query(["abc"], (e) => resolve(e)))
      expect((error as { code?: string } | null)?.code).toBe("22P02")

      class Missing extends Data.TaggedError("Missing")<{ readonly name: string }> {}
      const find = (n: string) =>
        runStatement<{ id: string }, [string], string, Missing>("findByName", byName, [n], (rs) => {
          if (rs[0] === undefined) throw new Fail(new Missing({ name: n }))
          return rs[0].id
        })
      expect(await Effect.runPromise(find("Shop mer_a"))).toBe("mer_a")
      const missing = await Effect.runPromise(Effect.either(find("nobody")))
      expect(Either.isLeft(missing) && missing.left).toEqual(new Missing({ name: "nobody" }))
      const failed = await Effect.runPromise(
        Effect.either(runStatement("byAmount", byAmount, ["abc"], (rs) => rs.length)),
      )
      expect(Either.isLeft(failed) && failed.left).toBeInstanceOf(StoreError)
      expect(Either.isLeft(failed) && failed.left.message).toMatch(/^byAmount failed \(22P02\): /)
      // a `map` that throws anything else is a StoreError too, never a defect
      const thrown = await Effect.runPromise(
        Effect.either(
          runStatement("mapThrows", byName, ["Shop mer_a"], () => {
            throw new TypeError("bad row")
          }),
        ),
      )
      expect(Either.isLeft(thrown) && thrown.left.message).toBe("mapThrows failed: bad row")
    })

    if (name.includes("PostgreSQL"))
      it("runs as a named prepared statement, and survives a migration changing its columns", async () => {
        const db = database.db
        const byName = precompile(
          db,
          (n: string) => db.selectFrom("merchants").selectAll().where("name", "=", n),
          P("name"),
        )
        expect((await byName.execute("Shop mer_a")).map((r) => r.id)).toEqual(["mer_a"])
        // one connection in this pool: the statement is prepared on it
        const prepared = await sql<{
          statement: string
        }>`SELECT statement FROM pg_prepared_statements`.execute(db)
        expect(prepared.rows.map((r) => r.statement)).toContain(byName.sql)
        await sql`ALTER TABLE merchants ADD COLUMN extra_for_test text`.execute(db)
        const after = await byName.execute("Shop mer_a")
        expect(after.map((r) => r.id)).toEqual(["mer_a"])
        expect(after[0]).toHaveProperty("extra_for_test", null)
      })
  })

suite("precompiled queries on PGlite", async () => {
  const database = await makeTestDatabase()
  return { database, close: database.close }
})

const url = process.env.TEST_DATABASE_URL
if (url !== undefined && url !== "")
  suite("precompiled queries on PostgreSQL", async () => {
    const schema = `inzi_prep_${process.pid}_${Date.now().toString(36)}`
    const database = await makeDatabase({ databaseUrl: url, schema, maxConnections: 1 })
    await migrate(database.db)
    return {
      database,
      close: async () => {
        await dropSchema(database.db, schema)
        await database.close()
      },
    }
  })
