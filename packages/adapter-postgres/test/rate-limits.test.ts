import { afterAll, describe, expect, it } from "vitest"
import {
  addRateCounts,
  type Database,
  dropSchema,
  makeDatabase,
  migrate,
  pruneRateCounts,
} from "../src/index.js"
import { makeTestDatabase } from "../src/testing.js"

const url = process.env.TEST_DATABASE_URL
const W = new Date("2026-12-07T03:00:00Z")

describe("shared rate-limit counters", () => {
  const open: Database[] = []
  afterAll(async () => {
    for (const d of open) await d.close()
  })

  it("adds each process's counts per key and window and returns the totals (PGlite)", async () => {
    const d = await makeTestDatabase()
    open.push(d)
    expect(
      await addRateCounts(
        d.db,
        W,
        new Map([
          ["b", 2],
          ["a", 3],
        ]),
      ),
    ).toEqual(
      new Map([
        ["a", 3],
        ["b", 2],
      ]),
    )
    expect(await addRateCounts(d.db, W, new Map([["a", 4]]))).toEqual(new Map([["a", 7]]))
    expect(await addRateCounts(d.db, new Date(W.getTime() + 1000), new Map([["a", 1]]))).toEqual(
      new Map([["a", 1]]),
    )
    expect(await addRateCounts(d.db, W, new Map())).toEqual(new Map())
    await pruneRateCounts(d.db, new Date(W.getTime() + 1000))
    expect((await d.db.selectFrom("rate_limits").select("window_start").execute()).length).toBe(1)
  })

  it.skipIf(!url)("two connection pools adding at once lose no count (PostgreSQL)", async () => {
    const schema = `inzi_rl_${process.pid}_${Date.now().toString(36)}`
    const a = await makeDatabase({ databaseUrl: url!, schema })
    try {
      await migrate(a.db)
      const b = await makeDatabase({ databaseUrl: url!, schema })
      open.push(b)
      const keys = ["k1", "k2", "k3"]
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          addRateCounts(i % 2 === 0 ? a.db : b.db, W, new Map(keys.map((k) => [k, 1]))),
        ),
      )
      const rows = await a.db.selectFrom("rate_limits").selectAll().orderBy("key").execute()
      expect(rows.map((r) => [r.key, Number(r.count)])).toEqual([
        ["k1", 40],
        ["k2", 40],
        ["k3", 40],
      ])
    } finally {
      await dropSchema(a.db, schema)
      await a.close()
    }
  })
})
