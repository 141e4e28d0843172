import { Context, type Effect } from "effect"
import type { StoreError } from "./errors.js"

export interface ExpirySweepService {
  /** Moves overdue `pending` checkouts to `expired` with their `checkout.expired` event; returns how many. */
  readonly sweepExpired: (now: Date, limit: number) => Effect.Effect<number, StoreError>
}

export class ExpirySweep extends Context.Tag("@inzi/core/ExpirySweep")<ExpirySweep, ExpirySweepService>() {}
