import { type Address, isAddress } from "@solana/kit"
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token"

/** The one place that reads a Solana address: base58 of 32 bytes, as given (base58 has one form). */
export const parseSolanaAddress = (s: string): Address | null => (isAddress(s) ? s : null)

/** Whether `s` is a Solana address (a merchant's wallet, a mint). */
export const isSolanaAddress = (s: string): boolean => parseSolanaAddress(s) !== null

/**
 * The associated token account of `owner` for `mint` under the SPL Token program: where Solana Pay wallets
 * send `mint` to `owner`.
 */
export const associatedTokenAccount = async (owner: Address, mint: Address): Promise<Address> =>
  (await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS }))[0]
