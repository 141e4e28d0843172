export {
  type DepositAddress,
  depositsFromCheckouts,
  merchantCheckouts,
  type UsedIndex,
  type UsedIndices,
  usedIndicesOf,
} from "./deposits.js"
export {
  DEFAULT_GAS_MARGIN_PERCENT,
  type EvmPlanParameters,
  NATIVE_TRANSFER_GAS,
  planEvm,
  runEvm,
} from "./evm.js"
export { type JsonRpc, makeJsonRpc, RpcError } from "./evm-rpc.js"
export {
  type Journal,
  type JournalEntry,
  type JournalIntent,
  JournalLocked,
  type JournalOutcome,
  journalFile,
  type OutcomeStatus,
  openJournal,
  pendingIntents,
  readJournal,
  type SweepRole,
} from "./journal.js"
export { CHAIN_PATH, SWEEPERS, type Sweeper, sameAddress, sweepableFamilies, sweeperOf } from "./families.js"
export { type DepositKey, deriveDepositKeys, KeyMismatch, tronAddressOfKey } from "./keys.js"
export {
  formatUnits,
  type NetworkPlan,
  type PlannedAddress,
  type PlannedTransfer,
  planToJson,
  renderPlan,
} from "./plan.js"
export {
  type MovedTransfer,
  type RunEvent,
  type RunParameters,
  type RunReport,
  SweepError,
  type TopUp,
} from "./run.js"
export {
  DEFAULT_BANDWIDTH_PRICE,
  DEFAULT_ENERGY_MARGIN_PERCENT,
  DEFAULT_ENERGY_PRICE,
  DEFAULT_TRC20_ENERGY,
  planTron,
  runTron,
  type TronPlanParameters,
} from "./tron.js"
export { makeTronNode, type TronNode, TronNodeError, type TronTxInfo } from "./tron-node.js"
export {
  buildTrc20Transfer,
  buildTrxTransfer,
  DEFAULT_EXPIRATION_MS,
  type RefBlock,
  recomputeTronTx,
  refBlockFields,
  signTronTransaction,
  type TronRawData,
  type TronTransaction,
  tronBandwidthBytes,
  tronSigner,
  trc20TransferData,
} from "./tron-tx.js"
export {
  type PlanSweepParameters,
  parseTreasuries,
  planSweep,
  type RunSweepParameters,
  runSweep,
  type Treasuries,
} from "./sweep.js"
