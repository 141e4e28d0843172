import { randomBytes } from "node:crypto"

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"

/** `n` characters of `alphabet`, uniformly (rejection sampling: no modulo bias). */
export const randomString = (alphabet: string, n: number): string => {
  const limit = 256 - (256 % alphabet.length)
  let out = ""
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < limit && out.length < n) out += alphabet[b % alphabet.length]
    }
  }
  return out
}

/** Default ids for rows the store creates itself (apps may inject their own). */
export const defaultEventId = (): string => `evt_${randomString(LOWER, 24)}`
export const defaultUnmatchedId = (): string => `unm_${randomString(LOWER, 24)}`
