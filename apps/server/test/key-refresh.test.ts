/**
 * The key cache's refresh-ahead through the server's two auth paths: the fiber-less route (`behindCachedKey`) sends
 * the first request past an entry's refresh point to the Effect route (`principalWith`), which must start the
 * refresh — else the entry expires and, once a second, every request in flight waits on a store lookup.
 */
import { type ActiveKey, hashApiKey, type MerchantStore, withKeyCache } from "@inzi/core"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { type AuthLimits, behindCachedKey, principalWith } from "../src/http/auth.js"
import { makeRateLimiter } from "../src/http/rate-limit.js"
import type { HttpRequest } from "../src/http/response.js"
import { activeKey, KEY, testMerchant } from "./direct-helpers.js"

const TTL = 1_000
const found = activeKey(testMerchant())
const req = {
  method: "GET",
  url: "/api/v1/checkouts/x",
  headers: { authorization: `Bearer ${KEY}` },
  incoming: { socket: { remoteAddress: "203.0.113.5" }, headers: {} },
  params: {},
  id: "req_1",
  body: null,
} as unknown as HttpRequest

describe("key cache refresh-ahead across the fiber-less and the Effect auth paths", () => {
  it("the request handed on past the refresh point starts the refresh; the key never expires in steady use", async () => {
    let clock = 0
    const lookups: Array<number> = []
    const store = {
      findActiveKeyByHash: (hash: string) =>
        Effect.sync(() => {
          lookups.push(clock)
          return hash === hashApiKey(KEY) ? found : null
        }),
    } as unknown as MerchantStore["Type"]
    const cache = Effect.runSync(withKeyCache(store, { ttlMs: TTL, capacity: 10, clock: () => clock }))
    const limits: AuthLimits = {
      rateLimiter: makeRateLimiter(0, 1),
      authFailures: makeRateLimiter(0, 1),
      trustedProxies: 0,
      cachedKey: cache.cachedActiveKey,
      holdsKey: cache.holdsKey,
    }
    let direct = 0
    let handedOn = 0
    const handler = behindCachedKey(limits.cachedKey!, limits, (_req, _p, respond) => {
      direct++
      respond(undefined as never)
    })
    /** One request as the server's dispatcher runs it: the fiber-less route, else the Effect route. */
    const request = async () => {
      if (
        handler(
          req,
          () => {},
          () => {},
        )
      )
        return
      handedOn++
      const p = await Effect.runPromise(Effect.either(principalWith(req, cache.store, limits)))
      expect(Either.isRight(p)).toBe(true)
    }
    await request() // a cold cache: the Effect route looks the key up
    expect(lookups).toEqual([0])
    // Steady use for ten TTLs, a request every 50 ms.
    for (clock = 50; clock <= 10 * TTL; clock += 50) await request()
    // Refreshed in the last quarter of each entry's life (every 750 ms), never after it expired: no request
    // found the key missing (each handed-on request is the one claiming a refresh, one per lookup after the first).
    expect(lookups.length).toBeGreaterThanOrEqual(13)
    for (let i = 1; i < lookups.length; i++) expect(lookups[i]! - lookups[i - 1]!).toBeLessThan(TTL)
    expect(handedOn).toBe(lookups.length)
    expect(direct).toBe(200 - handedOn + 1)
    expect(cache.holdsKey!(hashApiKey(KEY))).toBe(true)
  })

  it("holdsKey answers without claiming the refresh", () => {
    let clock = 0
    const store = {
      findActiveKeyByHash: () => Effect.succeed(found as ActiveKey),
    } as unknown as MerchantStore["Type"]
    const cache = Effect.runSync(withKeyCache(store, { ttlMs: TTL, capacity: 10, clock: () => clock }))
    const hash = hashApiKey(KEY)
    expect(cache.holdsKey!(hash)).toBe(false)
    Effect.runSync(cache.store.findActiveKeyByHash(hash))
    clock = 800 // past the refresh point
    expect(cache.holdsKey!(hash)).toBe(true)
    expect(cache.cachedActiveKey!(hash)).toBeUndefined() // the claim is still there to take
    expect(cache.cachedActiveKey!(hash)).toBe(found)
    clock = TTL
    expect(cache.holdsKey!(hash)).toBe(false)
  })
})
