/**
 * Money and units. USD is held as integer cents, token amounts as integer base units, always `bigint`.
 * No JS number ever holds money; decimal strings appear only at the edges (API, display).
 */

const USD_RE = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/

/** Thrown-free parse result for USD decimal strings. */
export type ParseUsdResult = { readonly ok: true; readonly cents: bigint } | { readonly ok: false }

/**
 * Parses an API amount (`"25"`, `"25.5"`, `"25.50"`) into cents.
 * @example parseUsd("25.5") // { ok: true, cents: 2550n }
 */
export const parseUsd = (s: string): ParseUsdResult => {
  const m = USD_RE.exec(s)
  if (m === null) return { ok: false }
  const whole = BigInt(m[1]!)
  const frac = (m[2] ?? ".").slice(1).padEnd(2, "0")
  return { ok: true, cents: whole * 100n + BigInt(frac) }
}

/** Cents → `"25.00"` (always two decimals). */
export const formatCents = (cents: bigint): string => formatUnits(cents, 2)

/** 10^0 … 10^80, computed once (token decimals and the normalized scale stay well inside). */
const POW10: ReadonlyArray<bigint> = Array.from({ length: 81 }, (_, i) => 10n ** BigInt(i))
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)

/**
 * Base units → decimal string with exactly `decimals` digits after the point.
 * @example formatUnits(25000000n, 6) // "25.000000"
 */
export const formatUnits = (units: bigint, decimals: number): string => {
  const neg = units < 0n
  const abs = neg ? -units : units
  if (decimals === 0) return `${neg ? "-" : ""}${abs}`
  const s = abs.toString().padStart(decimals + 1, "0")
  return `${neg ? "-" : ""}${s.slice(0, -decimals)}.${s.slice(-decimals)}`
}

/** Decimal string (at most `decimals` fraction digits) → base units; null when malformed. */
export const parseUnits = (s: string, decimals: number): bigint | null => {
  const m = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(s)
  if (m === null) return null
  const frac = m[2] ?? ""
  if (frac.length > decimals) return null
  return BigInt(m[1]!) * pow10(decimals) + BigInt(frac.padEnd(decimals, "0") || "0")
}

/**
 * Cents → token base units (stablecoins count 1:1 with USD). Exact for decimals ≥ 2; below that, rounds up
 * (the payer never owes less than the amount).
 */
export const centsToUnits = (cents: bigint, decimals: number): bigint =>
  decimals >= 2 ? cents * pow10(decimals - 2) : ceilDiv(cents, pow10(2 - decimals))

/** Token base units → cents, rounded down: rounding dust is never an overpayment. */
export const unitsToCentsFloor = (units: bigint, decimals: number): bigint =>
  decimals >= 2 ? units / pow10(decimals - 2) : units * pow10(2 - decimals)

/** Token base units → the common scale used to add amounts of tokens with different decimals. */
export const NORMALIZED_DECIMALS = 36
export const normalizeUnits = (units: bigint, decimals: number): bigint =>
  decimals <= NORMALIZED_DECIMALS
    ? units * pow10(NORMALIZED_DECIMALS - decimals)
    : units / pow10(decimals - NORMALIZED_DECIMALS)

/** Normalized units → token base units, rounded up (an amount still due is never under-stated). */
export const denormalizeUnitsCeil = (normalized: bigint, decimals: number): bigint =>
  decimals <= NORMALIZED_DECIMALS
    ? ceilDiv(normalized, pow10(NORMALIZED_DECIMALS - decimals))
    : normalized * pow10(decimals - NORMALIZED_DECIMALS)

export const ceilDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? (a + b - 1n) / b : a / b)
