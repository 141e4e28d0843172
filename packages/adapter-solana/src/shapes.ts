import { Schema } from "effect"

/**
 * The parts of Solana JSON-RPC answers the scanner reads (fields it does not read are ignored). Recorded real
 * answers of each are in tooling/fixtures/solana (see tooling/fixtures/PROVENANCE.md).
 */

const Commitment = Schema.Literal("processed", "confirmed", "finalized")
export type Commitment = typeof Commitment.Type

/** One entry of `getSignaturesForAddress`, newest first. */
export const SignatureInfo = Schema.Struct({
  signature: Schema.String,
  slot: Schema.Number,
  err: Schema.NullOr(Schema.Unknown),
  blockTime: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  confirmationStatus: Schema.optionalWith(Schema.NullOr(Commitment), { default: () => null }),
})
export type SignatureInfo = typeof SignatureInfo.Type
export const SignatureInfos = Schema.Array(SignatureInfo)

/** A compiled instruction: indexes into the transaction's account keys, data in base58. */
const CompiledInstruction = Schema.Struct({
  programIdIndex: Schema.Number,
  accounts: Schema.Array(Schema.Number),
  data: Schema.String,
})
export type CompiledInstruction = typeof CompiledInstruction.Type

const TokenBalance = Schema.Struct({
  accountIndex: Schema.Number,
  mint: Schema.String,
  owner: Schema.optional(Schema.String),
  programId: Schema.optional(Schema.String),
  uiTokenAmount: Schema.Struct({
    /** Base units as a decimal string: the only amount read (never `uiAmount`, a float). */
    amount: Schema.String.pipe(Schema.pattern(/^\d{1,40}$/)),
    decimals: Schema.Number,
  }),
})
export type TokenBalance = typeof TokenBalance.Type

/** `getTransaction` with `encoding: "json"` and `maxSupportedTransactionVersion: 0`; null when unknown. */
export const TransactionResponse = Schema.NullOr(
  Schema.Struct({
    slot: Schema.Number,
    blockTime: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
    meta: Schema.NullOr(
      Schema.Struct({
        err: Schema.NullOr(Schema.Unknown),
        innerInstructions: Schema.optionalWith(
          Schema.NullOr(
            Schema.Array(
              Schema.Struct({ index: Schema.Number, instructions: Schema.Array(CompiledInstruction) }),
            ),
          ),
          { default: () => null },
        ),
        loadedAddresses: Schema.optionalWith(
          Schema.Struct({ writable: Schema.Array(Schema.String), readonly: Schema.Array(Schema.String) }),
          { default: () => ({ writable: [], readonly: [] }) },
        ),
        preTokenBalances: Schema.optionalWith(Schema.NullOr(Schema.Array(TokenBalance)), {
          default: () => null,
        }),
        postTokenBalances: Schema.optionalWith(Schema.NullOr(Schema.Array(TokenBalance)), {
          default: () => null,
        }),
      }),
    ),
    transaction: Schema.Struct({
      message: Schema.Struct({
        accountKeys: Schema.Array(Schema.String),
        instructions: Schema.Array(CompiledInstruction),
      }),
    }),
  }),
)
export type TransactionResponse = typeof TransactionResponse.Type

/** `getSignatureStatuses`: one entry per signature asked, null when the cluster does not know it. */
export const SignatureStatuses = Schema.Struct({
  context: Schema.Struct({ slot: Schema.Number }),
  value: Schema.Array(
    Schema.NullOr(
      Schema.Struct({
        slot: Schema.Number,
        confirmations: Schema.NullOr(Schema.Number),
        err: Schema.NullOr(Schema.Unknown),
        confirmationStatus: Schema.optionalWith(Schema.NullOr(Commitment), { default: () => null }),
      }),
    ),
  ),
})
export type SignatureStatuses = typeof SignatureStatuses.Type

/** `getAccountInfo` with `encoding: "base64"`. */
export const AccountInfo = Schema.Struct({
  context: Schema.Struct({ slot: Schema.Number }),
  value: Schema.NullOr(
    Schema.Struct({
      owner: Schema.String,
      data: Schema.Tuple(Schema.String, Schema.Literal("base64")),
    }),
  ),
})
export type AccountInfo = typeof AccountInfo.Type
