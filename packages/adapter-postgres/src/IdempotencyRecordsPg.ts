import {
  idempotencyDecision,
  IdempotencyConflict,
  type IdempotencyRecordsService,
  type IdempotentResponse,
} from "@inzi/core"
import type { Kysely } from "kysely"
import { Fail, run } from "./errors.js"
import { toDate } from "./rows.js"
import type { DB } from "./schema.js"

/** An `idempotency_keys` row as core's `idempotencyDecision` reads it. */
export const idempotencyRecord = (r: {
  readonly request_hash: string
  readonly response_status: number | null
  readonly response_body: string | null
  readonly created_at: Date | string
}) => ({
  requestHash: r.request_hash,
  response:
    r.response_status === null || r.response_body === null
      ? null
      : { status: Number(r.response_status), body: r.response_body },
  createdAt: toDate(r.created_at),
})

/** `IdempotencyRecords` over kysely: the read of a key's record before a keyed create (the claim is the create's). */
export const makeIdempotencyRecords = (db: Kysely<DB>): IdempotencyRecordsService => {
  return {
    findIdempotentReplay: (q) =>
      run<IdempotentResponse | null, IdempotencyConflict>("findIdempotentReplay", async () => {
        const prior = await db
          .selectFrom("idempotency_keys")
          .select(["request_hash", "response_status", "response_body", "created_at"])
          .where("merchant_id", "=", q.merchantId)
          .where("mode", "=", q.mode)
          .where("key", "=", q.key)
          .executeTakeFirst()
        const decided = idempotencyDecision(prior === undefined ? null : idempotencyRecord(prior), q)
        if (decided._tag === "Conflict") throw new Fail(new IdempotencyConflict({ key: q.key }))
        return decided._tag === "Replay" ? decided.response : null
      }),
  }
}
