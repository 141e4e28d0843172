import { type SolanaDevnet, startSolanaDevnet } from "@inzi/devnet-solana"
import type { NetworkConfig } from "@inzi/core"
import type { Address, KeyPairSigner } from "@solana/kit"

/** The local Solana (tooling/devnet-solana) with a merchant holding token accounts for both mints. */
export interface SolanaWorld extends SolanaDevnet {
  readonly merchant: KeyPairSigner
  /** The merchant's associated token accounts. */
  readonly merchantUsdc: Address
  readonly merchantFake: Address
  readonly network: NetworkConfig
}

export const makeSolanaWorld = async (): Promise<SolanaWorld> => {
  const devnet = await startSolanaDevnet()
  const { ledger, attacker, usdc, fake } = devnet
  const merchant = await ledger.signer()
  await ledger.openAta(attacker, attacker.address, usdc)
  const merchantUsdc = await ledger.openAta(merchant, merchant.address, usdc)
  const merchantFake = await ledger.openAta(attacker, merchant.address, fake)
  const network: NetworkConfig = {
    id: "solana-local",
    family: "solana",
    mode: "test",
    name: "Solana (litesvm)",
    rpcUrls: [devnet.rpcUrl],
    tokens: [{ symbol: "USDC", contract: usdc, decimals: 6 }],
    confirmations: 32,
    pollIntervalMs: 100,
  }
  return { ...devnet, merchant, merchantUsdc, merchantFake, network }
}

/** Transport settings that keep failing tests fast. */
export const fast = { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 } as const
