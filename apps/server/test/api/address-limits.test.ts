/**
 * Per-client-address limits over real HTTP (PGlite): failed authentications and the hosted page endpoints get
 * 429 in the error shape with Retry-After once an address has used its budget; other addresses and a merchant's
 * key the server already holds are not affected. INZI_TRUST_PROXY=1, so each test speaks for an address of its own
 * through X-Forwarded-For.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiServer, client, expectError, startApiServer } from "./harness.js"

let server: ApiServer
let api: ReturnType<typeof client>
beforeAll(async () => {
  server = await startApiServer("pglite", {
    // a key held for the whole file: "a key the server holds" must not expire mid-test on a slow machine
    env: {
      INZI_AUTH_FAILURE_LIMIT: "5",
      INZI_PAGE_RATE_LIMIT: "2",
      INZI_TRUST_PROXY: "1",
      INZI_KEY_CACHE_MS: "60000",
    },
  })
  api = client(server.url)
}, 60_000)
afterAll(async () => {
  await server?.close()
})

const from = (address: string) => ({ "x-forwarded-for": address })

describe("failed authentications per client address (INZI_AUTH_FAILURE_LIMIT)", () => {
  it("after 5 failures in a minute an address gets 429, whatever key it tries; its merchant keys held still work", async () => {
    const m = await server.merchant()
    const c = await api.post("/api/v1/checkouts", { key: m.test, body: { amount: "25", currency: "USD" } })
    expect(c.status).toBe(201)
    const id = c.json().id
    // the merchant's key is in use (held by the server) before the flood
    expect(
      (await api.get(`/api/v1/checkouts/${id}`, { key: m.test, headers: from("192.0.2.1") })).status,
    ).toBe(200)
    for (let i = 0; i < 5; i++)
      expectError(
        await api.get(`/api/v1/checkouts/${id}`, {
          key: `sk_test_${String(i).padStart(32, "r")}`,
          headers: from("192.0.2.1"),
        }),
        401,
        "authentication_error",
      )
    for (const key of [`sk_test_${"q".repeat(32)}`, "garbage", undefined]) {
      const r = await api.get(`/api/v1/checkouts/${id}`, { key, headers: from("192.0.2.1") })
      expectError(r, 429, "rate_limit_error", "rate_limited")
      expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1)
    }
    // POST and list as well
    expectError(
      await api.post("/api/v1/checkouts", {
        key: `sk_test_${"p".repeat(32)}`,
        body: { amount: "25", currency: "USD" },
        headers: from("192.0.2.1"),
      }),
      429,
      "rate_limit_error",
    )
    expectError(
      await api.get("/api/v1/checkouts", { key: "x", headers: from("192.0.2.1") }),
      429,
      "rate_limit_error",
    )
    // the merchant's held key from that address, and another address, are unaffected
    expect(
      (await api.get(`/api/v1/checkouts/${id}`, { key: m.test, headers: from("192.0.2.1") })).status,
    ).toBe(200)
    expect((await api.get("/api/v1/checkouts", { key: m.test, headers: from("192.0.2.1") })).status).toBe(200)
    expectError(
      await api.get(`/api/v1/checkouts/${id}`, {
        key: `sk_test_${"s".repeat(32)}`,
        headers: from("192.0.2.2"),
      }),
      401,
      "authentication_error",
    )
    // an X-Forwarded-For the client wrote itself (left of the proxy's entry) changes nothing
    expectError(
      await api.get(`/api/v1/checkouts/${id}`, { key: "x", headers: from("198.51.100.7, 192.0.2.1") }),
      429,
      "rate_limit_error",
    )
  })
})

describe("hosted page requests per client address (INZI_PAGE_RATE_LIMIT)", () => {
  it("300 rapid hits on /p/<token>/status: a burst of 4 served, the rest 429 with Retry-After; others unaffected", async () => {
    const m = await server.merchant()
    const c = await api.post("/api/v1/checkouts", { key: m.test, body: { amount: "25", currency: "USD" } })
    const token = new URL(c.json().checkout_url).pathname.split("/").pop()
    const t0 = performance.now()
    const results = await Promise.all(
      Array.from({ length: 300 }, () => api.get(`/p/${token}/status`, { headers: from("192.0.2.50") })),
    )
    const ok = results.filter((r) => r.status === 200).length
    const limited = results.filter((r) => r.status === 429)
    expect(ok).toBeGreaterThanOrEqual(4)
    // the burst, plus what refilled (2/s) while they ran (seconds on a loaded machine)
    const seconds = (performance.now() - t0) / 1000
    expect(ok).toBeLessThanOrEqual(4 + Math.ceil(2 * seconds))
    expect(limited.length).toBeGreaterThan(0)
    expect(ok + limited.length).toBe(300)
    expectError(limited[0]!, 429, "rate_limit_error", "rate_limited")
    expect(Number(limited[0]!.headers["retry-after"])).toBeGreaterThanOrEqual(1)
    // the page itself and its event stream share the budget
    expectError(await api.get(`/p/${token}`, { headers: from("192.0.2.50") }), 429, "rate_limit_error")
    expectError(await api.get(`/p/${token}/events`, { headers: from("192.0.2.50") }), 429, "rate_limit_error")
    // another shopper is served
    expect((await api.get(`/p/${token}/status`, { headers: from("192.0.2.51") })).status).toBe(200)
    expect((await api.get(`/p/${token}`, { headers: from("192.0.2.51") })).status).toBe(200)
  })
})
