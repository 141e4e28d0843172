export { FINALITY_DEPTH, type Snapshot, serveSvmRpc, SvmLedger, type SvmRpcServer } from "./svm.js"
export { type SolanaDevnet, startSolanaDevnet } from "./devnet.js"
