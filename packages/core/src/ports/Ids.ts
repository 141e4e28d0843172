import { Context, Effect, Layer } from "effect"

/**
 * Source of cryptographic randomness. IDs, TON comments, API keys and webhook secrets are built from it
 * (see `ids.ts`), so tests can run deterministically with `Ids.Test`.
 */
export class Ids extends Context.Tag("@inzi/core/Ids")<
  Ids,
  { readonly randomBytes: (n: number) => Effect.Effect<Uint8Array> }
>() {
  /** `crypto.getRandomValues` (Web Crypto, global in Node ≥ 19 and browsers). */
  static readonly Live = Layer.succeed(Ids, {
    randomBytes: (n) =>
      Effect.sync(() => {
        const out = new Uint8Array(n)
        globalThis.crypto.getRandomValues(out)
        return out
      }),
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
