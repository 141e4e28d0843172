import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import {
  API_KEY_PREFIX_LENGTH,
  apiKeyPrefix,
  BASE62,
  checkoutIdFromToken,
  checkoutIdMode,
  checkoutIdsFromToken,
  checkoutToken,
  hashApiKey,
  isCheckoutId,
  isCheckoutToken,
  LOWER_ALNUM,
  newApiKey,
  newApiKeyId,
  newCheckoutId,
  newEventId,
  newMerchantId,
  newTonComment,
  newTonCommentOfLength,
  newUnmatchedId,
  newWebhookSecret,
  normalizeTonComment,
  parseApiKey,
  randomString,
  sha256Hex,
  TON_COMMENT_ALPHABET,
  unbiasedString,
} from "../src/ids.js"
import { Ids } from "../src/ports/Ids.js"

describe("ids", () => {
  it.effect("checkout ids: chk_live_/chk_test_ + 24 of [a-z0-9]", () =>
    Effect.gen(function* () {
      const live = yield* newCheckoutId("live")
      const test = yield* newCheckoutId("test")
      expect(live).toMatch(/^chk_live_[a-z0-9]{24}$/)
      expect(test).toMatch(/^chk_test_[a-z0-9]{24}$/)
      expect(isCheckoutId(live)).toBe(true)
      expect(checkoutIdMode(test)).toBe("test")
      expect(checkoutIdMode("chk_prod_aaaaaaaaaaaaaaaaaaaaaaaa")).toBeNull()
      const token = checkoutToken(live)
      expect(token).toBe(live.slice(9))
      expect(isCheckoutToken(token)).toBe(true)
      expect(checkoutIdFromToken(token, "live")).toBe(live)
      expect(checkoutIdsFromToken(token)).toEqual([live, `chk_test_${token}`])
      expect(checkoutIdFromToken("short", "live")).toBeNull()
      expect(checkoutIdsFromToken("../../etc/passwd")).toBeNull()
      expect(() => checkoutToken("nope")).toThrow()
    }).pipe(Effect.provide(Ids.Live)),
  )

  it.effect("other ids and secrets have their prefixes and alphabets", () =>
    Effect.gen(function* () {
      expect(yield* newEventId).toMatch(/^evt_[a-z0-9]{24}$/)
      expect(yield* newMerchantId).toMatch(/^mer_[a-z0-9]{16}$/)
      expect(yield* newApiKeyId).toMatch(/^key_[a-z0-9]{16}$/)
      expect(yield* newUnmatchedId).toMatch(/^unm_[a-z0-9]{16}$/)
      expect(yield* newWebhookSecret).toMatch(/^whsec_[0-9A-Za-z]{40}$/)
      expect(yield* newTonComment).toMatch(/^[2-9A-HJKMNP-Z]{8}$/)
      expect(yield* newTonCommentOfLength(10)).toHaveLength(10)
    }).pipe(Effect.provide(Ids.Live)),
  )

  it.effect("Ids.Live hands out every pooled byte once, across pool refills and oversized draws", () =>
    Effect.gen(function* () {
      const ids = yield* Ids
      const seen = new Set<string>()
      // 3 000 × 16 bytes spans ≈ 12 pools of 4 KiB; a reused window would repeat a 16-byte draw.
      for (let i = 0; i < 3000; i++) seen.add(Buffer.from(yield* ids.randomBytes(16)).toString("hex"))
      expect(seen.size).toBe(3000)
      const big = yield* ids.randomBytes(5000)
      expect(big).toHaveLength(5000)
      expect(new Set(big).size).toBeGreaterThan(200)
    }).pipe(Effect.provide(Ids.Live)),
  )

  it.effect("a TON comment length outside 8..10 is a defect", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(newTonCommentOfLength(7))
      expect(exit._tag).toBe("Failure")
    }).pipe(Effect.provide(Ids.Live)),
  )

  it.effect("API keys: sk_<mode>_ + 40 base62, 12-char visible prefix, SHA-256 hex hash", () =>
    Effect.gen(function* () {
      const k = yield* newApiKey("live")
      expect(k.key).toMatch(/^sk_live_[0-9A-Za-z]{40}$/)
      expect(k.prefix).toBe(k.key.slice(0, 12))
      expect(k.prefix).toHaveLength(API_KEY_PREFIX_LENGTH)
      expect(k.hash).toBe(hashApiKey(k.key))
      expect(k.hash).toMatch(/^[0-9a-f]{64}$/)
      expect(parseApiKey(k.key)).toBe("live")
      expect(apiKeyPrefix(k.key)).toBe(k.prefix)
    }).pipe(Effect.provide(Ids.Live)),
  )

  it("parseApiKey accepts sk_live_/sk_test_ + 32+ chars only", () => {
    expect(parseApiKey(`sk_test_${"a".repeat(32)}`)).toBe("test")
    expect(parseApiKey(`sk_test_${"a".repeat(31)}`)).toBeNull()
    expect(parseApiKey(`sk_prod_${"a".repeat(40)}`)).toBeNull()
    expect(parseApiKey(`sk_live_${"a".repeat(39)}!`)).toBeNull()
    expect(parseApiKey(` sk_live_${"a".repeat(40)}`)).toBeNull()
    expect(parseApiKey("")).toBeNull()
  })

  it("hashes are SHA-256 (known vector)", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  })

  it.effect("Ids.Test is deterministic", () =>
    Effect.gen(function* () {
      const a = yield* Effect.provide(newCheckoutId("test"), Ids.Test(42))
      const b = yield* Effect.provide(newCheckoutId("test"), Ids.Test(42))
      const c = yield* Effect.provide(newCheckoutId("test"), Ids.Test(43))
      expect(a).toBe(b)
      expect(a).not.toBe(c)
    }),
  )

  it("TON comments avoid look-alikes and normalize what payers type", () => {
    for (const ch of "0O1IL") expect(TON_COMMENT_ALPHABET).not.toContain(ch)
    expect(new Set(TON_COMMENT_ALPHABET).size).toBe(TON_COMMENT_ALPHABET.length)
    expect(normalizeTonComment(" k7p2m9qx ")).toBe("K7P2M9QX")
    expect(normalizeTonComment("K7P2M9Q0")).toBeNull()
    expect(normalizeTonComment("K7P2M9Q")).toBeNull()
    expect(normalizeTonComment("K7P2M9QXABC")).toBeNull()
  })
})

describe("rejection sampling (no modulo bias)", () => {
  it("never uses a byte at or above the largest multiple of the alphabet size", () => {
    // 36 symbols: bytes ≥ 252 must be skipped. Feed 252..255 first: they must not appear as output.
    const feed = [252, 253, 254, 255, 0, 35, 36, 251]
    let calls = 0
    let off = 0
    const s = unbiasedString(LOWER_ALNUM, 4, (n) => {
      calls++
      return Uint8Array.from({ length: n }, () => feed[off++] ?? 0)
    })
    expect(s).toBe("a9a9") // 0 → a, 35 → 9, 36 → a, (2nd draw) 251 → 251 % 36 = 35 → 9
    expect(calls).toBe(2)
  })

  it("keeps drawing when every byte is rejected", () => {
    let calls = 0
    const s = unbiasedString(LOWER_ALNUM, 2, (n) => {
      calls++
      return new Uint8Array(n).fill(calls < 3 ? 255 : 1)
    })
    expect(s).toBe("bb")
    expect(calls).toBe(3)
  })

  it("maps uniformly: each symbol gets exactly the same share of the byte space", () => {
    for (const alphabet of [LOWER_ALNUM, BASE62, TON_COMMENT_ALPHABET]) {
      const counts = new Map<string, number>()
      for (let b = 0; b < 256; b++) {
        const s = unbiasedString(alphabet, 1, () => Uint8Array.of(b, 0))
        if (b < 256 - (256 % alphabet.length)) counts.set(s, (counts.get(s) ?? 0) + 1)
      }
      expect(counts.size).toBe(alphabet.length)
      expect(new Set(counts.values()).size).toBe(1)
    }
  })

  it("output is always of the alphabet and of the right length", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.integer({ min: 1, max: 40 }),
        (bytes, len) => {
          let off = 0
          const s = unbiasedString(BASE62, len, (n) => {
            const out = new Uint8Array(n)
            for (let i = 0; i < n; i++) out[i] = bytes[off++ % bytes.length]! % 248 // always acceptable
            return out
          })
          expect(s).toHaveLength(len)
          for (const ch of s) expect(BASE62).toContain(ch)
        },
      ),
    )
  })

  it("refuses alphabets it cannot sample", () => {
    expect(() => unbiasedString("a", 1, () => new Uint8Array(1))).toThrow(RangeError)
  })

  it.effect("distribution over many draws is flat (chi-square, 35 d.o.f.)", () =>
    Effect.gen(function* () {
      const counts = new Map<string, number>()
      const s = yield* randomString(LOWER_ALNUM, 36_000)
      for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1)
      expect(counts.size).toBe(36)
      const expected = 1000
      let chi2 = 0
      for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected
      // p = 0.0001 critical value for 35 degrees of freedom ≈ 73.4; a modulo bias (4 symbols +1/63) over
      // this many draws would not be caught, so the exact-share test above is the real guard.
      expect(chi2).toBeLessThan(73.4)
    }).pipe(Effect.provide(Ids.Test(7))),
  )
})
