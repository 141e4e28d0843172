/** The dispatcher's route lookup (matchRoute over the server's own ROUTES): fixed paths, parameters, 404s. */
import { describe, expect, it } from "vitest"
import { matchRoute, ROUTES } from "../src/server.js"

const match = (method: string, path: string) => {
  const { route, params } = matchRoute(ROUTES, method, path)
  return { name: route.name, params }
}

describe("matchRoute", () => {
  it("finds fixed routes by method and path, the /v1 alias like /api/v1", () => {
    expect(match("POST", "/api/v1/checkouts")).toEqual({ name: "checkouts.create", params: {} })
    expect(match("POST", "/v1/checkouts")).toEqual({ name: "checkouts.create", params: {} })
    expect(match("GET", "/api/v1/checkouts")).toEqual({ name: "checkouts.list", params: {} })
    expect(match("GET", "/healthz").name).toBe("healthz")
    expect(match("HEAD", "/healthz").name).toBe("healthz")
  })

  it("decodes parameters, and tells routes of the same length apart by their fixed segments", () => {
    expect(match("GET", "/api/v1/checkouts/chk_test_abc")).toEqual({
      name: "checkouts.retrieve",
      params: { id: "chk_test_abc" },
    })
    expect(match("GET", "/v1/checkouts/a%20b")).toEqual({ name: "checkouts.retrieve", params: { id: "a b" } })
    expect(match("GET", "/p/tok123")).toEqual({ name: "page", params: { token: "tok123" } })
    expect(match("GET", "/p/tok123/status")).toEqual({ name: "page.status", params: { token: "tok123" } })
    expect(match("GET", `/p/logo/${"a".repeat(64)}.png`)).toEqual({
      name: "page.logo",
      params: { file: `${"a".repeat(64)}.png` },
    })
    expect(match("HEAD", "/p/tok123").name).toBe("page")
  })

  it("answers the 404 route for anything else", () => {
    for (const [method, path] of [
      ["GET", "/api/v1/checkouts/%E0%A4%A"], // not valid percent-encoding
      ["GET", "/api/v1/checkouts/"], // empty parameter
      ["GET", "/api/v1/checkouts/a/b"], // one segment too many
      ["DELETE", "/api/v1/checkouts/chk_test_abc"], // no such method there
      ["PUT", "/api/v1/checkouts"],
      ["GET", "/api/v2/checkouts/x"],
      ["GET", "/"],
      ["GET", "*"],
      ["GET", "http://host/api/v1/checkouts"],
    ] as const)
      expect(match(method, path)).toEqual({ name: "not_found", params: {} })
  })
})
