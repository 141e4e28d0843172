import {
  type Checkout,
  type CheckoutsService,
  type CreateCheckoutResult,
  IDEMPOTENCY_TTL_MS,
  idempotencyDecision,
  IdempotencyConflict,
  type NewCheckout,
  type MemoTaken,
  StoreError,
  type StoredTarget,
} from "@inzi/core"
import { Effect, Either } from "effect"
import { type Kysely, sql } from "kysely"
import { constraintOf, Fail, run, sqlState, storeFailure } from "./errors.js"
import type { FastPath } from "./FastPathPg.js"
import { P, precompile } from "./precompiled.js"
import { toBigInt } from "./rows.js"
import { idempotencyRecord } from "./IdempotencyRecordsPg.js"
import type { DB } from "./schema.js"

/** The `checkouts` row of a new checkout. */
const checkoutRow = (input: NewCheckout) => ({
  id: input.id,
  merchant_id: input.merchantId,
  mode: input.mode,
  status: "pending",
  amount_cents: input.amountCents.toString(),
  currency: "USD",
  description: input.description,
  metadata: input.metadataJson,
  customer_email: input.customerEmail,
  redirect_url: input.redirectUrl,
  webhook_url: input.webhookUrl,
  networks: JSON.stringify(input.networks),
  expires_at: input.expiresAt,
  created_at: input.createdAt,
  updated_at: input.createdAt,
})

/** The `deposit_targets` rows of a new checkout (one per family). */
export const targetRows = (input: NewCheckout) =>
  input.targets.entries.map((t) => ({
    checkout_id: input.id,
    family: t.family,
    merchant_id: input.merchantId,
    derivation_index: input.targets.derivationIndex.toString(),
    address: t.address,
    memo: t.memo,
    lookup: t.lookup,
  }))

/**
 * Whether a unique violation on the targets' lookup key is one of `entries`' memos already used by the
 * merchant (a draw to redo), rather than a derived address reused (a defect). Postgres names the key in
 * `detail`; without one, any memo of the checkout is taken to be it.
 */
export const memoTaken = (e: unknown, entries: ReadonlyArray<StoredTarget>): boolean => {
  if (sqlState(e) !== "23505") return false
  const which = `${constraintOf(e) ?? ""} ${(e as { message?: unknown }).message ?? ""}`
  if (!/deposit_targets_lookup/.test(which)) return false
  const memos = entries.filter((t) => t.memo !== null)
  const detail = (e as { detail?: unknown }).detail
  return typeof detail === "string"
    ? memos.some((t) => detail.includes(`(${t.lookup}, ${t.family})`))
    : memos.length > 0
}

/** The checkout as just created. */
export const createdCheckout = (input: NewCheckout): Checkout => ({
  id: input.id,
  merchantId: input.merchantId,
  mode: input.mode,
  status: "pending",
  amountCents: input.amountCents,
  currency: "USD",
  description: input.description,
  metadataJson: input.metadataJson,
  customerEmail: input.customerEmail,
  redirectUrl: input.redirectUrl,
  webhookUrl: input.webhookUrl,
  targets: {
    derivationIndex: input.targets.derivationIndex,
    entries: input.targets.entries
      .map((t) => ({ family: t.family, address: t.address, memo: t.memo }))
      .sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0)),
  },
  networks: [...input.networks],
  payments: [],
  expiresAt: input.expiresAt,
  createdAt: input.createdAt,
  updatedAt: input.createdAt,
})

/**
 * A create without an Idempotency-Key, compiled once (precompiled.ts): the checkout row, and its targets in one
 * multi-row insert through a CTE, one statement. Arguments: id, merchant, mode, amount, description, metadata,
 * email, redirect, webhook, networks (JSON text), expiresAt, createdAt, index (text), targets (JSON
 * `[{ family, address, memo, lookup }]`).
 */
const plainCreateStatement = (db: Kysely<DB>) =>
  precompile(
    db,
    (
      id: string,
      merchantId: string,
      mode: string,
      amount: string,
      description: string | null,
      metadata: string | null,
      email: string | null,
      redirect: string | null,
      webhook: string | null,
      networks: string,
      expiresAt: Date,
      createdAt: Date,
      index: string,
      targets: string,
    ) => sql<never>`
    WITH c AS (
      INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, metadata,
        customer_email, redirect_url, webhook_url, networks, expires_at, created_at, updated_at)
      VALUES (${id}::text, ${merchantId}::text, ${mode}::text, 'pending', ${amount}::bigint, 'USD',
        ${description}::text, ${metadata}::text, ${email}::text, ${redirect}::text, ${webhook}::text,
        ${networks}::jsonb, ${expiresAt}::timestamptz, ${createdAt}::timestamptz, ${createdAt}::timestamptz)
      RETURNING id
    )
    INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, memo, lookup)
    SELECT c.id, t.family, ${merchantId}::text, ${index}::bigint, t.address, t.memo, t.lookup
    FROM c, jsonb_to_recordset(${targets}::jsonb) AS t(family text, address text, memo text, lookup text)`,
    P("id"),
    P("merchant"),
    P("mode"),
    P("amount"),
    P("description") as string | null,
    P("metadata") as string | null,
    P("email") as string | null,
    P("redirect") as string | null,
    P("webhook") as string | null,
    P("networks"),
    new Date(0),
    new Date(1),
    P("index"),
    P("targets"),
  )

/**
 * The checkout's values in the order the create statements take them first (the plain one here, the pooled one in
 * pooledCreate.ts): id, merchant, mode, amount, description, metadata, email, redirect, webhook, networks (JSON
 * text), expiresAt, createdAt.
 */
export const checkoutValues = (input: NewCheckout) =>
  [
    input.id,
    input.merchantId,
    input.mode,
    input.amountCents.toString(),
    input.description,
    input.metadataJson,
    input.customerEmail,
    input.redirectUrl,
    input.webhookUrl,
    JSON.stringify(input.networks),
    input.expiresAt,
    input.createdAt,
  ] as const

/** A deposit target that collides with another checkout's: a reused derivation index or address. */
const collision = () =>
  new StoreError({
    message: "deposit targets collide with an existing checkout (derivation index or address reused?)",
  })

/**
 * A create without an Idempotency-Key in ONE statement (the checkout row, and its targets in one multi-row insert,
 * through a CTE): atomic on its own, one round trip instead of BEGIN/INSERT/INSERT/COMMIT. A memo the merchant
 * already uses aborts the statement: `MemoTaken`; any other conflict is a collision error. `Checkouts.createCheckout`
 * without a key and the server's fast path (FastPathPg.ts) run it; it answers through `done` once, from the
 * driver's callback.
 */
export const plainCreate = (db: Kysely<DB>): FastPath["createCheckout"] => {
  const statement = plainCreateStatement(db)
  return (input, done) => {
    const answer = (e: Error | null) => {
      if (e === null)
        return done(Either.right({ _tag: "Created", checkout: createdCheckout(input), response: null }))
      if (memoTaken(e, input.targets.entries)) return done(Either.right({ _tag: "MemoTaken" }))
      done(Either.left(sqlState(e) === "23505" ? collision() : storeFailure<never>("createCheckout", e)))
    }
    try {
      statement.query(
        [
          ...checkoutValues(input),
          input.targets.derivationIndex.toString(),
          JSON.stringify(
            input.targets.entries.map((t) => ({
              family: t.family,
              address: t.address,
              memo: t.memo,
              lookup: t.lookup,
            })),
          ),
        ],
        answer,
      )
    } catch (e) {
      done(Either.left(storeFailure<never>("createCheckout", e)))
    }
  }
}

/**
 * The writes of `Checkouts` over kysely: the derivation index and the create (keyed or not; without a key,
 * `createPlain`, by default `plainCreate(db)`).
 */
export const makeCheckoutWrites = (
  db: Kysely<DB>,
  createPlain: FastPath["createCheckout"] = plainCreate(db),
): Pick<CheckoutsService, "allocateDerivationIndex" | "createCheckout"> => {
  /** Thrown inside the idempotent create's transaction to roll it back when a memo is taken. */
  const MEMO_TAKEN: MemoTaken = { _tag: "MemoTaken" }

  return {
    allocateDerivationIndex: (merchantId) =>
      run("allocateDerivationIndex", async () => {
        const r = await sql<{ index: unknown }>`
          SELECT nextval(index_sequence::regclass) AS index FROM merchants WHERE id = ${merchantId}`.execute(
          db,
        )
        const row = r.rows[0]
        if (row === undefined) throw new Error("unknown merchant")
        return toBigInt(row.index)
      }),

    createCheckout: (input, idem) =>
      idem === null
        ? Effect.async((resume) => createPlain(input, resume))
        : run<CreateCheckoutResult | MemoTaken, IdempotencyConflict>("createCheckout", () =>
            db
              .transaction()
              .execute(async (trx): Promise<CreateCheckoutResult> => {
                if (idem !== null) {
                  const cutoff = new Date(input.createdAt.getTime() - IDEMPOTENCY_TTL_MS)
                  // Claim the key. A concurrent holder's uncommitted row makes this wait until it commits, then
                  // conflict; a record older than 24 h is taken over.
                  const claimed = await trx
                    .insertInto("idempotency_keys")
                    .values({
                      merchant_id: input.merchantId,
                      mode: input.mode,
                      key: idem.key,
                      request_hash: idem.requestHash,
                      response_status: null,
                      response_body: null,
                      checkout_id: null,
                      created_at: input.createdAt,
                    })
                    .onConflict((oc) =>
                      oc
                        .columns(["merchant_id", "mode", "key"])
                        .doUpdateSet({
                          request_hash: idem.requestHash,
                          response_status: null,
                          response_body: null,
                          checkout_id: null,
                          created_at: input.createdAt,
                        })
                        .where("idempotency_keys.created_at", "<=", cutoff),
                    )
                    .returning("key")
                    .executeTakeFirst()
                  if (claimed === undefined) {
                    const prior = await trx
                      .selectFrom("idempotency_keys")
                      .selectAll()
                      .where("merchant_id", "=", input.merchantId)
                      .where("mode", "=", input.mode)
                      .where("key", "=", idem.key)
                      .executeTakeFirstOrThrow()
                    // The claim waited for the holder's commit: a live record, answered (or a defect).
                    const decided = idempotencyDecision(idempotencyRecord(prior), {
                      requestHash: idem.requestHash,
                      now: input.createdAt,
                    })
                    if (decided._tag === "Conflict")
                      throw new Fail(new IdempotencyConflict({ key: idem.key }))
                    if (decided._tag === "Proceed") throw new Error("idempotency record without a response")
                    return { _tag: "Replayed", response: decided.response }
                  }
                }
                await trx.insertInto("checkouts").values(checkoutRow(input)).execute()
                // DO NOTHING keeps the error out of the transaction; a row left out is a memo taken (the
                // transaction is rolled back, the key's claim with it) or a reused address.
                const rows = targetRows(input)
                const written = await trx
                  .insertInto("deposit_targets")
                  .values(rows)
                  .onConflict((oc) => oc.doNothing())
                  .returning("family")
                  .execute()
                if (written.length < rows.length) {
                  const missing = input.targets.entries.filter(
                    (t) => !written.some((w) => w.family === t.family),
                  )
                  throw missing.every((t) => t.memo !== null) ? MEMO_TAKEN : new Fail(collision())
                }
                const checkout = createdCheckout(input)
                if (idem === null) return { _tag: "Created", checkout, response: null }
                const response = idem.render(checkout)
                await trx
                  .updateTable("idempotency_keys")
                  .set({
                    response_status: response.status,
                    response_body: response.body,
                    checkout_id: checkout.id,
                  })
                  .where("merchant_id", "=", input.merchantId)
                  .where("mode", "=", input.mode)
                  .where("key", "=", idem.key)
                  .execute()
                return { _tag: "Created", checkout, response }
              })
              .catch((e: unknown) => {
                if (e === MEMO_TAKEN) return MEMO_TAKEN
                throw e
              }),
          ),
  }
}
