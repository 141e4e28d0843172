import { Effect } from "effect"
import type { Mode } from "./domain.js"
import { sha256Hex } from "./wire/index.js"
import { Ids } from "./ports/Ids.js"

/**
 * Identifiers and secrets, drawn from the injected `Ids` randomness (so tests are deterministic with
 * `Ids.Test`). Characters are picked by rejection sampling: a random byte is used only when it falls below
 * the largest multiple of the alphabet size, so every character is exactly equally likely (no modulo bias).
 */

export const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
/** TON comments: upper-case letters and digits without the look-alikes 0/O, 1/I/L (31 symbols). */
export const TON_COMMENT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/** Length of the random part of checkout ids (36^24 ≈ 2^124 possibilities). */
export const CHECKOUT_TOKEN_LENGTH = 24
/** Length of the random part of API keys (62^40 ≈ 2^238). */
export const API_KEY_RANDOM_LENGTH = 40
/** Visible, loggable prefix of an API key: `sk_live_` + 4 characters. */
export const API_KEY_PREFIX_LENGTH = 12

const checkAlphabet = (alphabet: string): number => {
  const n = alphabet.length
  if (n < 2 || n > 256) throw new RangeError("alphabet must have 2..256 symbols")
  // Bytes at or above `limit` are rejected: the accepted range is an exact multiple of the alphabet size.
  return 256 - (256 % n)
}

/** How many bytes to ask for: a little more than `missing`, since (256 − limit)/256 of them are rejected. */
const batch = (missing: number, limit: number): number => Math.ceil((missing * 256) / limit) + 2

const appendUnbiased = (out: string, bytes: Uint8Array, alphabet: string, length: number, limit: number) => {
  let s = out
  for (const b of bytes) {
    if (s.length === length) break
    if (b < limit) s += alphabet[b % alphabet.length]
  }
  return s
}

/**
 * Maps random bytes to `length` characters of `alphabet` without modulo bias (rejection sampling).
 * Pure: `draw(n)` supplies fresh bytes whenever the ones at hand run out.
 */
export const unbiasedString = (alphabet: string, length: number, draw: (n: number) => Uint8Array): string => {
  const limit = checkAlphabet(alphabet)
  let out = ""
  while (out.length < length)
    out = appendUnbiased(out, draw(batch(length - out.length, limit)), alphabet, length, limit)
  return out
}

/** `unbiasedString` as an Effect over the `Ids` service. */
export const randomString = (alphabet: string, length: number): Effect.Effect<string, never, Ids> =>
  Effect.gen(function* () {
    const ids = yield* Ids
    const limit = checkAlphabet(alphabet)
    let out = ""
    while (out.length < length) {
      const bytes = yield* ids.randomBytes(batch(length - out.length, limit))
      out = appendUnbiased(out, bytes, alphabet, length, limit)
    }
    return out
  })

// ------------------------------------------------------------------------------------------------ checkouts

const CHECKOUT_ID_RE = /^chk_(live|test)_([a-z0-9]{24})$/
const TOKEN_RE = /^[a-z0-9]{24}$/

/** `chk_live_…` / `chk_test_…` + 24 characters of `[a-z0-9]`. */
export const newCheckoutId = (mode: Mode): Effect.Effect<string, never, Ids> =>
  Effect.map(randomString(LOWER_ALNUM, CHECKOUT_TOKEN_LENGTH), (r) => `chk_${mode}_${r}`)

/** `newCheckoutId` from a synchronous byte source (`cryptoRandomBytes`), for code that runs no fiber. */
export const checkoutIdWith = (mode: Mode, draw: (n: number) => Uint8Array): string =>
  `chk_${mode}_${unbiasedString(LOWER_ALNUM, CHECKOUT_TOKEN_LENGTH, draw)}`

export const isCheckoutId = (s: string): boolean => CHECKOUT_ID_RE.test(s)

/** The mode of a checkout id, or null when it is not one. */
export const checkoutIdMode = (id: string): Mode | null => {
  const m = CHECKOUT_ID_RE.exec(id)
  return m === null ? null : (m[1] as Mode)
}

/**
 * The hosted page token of a checkout: the 24 random characters after `chk_live_`/`chk_test_`.
 * @example checkoutToken("chk_live_k3j9x2m1q8w7e5r4t6y0u2i9") // "k3j9x2m1q8w7e5r4t6y0u2i9"
 */
export const checkoutToken = (id: string): string => {
  const m = CHECKOUT_ID_RE.exec(id)
  if (m === null) throw new TypeError(`not a checkout id: ${id}`)
  return m[2]!
}

export const isCheckoutToken = (token: string): boolean => TOKEN_RE.test(token)

/**
 * The checkout id a page token stands for in `mode` (the token does not carry the mode: a store looks both
 * up, or uses `checkoutIdsFromToken`); null when the token is malformed.
 */
export const checkoutIdFromToken = (token: string, mode: Mode): string | null =>
  TOKEN_RE.test(token) ? `chk_${mode}_${token}` : null

/** Both candidate ids of a page token (live first); null when the token is malformed. */
export const checkoutIdsFromToken = (token: string): readonly [string, string] | null =>
  TOKEN_RE.test(token) ? [`chk_live_${token}`, `chk_test_${token}`] : null

// ------------------------------------------------------------------------------------ events and merchants

/** Webhook event id: `evt_` + 24 characters of `[a-z0-9]`. */
export const newEventId: Effect.Effect<string, never, Ids> = Effect.map(
  randomString(LOWER_ALNUM, 24),
  (r) => `evt_${r}`,
)

/** Merchant id: `mer_` + 16 characters of `[a-z0-9]`. */
export const newMerchantId: Effect.Effect<string, never, Ids> = Effect.map(
  randomString(LOWER_ALNUM, 16),
  (r) => `mer_${r}`,
)

/** API key record id (not the key): `key_` + 16 characters of `[a-z0-9]`. */
export const newApiKeyId: Effect.Effect<string, never, Ids> = Effect.map(
  randomString(LOWER_ALNUM, 16),
  (r) => `key_${r}`,
)

/** Unmatched payment record id: `unm_` + 16 characters of `[a-z0-9]`. */
export const newUnmatchedId: Effect.Effect<string, never, Ids> = Effect.map(
  randomString(LOWER_ALNUM, 16),
  (r) => `unm_${r}`,
)

/** Webhook signing secret: `whsec_` + 40 characters of base62. */
export const newWebhookSecret: Effect.Effect<string, never, Ids> = Effect.map(
  randomString(BASE62, 40),
  (r) => `whsec_${r}`,
)

// ------------------------------------------------------------------------------------------------ API keys

export interface NewApiKeyMaterial {
  /** The full key, shown once. */
  readonly key: string
  /** Visible prefix (first 12 characters, e.g. `sk_live_Ab3x`), safe to store, show and log. */
  readonly prefix: string
  /** SHA-256 hex of the key: the only thing stored. */
  readonly hash: string
}

/** A new API key `sk_<mode>_` + 40 characters of base62, with its visible prefix and hash. */
export const newApiKey = (mode: Mode): Effect.Effect<NewApiKeyMaterial, never, Ids> =>
  Effect.map(randomString(BASE62, API_KEY_RANDOM_LENGTH), (r) => {
    const key = `sk_${mode}_${r}`
    return { key, prefix: apiKeyPrefix(key), hash: hashApiKey(key) }
  })

const API_KEY_RE = /^sk_(live|test)_[0-9A-Za-z]{32,128}$/

/**
 * The mode of a well-formed API key (`sk_live_`/`sk_test_` + 32..128 base62 characters), or null.
 * @example parseApiKey("sk_test_" + "a".repeat(40)) // "test"
 */
export const parseApiKey = (key: string): Mode | null => {
  const m = API_KEY_RE.exec(key)
  return m === null ? null : (m[1] as Mode)
}

/** The visible prefix of a key (its first 12 characters). */
export const apiKeyPrefix = (key: string): string => key.slice(0, API_KEY_PREFIX_LENGTH)

/** SHA-256 hex of an API key (keys are long random strings, so a fast unsalted hash is the right tool). */
export const hashApiKey = (key: string): string => sha256Hex(key)

/** SHA-256 hex of a UTF-8 string (API-key hashes, idempotent request hashes): wire/hash.ts. */
export { sha256Hex }

// ------------------------------------------------------------------------------------------- TON comments

export const TON_COMMENT_MIN_LENGTH = 8
export const TON_COMMENT_MAX_LENGTH = 10

/**
 * A TON payment comment: `length` (8–10, default 8) characters of an unambiguous upper-case alphabet
 * (31^8 ≈ 2^39.6), easy to type from a phone. Unique per merchant: the store retries on collision.
 */
export const newTonComment: Effect.Effect<string, never, Ids> = randomString(
  TON_COMMENT_ALPHABET,
  TON_COMMENT_MIN_LENGTH,
)

/** `newTonComment` from a synchronous byte source (`cryptoRandomBytes`), for code that runs no fiber. */
export const tonCommentWith = (draw: (n: number) => Uint8Array): string =>
  unbiasedString(TON_COMMENT_ALPHABET, TON_COMMENT_MIN_LENGTH, draw)

/** A TON comment of a chosen length (8..10): stores widen it after repeated collisions. */
export const newTonCommentOfLength = (length: number): Effect.Effect<string, never, Ids> => {
  if (!Number.isInteger(length) || length < TON_COMMENT_MIN_LENGTH || length > TON_COMMENT_MAX_LENGTH)
    return Effect.dieMessage(`TON comment length must be 8..10, got ${length}`)
  return randomString(TON_COMMENT_ALPHABET, length)
}

const TON_COMMENT_RE = new RegExp(`^[${TON_COMMENT_ALPHABET}]{8,10}$`)

/**
 * Normalizes what a payer typed as a TON comment (trimmed, upper-cased); null when it cannot be one of ours.
 * @example normalizeTonComment(" k7p2m9qx ") // "K7P2M9QX"
 */
export const normalizeTonComment = (s: string): string | null => {
  const t = s.trim().toUpperCase()
  return TON_COMMENT_RE.test(t) ? t : null
}
