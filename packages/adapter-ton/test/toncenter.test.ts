import { describe, expect, it } from "vitest"
import { parseRetryAfter } from "../src/toncenter.js"

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z")
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("2", now)).toBe(2000)
    expect(parseRetryAfter("0", now)).toBe(0)
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000)
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0)
  })
  it("ignores absent or unreadable values", () => {
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter("soon", now)).toBeNull()
  })
})
