import type { Address, KeyPairSigner } from "@solana/kit"
import { serveSvmRpc, SvmLedger, type SvmRpcServer } from "./svm.js"

/**
 * A started local Solana: an issuer with a USDC-like mint (6 decimals), a payer holding it, an attacker with a
 * look-alike mint of the same decimals (the payer holds it too), all served on 127.0.0.1.
 */
export interface SolanaDevnet {
  readonly ledger: SvmLedger
  readonly server: SvmRpcServer
  readonly rpcUrl: string
  readonly issuer: KeyPairSigner
  readonly payer: KeyPairSigner
  readonly attacker: KeyPairSigner
  readonly usdc: Address
  readonly fake: Address
  /** A new funded wallet (e.g. a merchant's), with an associated token account for `usdc`. */
  readonly newWallet: () => Promise<{ signer: KeyPairSigner; usdcAccount: Address }>
  /**
   * The payer sends `amount` of `usdc` to `wallet`'s associated token account, adding `reference` (when given)
   * as Solana Pay wallets do; the transaction lands in a new slot.
   */
  readonly pay: (wallet: Address, amount: bigint, reference?: string) => Promise<{ signature: string }>
  readonly stop: () => Promise<void>
}

export const startSolanaDevnet = async (): Promise<SolanaDevnet> => {
  const ledger = new SvmLedger()
  const issuer = await ledger.signer()
  const payer = await ledger.signer()
  const attacker = await ledger.signer()
  const usdc = await ledger.createMint(issuer, 6)
  const fake = await ledger.createMint(attacker, 6)
  await ledger.mintTo(issuer, usdc, payer.address, 1_000_000_000_000n)
  await ledger.mintTo(attacker, fake, payer.address, 1_000_000_000_000n)
  const server = await serveSvmRpc(ledger)
  return {
    ledger,
    server,
    rpcUrl: server.url,
    issuer,
    payer,
    attacker,
    usdc,
    fake,
    newWallet: async () => {
      const signer = await ledger.signer()
      return { signer, usdcAccount: await ledger.openAta(signer, signer.address, usdc) }
    },
    pay: async (wallet, amount, reference) => {
      const toTokenAccount = await ledger.openAta(payer, wallet, usdc)
      const paid = await ledger.transfer({
        from: payer,
        mint: usdc,
        decimals: 6,
        toTokenAccount,
        amount,
        extraKeys: reference === undefined ? [] : [reference],
      })
      if (paid.failed) throw new Error("the payment failed on the local SVM")
      return { signature: paid.signature }
    },
    stop: () => server.stop(),
  }
}
