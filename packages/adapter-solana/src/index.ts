export { associatedTokenAccount, isSolanaAddress, parseSolanaAddress } from "./address.js"
export { solanaFamily } from "./family.js"
export {
  SOLANA_DEVNET,
  SOLANA_MAINNET,
  USDC_DEVNET_MINT,
  USDC_MAINNET_MINT,
  USDT_MAINNET_MINT,
} from "./networks.js"
export { type SolanaOptions, SolanaOptionsSchema } from "./options.js"
export { newSolanaReference, solanaReferenceWith } from "./reference.js"
export { makeSolanaRpc, type RpcCall, type SolanaRpc, type SolanaRpcOptions } from "./rpc.js"
export { makeSolanaScanner, type SolanaScannerOptions } from "./scanner.js"
export { type Credit, accountKeysOf, creditOf } from "./transfer.js"
export { SOLANA_PAY_MAX_URI, solanaPayAmount, solanaPayRequest, solanaPayUri } from "./uri.js"
