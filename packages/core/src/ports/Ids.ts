import { Context, Effect, Layer } from "effect"

/**
 * Source of cryptographic randomness. IDs, TON comments, API keys and webhook secrets are built from it
 * (see `ids.ts`), so tests can run deterministically with `Ids.Test`.
 */
export class Ids extends Context.Tag("@inzi/core/Ids")<
  Ids,
  {
    readonly randomBytes: (n: number) => Effect.Effect<Uint8Array>
  }
>() {
  /** `cryptoRandomBytes()` as the service (Web Crypto, pooled). */
  static readonly Live = Layer.sync(Ids, () => idsOf(cryptoRandomBytes()))

  /** Deterministic bytes from a seed (`seededRandomBytes`): for tests only, never for real IDs. */
  static readonly Test = (seed = 1) => Layer.succeed(Ids, idsOf(seededRandomBytes(seed)))
}

/** The `Ids` service over a synchronous byte source. */
export const idsOf = (draw: (n: number) => Uint8Array): Context.Tag.Service<typeof Ids> => ({
  randomBytes: (n) => Effect.sync(() => draw(n)),
})

/**
 * A synchronous CSPRNG byte source: `crypto.getRandomValues` (Web Crypto, global in Node ≥ 19 and browsers), drawn
 * 4 KiB at a time and handed out in order, every byte once: one system call per ≈ 100 ids instead of one per id
 * (the same pooling Node does for `randomUUID`). `Ids.Live` is one; code that runs no fiber (the server's
 * fiber-less create) holds its own.
 */
export const cryptoRandomBytes = (): ((n: number) => Uint8Array) => {
  const POOL = 4096
  let pool = new Uint8Array(0)
  let at = 0
  return (n) => {
    if (n > POOL) return globalThis.crypto.getRandomValues(new Uint8Array(n))
    if (at + n > pool.length) {
      pool = globalThis.crypto.getRandomValues(new Uint8Array(POOL))
      at = 0
    }
    const out = pool.slice(at, at + n)
    at += n
    return out
  }
}

/** Deterministic bytes from a seed (xorshift32): for tests only, never for real IDs. */
export const seededRandomBytes = (seed = 1): ((n: number) => Uint8Array) => {
  let s = seed >>> 0 || 1
  return (n) => {
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
}
