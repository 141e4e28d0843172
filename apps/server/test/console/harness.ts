/** Helpers of the console tests: accounts made through the port, a browser-like form client over real HTTP. */
import { ConsoleStore } from "@inzi/core"
import { hashPassword } from "@inzi/platform/password"
import { Effect } from "effect"
import { expect } from "vitest"
import { type ApiServer, http, type Res } from "../api/harness.js"

export const PASSWORD = "correct horse battery staple"

export const createOperator = async (server: ApiServer, email: string, merchantId: string | null = null) => {
  const passwordHash = await hashPassword(PASSWORD)
  return server.runtime.runPromise(
    Effect.flatMap(ConsoleStore, (s) =>
      s.createOperator({ email, passwordHash, merchantId, now: new Date() }),
    ),
  )
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

export const post = (
  server: ApiServer,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  http(server.url, "POST", path, {
    body: form(fields),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  })

export const setCookieOf = (r: Res): string => {
  const h = r.headers["set-cookie"]
  return Array.isArray(h) ? (h[0] ?? "") : (h ?? "")
}

/** A signed-in session: its cookie, its CSRF token (read from a page's form) and GET/POST with both. */
export interface Session {
  readonly cookie: string
  readonly token: string
  readonly csrf: string
  readonly get: (path: string) => Promise<Res>
  readonly post: (
    path: string,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
  ) => Promise<Res>
}

export const login = async (server: ApiServer, email: string, password = PASSWORD): Promise<Session> => {
  const r = await post(server, "/console/login", { email, password, next: "/console/overview" })
  expect(r.status, r.text).toBe(303)
  const token = /inzi_console=([^;]+)/.exec(setCookieOf(r))?.[1] ?? ""
  const cookie = `inzi_console=${token}`
  const get = (path: string) => http(server.url, "GET", path, { headers: { cookie } })
  const page = await get("/console/overview")
  expect(page.status).toBe(200)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? ""
  expect(csrf).not.toBe("")
  return {
    cookie,
    token,
    csrf,
    get,
    post: (path, fields = {}, headers = {}) =>
      post(server, path, { _csrf: csrf, ...fields }, { cookie, ...headers }),
  }
}
