export {
  type ConformanceHarness,
  type ConformanceScannerOptions,
  type ConformanceToken,
  describeChainAdapter,
  type Missing,
  type PaidTx,
  PAGING_TRANSFERS,
  pendingOf,
  scanToHead,
  watchOfTargets,
} from "./suite.js"
export { type IngestionBackend, ingestionContract } from "./ingestion.js"
