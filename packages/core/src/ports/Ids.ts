import { Context, Effect, Layer } from "effect"

/**
 * Source of cryptographic randomness. IDs, TON comments, API keys and webhook secrets are built from it
 * (see `ids.ts`), so tests can run deterministically with `Ids.Test`.
 */
export class Ids extends Context.Tag("@inzi/core/Ids")<
  Ids,
  { readonly randomBytes: (n: number) => Effect.Effect<Uint8Array> }
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
    return {
      randomBytes: (n) =>
        Effect.sync(() => {
          if (n > POOL) return globalThis.crypto.getRandomValues(new Uint8Array(n))
          if (at + n > pool.length) {
            pool = globalThis.crypto.getRandomValues(new Uint8Array(POOL))
            at = 0
          }
          const out = pool.slice(at, at + n)
          at += n
          return out
        }),
    }
  })

  /** Deterministic bytes from a seed (xorshift32): for tests only, never for real IDs. */
  static readonly Test = (seed = 1) => {
    let s = seed >>> 0 || 1
    return Layer.succeed(Ids, {
      randomBytes: (n) =>
        Effect.sync(() => {
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
        }),
    })
  }
}
