import { Schema } from "effect"

const PositiveInt = Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })
const Level = Schema.optionalWith(Schema.Literal("confirmed", "finalized"), { exact: true })

/** Solana settings of a network entry (`"options"`), passed to `makeSolanaScanner` (see `SolanaScannerOptions`). */
export const SolanaOptionsSchema = Schema.Struct({
  processingCommitment: Level,
  completedCommitment: Level,
  pageSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { exact: true }),
  maxPagesPerAccount: PositiveInt,
  batchSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { exact: true }),
  newAccountLookbackSeconds: PositiveInt,
  droppedAfterSlots: PositiveInt,
  timeoutMs: PositiveInt,
  maxAttempts: PositiveInt,
})
export type SolanaOptions = typeof SolanaOptionsSchema.Type
