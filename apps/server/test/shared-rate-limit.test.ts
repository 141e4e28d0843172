import { setTimeout as sleep } from "node:timers/promises"
import { readEnv } from "@inzi/platform"
import { afterAll, describe, expect, it } from "vitest"
import { startServer } from "../src/app.js"
import { makeRateLimiter } from "../src/http/rate-limit.js"
import { makeSharedRateLimiter } from "../src/http/shared-rate-limit.js"
import { type ApiServer, NETWORKS, PUBLIC_URL, startApiServer, TEST_DATABASE_URL } from "./api/harness.js"

describe("shared rate limit (unit, one shared counter store)", () => {
  /** Two servers' limiters over one in-memory stand-in of the rate_limits table. */
  const pair = (rate: number) => {
    const table = new Map<string, number>()
    const flush = async (w: Date, counts: ReadonlyMap<string, number>) => {
      const out = new Map<string, number>()
      for (const [k, n] of counts) {
        const id = `${k}@${w.getTime()}`
        table.set(id, (table.get(id) ?? 0) + n)
        out.set(k, table.get(id)!)
      }
      return out
    }
    const make = () =>
      makeSharedRateLimiter(makeRateLimiter(rate, rate * 2), { ratePerSecond: rate, flush, flushMs: 60_000 })
    return [make(), make()] as const
  }

  it("once the servers together used a window's limit, every server refuses the key until the window ends", async () => {
    const [a, b] = pair(5)
    const t = 1_000_000
    for (let i = 0; i < 5; i++) expect(a.take("k", t + i)).toBe(0)
    // A alone already used the window's share: refused without waiting for a flush.
    expect(a.take("k", t + 10)).toBe(1)
    await a.flushNow()
    // B has not flushed yet: at most what it admits between two flushes goes over.
    expect(b.take("k", t + 20)).toBe(0)
    await b.flushNow()
    expect(b.take("k", t + 30)).toBe(1)
    expect(b.take("other", t + 30)).toBe(0)
    // The next window is open again.
    expect(b.take("k", t + 1000)).toBe(0)
    a.close()
    b.close()
  })
})

describe.skipIf(TEST_DATABASE_URL === null)("shared rate limit: two servers on one PostgreSQL", () => {
  const servers: Array<{ close: () => Promise<void> }> = []
  afterAll(async () => {
    for (const s of servers.reverse()) await s.close()
  })

  it("a key's limit holds across both servers (without sharing each would allow its own burst)", async () => {
    const env = { INZI_RATE_LIMIT_SHARED: "1" }
    const a: ApiServer = await startApiServer("postgres", { rateLimit: 5, env })
    servers.push(a)
    const db = await a.db()
    const schema = (
      await db.selectNoFrom((eb) => eb.fn<string>("current_schema", []).as("s")).executeTakeFirstOrThrow()
    ).s
    const b = await startServer({
      env: readEnv({
        PORT: "0",
        HOST: "127.0.0.1",
        PUBLIC_URL,
        DATABASE_URL: TEST_DATABASE_URL!,
        INZI_DB_SCHEMA: schema,
        INZI_RATE_LIMIT: "5",
        LOG_LEVEL: "error",
        ...env,
      }),
      networks: NETWORKS,
      explicitPublicUrl: true,
    })
    servers.push(b)
    const get = (url: string, key: string) =>
      fetch(`${url}/api/v1/checkouts`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status)

    // One round inside one one-second window (retried with a fresh key when the machine is too slow for that).
    for (let attempt = 0; ; attempt++) {
      const key = (await a.merchant()).test
      while (Date.now() % 1000 > 50) await sleep(5)
      const started = Math.floor(Date.now() / 1000)
      const onA: number[] = []
      for (let i = 0; i < 5; i++) onA.push(await get(a.url, key))
      await sleep(250) // A's counts reach the table
      const onB: number[] = []
      for (let i = 0; i < 4; i++) {
        onB.push(await get(b.url, key))
        await sleep(120) // B's own flush tells it the window's total
      }
      if (Math.floor(Date.now() / 1000) !== started && attempt < 3) continue
      expect(onA).toEqual([200, 200, 200, 200, 200])
      // B's bucket alone would admit all 4 (burst 10); shared, only what it admitted before its first flush.
      expect(onB.filter((s) => s === 200).length).toBeLessThanOrEqual(1)
      expect(onB.at(-1)).toBe(429)
      break
    }
    const rows = await db.selectFrom("rate_limits").selectAll().execute()
    expect(rows.length).toBeGreaterThan(0)
  }, 120_000)
})
