/**
 * Who may read /metrics and what a scrape costs: served on the metrics listener (INZI_METRICS_ADDR, loopback by
 * default), 404 on the public port unless INZI_METRICS_TOKEN is set, then only with that bearer token; checkout
 * gauges come from the maintained counters, not a scan of checkouts.
 */
import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiServer, client, expectError, startApiServer } from "./harness.js"

const TOKEN = "metrics-token-0123456789"

describe("/metrics without INZI_METRICS_TOKEN", () => {
  let server: ApiServer
  beforeAll(async () => {
    server = await startApiServer("pglite")
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it("is 404 on the public port and served on the metrics listener, which serves nothing else", async () => {
    expectError(await client(server.url).get("/metrics"), 404, "not_found_error", "resource_missing")
    expect(server.metricsUrl).not.toBe(server.url)
    const m = client(server.metricsUrl)
    const r = await m.get("/metrics")
    expect(r.status).toBe(200)
    expect(r.text).toContain("# TYPE inzi_checkouts gauge")
    for (const path of ["/healthz", "/api/v1/checkouts", "/p/abc"])
      expect((await m.get(path)).status).toBe(404)
  })

  it("checkout gauges are read from the maintained counters (checkout_counts), not by scanning checkouts", async () => {
    const m = await server.merchant()
    const db = await server.db()
    // a counter row standing for a million checkouts that the table does not hold
    await db
      .insertInto("checkout_counts")
      .values({ merchant_id: m.id, mode: "live", status: "completed", n: "1000000" })
      .execute()
    const r = await client(server.metricsUrl).get("/metrics")
    expect(r.text).toMatch(/^inzi_checkouts\{mode="live",status="completed"\} 1000000$/m)
  })
})

describe("/metrics with INZI_METRICS_TOKEN", () => {
  let server: ApiServer
  beforeAll(async () => {
    server = await startApiServer("pglite", { env: { INZI_METRICS_TOKEN: TOKEN } })
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it("is served on the public port and the metrics listener only with the bearer token (401 otherwise)", async () => {
    for (const base of [server.url, server.metricsUrl]) {
      const c = client(base)
      for (const authorization of [
        undefined,
        "Bearer wrong-token-0123456789",
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN}x`,
      ])
        expectError(
          await c.get("/metrics", authorization === undefined ? {} : { authorization }),
          401,
          "authentication_error",
        )
      const ok = await c.get("/metrics", { authorization: `Bearer ${TOKEN}` })
      expect(ok.status).toBe(200)
      expect(ok.text).toContain("# TYPE inzi_http_requests_total counter")
    }
  })
})

describe("the metrics listener's address", () => {
  const busyPort = () =>
    new Promise<{ port: number; close: () => void }>((resolve) => {
      const s = createServer()
      s.listen(0, "127.0.0.1", () => {
        const a = s.address()
        resolve({ port: typeof a === "object" && a !== null ? a.port : 0, close: () => s.close() })
      })
    })

  it("set explicitly and taken: the server does not start; the default one taken: it starts without it", async () => {
    const busy = await busyPort()
    try {
      const taken = await startApiServer("pglite", {
        env: { INZI_METRICS_ADDR: `127.0.0.1:${busy.port}` },
      }).then(
        async (s) => {
          await s.close()
          return "started"
        },
        (e: unknown) => String(e),
      )
      expect(taken).toMatch(/EADDRINUSE/)
      const s = await startApiServer("pglite", {
        adjustEnv: (e) => ({ ...e, metricsAddr: { host: "127.0.0.1", port: busy.port, explicit: false } }),
      })
      try {
        expect(s.metricsUrl).toBe("")
        expect((await client(s.url).get("/healthz")).status).toBe(200)
      } finally {
        await s.close()
      }
      const off = await startApiServer("pglite", { env: { INZI_METRICS_ADDR: "off" } })
      expect(off.metricsUrl).toBe("")
      await off.close()
    } finally {
      busy.close()
    }
  }, 120_000)
})
