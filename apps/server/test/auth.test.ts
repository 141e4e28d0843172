import { hashApiKey, Ids, newApiKey } from "@inzi/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { keyHash } from "../src/http/auth.js"

describe("keyHash", () => {
  it("is core's hashApiKey (keys are stored by that hash)", async () => {
    const keys = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 20 }, (_, i) => newApiKey(i % 2 === 0 ? "live" : "test")),
        { concurrency: 1 },
      ).pipe(Effect.provide(Ids.Live)),
    )
    for (const k of keys) {
      expect(keyHash(k.key)).toBe(hashApiKey(k.key))
      expect(keyHash(k.key)).toBe(k.hash)
    }
    expect(keyHash("sk_test_ünïcödé")).toBe(hashApiKey("sk_test_ünïcödé"))
  })
})
