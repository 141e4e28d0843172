import { Address } from "@ton/core"

/**
 * Checks a merchant's TON wallet address as an operator types it (user-friendly `UQ…`/`EQ…` or raw `0:<hex>`)
 * and returns it unchanged when it parses with a valid checksum, `null` otherwise.
 * @example isTonWalletAddress("UQ…") // true for a well-formed address
 */
export const isTonWalletAddress = (s: string): boolean => {
  try {
    Address.parse(s.trim())
    return s.trim() === s && s !== ""
  } catch {
    return false
  }
}
