import type { NetworkConfig } from "@inzi/core"
import type { Address, KeyPairSigner } from "@solana/kit"
import { SOLANA } from "../../src/index.js"
import { serveSvmRpc, SvmLedger, type SvmRpcServer } from "./svm.js"

/**
 * A merchant, a payer and an attacker on the local SVM: a genuine USDC-like mint (6 decimals) and a look-alike
 * mint with the same decimals; the payer holds both, the merchant has token accounts for both.
 */
export interface SolanaWorld {
  readonly ledger: SvmLedger
  readonly server: SvmRpcServer
  readonly issuer: KeyPairSigner
  readonly merchant: KeyPairSigner
  readonly payer: KeyPairSigner
  readonly attacker: KeyPairSigner
  readonly usdc: Address
  readonly fake: Address
  /** The merchant's associated token accounts. */
  readonly merchantUsdc: Address
  readonly merchantFake: Address
  readonly network: NetworkConfig
}

export const makeSolanaWorld = async (): Promise<SolanaWorld> => {
  const ledger = new SvmLedger()
  const issuer = await ledger.signer()
  const merchant = await ledger.signer()
  const payer = await ledger.signer()
  const attacker = await ledger.signer()
  const usdc = await ledger.createMint(issuer, 6)
  const fake = await ledger.createMint(attacker, 6)
  await ledger.mintTo(issuer, usdc, payer.address, 1_000_000_000_000n)
  await ledger.mintTo(attacker, fake, payer.address, 1_000_000_000_000n)
  await ledger.openAta(attacker, attacker.address, usdc)
  const merchantUsdc = await ledger.openAta(merchant, merchant.address, usdc)
  const merchantFake = await ledger.openAta(attacker, merchant.address, fake)
  const server = await serveSvmRpc(ledger)
  const network: NetworkConfig = {
    id: "solana-local",
    family: SOLANA,
    mode: "test",
    name: "Solana (litesvm)",
    rpcUrls: [server.url],
    tokens: [{ symbol: "USDC", contract: usdc, decimals: 6 }],
    confirmations: 32,
    pollIntervalMs: 100,
  }
  return {
    ledger,
    server,
    issuer,
    merchant,
    payer,
    attacker,
    usdc,
    fake,
    merchantUsdc,
    merchantFake,
    network,
  }
}

/** Transport settings that keep failing tests fast. */
export const fast = { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 } as const
