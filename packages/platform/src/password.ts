import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"

/**
 * Console passwords, hashed with Node's built-in scrypt (no dependency): `scrypt$N$r$p$salt$hash`, salt and hash
 * base64. N = 2^15, r = 8, p = 1: the OWASP minimum for scrypt, about 32 MiB and a few tens of ms per hash.
 */
const N = 2 ** 15
const R = 8
const P = 1
const KEY_BYTES = 32

const derive = (password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFKC"),
      salt,
      KEY_BYTES,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (e, k) => (e ? reject(e) : resolve(k)),
    ),
  )

/** A fresh salted hash of `password`. */
export const hashPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, N, R, P)
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`
}

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/=]{16,})\$([A-Za-z0-9+/=]{16,})$/

/** A hash of no password: verified against when an account is unknown, so both cases take the same time. */
export const DUMMY_PASSWORD_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/** True when `password` is the one `stored` was made from (constant-time comparison); false for a bad hash. */
export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const m = FORMAT.exec(stored)
  if (m === null) return false
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (n < 2 || (n & (n - 1)) !== 0 || n > 2 ** 20 || r < 1 || p < 1) return false
  const want = Buffer.from(m[5]!, "base64")
  const got = await derive(password, Buffer.from(m[4]!, "base64"), n, r, p)
  return want.length === got.length && timingSafeEqual(want, got)
}
