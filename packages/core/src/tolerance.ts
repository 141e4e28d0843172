import { centsToUnits } from "./money.js"

/**
 * The accepted amount of a checkout of `amountCents`, in token base units at `decimals`:
 * `A − max(1% of A, 0.05)`, exact; the 1% is rounded down, so any rounding favours the merchant.
 * @example acceptedUnits(2500n, 6) // 24_750_000n (25.00 − 0.25)
 */
export const acceptedUnits = (amountCents: bigint, decimals: number): bigint => {
  const a = centsToUnits(amountCents, decimals)
  const onePercent = a / 100n
  // 0.05 USD in base units, rounded down below 2 decimals (a smaller deduction favours the merchant).
  const floor = decimals >= 2 ? centsToUnits(5n, decimals) : 5n / 10n ** BigInt(2 - decimals)
  const deduction = onePercent > floor ? onePercent : floor
  const accepted = a - deduction
  return accepted > 0n ? accepted : 0n
}
