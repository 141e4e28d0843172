/**
 * Request logs: at LOG_LEVEL=debug every request is one JSON line carrying the request id the response echoes
 * (X-Request-Id), its route, method and status; a malformed incoming id is replaced, a plain one kept.
 */
import { makeLogger, readEnv } from "@inzi/platform"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer } from "../../src/app.js"

const lines: Array<Record<string, unknown>> = []
let server: Awaited<ReturnType<typeof startServer>>
beforeAll(async () => {
  const env = readEnv({ PORT: "0", HOST: "127.0.0.1", INZI_DATA_DIR: "memory://", LOG_LEVEL: "debug" })
  const logger = makeLogger("debug", { service: "server" }, (l) => lines.push(JSON.parse(l)))
  server = await startServer({ env, networks: [], logger })
}, 60_000)
afterAll(async () => {
  await server?.close()
})

describe("request log", () => {
  it("logs each request at debug with the id the response carries", async () => {
    const r = await fetch(`${server.url}/healthz`)
    expect(r.status).toBe(200)
    const id = r.headers.get("x-request-id")
    expect(id).toMatch(/^req_[0-9a-f-]{36}$/)
    const line = lines.find((l) => l.request_id === id)
    expect(line).toMatchObject({
      level: "debug",
      msg: "request",
      route: "healthz",
      method: "GET",
      status: 200,
    })

    const kept = await fetch(`${server.url}/nope`, { headers: { "x-request-id": "abc.123" } })
    expect(kept.status).toBe(404)
    expect(kept.headers.get("x-request-id")).toBe("abc.123")
    expect(lines.find((l) => l.request_id === "abc.123")).toMatchObject({ route: "not_found", status: 404 })

    const replaced = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "bad id\u00e9" } })
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_/)
  })
})
