import { formatUnits } from "@inzi/core"

/**
 * `units` as the Solana Pay `amount`: a plain decimal in the token's units (no exponent, a leading 0 below 1,
 * no trailing zeros), computed from the bigint, never through a float.
 * @example solanaPayAmount(1_500_000n, 6) // "1.5"
 */
export const solanaPayAmount = (units: bigint, decimals: number): string => {
  if (units < 0n) throw new Error("a payment amount cannot be negative")
  const s = formatUnits(units, decimals)
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s
}

/**
 * Solana Pay transfer request:
 * `solana:<recipient>?amount=<amount>&spl-token=<mint>&reference=<reference>&label=<label>&message=<message>`,
 * with `label` and `message` URL-encoded. `recipient` is the merchant's wallet (the wallet sends to its
 * associated token account for the mint).
 * @example solanaPayUri({ recipient: "9Wz…", units: 25_000_000n, decimals: 6, splToken: "EPjF…", reference: "7s…" })
 */
export const solanaPayUri = (p: {
  readonly recipient: string
  readonly units: bigint
  readonly decimals: number
  readonly splToken: string
  readonly reference: string
  readonly label?: string | undefined
  readonly message?: string | undefined
}): string => {
  const params = [
    `amount=${solanaPayAmount(p.units, p.decimals)}`,
    `spl-token=${encodeURIComponent(p.splToken)}`,
    `reference=${encodeURIComponent(p.reference)}`,
    ...(p.label === undefined ? [] : [`label=${encodeURIComponent(p.label)}`]),
    ...(p.message === undefined ? [] : [`message=${encodeURIComponent(p.message)}`]),
  ]
  return `solana:${encodeURIComponent(p.recipient)}?${params.join("&")}`
}

/** Longest transfer request put in a QR code: a longer one drops its `message`, then its `label`. */
export const SOLANA_PAY_MAX_URI = 512

/**
 * The transfer request of a payment option: `solanaPayUri` with the merchant's `label` and the checkout's
 * `message` while the URI stays within `SOLANA_PAY_MAX_URI` characters (both are optional in Solana Pay; a
 * long URI makes a QR code too dense to scan, or too long to encode).
 */
export const solanaPayRequest = (p: Parameters<typeof solanaPayUri>[0]): string => {
  const full = solanaPayUri(p)
  if (full.length <= SOLANA_PAY_MAX_URI) return full
  const labelled = solanaPayUri({ ...p, message: undefined })
  return labelled.length <= SOLANA_PAY_MAX_URI
    ? labelled
    : solanaPayUri({ ...p, message: undefined, label: undefined })
}
