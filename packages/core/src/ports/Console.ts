import { Context, type Effect, Schema } from "effect"
import type { CheckoutStatus, Mode, NetworkId } from "../domain.js"
import type { MerchantNotFound, StoreError } from "./errors.js"

/** An operator-console account: the operator (`merchantId` null) or one merchant's user. */
export interface Operator {
  readonly id: string
  /** Lower-case. */
  readonly email: string
  /** null: sees every merchant; else only this one (anything else reads as not found). */
  readonly merchantId: string | null
  readonly createdAt: Date
}

/** An account with what a login checks: the password hash and the lockout state. */
export interface OperatorCredentials extends Operator {
  /** Self-describing hash (`scrypt$…`); the password itself is never stored. */
  readonly passwordHash: string
  /** Consecutive failed logins since the last success. */
  readonly failedLogins: number
  readonly lockedUntil: Date | null
}

export interface NewOperator {
  readonly email: string
  readonly passwordHash: string
  readonly merchantId: string | null
  readonly now: Date
}

/** An email already has an account. */
export class OperatorExists extends Schema.TaggedError<OperatorExists>()("OperatorExists", {
  email: Schema.String,
}) {}

/** One line of the console's audit log: who did what, when. */
export interface AuditEntry {
  readonly id: string
  readonly at: Date
  /** null: an action with no account (a failed login for an unknown email). */
  readonly operatorId: string | null
  readonly operatorEmail: string
  /** The merchant the action concerned (what a merchant user's audit view is filtered on). */
  readonly merchantId: string | null
  /** `login`, `login.failed`, `logout`, `event.resend`, `unmatched.assign`, `key.create`… */
  readonly action: string
  readonly target: string | null
  readonly detail: string | null
  readonly address: string | null
}

export type NewAuditEntry = Omit<AuditEntry, "id">

/** Per-day counts of the overview (UTC days). */
export interface OverviewDay {
  /** `YYYY-MM-DD`. */
  readonly day: string
  readonly created: number
  readonly completed: number
  readonly expired: number
  readonly underpaid: number
}

/** An amount of one token on one network (base units). */
export interface TokenAmount {
  readonly network: NetworkId
  readonly token: string
  readonly decimals: number
  readonly amount: bigint
  readonly payments: number
}

export interface Overview {
  readonly days: ReadonlyArray<OverviewDay>
  /** Confirmed payments received in the window, by network and token. */
  readonly volume: ReadonlyArray<TokenAmount>
  /** Payments seen but still waiting for confirmations (all time). */
  readonly awaiting: ReadonlyArray<TokenAmount>
}

export interface ConsoleCheckoutQuery {
  /** null: every merchant (the operator). */
  readonly merchantId: string | null
  readonly mode?: Mode | undefined
  readonly status?: CheckoutStatus | undefined
  /** Exclusive bounds, as the API's. */
  readonly createdAfter?: Date | undefined
  readonly createdBefore?: Date | undefined
  /** A checkout id, a payment's tx hash, a deposit address or TON comment, or a metadata value (exact). */
  readonly search?: string | undefined
  readonly limit: number
  readonly offset: number
  /** Overdue `pending` checkouts read as `expired`. */
  readonly now: Date
}

export interface ConsoleCheckoutRow {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  readonly status: CheckoutStatus
  readonly amountCents: bigint
  readonly description: string | null
  readonly metadataJson: string | null
  readonly createdAt: Date
  readonly expiresAt: Date
}

export interface WatcherView {
  readonly network: NetworkId
  readonly head: bigint | null
  readonly scannedTo: bigint | null
  readonly lastError: string | null
  readonly updatedAt: Date
  readonly rpcCalls: number
  readonly rpcErrors: number
  /** The worker holding the network's watcher lease, while it is not expired. */
  readonly leaseHolder: string | null
  readonly leaseExpiresAt: Date | null
}

/** A network's watcher at the end of a minute (the writer keeps 48 hours of them). */
export interface WatcherSample {
  readonly network: NetworkId
  readonly minute: Date
  readonly head: bigint | null
  readonly scannedTo: bigint | null
  /** Cumulative for the lease holder's scanner since it started (a drop: another scanner took over). */
  readonly rpcCalls: number
  readonly rpcErrors: number
}

/**
 * What the operator console stores and reads beyond the other ports: its accounts, sessions and audit log, and
 * the read models of its screens (aggregates and searches the API has no use for).
 */
export class ConsoleStore extends Context.Tag("@inzi/core/ConsoleStore")<
  ConsoleStore,
  {
    readonly createOperator: (
      o: NewOperator,
    ) => Effect.Effect<Operator, StoreError | OperatorExists | MerchantNotFound>
    readonly findOperatorByEmail: (email: string) => Effect.Effect<OperatorCredentials | null, StoreError>
    readonly listOperators: () => Effect.Effect<ReadonlyArray<Operator>, StoreError>
    /** A new password hash (and the lockout cleared): `inzi dev`'s operator gets a fresh password each run. */
    readonly setPasswordHash: (operatorId: string, passwordHash: string) => Effect.Effect<void, StoreError>
    /** Stores the outcome of a login attempt (decided by `afterLogin`). */
    readonly setLoginState: (
      operatorId: string,
      state: { readonly failedLogins: number; readonly lockedUntil: Date | null },
    ) => Effect.Effect<void, StoreError>
    /** `hash`: SHA-256 hex of the session token (the token itself is only in the browser's cookie). */
    readonly createSession: (s: {
      readonly hash: string
      readonly operatorId: string
      readonly now: Date
      readonly expiresAt: Date
    }) => Effect.Effect<void, StoreError>
    /** The session's operator, or null when unknown or expired at `now`. */
    readonly findSession: (
      hash: string,
      now: Date,
    ) => Effect.Effect<{ readonly operator: Operator; readonly expiresAt: Date } | null, StoreError>
    readonly deleteSession: (hash: string) => Effect.Effect<void, StoreError>
    readonly appendAudit: (e: NewAuditEntry) => Effect.Effect<void, StoreError>
    /** Newest first; `merchantId` non-null: that merchant's entries only. */
    readonly listAudit: (q: {
      readonly merchantId: string | null
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreError>
    readonly overview: (q: {
      readonly merchantId: string | null
      readonly mode: Mode
      readonly since: Date
      readonly now: Date
    }) => Effect.Effect<Overview, StoreError>
    readonly listCheckouts: (
      q: ConsoleCheckoutQuery,
    ) => Effect.Effect<
      { readonly data: ReadonlyArray<ConsoleCheckoutRow>; readonly total: number },
      StoreError
    >
    /** Whose checkout this is (then read it with `Checkouts.getCheckout`); null when unknown. */
    readonly checkoutOwner: (
      id: string,
    ) => Effect.Effect<{ readonly merchantId: string; readonly mode: Mode } | null, StoreError>
    readonly watchers: () => Effect.Effect<ReadonlyArray<WatcherView>, StoreError>
    /** Samples of minutes at or after `since`, by network then minute. */
    readonly watcherHistory: (since: Date) => Effect.Effect<ReadonlyArray<WatcherSample>, StoreError>
  }
>() {}
