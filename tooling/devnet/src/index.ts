export {
  DEPLOYER,
  DEVNET_ACCOUNTS,
  DEVNET_MNEMONIC,
  type DevnetAccount,
  PAYER,
  SECOND_PAYER,
} from "./accounts.js"
export { TestToken } from "./contracts.js"
export { DEVNET_CHAIN_ID, type Devnet, type StartDevnetOptions, startDevnet } from "./devnet.js"
export { deadUrl, type Fault, type FaultProxy, startFaultProxy } from "./fault-proxy.js"
export { balanceOf, type PayToParameters, type PayToReturnType, payTo } from "./pay.js"
export {
  DEVNET_TOKEN_SPECS,
  DEVNET_TOKENS,
  type DevnetToken,
  type DevnetTokenKey,
  PAYER_SUPPLY_WHOLE_TOKENS,
} from "./tokens.js"
