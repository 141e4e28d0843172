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

/** The scanner's opaque cursor: per scanned account (merchant wallets and their jetton wallets, raw form). */
export const TonCursor = Schema.parseJson(
  Schema.Struct({
    v: Schema.Literal(1),
    accounts: Schema.Record({ key: Schema.String, value: AccountCursor }),
  }),
)
export type TonCursor = typeof TonCursor.Type

export const emptyCursor: TonCursor = { v: 1, accounts: {} }
export const decodeCursor = Schema.decodeUnknownEither(TonCursor)
export const encodeCursor = Schema.encodeSync(TonCursor)
