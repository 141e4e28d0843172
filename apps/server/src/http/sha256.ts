import { createHash } from "node:crypto"

/**
 * SHA-256 of a UTF-8 string, hex: API-key hashes (equal to core's portable `hashApiKey`, held so by a test, at
 * ≈ 1.3 µs a key against ≈ 3.6 µs — core imports only effect) and idempotent request hashes.
 */
export const sha256Hex = (s: string): string => createHash("sha256").update(s).digest("hex")
