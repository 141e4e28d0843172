import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"

/**
 * SHA-256 and HMAC-SHA256 as hex, of UTF-8 strings: the one implementation of each in the project (API-key
 * hashes and idempotent request hashes through core, webhook signatures). Wire and core import no Node module
 * (the client runs anywhere): on Node (≥ 20.16, where `process.getBuiltinModule` exists) these run node:crypto's
 * native functions, elsewhere (a browser, another runtime) @noble/hashes; both give the same bytes
 * (test/hash.test.ts runs both). The native functions are several times cheaper, and the key hash runs on every
 * authenticated request.
 */

/** The part of node:crypto used here. */
interface NodeCrypto {
  readonly hash?: (algorithm: string, data: string, encoding: "hex") => string
  readonly createHmac: (
    algorithm: string,
    key: string,
  ) => { update(data: string): { digest(encoding: "hex"): string } }
}

const nodeCrypto = (): NodeCrypto | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return p?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined
  } catch {
    return undefined
  }
}

/** The portable SHA-256 hex (@noble/hashes): what `sha256Hex` runs where node:crypto is not there. */
export const sha256HexPortable = (s: string): string => bytesToHex(sha256(utf8ToBytes(s)))

/** The portable HMAC-SHA256 hex (@noble/hashes): what `hmacSha256Hex` runs where node:crypto is not there. */
export const hmacSha256HexPortable = (key: string, message: string): string =>
  bytesToHex(hmac(sha256, utf8ToBytes(key), utf8ToBytes(message)))

const native = nodeCrypto()
const nativeHash = native?.hash

/** SHA-256 hex of a UTF-8 string. @example sha256Hex("abc") // "ba7816bf…" */
export const sha256Hex: (s: string) => string =
  nativeHash === undefined ? sha256HexPortable : (s) => nativeHash("sha256", s, "hex")

/** HMAC-SHA256 hex of a UTF-8 message under a UTF-8 key (the whole key string is the key). */
export const hmacSha256Hex: (key: string, message: string) => string =
  native === undefined
    ? hmacSha256HexPortable
    : (key, message) => native.createHmac("sha256", key).update(message).digest("hex")
