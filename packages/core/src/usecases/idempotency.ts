import type { IdempotentResponse } from "../ports/CheckoutStore.js"

/** How long an Idempotency-Key is remembered (API.md: 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000

/** An Idempotency-Key's stored record, as a store reads it. */
export interface IdempotencyRecord {
  /** SHA-256 hex of the request that claimed the key. */
  readonly requestHash: string
  /** The first response; `null` while that request's create is still in flight. */
  readonly response: IdempotentResponse | null
  readonly createdAt: Date
}

/**
 * What a keyed create does about the key's record: `Replay` the first response (the same request, answered),
 * `Conflict` (another request holds the key), or `Proceed` — no record, one at or past the retention (the next
 * claim takes it over), or one still in flight (the create's own claim waits for it and decides).
 * @example idempotencyDecision(record, { requestHash, now }) // { _tag: "Replay", response }
 */
export type IdempotencyDecision =
  | { readonly _tag: "Replay"; readonly response: IdempotentResponse }
  | { readonly _tag: "Conflict" }
  | { readonly _tag: "Proceed" }

export const idempotencyDecision = (
  record: IdempotencyRecord | null,
  request: { readonly requestHash: string; readonly now: Date },
): IdempotencyDecision => {
  if (record === null || record.createdAt.getTime() <= request.now.getTime() - IDEMPOTENCY_TTL_MS)
    return { _tag: "Proceed" }
  if (record.requestHash !== request.requestHash) return { _tag: "Conflict" }
  if (record.response === null) return { _tag: "Proceed" }
  return { _tag: "Replay", response: record.response }
}
