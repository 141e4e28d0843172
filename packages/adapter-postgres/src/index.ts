export { makeAddressPool } from "./AddressPoolPg.js"
export { type CheckoutsPg, IDEMPOTENCY_TTL_MS, makeCheckoutStore } from "./CheckoutStorePg.js"
export { forgetChainCursors } from "./chainCursors.js"
export { compactCheckoutCounts } from "./checkoutCounts.js"
export { type ClusterStats, clusterStats } from "./clusterStats.js"
export { type FastPath, PgFastPath } from "./FastPathPg.js"
export { checkSchemaName, type Database, type DatabaseConfig, dropSchema, makeDatabase } from "./database.js"
export { hotStatements } from "./hotStatements.js"
export { ConsoleStoreLive, makeConsoleStore } from "./ConsoleStorePg.js"
export { makeLeases } from "./LeasesPg.js"
export { makeMerchantStore } from "./MerchantStorePg.js"
export { MIGRATION_SQL, MIGRATIONS, type MigrateResult, migrate, migrationsApplied } from "./migrations.js"
export { makeExpirySweep } from "./ExpirySweepPg.js"
export { makePaymentLedger } from "./LedgerPg.js"
export { makeOutbox } from "./OutboxPg.js"
export {
  makeStores,
  PgDatabase,
  PgStore,
  type PgStoreConfig,
  type PgStoreServices,
  type PgStores,
} from "./PgStore.js"
export {
  listQuarantined,
  type QuarantinedEventRecord,
  type QuarantineSummary,
  quarantineSummary,
} from "./quarantine.js"
export { addRateCounts, pruneRateCounts } from "./rateLimits.js"
export type { DB } from "./schema.js"
export {
  isSealed,
  makeSecretBox,
  type ResealResult,
  resealSecrets,
  type SecretBox,
  SecretKeyError,
  verifySecretKey,
} from "./secrets.js"
export {
  type CheckoutStoreOptions,
  minimalEventBody,
  type RenderEventBody,
  type WebhookEventHeader,
} from "./storeOptions.js"
export { makeUnmatchedPayments } from "./UnmatchedPg.js"
export { listWatcherStatus, recordWatcherStatus, type WatcherStatusRecord } from "./watcherStatus.js"
