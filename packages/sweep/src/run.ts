import type { NetworkConfig } from "@inzi/core"
import type { DepositKey } from "./keys.js"
import type { Journal, JournalIntent, OutcomeStatus } from "./journal.js"
import type { NetworkPlan } from "./plan.js"

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

export class SweepError extends Error {
  override readonly name = "SweepError"
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const newRunId = () => `run_${Date.now().toString(36)}_${process.pid}`
