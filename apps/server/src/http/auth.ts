import type { ActiveKey, Merchant, MerchantStore, Mode, StoreError } from "@inzi/core"
import { parseApiKey, sha256Hex } from "@inzi/core"
import { Effect } from "effect"
import { clientAddress } from "./client-address.js"
import { errorResponse } from "./errors.js"
import type { RateLimiter } from "./rate-limit.js"
import { type DirectHandler, type HttpRequest, HttpResponse } from "./response.js"

export interface Principal {
  readonly merchant: Merchant
  readonly mode: Mode
  readonly keyId: string
  readonly keyPrefix: string
}

export const BEARER = /^Bearer\s+(\S+)\s*$/i

/** The limits auth applies (the server context has them). */
export interface AuthLimits {
  /** Requests per API key (INZI_RATE_LIMIT). */
  readonly rateLimiter: RateLimiter
  /** Failed authentications per client address (INZI_AUTH_FAILURE_LIMIT). */
  readonly authFailures: RateLimiter
  /** Proxies in front of the server whose X-Forwarded-For is believed (INZI_TRUST_PROXY). */
  readonly trustedProxies: number
  /**
   * The key cache read from memory (core's `withKeyCache`): a key it holds is served even from a client address
   * out of failed authentications, and without a fiber on the routes that have a fast path. `null`: no key cache
   * (INZI_KEY_CACHE_MS=0).
   */
  readonly cachedKey: ((hash: string) => ActiveKey | undefined) | null
  /**
   * Whether the key cache holds the key (core's `KeyCache.holdsKey`): asked by the Effect routes, which must not
   * use `cachedKey` — a fiber-less route hands them the one request that `cachedKey` sends the lookup's way to
   * start the key's refresh, and answering that request from memory would leave the key to expire.
   */
  readonly holdsKey: ((hash: string) => boolean) | null
}

/** A 429 in the error shape with its `Retry-After`. */
export const tooManyRequests = (message: string, waitSeconds: number): HttpResponse =>
  errorResponse(
    { type: "rate_limit_error", code: "rate_limited", message },
    { headers: { "retry-after": String(waitSeconds) } },
  )

const FAILURES_MESSAGE = "Too many failed authentications from this address"

/**
 * A failed authentication: 401, counted against the client address; once the address has used up its
 * failures, 429 instead (and `blockedAddress` stops its lookups before the store is asked).
 */
export const unauthorized = (req: HttpRequest, limits: AuthLimits, message: string): HttpResponse => {
  const wait = limits.authFailures.take(clientAddress(req.incoming, limits.trustedProxies), Date.now())
  if (wait > 0) return tooManyRequests(FAILURES_MESSAGE, wait)
  return errorResponse(
    { type: "authentication_error", code: "invalid_api_key", message },
    { headers: { "www-authenticate": 'Bearer realm="inzi"' } },
  )
}

/** The 429 for a client address out of failed authentications, or null: asked before a key goes to the store. */
const blockedAddress = (req: HttpRequest, limits: AuthLimits): HttpResponse | null => {
  const wait = limits.authFailures.peek(clientAddress(req.incoming, limits.trustedProxies), Date.now())
  return wait > 0 ? tooManyRequests(FAILURES_MESSAGE, wait) : null
}

/**
 * The key hash of `Authorization: Bearer sk_(live|test)_…`, or the 401 for a missing or malformed header (plain
 * checks, no store; counted as a failed authentication of the client address).
 */
export const bearerKeyHash = (req: HttpRequest, limits: AuthLimits): string | HttpResponse => {
  const header = req.headers.authorization
  if (header === undefined || header === "")
    return unauthorized(req, limits, "No API key provided. Use the header Authorization: Bearer <key>")
  const key = BEARER.exec(header)?.[1]
  if (key === undefined || parseApiKey(key) === null)
    return unauthorized(req, limits, "Invalid API key format: expected Bearer sk_live_… or sk_test_…")
  return sha256Hex(key)
}

/**
 * The request's principal once its key is resolved (`found`, from `findActiveKeyByHash` or the key cache), after
 * taking a token from its rate-limit bucket: 401 for no active key (429 once the client address has failed too
 * often), 429 with `Retry-After` for an empty bucket. Plain code, shared by the Effect routes (`principalWith`) and
 * the fiber-less paths.
 */
export const admit = (req: HttpRequest, found: ActiveKey, limits: AuthLimits): Principal | HttpResponse => {
  if (found === null) return unauthorized(req, limits, "Invalid API key provided")
  const wait = limits.rateLimiter.take(found.key.id, Date.now())
  if (wait > 0) return tooManyRequests("Too many requests with this API key", wait)
  return { merchant: found.merchant, mode: found.key.mode, keyId: found.key.id, keyPrefix: found.key.prefix }
}

/**
 * A fiber-less route behind the key cache (`cachedKey`, `AuthLimits.cachedKey`): a request whose key
 * the cache holds is `admit`ted and, once admitted, handed to `route` with its principal (`route` must answer once,
 * through `respond` or `fail`); a missing or malformed key, a key the cache knows to be unknown and an empty bucket
 * are answered here (401, 429). A key the cache does not hold is passed on with nothing done (no rate-limit token
 * taken): the route's Effect runs instead.
 */
export const behindCachedKey =
  (
    cachedKey: (hash: string) => ActiveKey | undefined,
    limits: AuthLimits,
    route: (
      req: HttpRequest,
      p: Principal,
      respond: (r: HttpResponse) => void,
      fail: (e: unknown, crashed: boolean) => void,
    ) => void,
  ): DirectHandler =>
  (req, respond, fail) => {
    const hash = bearerKeyHash(req, limits)
    if (typeof hash !== "string") {
      respond(hash)
      return true
    }
    const found = cachedKey(hash)
    if (found === undefined) return false
    const p = admit(req, found, limits)
    if (p instanceof HttpResponse) respond(p)
    else route(req, p, respond, fail)
    return true
  }

/**
 * Auth and the per-key rate limit of every /api/v1 route: resolves the request's key with `keys` (a key-cache hit
 * in the server) to its merchant and mode, then `admit`s it. One store lookup and one continuation. A missing,
 * malformed, unknown or revoked key is 401 with the same message shape (the key is looked up by its SHA-256 hash
 * only); an exhausted bucket is 429 with `Retry-After`. A client address out of failed authentications gets 429
 * before its key reaches the store (a key the cache holds is still served: see `behindCachedKey`).
 */
export const principalWith = (
  req: HttpRequest,
  keys: MerchantStore["Type"],
  limits: AuthLimits,
): Effect.Effect<Principal, HttpResponse | StoreError> => {
  const hash = bearerKeyHash(req, limits)
  if (typeof hash !== "string") return Effect.fail(hash)
  if (limits.holdsKey?.(hash) !== true) {
    const blocked = blockedAddress(req, limits)
    if (blocked !== null) return Effect.fail(blocked)
  }
  // `keys` is the cached store: a held key is answered from memory, past its refresh point with the refresh started.
  return Effect.flatMap(keys.findActiveKeyByHash(hash), (found) => {
    const p = admit(req, found, limits)
    return p instanceof HttpResponse ? Effect.fail(p) : Effect.succeed(p)
  })
}
