export {
  depositsFromCheckouts,
  merchantCheckouts,
  type UsedIndex,
  type UsedIndices,
  usedIndicesOf,
} from "./deposits.js"
export { JournalLocked, journalFile, openJournal, pendingIntents, readJournal } from "./journal.js"
export { type SweepableModule, sameAddress, sweepableFamilies, sweeperFor, sweeperOf } from "./families.js"
export { deriveDepositKeys, KeyMismatch } from "./keys.js"
export { formatUnits, planToJson, renderPlan } from "./plan.js"
export {
  type PlanSweepParameters,
  parseTreasuries,
  planSweep,
  type RunSweepParameters,
  runSweep,
  type Treasuries,
} from "./sweep.js"
