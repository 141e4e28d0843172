import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { centsToUnits, parseUnits, parseUsd } from "../src/money.js"
import { acceptedUnits } from "../src/tolerance.js"

const cents = (s: string): bigint => {
  const r = parseUsd(s)
  if (!r.ok) throw new Error(s)
  return r.cents
}

describe("tolerance: accepted = A − max(1% of A, 0.05)", () => {
  // In the spirit of BTCPay's FastTests.CanAcceptInvoiceWithTolerance: (amount, paid, accepted?) at 6 decimals.
  const table: ReadonlyArray<readonly [string, string, string, boolean]> = [
    // amount, accepted amount, paid, completes?
    ["1.00", "0.95", "0.950000", true],
    ["1.00", "0.95", "0.949999", false],
    ["4.99", "4.94", "4.940000", true], // 1% = 0.0499 < 0.05
    ["4.99", "4.94", "4.939999", false],
    ["5.00", "4.95", "4.950000", true], // 1% = 0.05 exactly
    ["5.01", "4.9599", "4.959900", true], // 1% = 0.0501 > 0.05
    ["5.01", "4.9599", "4.959899", false],
    ["10.00", "9.90", "9.900000", true],
    ["25.00", "24.75", "24.750000", true],
    ["25.00", "24.75", "24.749999", false],
    ["25.00", "24.75", "30.000000", true], // overpayment completes
    ["99.99", "98.9901", "98.990100", true],
    ["100.00", "99.00", "98.999999", false],
    ["1000000.00", "990000.00", "990000.000000", true],
    ["1000000.00", "990000.00", "989999.999999", false],
    ["0.05", "0", "0.000000", true],
    ["0.00", "0", "0.000000", true],
  ]
  it.each(table)("amount %s → accepted %s; paid %s completes: %s", (amount, accepted, paid, ok) => {
    const a = acceptedUnits(cents(amount), 6)
    expect(a).toBe(parseUnits(accepted, 6))
    expect(parseUnits(paid, 6)! >= a).toBe(ok)
  })

  it("18 decimals (USDT on BSC) is the 6-decimals table scaled exactly", () => {
    expect(acceptedUnits(2500n, 18)).toBe(24_750_000_000_000_000_000n)
    expect(acceptedUnits(501n, 18)).toBe(4_959_900_000_000_000_000n)
  })

  it("below 2 decimals the deduction is rounded down (in the merchant's favour)", () => {
    // 0 decimals: A = 25 units, 1% = 0 (floor of 0.25), 0.05 → 0 units: nothing deducted.
    expect(acceptedUnits(2500n, 0)).toBe(25n)
    // 1 decimal: 0.05 → 0 units (floor 0.5); 1% of 250 = 2 → 248.
    expect(acceptedUnits(2500n, 1)).toBe(248n)
    // 1.01 at 0 decimals: A rounds up to 2 units.
    expect(centsToUnits(101n, 0)).toBe(2n)
  })

  const amount = fc.bigInt({ min: 0n, max: 100_000_000n })
  const decimals = fc.integer({ min: 2, max: 36 })

  it("is monotone in A", () => {
    fc.assert(
      fc.property(amount, amount, decimals, (x, y, d) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x]
        expect(acceptedUnits(lo, d) <= acceptedUnits(hi, d)).toBe(true)
      }),
    )
  })

  it("is never above A and never below A − 1% − 0.05", () => {
    fc.assert(
      fc.property(amount, decimals, (c, d) => {
        const a = centsToUnits(c, d)
        const acc = acceptedUnits(c, d)
        const five = centsToUnits(5n, d)
        expect(acc <= a).toBe(true)
        expect(acc >= 0n).toBe(true)
        // acc ≥ a − a/100 − five, compared ×100 to stay exact.
        expect(acc * 100n >= a * 100n - a - five * 100n).toBe(true)
        // and the deduction is exactly the larger of the two (floored 1%)
        const ded = a / 100n > five ? a / 100n : five
        expect(acc).toBe(a > ded ? a - ded : 0n)
      }),
    )
  })

  it("behaves identically at 6 and 18 decimals", () => {
    fc.assert(
      fc.property(amount, fc.bigInt({ min: 0n, max: 10n ** 15n }), (c, paid6) => {
        const acc6 = acceptedUnits(c, 6)
        const acc18 = acceptedUnits(c, 18)
        expect(acc18).toBe(acc6 * 10n ** 12n)
        expect(paid6 >= acc6).toBe(paid6 * 10n ** 12n >= acc18)
      }),
    )
  })
})
