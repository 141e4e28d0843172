import { DEPLOYER, PAYER } from "./accounts.js"

/** A token deployed on the devnet. `address` is EIP-55 checksummed (compare lower-cased). */
export interface DevnetToken {
  readonly address: string
  readonly symbol: string
  readonly name: string
  readonly decimals: number
}

export type DevnetTokenKey = "USDT" | "USDC" | "USDT18" | "FAKE_USDT"

interface TokenSpec extends Omit<DevnetToken, "address"> {
  readonly key: DevnetTokenKey
  /** CREATE address of the deployer at this nonce (deployment order is fixed). */
  readonly address: string
}

/**
 * The devnet tokens in deployment order. The deployer (Hardhat account 0) deploys them as its first four
 * transactions, so each address is `keccak(rlp(deployer, nonce))[12:]` and the same on every run; `startDevnet`
 * checks it. The fake "USDT" has the real one's symbol, name and decimals but is a different contract.
 */
export const DEVNET_TOKEN_SPECS: ReadonlyArray<TokenSpec> = [
  {
    key: "USDT",
    name: "Tether USD",
    symbol: "USDT",
    decimals: 6,
    address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  },
  {
    key: "USDC",
    name: "USD Coin",
    symbol: "USDC",
    decimals: 6,
    address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  },
  {
    key: "USDT18",
    name: "Tether USD (18 decimals, like USDT on BSC)",
    symbol: "USDT18",
    decimals: 18,
    address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  },
  {
    key: "FAKE_USDT",
    name: "Tether USD",
    symbol: "USDT",
    decimals: 6,
    address: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  },
]

/** Token addresses by key, known before the devnet starts (deterministic deployment). */
export const DEVNET_TOKENS: Readonly<Record<DevnetTokenKey, DevnetToken>> = Object.fromEntries(
  DEVNET_TOKEN_SPECS.map(({ key, ...token }) => [key, token]),
) as Record<DevnetTokenKey, DevnetToken>

/** Whole tokens minted to the payer at deployment (times 10^decimals). */
export const PAYER_SUPPLY_WHOLE_TOKENS = 1_000_000_000n

export const DEVNET_DEPLOYER = DEPLOYER.address
export const DEVNET_PAYER = PAYER.address
