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
  type SweepRole,
} from "./journal.js"
export { CHAIN_PATH, type DepositKey, deriveDepositKeys, KeyMismatch, tronAddressOfKey } from "./keys.js"
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
