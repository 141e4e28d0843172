import { Schema } from "effect"

const Lt = Schema.String.pipe(Schema.pattern(/^\d{1,20}$/))

/** Where one account's scan stands. Everything with lt ≤ `lt` has been processed (or deliberately skipped). */
export const AccountCursor = Schema.Struct({
  /** Last processed logical time, decimal string ("0": nothing yet). */
  lt: Lt,
  /** Its transaction hash (standard base64, "" when lt is "0"). */
  hash: Schema.String,
  /** New account only (lt "0"): transactions before this unix time are skipped, not reported. */
  since: Schema.optional(Schema.Number),
  /**
   * A catch-up paged backwards that did not fit in one scan: transactions with lt in [next, head] are already
   * processed too; the next scan continues below `next` down to `lt`, then moves `lt` to `head`.
   */
  backfill: Schema.optional(
    Schema.Struct({
      headLt: Schema.String,
      headHash: Schema.String,
      nextLt: Schema.String,
      nextHash: Schema.String,
    }),
  ),
})
export type AccountCursor = typeof AccountCursor.Type

/**
 * Where the `"jetton-transfers"` source stands for one jetton master (toncenter v3). Every transfer with
 * lt < `floor` is behind it for good; the ones from `floor` up are read again each scan (transfers of other
 * shards can be indexed late with a lower lt), and `seen` (hex tx hashes already reported, lt ≥ floor) keeps
 * them from being reported twice. `resume`: a scan that stopped at its page limit continues at this lt,
 * skipping the `skip` transfers of that lt it already read.
 */
export const MasterCursor = Schema.Struct({
  floor: Lt,
  /** A fresh start at this unix time: the floor is not placed yet (the next scan places it). */
  start: Schema.optional(Schema.Number),
  /** Transfers before this unix time are skipped, not reported (the start's lookback). */
  since: Schema.optional(Schema.Number),
  seen: Schema.Array(Schema.Struct({ lt: Lt, hash: Schema.String })),
  resume: Schema.optional(Schema.Struct({ lt: Lt, skip: Schema.Number })),
})
export type MasterCursor = typeof MasterCursor.Type

/** The scanner's opaque cursor: per scanned account (merchant wallets and their jetton wallets, raw form). */
export const TonCursor = Schema.parseJson(
  Schema.Struct({
    v: Schema.Literal(1),
    accounts: Schema.Record({ key: Schema.String, value: AccountCursor }),
    /** `"jetton-transfers"` source: per jetton master (raw form). */
    masters: Schema.optional(Schema.Record({ key: Schema.String, value: MasterCursor })),
  }),
)
export type TonCursor = typeof TonCursor.Type

export const emptyCursor: TonCursor = { v: 1, accounts: {} }
export const decodeCursor = Schema.decodeUnknownEither(TonCursor)
export const encodeCursor = Schema.encodeSync(TonCursor)
