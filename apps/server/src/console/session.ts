import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { ConsoleStore, type Operator } from "@inzi/core"
import { Effect } from "effect"
import { ServerContext } from "../context.js"
import { clientAddress } from "../http/client-address.js"
import { cookieValue } from "../http/cookies.js"
import { type HttpRequest, HttpResponse } from "../http/response.js"
import { sha256Hex } from "@inzi/core"

/** The console's cookie: the session token (256 random bits); the database keeps only its SHA-256. */
export const SESSION_COOKIE = "inzi_console"
/** How long a session lasts after login (absolute: no sliding renewal). */
export const SESSION_TTL_MS = 12 * 60 * 60_000

export const newSessionToken = (): string => randomBytes(32).toString("base64url")

/** The Set-Cookie value for `token` (HttpOnly, SameSite=Strict, Secure when the public URL is https). */
export const sessionCookie = (token: string, secure: boolean, maxAgeSeconds: number): string =>
  `${SESSION_COOKIE}=${token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`

/**
 * The session's CSRF token: derived from the session token (a keyed hash of it), so it needs no storage, changes
 * with every login and cannot be computed without the HttpOnly cookie. Every form of the console carries it.
 */
export const csrfTokenOf = (sessionToken: string): string =>
  createHash("sha256").update("inzi-console-csrf\0").update(sessionToken).digest("base64url")

/** Constant-time equality of two short texts. */
export const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface ConsoleUser {
  readonly operator: Operator
  readonly token: string
  readonly csrf: string
  readonly address: string
}

/** The request's signed-in operator, or null (no cookie, unknown or expired session). */
export const currentUser = (req: HttpRequest) =>
  Effect.gen(function* () {
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE)
    if (token === null || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null
    const store = yield* ConsoleStore
    const found = yield* store.findSession(sha256Hex(token), new Date())
    if (found === null) return null
    const ctx = yield* ServerContext
    return {
      operator: found.operator,
      token,
      csrf: csrfTokenOf(token),
      address: clientAddress(req.incoming, ctx.trustedProxies),
    } satisfies ConsoleUser
  })

export const redirect = (location: string, headers: Record<string, string> = {}): HttpResponse =>
  new HttpResponse(303, "", { location, "cache-control": "no-store", ...headers })

/** Form fields of an `application/x-www-form-urlencoded` body (first value of each name). */
export const formOf = (req: HttpRequest): Record<string, string> => {
  const out: Record<string, string> = {}
  if (req.body?._tag !== "Ok") return out
  for (const [k, v] of new URLSearchParams(req.body.text)) if (!(k in out)) out[k] = v
  return out
}

/**
 * False when the browser says the request comes from another origin (`Origin`, "null" included); true when it
 * names this host or sends none (non-browser clients: the CSRF token still guards them).
 */
export const sameOrigin = (req: HttpRequest): boolean => {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return req.headers.host !== undefined && new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

/** A state change is accepted only from the console's own origin and with the session's CSRF token in its form. */
export const csrfOk = (req: HttpRequest, user: ConsoleUser, form: Record<string, string>): boolean => {
  const given = form._csrf
  return sameOrigin(req) && given !== undefined && sameText(given, user.csrf)
}
