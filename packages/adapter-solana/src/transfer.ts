import { type Address, AccountRole, getBase58Encoder } from "@solana/kit"
import {
  identifyTokenInstruction,
  parseTransferCheckedInstruction,
  parseTransferInstruction,
  TOKEN_PROGRAM_ADDRESS,
  TokenInstruction,
} from "@solana-program/token"
import type { CompiledInstruction, TokenBalance, TransactionResponse } from "./shapes.js"

/** Money that stayed in a watched token account after one transaction. */
export interface Credit {
  /** Index of the token account among the transaction's account keys: the payment's `logIndex`. */
  readonly accountIndex: number
  /** Base units: the account's `postTokenBalances` minus `preTokenBalances` for the mint. */
  readonly amount: bigint
  /** Owner of the first transfer's source token account (its signing authority when unknown). */
  readonly sender: string | null
  /** Every account key of the transaction, loaded ones included: where the checkout's reference is looked for. */
  readonly keys: ReadonlyArray<string>
}

/** Static keys, then the writable and read-only keys loaded from address lookup tables (the runtime's order). */
export const accountKeysOf = (tx: NonNullable<TransactionResponse>): ReadonlyArray<string> => [
  ...tx.transaction.message.accountKeys,
  ...(tx.meta?.loadedAddresses.writable ?? []),
  ...(tx.meta?.loadedAddresses.readonly ?? []),
]

interface TokenTransfer {
  readonly source: string
  readonly destination: string
  /** Set by `transferChecked` only. */
  readonly mint: string | null
  readonly authority: string
}

const base58 = getBase58Encoder()

/** A Token program `transfer` or `transferChecked` (top level or inner), decoded by the program's client. */
const tokenTransferOf = (ix: CompiledInstruction, keys: ReadonlyArray<string>): TokenTransfer | null => {
  if (keys[ix.programIdIndex] !== TOKEN_PROGRAM_ADDRESS) return null
  if (ix.accounts.some((i) => keys[i] === undefined)) return null
  let data: Uint8Array
  try {
    data = new Uint8Array(base58.encode(ix.data))
  } catch {
    return null
  }
  const instruction = {
    programAddress: TOKEN_PROGRAM_ADDRESS,
    accounts: ix.accounts.map((i) => ({ address: keys[i] as Address, role: AccountRole.READONLY })),
    data,
  }
  try {
    switch (identifyTokenInstruction(instruction)) {
      case TokenInstruction.Transfer: {
        const p = parseTransferInstruction(instruction)
        return {
          source: p.accounts.source.address,
          destination: p.accounts.destination.address,
          mint: null,
          authority: p.accounts.authority.address,
        }
      }
      case TokenInstruction.TransferChecked: {
        const p = parseTransferCheckedInstruction(instruction)
        return {
          source: p.accounts.source.address,
          destination: p.accounts.destination.address,
          mint: p.accounts.mint.address,
          authority: p.accounts.authority.address,
        }
      }
      default:
        return null
    }
  } catch {
    // Not a Token instruction this client can read (unknown discriminator, too few accounts, short data).
    return null
  }
}

const balanceOf = (balances: ReadonlyArray<TokenBalance> | null, index: number, mint: string) =>
  balances?.find((b) => b.accountIndex === index && b.mint === mint)

/**
 * What `tokenAccount` (a token account of `mint`) received in `tx`, or null when it counts for nothing: a
 * failed transaction, no Token program `transfer`/`transferChecked` into it (a transaction that merely lists
 * it, a mint, a look-alike mint's transfer), or no increase of its balance. The amount is the balance change
 * the runtime recorded, never a number read from instruction data.
 */
export const creditOf = (
  tx: NonNullable<TransactionResponse>,
  tokenAccount: string,
  mint: string,
): Credit | null => {
  const meta = tx.meta
  if (meta === null || meta.err !== null) return null
  const keys = accountKeysOf(tx)
  const accountIndex = keys.indexOf(tokenAccount)
  if (accountIndex < 0) return null
  const instructions = [
    ...tx.transaction.message.instructions,
    ...(meta.innerInstructions ?? []).flatMap((inner) => inner.instructions),
  ]
  const into = instructions
    .map((ix) => tokenTransferOf(ix, keys))
    .filter(
      (t): t is TokenTransfer =>
        t !== null && t.destination === tokenAccount && (t.mint === null || t.mint === mint),
    )
  if (into.length === 0) return null
  const pre = BigInt(balanceOf(meta.preTokenBalances, accountIndex, mint)?.uiTokenAmount.amount ?? "0")
  const post = BigInt(balanceOf(meta.postTokenBalances, accountIndex, mint)?.uiTokenAmount.amount ?? "0")
  if (post <= pre) return null
  const first = into[0]!
  const sourceIndex = keys.indexOf(first.source)
  const sourceOwner =
    balanceOf(meta.preTokenBalances, sourceIndex, mint)?.owner ??
    balanceOf(meta.postTokenBalances, sourceIndex, mint)?.owner
  return { accountIndex, amount: post - pre, sender: sourceOwner ?? first.authority, keys }
}
