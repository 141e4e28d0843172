import { getBase58Decoder } from "@solana/kit"

/**
 * A checkout's Solana Pay `reference`: 32 random bytes read as a public key (base58). The payer's wallet adds
 * it to the transfer as a read-only account, which is how the scanner tells checkouts apart in the merchant's
 * token account. `draw(n)` returns n cryptographically random bytes.
 */
export const solanaReferenceWith = (draw: (n: number) => Uint8Array): string => {
  const bytes = draw(32)
  if (bytes.length !== 32) throw new Error(`a reference needs 32 random bytes, got ${bytes.length}`)
  return getBase58Decoder().decode(bytes)
}

/** A new reference from the platform's CSPRNG. */
export const newSolanaReference = (): string =>
  solanaReferenceWith((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)))
