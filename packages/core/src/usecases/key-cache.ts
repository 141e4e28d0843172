import { Cache, Duration, Effect, Exit } from "effect"
import type { MerchantStore } from "../ports/MerchantStore.js"

type Store = MerchantStore["Type"]

/**
 * The merchant store with API-key lookups cached in memory for `ttlMs`: the lookup behind every API request
 * becomes a map hit instead of a database round trip. Concurrent lookups of one key share one query; failures
 * are not cached. Every change made through this store (revoking a key, updating a merchant …) clears the cache,
 * so it takes effect at once in this process; a change made by another process (e.g. `inzi key revoke`) takes
 * effect here within `ttlMs`. `ttlMs` = 0 returns the store unchanged.
 * @example
 * const store = yield* withKeyCache(yield* MerchantStore, { ttlMs: 1000, capacity: 10_000 })
 */
export const withKeyCache = (
  store: Store,
  opts: { readonly ttlMs: number; readonly capacity: number },
): Effect.Effect<Store> =>
  opts.ttlMs <= 0
    ? Effect.succeed(store)
    : Effect.map(
        Cache.makeWith({
          capacity: opts.capacity,
          lookup: (hash: string) => store.findActiveKeyByHash(hash),
          timeToLive: (exit) => (Exit.isSuccess(exit) ? Duration.millis(opts.ttlMs) : Duration.zero),
        }),
        (cache): Store => {
          const clearing =
            <A extends ReadonlyArray<unknown>, B, E>(f: (...a: A) => Effect.Effect<B, E>) =>
            (...a: A) =>
              Effect.ensuring(f(...a), cache.invalidateAll)
          return {
            ...store,
            findActiveKeyByHash: (hash) => cache.get(hash),
            createMerchant: clearing(store.createMerchant),
            updateMerchant: clearing(store.updateMerchant),
            createApiKey: clearing(store.createApiKey),
            revokeApiKey: clearing(store.revokeApiKey),
          }
        },
      )
