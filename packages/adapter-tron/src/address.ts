import { createHash } from "node:crypto"
import { decodeBase58, encodeBase58, getBytes, hexlify, toBeHex } from "ethers"

/**
 * Tron addresses come in several spellings; this module is the one place that turns them into the
 * canonical base58check form (`T…`) used everywhere else in Inzi (watch sets, events, storage).
 *
 * - base58check `T…` (34 characters): TRC-20 rows, user input, config;
 * - hex with the `41` prefix (`41…`, 42 hex digits): `raw_data`, `contract_address` of transaction infos;
 * - 20-byte hex, with or without `0x`: `log[].address`, TronGrid event `result.to`;
 * - a 32-byte ABI word (log topics, calldata arguments): the last 20 bytes, the 12th byte being `00` or `41`.
 */

/** The version byte of every Tron mainnet/testnet address. */
export const TRON_ADDRESS_PREFIX = 0x41

const HEX_RE = /^[0-9a-fA-F]+$/

/** The first 4 bytes of SHA-256(SHA-256(payload)) (node:crypto: a deposit address is encoded per checkout). */
const checksum = (payload: Uint8Array): Uint8Array =>
  createHash("sha256").update(createHash("sha256").update(payload).digest()).digest().subarray(0, 4)

/** base58check(0x41 ‖ 20 address bytes). */
export const tronAddressFromBytes = (addressBytes: Uint8Array): string => {
  if (addressBytes.length !== 20) throw new Error(`a Tron address has 20 bytes, got ${addressBytes.length}`)
  const full = new Uint8Array(25)
  full[0] = TRON_ADDRESS_PREFIX
  full.set(addressBytes, 1)
  full.set(checksum(full.subarray(0, 21)), 21)
  return encodeBase58(full)
}

const fromBase58 = (input: string): string | null => {
  if (input.length !== 34 || input[0] !== "T") return null
  let value: bigint
  try {
    value = decodeBase58(input)
  } catch {
    return null
  }
  // 25 bytes: 0x41 ‖ 20 bytes ‖ 4-byte checksum. `T` guarantees no leading zero byte.
  const hex = toBeHex(value)
  if (hex.length !== 2 + 50) return null
  const bytes = getBytes(hex)
  const payload = bytes.slice(0, 21)
  if (payload[0] !== TRON_ADDRESS_PREFIX) return null
  const sum = checksum(payload)
  for (let i = 0; i < 4; i++) if (bytes[21 + i] !== sum[i]) return null
  // Re-encode so the result is canonical whatever the input (it always is for a valid checksum).
  return tronAddressFromBytes(payload.slice(1))
}

/**
 * The canonical base58check form of a Tron address given in any of its spellings, or `null` when the input is
 * not a Tron address.
 *
 * @example
 * normalizeTronAddress("416e3b44b96104b26f84057974a1f0c9880f7c9b13") // "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre"
 * normalizeTronAddress("0000000000000000000000006e3b44b96104b26f84057974a1f0c9880f7c9b13") // same
 */
export const normalizeTronAddress = (input: string): string | null => {
  const s = input.trim()
  if (s.startsWith("T")) return fromBase58(s)
  const hex = s.startsWith("0x") || s.startsWith("0X") ? s.slice(2) : s
  if (!HEX_RE.test(hex)) return null
  switch (hex.length) {
    case 40:
      return tronAddressFromBytes(getBytes(`0x${hex}`))
    case 42:
      if (hex.slice(0, 2) !== "41") return null
      return tronAddressFromBytes(getBytes(`0x${hex.slice(2)}`))
    case 64: {
      // ABI word: 11 zero bytes, then `00` or `41`, then the 20 address bytes.
      if (!/^0{22}(00|41)$/.test(hex.slice(0, 24))) return null
      return tronAddressFromBytes(getBytes(`0x${hex.slice(24)}`))
    }
    default:
      return null
  }
}

/** Thrown by {@link toTronAddress} for input that is not a Tron address. */
export class InvalidTronAddress extends Error {
  override readonly name = "InvalidTronAddress"
  constructor(readonly input: string) {
    super(`not a Tron address: ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}`)
  }
}

/** Like {@link normalizeTronAddress}, but throws {@link InvalidTronAddress} instead of returning `null`. */
export const toTronAddress = (input: string): string => {
  const out = normalizeTronAddress(input)
  if (out === null) throw new InvalidTronAddress(input)
  return out
}

/** True when `input` is a valid Tron address in any accepted spelling. */
export const isTronAddress = (input: string): boolean => normalizeTronAddress(input) !== null

/** The `41…` hex form (42 lower-case hex digits, no `0x`) of a Tron address given in any spelling. */
export const tronAddressToHex = (input: string): string => {
  const base58 = toTronAddress(input)
  return hexlify(getBytes(toBeHex(decodeBase58(base58))).slice(0, 21)).slice(2)
}
