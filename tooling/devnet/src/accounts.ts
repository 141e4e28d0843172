/**
 * The well-known Hardhat test accounts (mnemonic "test test test test test test test test test test test
 * junk", path m/44'/60'/0'/0/i). Public knowledge: never send real funds to them.
 */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk"

export interface DevnetAccount {
  readonly address: string
  readonly privateKey: string
}

/** Account 0: deploys the tokens (so their addresses are the same every run). */
export const DEPLOYER: DevnetAccount = {
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
}

/** Account 1: holds the test tokens; `payTo` pays from it by default. */
export const PAYER: DevnetAccount = {
  address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  privateKey: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
}

/** Account 2: a second funded payer (ETH only), e.g. for two payments in one block. */
export const SECOND_PAYER: DevnetAccount = {
  address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  privateKey: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
}

export const DEVNET_ACCOUNTS: ReadonlyArray<DevnetAccount> = [DEPLOYER, PAYER, SECOND_PAYER]
