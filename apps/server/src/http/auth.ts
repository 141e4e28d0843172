import type { ActiveKey, Merchant, MerchantStore, Mode, StoreError } from "@inzi/core"
import { parseApiKey } from "@inzi/core"
import { Effect } from "effect"
import { errorResponse } from "./errors.js"
import type { RateLimiter } from "./rate-limit.js"
import { type DirectHandler, type HttpRequest, HttpResponse } from "./response.js"
import { sha256Hex } from "./sha256.js"

export interface Principal {
  readonly merchant: Merchant
  readonly mode: Mode
  readonly keyId: string
  readonly keyPrefix: string
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

const unauthorized = (message: string) =>
  errorResponse(
    { type: "authentication_error", code: "invalid_api_key", message },
    { headers: { "www-authenticate": 'Bearer realm="inzi"' } },
  )

/**
 * The key hash of `Authorization: Bearer sk_(live|test)_…`, or the 401 for a missing or malformed header (plain
 * checks, no store).
 */
export const bearerKeyHash = (req: HttpRequest): string | HttpResponse => {
  const header = req.headers.authorization
  if (header === undefined || header === "")
    return unauthorized("No API key provided. Use the header Authorization: Bearer <key>")
  const key = BEARER.exec(header)?.[1]
  if (key === undefined || parseApiKey(key) === null)
    return unauthorized("Invalid API key format: expected Bearer sk_live_… or sk_test_…")
  return sha256Hex(key)
}

/**
 * The request's principal once its key is resolved (`found`, from `findActiveKeyByHash` or the key cache), after
 * taking a token from its rate-limit bucket: 401 for no active key, 429 with `Retry-After` for an empty bucket.
 * Plain code, shared by the Effect routes (`principalWith`) and the fiber-less GET path.
 */
export const admit = (found: ActiveKey, limiter: RateLimiter): Principal | HttpResponse => {
  if (found === null) return unauthorized("Invalid API key provided")
  const wait = limiter.take(found.key.id, Date.now())
  if (wait > 0)
    return errorResponse(
      { type: "rate_limit_error", code: "rate_limited", message: "Too many requests with this API key" },
      { headers: { "retry-after": String(wait) } },
    )
  return { merchant: found.merchant, mode: found.key.mode, keyId: found.key.id, keyPrefix: found.key.prefix }
}

/**
 * A fiber-less route behind the key cache (`cachedKey`, e.g. `MerchantStore.cachedActiveKey`): a request whose key
 * the cache holds is `admit`ted and, once admitted, handed to `route` with its principal (`route` must answer once,
 * through `respond` or `fail`); a missing or malformed key, an unknown one and an empty bucket are answered here
 * (401, 429). A key the cache does not hold is passed on with nothing done (no rate-limit token taken): the
 * route's Effect runs instead.
 */
export const behindCachedKey =
  (
    cachedKey: (hash: string) => ActiveKey | undefined,
    limiter: RateLimiter,
    route: (
      req: HttpRequest,
      p: Principal,
      respond: (r: HttpResponse) => void,
      fail: (e: unknown, crashed: boolean) => void,
    ) => void,
  ): DirectHandler =>
  (req, respond, fail) => {
    const hash = bearerKeyHash(req)
    if (typeof hash !== "string") {
      respond(hash)
      return true
    }
    const found = cachedKey(hash)
    if (found === undefined) return false
    const p = admit(found, limiter)
    if (p instanceof HttpResponse) respond(p)
    else route(req, p, respond, fail)
    return true
  }

/**
 * Auth and the per-key rate limit of every /api/v1 route: resolves the request's key with `keys` (a key-cache hit
 * in the server) to its merchant and mode, then `admit`s it. One store lookup and one continuation. A missing,
 * malformed, unknown or revoked key is 401 with the same message shape (the key is looked up by its SHA-256 hash
 * only); an exhausted bucket is 429 with `Retry-After`.
 */
export const principalWith = (
  req: HttpRequest,
  keys: MerchantStore["Type"],
  limiter: RateLimiter,
): Effect.Effect<Principal, HttpResponse | StoreError> => {
  const hash = bearerKeyHash(req)
  if (typeof hash !== "string") return Effect.fail(hash)
  return Effect.flatMap(keys.findActiveKeyByHash(hash), (found) => {
    const p = admit(found, limiter)
    return p instanceof HttpResponse ? Effect.fail(p) : Effect.succeed(p)
  })
}
