import { Schema } from "effect"

/** Where one token account's scan stands: every transaction up to `sig` (slot `slot`) has been processed. */
export const AccountCursor = Schema.Struct({
  /** Newest processed signature; null: none yet. */
  sig: Schema.NullOr(Schema.String),
  slot: Schema.Number,
  /** New account only (`sig` null): transactions with a block time before this unix time are skipped. */
  since: Schema.optional(Schema.Number),
  /**
   * A catch-up paged backwards that did not fit in one scan: the signatures from `headSig` down to (not
   * including) `before` are processed too; the next scan continues below `before` down to `sig`, then moves
   * `sig` to `headSig`.
   */
  backfill: Schema.optional(
    Schema.Struct({ headSig: Schema.String, headSlot: Schema.Number, before: Schema.String }),
  ),
})
export type AccountCursor = typeof AccountCursor.Type

/** The scanner's opaque cursor, per scanned token account (base58). */
export const SolanaCursor = Schema.parseJson(
  Schema.Struct({
    v: Schema.Literal(1),
    accounts: Schema.Record({ key: Schema.String, value: AccountCursor }),
  }),
)
export type SolanaCursor = typeof SolanaCursor.Type

export const emptyCursor: SolanaCursor = { v: 1, accounts: {} }
export const decodeCursor = Schema.decodeUnknownEither(SolanaCursor)
export const encodeCursor = Schema.encodeSync(SolanaCursor)
