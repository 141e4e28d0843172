import {
  type CheckoutStore,
  type ExpirySweepService,
  IDEMPOTENCY_TTL_MS,
  type PaymentLedgerService,
  type UnmatchedPaymentsService,
} from "@inzi/core"
import type { Context } from "effect"
import type { Kysely } from "kysely"
import { makeCheckoutReads } from "./checkoutReads.js"
import { makeCheckoutWrites } from "./checkoutWrites.js"
import { makeIdempotencyRecords } from "./IdempotencyRecordsPg.js"
import type { DB } from "./schema.js"
import { makeWatchTargets } from "./WatchTargetsPg.js"

/** How long an Idempotency-Key is remembered (API.md: 24 hours): core's retention. */
export { IDEMPOTENCY_TTL_MS }

/** The checkout members of `CheckoutStore`; the ingestion ports are LedgerPg.ts, UnmatchedPg.ts, ExpirySweepPg.ts. */
export type CheckoutsPg = Omit<
  Context.Tag.Service<typeof CheckoutStore>,
  keyof PaymentLedgerService | keyof UnmatchedPaymentsService | keyof ExpirySweepService
>

/**
 * The checkouts of `CheckoutStore` over kysely: create (checkoutWrites.ts), read and list (checkoutReads.ts), the
 * Idempotency-Key read (IdempotencyRecordsPg.ts) and the watchers' targets (WatchTargetsPg.ts).
 */
export const makeCheckoutStore = (
  db: Kysely<DB>,
  createPlain: Parameters<typeof makeCheckoutWrites>[1] = undefined,
  getCheckoutWith: Parameters<typeof makeCheckoutReads>[1] = undefined,
): CheckoutsPg => ({
  ...makeCheckoutWrites(db, createPlain),
  ...makeCheckoutReads(db, getCheckoutWith),
  ...makeIdempotencyRecords(db),
  ...makeWatchTargets(db),
})
