import { hashApiKey, Ids, newApiKey, sha256Hex } from "@inzi/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

describe("sha256Hex", () => {
  it("is core's hashApiKey (keys are stored by that hash)", async () => {
    const keys = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 20 }, (_, i) => newApiKey(i % 2 === 0 ? "live" : "test")),
        { concurrency: 1 },
      ).pipe(Effect.provide(Ids.Live)),
    )
    for (const k of keys) {
      expect(sha256Hex(k.key)).toBe(hashApiKey(k.key))
      expect(sha256Hex(k.key)).toBe(k.hash)
    }
    expect(sha256Hex("sk_test_ünïcödé")).toBe(hashApiKey("sk_test_ünïcödé"))
  })
})
