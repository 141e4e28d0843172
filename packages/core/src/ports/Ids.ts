import { Context, Effect, Layer } from "effect"

/**
 * Source of cryptographic randomness. IDs, TON comments, API keys and webhook secrets are built from it
 * (see `ids.ts`), so tests can run deterministically with `Ids.Test`.
 */
export class Ids extends Context.Tag("@inzi/core/Ids")<
  Ids,
  {
    readonly randomBytes: (n: number) => Effect.Effect<Uint8Array>
    /**
     * Optional: the same bytes without an Effect, for callers that run no fiber (the server's fiber-less create,
     * `createPooledCheckoutDirect`). Both built-in sources have it; a source without it only loses that path.
     */
    readonly randomBytesSync?: ((n: number) => Uint8Array) | undefined
  }
>() {
  /**
   * `crypto.getRandomValues` (Web Crypto, global in Node ≥ 19 and browsers), drawn 4 KiB at a time and handed
   * out in order, every byte once: one system call per ≈ 100 ids instead of one per id (the same pooling Node
   * does for `randomUUID`).
   */
  static readonly Live = Layer.sync(Ids, () => {
    const POOL = 4096
    let pool = new Uint8Array(0)
    let at = 0
    const randomBytesSync = (n: number): Uint8Array => {
      if (n > POOL) return globalThis.crypto.getRandomValues(new Uint8Array(n))
      if (at + n > pool.length) {
        pool = globalThis.crypto.getRandomValues(new Uint8Array(POOL))
        at = 0
      }
      const out = pool.slice(at, at + n)
      at += n
      return out
    }
    return { randomBytes: (n) => Effect.sync(() => randomBytesSync(n)), randomBytesSync }
  })

  /** Deterministic bytes from a seed (xorshift32): for tests only, never for real IDs. */
  static readonly Test = (seed = 1) => {
    let s = seed >>> 0 || 1
    const randomBytesSync = (n: number): Uint8Array => {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        s ^= s << 13
        s >>>= 0
        s ^= s >>> 17
        s ^= s << 5
        s >>>= 0
        out[i] = s & 0xff
      }
      return out
    }
    return Layer.succeed(Ids, { randomBytes: (n) => Effect.sync(() => randomBytesSync(n)), randomBytesSync })
  }
}
