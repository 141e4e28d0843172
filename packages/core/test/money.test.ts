import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  ceilDiv,
  centsToUnits,
  denormalizeUnitsCeil,
  formatCents,
  formatUnits,
  NORMALIZED_DECIMALS,
  normalizeUnits,
  parseUnits,
  parseUsd,
  unitsToCentsFloor,
} from "../src/money.js"

describe("money", () => {
  it("parses API amounts and formats them with 2 decimals", () => {
    expect(parseUsd("25")).toEqual({ ok: true, cents: 2500n })
    expect(parseUsd("25.5")).toEqual({ ok: true, cents: 2550n })
    expect(parseUsd("0.99")).toEqual({ ok: true, cents: 99n })
    for (const bad of ["1.005", "-1", "01", "1.", ".5", " 1", "1e2", "", "Infinity", "0x10", "1,00"])
      expect(parseUsd(bad)).toEqual({ ok: false })
    expect(formatCents(2500n)).toBe("25.00")
    expect(formatCents(5n)).toBe("0.05")
    expect(formatCents(100_000_000n)).toBe("1000000.00")
  })

  it("formats base units with exactly the token's decimals", () => {
    expect(formatUnits(25_000_000n, 6)).toBe("25.000000")
    expect(formatUnits(25n * 10n ** 18n, 18)).toBe("25.000000000000000000")
    expect(formatUnits(1n, 6)).toBe("0.000001")
    expect(formatUnits(42n, 0)).toBe("42")
    expect(formatUnits(-1500n, 3)).toBe("-1.500")
    expect(parseUnits("25.000000", 6)).toBe(25_000_000n)
    expect(parseUnits("25.0000001", 6)).toBeNull()
    expect(parseUnits("abc", 6)).toBeNull()
    expect(parseUnits("7", 0)).toBe(7n)
  })

  it("round trips: cents ⇄ string, units ⇄ string, cents ⇄ units", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 36 }), (n, d) => {
        expect(parseUsd(formatCents(n))).toEqual({ ok: true, cents: n })
        expect(parseUnits(formatUnits(n, d), d)).toBe(n)
        if (d >= 2) expect(unitsToCentsFloor(centsToUnits(n, d), d)).toBe(n)
        // the payer never owes less than the amount, and rounding dust is never an overpayment
        expect(unitsToCentsFloor(centsToUnits(n, d), d) >= n).toBe(true)
        expect(centsToUnits(unitsToCentsFloor(n, d), d) <= n || d < 2).toBe(true)
      }),
    )
  })

  it("normalizes units of any decimals to a common scale and back (rounding up)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.integer({ min: 0, max: 40 }), (n, d) => {
        const norm = normalizeUnits(n, d)
        if (d <= NORMALIZED_DECIMALS) expect(denormalizeUnitsCeil(norm, d)).toBe(n)
        else expect(denormalizeUnitsCeil(norm, d) >= n - 10n ** BigInt(d - NORMALIZED_DECIMALS)).toBe(true)
      }),
    )
    expect(normalizeUnits(1n, 6)).toBe(10n ** 30n)
    expect(denormalizeUnitsCeil(1n, 6)).toBe(1n)
    expect(ceilDiv(7n, 2n)).toBe(4n)
    expect(ceilDiv(-7n, 2n)).toBe(-3n)
  })
})
