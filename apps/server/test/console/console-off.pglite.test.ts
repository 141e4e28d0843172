/** INZI_CONSOLE=off: no /console path answers (404 like any unknown path); the API is untouched. */
import { readEnv } from "@inzi/platform"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiServer, http, startApiServer } from "../api/harness.js"
import { createOperator, PASSWORD, post } from "./harness.js"

describe("INZI_CONSOLE", () => {
  it("is on unless set to off, 0 or false", () => {
    expect(readEnv({}).console).toBe(true)
    for (const v of ["off", "OFF", "0", "false"]) expect(readEnv({ INZI_CONSOLE: v }).console).toBe(false)
    expect(readEnv({ INZI_CONSOLE: "on" }).console).toBe(true)
  })

  describe("off", () => {
    let server: ApiServer
    beforeAll(async () => {
      server = await startApiServer("pglite", { env: { INZI_CONSOLE: "off" } })
      await createOperator(server, "ops@example.test")
    }, 120_000)
    afterAll(async () => {
      await server?.close()
    })

    it("answers 404 on every console path, sign-in included", async () => {
      for (const path of ["/console", "/console/login", "/console/overview", "/console/assets/uplot.js"])
        expect((await http(server.url, "GET", path)).status, path).toBe(404)
      const r = await post(server, "/console/login", { email: "ops@example.test", password: PASSWORD })
      expect(r.status).toBe(404)
      expect(r.headers["set-cookie"]).toBeUndefined()
      expect((await http(server.url, "GET", "/healthz")).status).toBe(200)
    })
  })
})
