/**
 * `GET /p/<token>/events` on the real server (PGlite): the status at once, a change pushed within a tick (the
 * server's stream hub asks once a tick which streamed checkouts changed), a deadline passing pushed as expired,
 * the stream ended once final, 404 for an unknown token, and a bound on open streams per client address.
 */
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PAGE_EVENTS } from "../../src/routes/page.js"
import { type ApiServer, client, startApiServer } from "../api/harness.js"

let server: ApiServer

beforeAll(async () => {
  server = await startApiServer("pglite")
}, 60_000)
afterAll(async () => {
  await server?.close()
})

interface Stream {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  /** Parsed `event: status` payloads so far. */
  readonly events: Array<{ status: string; payments: Array<unknown> }>
  readonly ended: Promise<void>
  close(): void
}

const open = (path: string): Promise<Stream> =>
  new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers: { accept: "text/event-stream" } }, (res) => {
      const events: Stream["events"] = []
      let buffer = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        buffer += chunk
        let i = buffer.indexOf("\n\n")
        while (i !== -1) {
          const block = buffer.slice(0, i)
          buffer = buffer.slice(i + 2)
          if (block.startsWith("event: status\ndata: ")) events.push(JSON.parse(block.slice(20)))
          i = buffer.indexOf("\n\n")
        }
      })
      const ended = new Promise<void>((r) => {
        res.on("end", r)
        res.on("close", r)
      })
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        ended,
        close: () => req.destroy(),
      })
    })
    req.on("error", reject)
    req.end()
  })

const until = async (check: () => boolean, ms = 8_000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe("GET /p/<token>/events", () => {
  it("sends the status at once and each change, then ends when the checkout is final", async () => {
    const m = await server.merchant({ networks: { live: [], test: ["devnet"] } })
    const created = await client(server.url).post("/api/v1/checkouts", {
      key: m.test,
      body: { amount: "12.00", currency: "USD" },
    })
    expect(created.status).toBe(201)
    const id: string = created.json().id
    const token = id.slice("chk_test_".length)

    const s = await open(`/p/${token}/events`)
    expect(s.status).toBe(200)
    expect(s.headers["content-type"]).toBe("text/event-stream; charset=utf-8")
    expect(s.headers["cache-control"]).toBe("no-store")
    await until(() => s.events.length === 1)
    const polled = await client(server.url).get(`/p/${token}/status`)
    expect(s.events[0]).toEqual(polled.json()) // the same document as the polled status
    expect(s.events[0]!.status).toBe("pending")
    expect(s.events[0]!.payments).toEqual([])

    const db = await server.db()
    await db.updateTable("checkouts").set({ status: "expired" }).where("id", "=", id).execute()
    await until(() => s.events.length === 2, PAGE_EVENTS.tickMs * 4)
    expect(s.events[1]!.status).toBe("expired")
    await s.ended // the server ends the stream: nothing more will change
  })

  it("a pending checkout whose deadline passes while streamed is pushed as expired, with nothing stored changed", async () => {
    const m = await server.merchant({ networks: { live: [], test: ["devnet"] } })
    const created = await client(server.url).post("/api/v1/checkouts", {
      key: m.test,
      body: { amount: "3.00", currency: "USD" },
    })
    const id: string = created.json().id
    const db = await server.db()
    // The deadline a few ticks ahead, stored before the stream opens: after it, no stored change happens.
    await db
      .updateTable("checkouts")
      .set({ expires_at: new Date(Date.now() + PAGE_EVENTS.tickMs * 2.5) })
      .where("id", "=", id)
      .execute()
    const s = await open(`/p/${id.slice("chk_test_".length)}/events`)
    await until(() => s.events.length === 1)
    expect(s.events[0]!.status).toBe("pending")
    await until(() => s.events.length === 2, PAGE_EVENTS.tickMs * 6)
    expect(s.events[1]!.status).toBe("expired")
    await s.ended
    const stored = await db
      .selectFrom("checkouts")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
    expect(stored.status).toBe("pending") // no sweeper runs here: the stream read the deadline itself
  })

  it("404 for an unknown token; 429 past the open streams allowed per address", async () => {
    const unknown = await client(server.url).get("/p/aaaaaaaaaaaaaaaaaaaaaaaa/events")
    expect(unknown.status).toBe(404)
    expect(unknown.json().error.code).toBe("resource_missing")

    const m = await server.merchant({ networks: { live: [], test: ["devnet"] } })
    const created = await client(server.url).post("/api/v1/checkouts", {
      key: m.test,
      body: { amount: "5.00", currency: "USD" },
    })
    const token = (created.json().id as string).slice("chk_test_".length)
    const streams = await Promise.all(
      Array.from({ length: PAGE_EVENTS.perAddress }, () => open(`/p/${token}/events`)),
    )
    try {
      expect(streams.map((s) => s.status)).toEqual(streams.map(() => 200))
      const refused = await client(server.url).get(`/p/${token}/events`)
      expect(refused.status).toBe(429)
      expect(refused.headers["retry-after"]).toBe("30")
    } finally {
      for (const s of streams) s.close()
    }
    await Promise.all(streams.map((s) => s.ended))
    // closed streams are counted out again
    await until(() => false, 200).catch(() => {})
    const again = await open(`/p/${token}/events`)
    expect(again.status).toBe(200)
    again.close()
  })
})
