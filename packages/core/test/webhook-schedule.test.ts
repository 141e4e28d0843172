import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { nextAttemptAt, nominalRetryDelayMs, WEBHOOK_MAX_ATTEMPTS } from "../src/webhook-schedule.js"

const DAY = 86_400_000
const now = new Date("2026-04-04T12:00:00Z")

/** Time from the first attempt to the last one, with every jitter draw = r. */
const span = (r: () => number): number => {
  let t = now
  let attempts = 1
  for (;;) {
    const next = nextAttemptAt(attempts, t, r())
    if (next === null) break
    t = next
    attempts++
  }
  expect(attempts).toBe(WEBHOOK_MAX_ATTEMPTS)
  return t.getTime() - now.getTime()
}

describe("webhook retry schedule", () => {
  it("15 attempts spanning at least 3 days, whatever the jitter", () => {
    expect(span(() => 0)).toBeGreaterThanOrEqual(3 * DAY)
    expect(span(() => 0.999999)).toBeLessThanOrEqual(5.31 * DAY)
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), {
          minLength: 14,
          maxLength: 14,
        }),
        (rs) => {
          let i = 0
          const s = span(() => rs[i++]!)
          expect(s).toBeGreaterThanOrEqual(3 * DAY)
          expect(s).toBeLessThanOrEqual(5.31 * DAY)
        },
      ),
    )
  })

  it("follows the published table (nominal delays, ±20 % jitter)", () => {
    expect([1, 2, 3, 10, 11, 12, 14].map(nominalRetryDelayMs)).toEqual([
      60_000,
      120_000,
      240_000,
      512 * 60_000,
      1024 * 60_000,
      DAY,
      DAY,
    ])
    expect(nextAttemptAt(1, now, 0)?.getTime()).toBe(now.getTime() + 48_000)
    expect(nextAttemptAt(1, now, 0.5)?.getTime()).toBe(now.getTime() + 60_000)
    expect(nextAttemptAt(14, now, 0.5)?.getTime()).toBe(now.getTime() + DAY)
    expect(nextAttemptAt(15, now, 0.5)).toBeNull()
    expect(nextAttemptAt(99, now, 0.5)).toBeNull()
  })

  it("backs off: the delay never shrinks from one attempt to the next at equal jitter", () => {
    for (let a = 1; a < WEBHOOK_MAX_ATTEMPTS - 1; a++)
      expect(nominalRetryDelayMs(a + 1)).toBeGreaterThanOrEqual(nominalRetryDelayMs(a))
    // out-of-range random values are clamped
    expect(nextAttemptAt(1, now, -5)?.getTime()).toBe(now.getTime() + 48_000)
    expect(nextAttemptAt(1, now, 7)?.getTime()).toBe(now.getTime() + 72_000)
  })
})
