import { Deferred, Effect, FiberId } from "effect"
import type { ActiveKey, MerchantStore } from "../ports/MerchantStore.js"
import type { StoreError } from "../ports/errors.js"

type Store = MerchantStore["Type"]

/**
 * The merchant store with API-key lookups cached in memory for `ttlMs`: the lookup behind every API request
 * becomes a map hit instead of a database round trip. Concurrent lookups of one key share one query; failures
 * are not cached. Every change made through this store (revoking a key, updating a merchant …) clears the cache,
 * so it takes effect at once in this process; a change made by another process (e.g. `inzi key revoke`) takes
 * effect here within `ttlMs`. `ttlMs` = 0 returns the store unchanged. `cachedActiveKey` answers a hit without any
 * Effect (for the server's fiber-less GET path); `undefined` for a miss or an expired entry.
 *
 * A plain Map rather than effect's `Cache`: a hit is one `Effect.succeed` (the `Cache` lookup was ≈ a dozen
 * fiber steps on every request, measured in the api bench's profile).
 * @example
 * const store = yield* withKeyCache(yield* MerchantStore, { ttlMs: 1000, capacity: 10_000 })
 */
export const withKeyCache = (
  store: Store,
  opts: { readonly ttlMs: number; readonly capacity: number },
): Effect.Effect<Store> =>
  Effect.sync(() => {
    if (opts.ttlMs <= 0) return store
    const entries = new Map<string, { readonly value: ActiveKey; readonly until: number }>()
    const inflight = new Map<string, Deferred.Deferred<ActiveKey, StoreError>>()
    // A lookup that started before a change is not cached after it (it may have read the old state).
    let generation = 0
    const cached = (hash: string): ActiveKey | undefined => {
      const hit = entries.get(hash)
      if (hit === undefined) return undefined
      if (hit.until > Date.now()) return hit.value
      entries.delete(hash)
      return undefined
    }
    const lookup = (hash: string): Effect.Effect<ActiveKey, StoreError> =>
      Effect.suspend(() => {
        const hit = cached(hash)
        if (hit !== undefined) return Effect.succeed(hit)
        const waiting = inflight.get(hash)
        if (waiting !== undefined) return Deferred.await(waiting)
        const started = generation
        const done = Deferred.unsafeMake<ActiveKey, StoreError>(FiberId.none)
        inflight.set(hash, done)
        return store.findActiveKeyByHash(hash).pipe(
          Effect.tap((value) => {
            if (generation !== started) return
            if (entries.size >= opts.capacity) {
              // Oldest first: a Map iterates in insertion order.
              const oldest = entries.keys().next()
              if (oldest.done !== true) entries.delete(oldest.value)
            }
            entries.set(hash, { value, until: Date.now() + opts.ttlMs })
          }),
          // Waiters get this lookup's outcome, whatever it is (interruption included).
          Effect.onExit((exit) => {
            if (inflight.get(hash) === done) inflight.delete(hash)
            return Deferred.done(done, exit)
          }),
        )
      })
    const clearing =
      <A extends ReadonlyArray<unknown>, B, E>(f: (...a: A) => Effect.Effect<B, E>) =>
      (...a: A) =>
        Effect.ensuring(
          f(...a),
          Effect.sync(() => {
            generation++
            entries.clear()
            inflight.clear()
          }),
        )
    return {
      ...store,
      findActiveKeyByHash: lookup,
      cachedActiveKey: cached,
      createMerchant: clearing(store.createMerchant),
      updateMerchant: clearing(store.updateMerchant),
      createApiKey: clearing(store.createApiKey),
      revokeApiKey: clearing(store.revokeApiKey),
    }
  })
