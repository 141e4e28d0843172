import { Context, type Effect } from "effect"
import type { Mode, WebhookEventType } from "../domain.js"
import type { StoreError } from "./errors.js"

export type DeliveryStatus = "pending" | "delivering" | "delivered" | "failed" | "skipped"

/** A webhook event ready to send, claimed by one dispatcher under a lease. */
export interface ClaimedDelivery {
  readonly eventId: string
  readonly type: WebhookEventType
  readonly checkoutId: string
  readonly merchantId: string
  readonly mode: Mode
  readonly url: string
  /** The merchant's `whsec_…` secret. */
  readonly secret: string
  /** The exact JSON body stored with the event (signed as is). */
  readonly body: string
  /** Attempts made before this one. */
  readonly attempts: number
  readonly createdAt: Date
}

export interface DeliveryAttempt {
  readonly eventId: string
  readonly at: Date
  readonly statusCode: number | null
  readonly latencyMs: number
  readonly error: string | null
  readonly ok: boolean
}

/** One finished attempt and what follows it: the retry time, or null when the schedule is over. */
export interface RecordedAttempt {
  readonly attempt: DeliveryAttempt
  readonly nextAttemptAt: Date | null
}

export interface OutboxEventRecord {
  readonly eventId: string
  readonly type: WebhookEventType
  readonly checkoutId: string
  readonly merchantId: string
  readonly url: string | null
  readonly status: DeliveryStatus
  readonly attempts: number
  readonly nextAttemptAt: Date | null
  readonly lastError: string | null
  readonly createdAt: Date
}

/**
 * The transactional outbox: events are written by the checkout ports (`PaymentLedger`, `ExpirySweep`,
 * `UnmatchedPayments`) with the status change that caused them;
 * dispatchers claim due ones with `FOR UPDATE SKIP LOCKED` and a short lease that they renew while they hold the
 * claim (a dead dispatcher's claim is taken over when its lease expires).
 */
export class Outbox extends Context.Tag("@inzi/core/Outbox")<
  Outbox,
  {
    readonly claimDue: (input: {
      readonly worker: string
      readonly now: Date
      readonly limit: number
      readonly leaseMs: number
    }) => Effect.Effect<ReadonlyArray<ClaimedDelivery>, StoreError>
    /**
     * Extends the leases of claims `worker` still holds (`delivering`, its own, not yet expired) to
     * `now + leaseMs`, so a delivery waiting for a busy destination keeps its claim while a dead worker's claims
     * come back within one short lease. Returns the ids renewed: a claim missing from the answer is no longer
     * this worker's to send.
     */
    readonly renewClaims: (input: {
      readonly worker: string
      readonly eventIds: ReadonlyArray<string>
      readonly now: Date
      readonly leaseMs: number
    }) => Effect.Effect<ReadonlyArray<string>, StoreError>
    /**
     * Records the attempt (always) and moves the event: a success marks it `delivered` (even if the lease was
     * lost meanwhile, as long as it is still `delivering`); a failure, only while `worker` still holds the
     * lease, schedules `nextAttemptAt`, or marks it `failed` when that is null.
     */
    readonly recordAttempt: (input: {
      readonly attempt: DeliveryAttempt
      readonly worker: string
      readonly nextAttemptAt: Date | null
    }) => Effect.Effect<void, StoreError>
    /**
     * `recordAttempt` for several finished attempts of one worker at once, atomically (all or none recorded):
     * each attempt is judged on its own (one whose lease was lost leaves its event alone, the others move).
     * An event appearing twice is recorded in order, as by two calls. Returns how many events moved.
     */
    readonly recordAttempts: (input: {
      readonly worker: string
      readonly attempts: ReadonlyArray<RecordedAttempt>
    }) => Effect.Effect<number, StoreError>
    /**
     * Give back a claim without counting an attempt (graceful shutdown, or a dispatcher that claimed more for one
     * destination than it can queue). With `notBefore`, the event is not due again before then, so the claims of
     * other destinations come first.
     */
    readonly release: (eventId: string, worker: string, notBefore?: Date) => Effect.Effect<void, StoreError>
    readonly listEvents: (q: {
      readonly status?: DeliveryStatus | undefined
      readonly checkoutId?: string | undefined
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<OutboxEventRecord>, StoreError>
    readonly listAttempts: (eventId: string) => Effect.Effect<ReadonlyArray<DeliveryAttempt>, StoreError>
    /** Operator re-send: a failed (or delivered) event becomes due now. False when unknown. */
    readonly resend: (eventId: string, now: Date) => Effect.Effect<boolean, StoreError>
    readonly stats: (
      now: Date,
    ) => Effect.Effect<
      { readonly pending: number; readonly failed: number; readonly oldestPendingAgeSeconds: number },
      StoreError
    >
  }
>() {}
