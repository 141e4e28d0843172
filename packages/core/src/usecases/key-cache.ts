import { Deferred, Effect, FiberId } from "effect"
import type { ActiveKey, MerchantStore } from "../ports/MerchantStore.js"
import type { StoreError } from "../ports/errors.js"

type Store = MerchantStore["Type"]

type Entry = {
  readonly value: ActiveKey
  /** Past this the entry is gone: its answer was read at most `ttlMs` before. */
  readonly until: number
  /** Past this a use of the entry starts a refresh (refresh-ahead), while the entry still answers. */
  readonly refreshAt: number
  /** A caller of `cachedActiveKey` was sent the lookup's way to start the refresh. */
  claimed: boolean
}

/** The share of `ttlMs` an entry answers before a use of it starts a refresh. */
const REFRESH_AT = 0.75

/** The merchant store with cached key lookups (`withKeyCache`), and the cache read without an Effect. */
export interface KeyCache {
  readonly store: Store
  /**
   * What `store.findActiveKeyByHash` would answer, from memory only — `undefined` when that takes a lookup or
   * when the lookup should run for another reason (to start a refresh). For code that runs no fiber (the
   * server's fiber-less routes). `null` when nothing is cached (`ttlMs` 0).
   */
  readonly cachedActiveKey: ((hash: string) => ActiveKey | undefined) | null
  /**
   * Whether a live answer for the key is held (an active key's, not an unknown key's), from memory only and
   * without starting anything: unlike `cachedActiveKey`, asking never claims the refresh. `null` when nothing is
   * cached (`ttlMs` 0).
   */
  readonly holdsKey: ((hash: string) => boolean) | null
}

/**
 * The merchant store with API-key lookups cached in memory for `ttlMs`: the lookup behind every API request
 * becomes a map hit instead of a database round trip. Concurrent lookups of one key share one query; failures
 * are not cached. An unknown key (`null`) is remembered apart, in a small bounded cache (`negativeCapacity`,
 * default 1 000, oldest dropped first), so a flood of made-up keys never takes or evicts a place of a real one.
 * Every change made through this store (revoking a key, updating a merchant …) clears the cache,
 * so it takes effect at once in this process; a change made by another process (e.g. `inzi key revoke`) takes
 * effect here within `ttlMs`. `ttlMs` = 0 returns the store unchanged (and no `cachedActiveKey`).
 * `cachedActiveKey` answers a hit without any Effect; `undefined` for a miss or an expired entry.
 *
 * Refresh-ahead: an entry used in the last quarter of its life is looked up again in the background while it
 * goes on answering, so a key in steady use never expires and no request waits on the store for it (with plain
 * expiry, every request in flight at that moment queued behind one lookup). The first `cachedActiveKey` caller
 * past that point gets `undefined`, once, so that it takes the lookup's way (`findActiveKeyByHash`), which starts the
 * refresh and answers at once from the entry. An answer is still never older than `ttlMs`.
 *
 * A plain Map rather than effect's `Cache`: a hit is one `Effect.succeed` (the `Cache` lookup was ≈ a dozen
 * fiber steps on every request, measured in the api bench's profile).
 * @example
 * const { store, cachedActiveKey } = yield* withKeyCache(yield* MerchantStore, { ttlMs: 1000, capacity: 10_000 })
 */
export const withKeyCache = (
  store: Store,
  opts: {
    readonly ttlMs: number
    readonly capacity: number
    /** Unknown keys remembered (apart from `capacity`); 0 remembers none. */
    readonly negativeCapacity?: number | undefined
    /** Milliseconds now; `Date.now` unless a test steers time. */
    readonly clock?: (() => number) | undefined
  },
): Effect.Effect<KeyCache> =>
  Effect.sync(() => {
    if (opts.ttlMs <= 0) return { store, cachedActiveKey: null, holdsKey: null }
    const now = opts.clock ?? Date.now
    const entries = new Map<string, Entry>()
    /** Unknown keys: hash → until (ms). */
    const negatives = new Map<string, number>()
    const negativeCapacity = opts.negativeCapacity ?? 1_000
    /** A live "no such key" for `hash`, dropping an expired one. */
    const unknown = (hash: string, at: number): boolean => {
      const until = negatives.get(hash)
      if (until === undefined) return false
      if (until > at) return true
      negatives.delete(hash)
      return false
    }
    const inflight = new Map<string, Deferred.Deferred<ActiveKey, StoreError>>()
    // A lookup that started before a change is not cached after it (it may have read the old state).
    let generation = 0
    /** The live entry for `hash`, dropping an expired one. */
    const live = (hash: string, at: number): Entry | undefined => {
      const hit = entries.get(hash)
      if (hit === undefined || hit.until > at) return hit
      entries.delete(hash)
      return undefined
    }
    const cached = (hash: string): ActiveKey | undefined => {
      const at = now()
      const hit = live(hash, at)
      if (hit === undefined) return unknown(hash, at) ? null : undefined
      if (at >= hit.refreshAt && !hit.claimed && !inflight.has(hash)) {
        hit.claimed = true
        return undefined
      }
      return hit.value
    }
    /** Registers a lookup of `hash` as in flight now; the Effect runs it, keeps its answer and tells waiters. */
    const startLookup = (hash: string): Effect.Effect<ActiveKey, StoreError> => {
      const started = generation
      const done = Deferred.unsafeMake<ActiveKey, StoreError>(FiberId.none)
      inflight.set(hash, done)
      return store.findActiveKeyByHash(hash).pipe(
        Effect.tap((value) => {
          if (generation !== started) return
          if (value === null) {
            entries.delete(hash)
            if (negativeCapacity <= 0) return
            if (!negatives.delete(hash) && negatives.size >= negativeCapacity) {
              const oldest = negatives.keys().next()
              if (oldest.done !== true) negatives.delete(oldest.value)
            }
            negatives.set(hash, now() + opts.ttlMs)
            return
          }
          negatives.delete(hash)
          if (!entries.delete(hash) && entries.size >= opts.capacity) {
            // Oldest first: a Map iterates in insertion order (a refreshed entry moves to the end).
            const oldest = entries.keys().next()
            if (oldest.done !== true) entries.delete(oldest.value)
          }
          const at = now()
          entries.set(hash, {
            value,
            until: at + opts.ttlMs,
            refreshAt: at + opts.ttlMs * REFRESH_AT,
            claimed: false,
          })
        }),
        Effect.tapError(() =>
          Effect.sync(() => {
            // A failed refresh leaves the entry answering until it expires; a later use tries again.
            const hit = entries.get(hash)
            if (hit !== undefined) hit.claimed = false
          }),
        ),
        // Waiters get this lookup's outcome, whatever it is (interruption included).
        Effect.onExit((exit) => {
          if (inflight.get(hash) === done) inflight.delete(hash)
          return Deferred.done(done, exit)
        }),
      )
    }
    const lookup = (hash: string): Effect.Effect<ActiveKey, StoreError> =>
      Effect.suspend(() => {
        const at = now()
        const hit = live(hash, at)
        if (hit !== undefined) {
          if (at < hit.refreshAt || inflight.has(hash)) return Effect.succeed(hit.value)
          // Refresh-ahead: the entry answers now, the refresh runs on its own (a caller that goes away does not
          // stop it). Its failure is logged at debug level: the next use past `refreshAt` tries again.
          return Effect.as(Effect.forkDaemon(Effect.ignoreLogged(startLookup(hash))), hit.value)
        }
        if (unknown(hash, at)) return Effect.succeed(null)
        const waiting = inflight.get(hash)
        if (waiting !== undefined) return Deferred.await(waiting)
        return startLookup(hash)
      })
    const clearing =
      <A extends ReadonlyArray<unknown>, B, E>(f: (...a: A) => Effect.Effect<B, E>) =>
      (...a: A) =>
        Effect.ensuring(
          f(...a),
          Effect.sync(() => {
            generation++
            entries.clear()
            negatives.clear()
            inflight.clear()
          }),
        )
    return {
      store: {
        ...store,
        findActiveKeyByHash: lookup,
        createMerchant: clearing(store.createMerchant),
        updateMerchant: clearing(store.updateMerchant),
        createApiKey: clearing(store.createApiKey),
        revokeApiKey: clearing(store.revokeApiKey),
      },
      cachedActiveKey: cached,
      holdsKey: (hash) => live(hash, now()) !== undefined,
    }
  })
