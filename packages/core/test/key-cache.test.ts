import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { ApiKeyRecord, Merchant } from "../src/domain.js"
import type { MerchantStore } from "../src/ports/MerchantStore.js"
import { StoreError } from "../src/ports/errors.js"
import { withKeyCache } from "../src/usecases/key-cache.js"

const merchant = { id: "mer_1", name: "Shop" } as unknown as Merchant
const key = {
  id: "key_1",
  merchantId: "mer_1",
  mode: "test",
  prefix: "sk_test_abcd",
} as unknown as ApiKeyRecord

/** A store whose key lookups are counted (h1, h2, h3 are keys; any other hash none); `revoked` and `failNext` steer its answers. */
const fakeStore = () => {
  const state = { lookups: 0, revoked: false, failNext: false }
  const store = {
    findActiveKeyByHash: (hash: string) =>
      Effect.suspend(() => {
        state.lookups++
        if (state.failNext) {
          state.failNext = false
          return Effect.fail(new StoreError({ message: "down" }))
        }
        return Effect.succeed(/^h[1-3]$/.test(hash) && !state.revoked ? { key, merchant } : null)
      }),
    revokeApiKey: () =>
      Effect.sync(() => {
        state.revoked = true
        return key
      }),
  } as unknown as MerchantStore["Type"]
  return { state, store }
}

const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

/** The cached store with its memory-only read beside it, as one object (as the tests below read it). */
const cache = (...args: Parameters<typeof withKeyCache>) =>
  Effect.map(withKeyCache(...args), (c) => ({ ...c.store, cachedActiveKey: c.cachedActiveKey ?? undefined }))

describe("withKeyCache", () => {
  it("serves repeated lookups of a key from memory, one store lookup per key and TTL", async () => {
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 60_000, capacity: 100 }))
    for (let i = 0; i < 5; i++) expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
    expect(await run(cached.findActiveKeyByHash("x2"))).toBeNull()
    expect(state.lookups).toBe(2)
  })

  it("concurrent lookups of one key share one store lookup", async () => {
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 60_000, capacity: 100 }))
    await run(
      Effect.all(
        Array.from({ length: 20 }, () => cached.findActiveKeyByHash("h1")),
        { concurrency: 20 },
      ),
    )
    expect(state.lookups).toBe(1)
  })

  it("a revocation through the cached store takes effect at once; another process's within the TTL", async () => {
    const { store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 50, capacity: 100 }))
    expect(await run(cached.findActiveKeyByHash("h1"))).not.toBeNull()
    await run(cached.revokeApiKey("key_1", new Date()))
    expect(await run(cached.findActiveKeyByHash("h1"))).toBeNull()

    const other = fakeStore()
    const cached2 = await run(cache(other.store, { ttlMs: 50, capacity: 100 }))
    expect(await run(cached2.findActiveKeyByHash("h1"))).not.toBeNull()
    other.state.revoked = true // changed behind the cache's back
    expect(await run(cached2.findActiveKeyByHash("h1"))).not.toBeNull()
    await new Promise((r) => setTimeout(r, 80))
    expect(await run(cached2.findActiveKeyByHash("h1"))).toBeNull()
  })

  it("does not cache a failed lookup", async () => {
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 60_000, capacity: 100 }))
    state.failNext = true
    await expect(run(cached.findActiveKeyByHash("h1"))).rejects.toThrow()
    expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
    expect(state.lookups).toBe(2)
  })

  it("holds at most `capacity` keys, dropping the oldest", async () => {
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 60_000, capacity: 2 }))
    for (const h of ["h1", "h2", "h3"]) await run(cached.findActiveKeyByHash(h))
    expect(state.lookups).toBe(3)
    await run(cached.findActiveKeyByHash("h3")) // still held
    expect(state.lookups).toBe(3)
    await run(cached.findActiveKeyByHash("h1")) // dropped when h3 came in
    expect(state.lookups).toBe(4)
  })

  it("a lookup that was running when a change went through is not kept", async () => {
    const { state, store } = fakeStore()
    const slow = {
      ...store,
      findActiveKeyByHash: (hash: string) =>
        // Reads the state first, answers 30 ms later.
        Effect.tap(store.findActiveKeyByHash(hash), () => Effect.sleep("30 millis")),
    }
    const cached = await run(cache(slow, { ttlMs: 60_000, capacity: 100 }))
    const first = Effect.runPromise(cached.findActiveKeyByHash("h1"))
    await new Promise((r) => setTimeout(r, 5))
    await run(cached.revokeApiKey("key_1", new Date())) // lands while the lookup (of the old state) runs
    expect(await first).not.toBeNull()
    expect(await run(cached.findActiveKeyByHash("h1"))).toBeNull()
    expect(state.lookups).toBe(2)
  })

  it("cachedActiveKey answers from memory only: a hit (found or null), else undefined; never a lookup", async () => {
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 50, capacity: 100 }))
    const peek = cached.cachedActiveKey
    if (peek === undefined) throw new Error("withKeyCache provides cachedActiveKey")
    expect(peek("h1")).toBeUndefined()
    expect(peek("x2")).toBeUndefined()
    expect(state.lookups).toBe(0)
    await run(cached.findActiveKeyByHash("h1"))
    await run(cached.findActiveKeyByHash("x2"))
    expect(peek("h1")?.key.id).toBe("key_1")
    expect(peek("x2")).toBeNull()
    // a change through the store clears it at once
    await run(cached.revokeApiKey("key_1", new Date()))
    expect(peek("h1")).toBeUndefined()
    // and an entry past its TTL is gone
    await run(cached.findActiveKeyByHash("x2"))
    await new Promise((r) => setTimeout(r, 70))
    expect(peek("x2")).toBeUndefined()
    expect(state.lookups).toBe(3)
  })

  describe("refresh-ahead", () => {
    /** The fake store behind a gate: a lookup reads the state at once and answers when `open()` is called. */
    const gated = () => {
      const fake = fakeStore()
      let open = () => {}
      let gate = Promise.resolve()
      const close = () => {
        gate = new Promise((r) => {
          open = r
        })
      }
      const store = {
        ...fake.store,
        findActiveKeyByHash: (hash: string) =>
          Effect.tap(fake.store.findActiveKeyByHash(hash), () => Effect.promise(() => gate)),
      }
      return { ...fake, store, close, open: () => open() }
    }
    /** A cache over the gated store on a clock the test sets (`c.t`, ms), with its first lookup of h1 done. */
    const started = async (capacity = 100) => {
      const g = gated()
      const c = { t: 0 }
      const cached = await run(cache(g.store, { ttlMs: 1000, capacity, clock: () => c.t }))
      const peek = cached.cachedActiveKey
      if (peek === undefined) throw new Error("withKeyCache provides cachedActiveKey")
      await run(cached.findActiveKeyByHash("h1"))
      return { ...g, c, cached, peek }
    }
    const settle = () => new Promise((r) => setTimeout(r, 10))

    it("a key in use late in its life is looked up again in the background; no caller waits and it never expires", async () => {
      const { state, close, open, c, cached, peek } = await started()
      expect(state.lookups).toBe(1)

      c.t = 740 // before the refresh point (3/4 of the TTL): plain hits
      expect(peek("h1")?.key.id).toBe("key_1")
      c.t = 760
      // Past it, exactly one memory-only caller is sent the Effect way, to start the refresh; the rest keep hitting.
      expect(peek("h1")).toBeUndefined()
      expect(peek("h1")?.key.id).toBe("key_1")
      expect(peek("h1")?.key.id).toBe("key_1")
      expect(state.lookups).toBe(1)

      close() // the refresh will hang until open()
      // The Effect way answers at once from the entry while the refresh runs; later callers share that refresh.
      expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
      expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
      expect(peek("h1")?.key.id).toBe("key_1")
      expect(state.lookups).toBe(2)
      open()
      await settle()

      c.t = 1500 // the first answer would be gone at 1000; the refreshed one (read at 760) holds until 1760
      expect(peek("h1")?.key.id).toBe("key_1")
      expect(state.lookups).toBe(2)
      c.t = 1760 // an entry nobody used late in its life still expires on time
      expect(peek("h1")).toBeUndefined()
      expect(state.lookups).toBe(2)
    })

    it("a refresh carries another process's revocation in, and answers are never older than the TTL", async () => {
      const { state, c, cached } = await started()
      state.revoked = true // behind the cache's back
      c.t = 800
      expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1") // held answer, refresh starts
      await settle()
      expect(await run(cached.findActiveKeyByHash("h1"))).toBeNull()
      expect(cached.cachedActiveKey?.("h1")).toBeNull()
      expect(state.lookups).toBe(2)
    })

    it("a failed refresh leaves the entry answering until it expires, and the next use tries again", async () => {
      const { state, c, cached, peek } = await started()
      c.t = 800
      state.failNext = true
      expect(peek("h1")).toBeUndefined()
      expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
      await settle()
      expect(state.lookups).toBe(2)
      expect(peek("h1")).toBeUndefined() // claimable again: the failure released it
      expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
      await settle()
      expect(state.lookups).toBe(3)
      c.t = 1500 // the retry succeeded (read at 800): held until 1800
      expect(peek("h1")?.key.id).toBe("key_1")
    })

    it("a refresh running when a change went through is not kept", async () => {
      const { state, close, open, c, cached } = await started()
      c.t = 800
      close()
      await run(cached.findActiveKeyByHash("h1")) // refresh reads the key as active, then hangs
      await run(cached.revokeApiKey("key_1", new Date()))
      open()
      await settle()
      expect(cached.cachedActiveKey?.("h1")).toBeUndefined()
      expect(await run(cached.findActiveKeyByHash("h1"))).toBeNull()
      expect(state.lookups).toBe(3)
    })

    it("a refreshed key does not count twice against the capacity", async () => {
      const { state, c, cached, peek } = await started(2)
      await run(cached.findActiveKeyByHash("h2"))
      c.t = 800
      await run(cached.findActiveKeyByHash("h2")) // refreshes h2, which is held already: nothing is dropped
      await settle()
      expect(state.lookups).toBe(3)
      expect(peek("h1")).toBeUndefined() // h1's first use past its refresh point is sent the Effect way …
      expect(peek("h1")?.key.id).toBe("key_1") // … and it is still held
      await run(cached.findActiveKeyByHash("h3")) // full: the oldest (h1) goes, the refreshed h2 stays
      expect(peek("h1")).toBeUndefined()
      expect(peek("h1")).toBeUndefined()
      expect(peek("h2")?.key.id).toBe("key_1")
      expect(state.lookups).toBe(4)
    })
  })

  it("ttlMs 0 is the store itself, and nothing is held", async () => {
    const { store } = fakeStore()
    const c = await run(withKeyCache(store, { ttlMs: 0, capacity: 100 }))
    expect(c.store).toBe(store)
    expect(c.cachedActiveKey).toBeNull()
  })
})

describe("withKeyCache: unknown keys", () => {
  it("a flood of unknown keys never evicts a real key; unknown ones are remembered apart, bounded", async () => {
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 60_000, capacity: 2, negativeCapacity: 100 }))
    expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
    for (let i = 0; i < 1_000; i++) expect(await run(cached.findActiveKeyByHash(`bad${i}`))).toBeNull()
    expect(state.lookups).toBe(1_001)
    // the real key is still a hit: no store lookup, on both ways in
    expect(cached.cachedActiveKey?.("h1")?.key.id).toBe("key_1")
    expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
    expect(state.lookups).toBe(1_001)
    // the last 100 unknown keys answer from memory (null), older ones were dropped (undefined: ask the store)
    expect(cached.cachedActiveKey?.("bad999")).toBeNull()
    expect(await run(cached.findActiveKeyByHash("bad999"))).toBeNull()
    expect(state.lookups).toBe(1_001)
    expect(cached.cachedActiveKey?.("bad0")).toBeUndefined()
  })

  it("a key revoked elsewhere stops being a hit once looked up again, and is then remembered as unknown", async () => {
    let t = 0
    const { state, store } = fakeStore()
    const cached = await run(cache(store, { ttlMs: 1_000, capacity: 10, clock: () => t }))
    expect((await run(cached.findActiveKeyByHash("h1")))?.key.id).toBe("key_1")
    state.revoked = true
    t = 1_001
    expect(await run(cached.findActiveKeyByHash("h1"))).toBeNull()
    expect(cached.cachedActiveKey?.("h1")).toBeNull()
    state.revoked = false
    t = 2_002
    expect(cached.cachedActiveKey?.("h1")).toBeUndefined()
  })
})
