import type { ChainFamily, NetworkConfig, NetworkId } from "./domain.js"

/*
 * The sweep tool's vocabulary (types only): what a family module's sweep runner (`ChainFamilyModule.sweep`)
 * plans and runs, and the journal it writes through. The orchestration (deposits from checkouts, keys, the
 * journal file, the CLI) is @inzi/sweep; the chain work is the family's adapter.
 */

/** A per-checkout deposit address that received money Inzi recorded (and may still hold it). */
export interface DepositAddress {
  readonly network: NetworkId
  readonly family: ChainFamily
  /** As recorded on the checkout: lower-case `0x…` (EVM) or base58 `T…` (Tron). */
  readonly address: string
  readonly derivationIndex: bigint
  readonly checkoutIds: ReadonlyArray<string>
  /** Sum of the recorded confirmed (and late) payments per token contract (lower-case), base units. */
  readonly recorded: Readonly<Record<string, bigint>>
}

/** A deposit address with the private key that controls it (kept in memory only). */
export interface DepositKey {
  readonly deposit: DepositAddress
  readonly privateKey: string
}

/** One token balance to move from a deposit address to the treasury. */
export interface PlannedTransfer {
  readonly symbol: string
  readonly contract: string
  readonly decimals: number
  /** Token base units, read from the chain (not from the recorded payments). */
  readonly amount: bigint
  /** EVM: gas limit of the transfer (estimate + margin). Tron: energy estimate. */
  readonly gasLimit: bigint
  /** Native coin reserved for it (wei / sun): gasLimit × gasPrice, or energy × energy price + bandwidth. */
  readonly fee: bigint
}

export interface PlannedAddress {
  readonly address: string
  readonly derivationIndex: bigint
  readonly checkoutIds: ReadonlyArray<string>
  /** Native coin already on the address (wei / sun). */
  readonly nativeBalance: bigint
  readonly transfers: ReadonlyArray<PlannedTransfer>
  /** Σ fee of its transfers. */
  readonly gasNeeded: bigint
  /** What the gas account sends first: max(0, gasNeeded − nativeBalance). */
  readonly topUp: bigint
}

/** The sweep of one network: what is where, what it costs, where it goes. */
export interface NetworkPlan {
  readonly network: NetworkId
  readonly family: ChainFamily
  readonly treasury: string | null
  /** `wei` (EVM) or `sun` (Tron). */
  readonly nativeUnit: "wei" | "sun"
  /** EVM gas price (wei) or Tron energy price (sun per energy unit) used for the estimate. */
  readonly gasPrice: bigint
  /** Only addresses holding a configured token (zero balances are dropped). */
  readonly addresses: ReadonlyArray<PlannedAddress>
  /** Base units per token symbol. */
  readonly totals: Readonly<Record<string, bigint>>
  readonly gasNeeded: bigint
  readonly topUpTotal: bigint
  /** Native coin the gas account spends beyond the top-ups (its own transaction fees; Tron account activation). */
  readonly gasAccountOverhead: bigint
  /** How the gas figures were estimated. */
  readonly estimate: string
}

export type SweepRole = "topup" | "transfer"

export interface JournalIntent {
  readonly kind: "intent"
  /** `network:txHash`, unique. */
  readonly id: string
  readonly at: string
  readonly runId: string
  readonly merchantId: string
  readonly network: string
  readonly family: ChainFamily
  readonly role: SweepRole
  /** The deposit address being swept (for a top-up: its recipient). */
  readonly address: string
  readonly derivationIndex: string
  readonly from: string
  readonly to: string
  /** Token contract for a transfer, null for a native top-up. */
  readonly contract: string | null
  readonly token: string | null
  /** Base units (token for a transfer, wei/sun for a top-up), decimal string. */
  readonly amount: string
  readonly txHash: string
  /** EVM: the signed raw transaction (hex); Tron: the signed transaction JSON. */
  readonly signed: string
  /** EVM: sender nonce. */
  readonly nonce?: number | undefined
  /** Tron: expiration (ms since epoch); after it an unseen transaction can never be included. */
  readonly expiration?: number | undefined
  /** Gas limit × price (EVM) or fee limit (Tron) reserved for it, decimal string. */
  readonly maxFee: string
}

export type OutcomeStatus = "confirmed" | "failed" | "dropped"

export interface JournalOutcome {
  readonly kind: "outcome"
  readonly id: string
  readonly at: string
  readonly status: OutcomeStatus
  readonly blockNumber: string | null
  /** Native coin actually paid for it (gasUsed × effectiveGasPrice, or Tron fee in sun), decimal string. */
  readonly fee: string
  readonly gasUsed?: string | undefined
  readonly note?: string | undefined
}

export type JournalEntry = JournalIntent | JournalOutcome

export interface Journal {
  readonly file: string
  readonly append: (entry: JournalEntry) => void
  readonly entries: () => ReadonlyArray<JournalEntry>
  /** Intents without an outcome yet. */
  readonly pending: (network?: string) => ReadonlyArray<JournalIntent>
  /** Intents with their outcome (if any). */
  readonly history: () => ReadonlyArray<{ intent: JournalIntent; outcome: JournalOutcome | null }>
  /** Releases the run lock. */
  readonly close: () => void
}

/** Steps a run reports as they happen (logging, progress, and tests that crash a run on purpose). */
export type RunEvent =
  | { readonly type: "intent"; readonly intent: JournalIntent }
  | { readonly type: "broadcast"; readonly intent: JournalIntent }
  | {
      readonly type: "settled"
      readonly intent: JournalIntent
      readonly status: OutcomeStatus
      readonly fee: bigint
    }
  | { readonly type: "resumed"; readonly intent: JournalIntent }

export interface RunParameters {
  readonly network: NetworkConfig
  readonly merchantId: string
  readonly treasury: string
  readonly journal: Journal
  /** Keys of the deposit addresses to sweep (already checked against the recorded addresses). */
  readonly keys: ReadonlyArray<DepositKey>
  /** Private key of the account paying the gas top-ups. */
  readonly gasKey: string
  /** Blocks to wait after inclusion (default: the network's `confirmations`). */
  readonly confirmations?: number | undefined
  readonly pollMs?: number | undefined
  /** Per transaction (default 10 minutes). */
  readonly timeoutMs?: number | undefined
  /** Called at each step; a throw aborts the run there (what a crash would do). */
  readonly onEvent?: ((event: RunEvent) => void | Promise<void>) | undefined
  readonly runId?: string | undefined
}

export interface MovedTransfer {
  readonly address: string
  readonly derivationIndex: bigint
  readonly symbol: string
  readonly contract: string
  readonly amount: bigint
  readonly txHash: string
  readonly fee: bigint
}

export interface TopUp {
  readonly address: string
  readonly amount: bigint
  readonly txHash: string
  readonly fee: bigint
}

export interface RunReport {
  readonly network: string
  readonly treasury: string
  /** Journal intents from an earlier, interrupted run that this run settled first. */
  readonly resumed: ReadonlyArray<{ readonly txHash: string; readonly status: OutcomeStatus }>
  readonly topUps: ReadonlyArray<TopUp>
  readonly moved: ReadonlyArray<MovedTransfer>
  /** The plan after settling, as executed. */
  readonly plan: NetworkPlan
}

/** What a run or a plan refuses (a chain answer it cannot use, a timeout, a wrong treasury …). */
export class SweepError extends Error {
  override readonly name = "SweepError"
}

/** The chain work of one sweepable family: carried by its module (`ChainFamilyModule.sweep.runner`). */
export interface SweepRunner {
  /** Whether `address` is a treasury address of the family (`--treasury`). */
  readonly isTreasury: (address: string) => boolean
  /** The deposit address a derived private key (hex) controls, as Inzi records it. */
  readonly addressOfKey: (privateKey: string) => string
  readonly plan: (p: {
    readonly network: NetworkConfig
    readonly deposits: ReadonlyArray<DepositAddress>
    readonly treasury: string | null
  }) => Promise<NetworkPlan>
  readonly run: (p: RunParameters) => Promise<RunReport>
}
