import {
  type ApplyResult,
  type ChainEvent,
  type Checkout,
  type CheckoutNotFound as CheckoutNotFoundT,
  CheckoutNotFound,
  type CheckoutState,
  type CheckoutStatus,
  type CheckoutStore,
  type CreateCheckoutResult,
  currentStatus,
  type GetCheckoutQuery,
  IDEMPOTENCY_TTL_MS,
  idempotencyDecision,
  IdempotencyConflict,
  type IdempotentResponse,
  type MachineEvent,
  type NewCheckout,
  type Merchant,
  type Mode,
  type Payment,
  type PaymentObserved,
  StoreError,
  storableChainEvent,
  TON_COMMENT_ATTEMPTS,
  transition,
  type UnmatchedPaymentRecord,
  type UnmatchedTransfer,
  type WebhookEventType,
} from "@inzi/core"
import { type Context, Effect, Either } from "effect"
import { type Kysely, type Selectable, sql, type Transaction } from "kysely"
import { compactCheckoutCounts, countCheckouts } from "./checkoutCounts.js"
import { constraintOf, Fail, run, runStatement, sqlState, statementDirect } from "./errors.js"
import { defaultEventId, defaultTonComment, defaultUnmatchedId } from "./ids.js"
import { P, precompile } from "./precompiled.js"
import { isEventDataError, quarantineEvent } from "./quarantine.js"
import type { SecretBox } from "./secrets.js"
import {
  fromJson,
  merchantFromRow,
  networksOfCheckout,
  paymentFromRow,
  paymentToRow,
  toBigInt,
  toDate,
} from "./rows.js"
import type {
  CheckoutsTable,
  DB,
  DepositTargetsTable,
  PaymentsTable,
  UnmatchedPaymentsTable,
} from "./schema.js"

/** The envelope of a webhook event, handed to `renderEventBody` with the checkout as it is after the change. */
export interface WebhookEventHeader {
  readonly id: string
  readonly type: WebhookEventType
  readonly createdAt: Date
  readonly livemode: boolean
  /** The event's number among its checkout's events: 1, 2, … in the order they were created. */
  readonly sequence: number
  /** The payment a payment event (`checkout.payment_reverted`, `checkout.late_payment`) is about; else null. */
  readonly payment: Payment | null
}

/**
 * Renders the exact JSON body stored with an outbox event (signed and sent as is by the dispatcher).
 * Runs inside the transaction of the status change; gets the checkout as it is after the change and its
 * merchant (for the TON wallet of the payment options).
 */
export type RenderEventBody = (event: WebhookEventHeader, checkout: Checkout, merchant: Merchant) => string

export interface CheckoutStoreOptions {
  /**
   * The webhook body builder. The application provides it (it knows the public URL and the network config
   * needed to render the checkout object); the default is a minimal body for embedding and tests.
   */
  readonly renderEventBody?: RenderEventBody | undefined
  readonly newEventId?: (() => string) | undefined
  /** Opens the merchants' webhook secrets (secrets.ts); the PgStore layer passes its configured box. */
  readonly secrets?: SecretBox | null | undefined
  readonly newUnmatchedId?: (() => string) | undefined
  /**
   * A fresh TON comment, used when the caller's `targets.tonComment` is already taken by this merchant:
   * the store retries inside the same transaction (up to `maxCommentAttempts`), so a collision never reaches
   * the caller. The created checkout carries the comment actually stored.
   */
  readonly newTonComment?: (() => string) | undefined
  readonly maxCommentAttempts?: number | undefined
}

/** The minimal webhook body used when no renderer is injected (API.md envelope, a reduced checkout object). */
export const minimalEventBody: RenderEventBody = (event, checkout) =>
  JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    livemode: event.livemode,
    sequence: event.sequence,
    data: { object: { id: checkout.id, status: checkout.status, metadata: "__METADATA__" } },
  }).replace('"__METADATA__"', checkout.metadataJson ?? "null")

type Db = Kysely<DB> | Transaction<DB>

/** How long an Idempotency-Key is remembered (API.md: 24 hours): core's retention. */
export { IDEMPOTENCY_TTL_MS }

type CheckoutRow = Selectable<CheckoutsTable> &
  Pick<Selectable<DepositTargetsTable>, "derivation_index" | "evm_address" | "tron_address" | "ton_comment">

/** An `idempotency_keys` row as core's `idempotencyDecision` reads it. */
const idempotencyRecord = (r: {
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

/** The checkout as just created (with the TON comment actually stored). */
export const createdCheckout = (input: NewCheckout, tonComment: string): Checkout => ({
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
  targets: { ...input.targets, tonComment },
  networks: [...input.networks],
  payments: [],
  expiresAt: input.expiresAt,
  createdAt: input.createdAt,
  updatedAt: input.createdAt,
})

const selectCheckouts = (db: Db) =>
  db
    .selectFrom("checkouts as c")
    .innerJoin("deposit_targets as t", "t.checkout_id", "c.id")
    .selectAll("c")
    .select(["t.derivation_index", "t.evm_address", "t.tron_address", "t.ton_comment"])

const loadPayments = async (db: Db, ids: ReadonlyArray<string>) => {
  const byCheckout = new Map<string, Array<ReturnType<typeof paymentFromRow>>>()
  if (ids.length === 0) return byCheckout
  const rows = await db
    .selectFrom("payments")
    .selectAll()
    .where("checkout_id", "in", ids)
    .orderBy("detected_at")
    .orderBy("tx_hash")
    .orderBy("log_index")
    .execute()
  for (const r of rows) {
    const list = byCheckout.get(r.checkout_id) ?? []
    list.push(paymentFromRow(r))
    byCheckout.set(r.checkout_id, list)
  }
  return byCheckout
}

const toCheckout = (
  r: CheckoutRow,
  payments: ReadonlyArray<ReturnType<typeof paymentFromRow>>,
  now: Date | null,
): Checkout => {
  const stored = r.status as CheckoutStatus
  const expiresAt = toDate(r.expires_at)
  return {
    id: r.id,
    merchantId: r.merchant_id,
    mode: r.mode as Mode,
    status: now === null ? stored : currentStatus({ status: stored, expiresAt }, now),
    amountCents: toBigInt(r.amount_cents),
    currency: "USD",
    description: r.description,
    metadataJson: r.metadata,
    customerEmail: r.customer_email,
    redirectUrl: r.redirect_url,
    webhookUrl: r.webhook_url,
    targets: {
      derivationIndex: toBigInt(r.derivation_index),
      evmAddress: r.evm_address,
      tronAddress: r.tron_address,
      tonComment: r.ton_comment,
    },
    networks: networksOfCheckout(r.networks),
    payments,
    expiresAt,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  }
}

const withPayments = async (db: Db, rows: ReadonlyArray<CheckoutRow>, now: Date | null) => {
  const payments = await loadPayments(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => toCheckout(r, payments.get(r.id) ?? [], now))
}

/**
 * The payments of checkout `c.id` as one JSON array (numbers that can exceed 2^53 as text), in detection order.
 * The ordered aggregate runs only when the checkout has a payment (most reads are of checkouts without one): an
 * ordered aggregate sets a sort up on every execution, even over no rows — ≈ 24 KB malloc'd and freed per read,
 * which in some backends sat at the heap's top and cost two `brk` calls and a page fault per read (≈ 2 × the
 * backend's CPU per GET; bench/RESULTS.md, api). The EXISTS probe is the same index lookup the aggregate's scan
 * starts with (payments_checkout).
 */
const paymentsJson = sql<unknown>`(CASE WHEN EXISTS (SELECT FROM payments p WHERE p.checkout_id = c.id) THEN (
  SELECT coalesce(json_agg(json_build_object(
    'network', p.network, 'tx_hash', p.tx_hash, 'log_index', p.log_index, 'checkout_id', p.checkout_id,
    'token', p.token, 'token_contract', p.token_contract, 'decimals', p.decimals, 'amount', p.amount::text,
    'sender', p.sender, 'recipient', p.recipient, 'block_number', p.block_number::text,
    'block_hash', p.block_hash, 'status', p.status, 'confirmations', p.confirmations,
    'detected_at', p.detected_at, 'confirmed_at', p.confirmed_at, 'updated_at', p.updated_at
  ) ORDER BY p.detected_at, p.tx_hash, p.log_index), '[]'::json)
  FROM payments p WHERE p.checkout_id = c.id
) ELSE '[]'::json END)`

/**
 * One checkout (with its targets) and its payments in ONE query and ONE column: the row as a JSON object with
 * the column names of `CheckoutRow` (int8 as text, timestamps as ISO 8601 text) plus `payments_json`. One JSON
 * column instead of ≈ 20: the driver's per-execution work (a parser per described column, every timestamp
 * parsed apart) was ≈ 30 µs of the GET's client CPU; one JSON.parse is a few. Decoded by `checkoutWithPayments`.
 */
const selectCheckoutJson = (db: Db) =>
  db
    .selectFrom("checkouts as c")
    .innerJoin("deposit_targets as t", "t.checkout_id", "c.id")
    .select(
      sql<unknown>`json_build_object(
        'id', c.id, 'merchant_id', c.merchant_id, 'mode', c.mode, 'status', c.status,
        'amount_cents', c.amount_cents::text, 'currency', c.currency, 'description', c.description,
        'metadata', c.metadata, 'customer_email', c.customer_email, 'redirect_url', c.redirect_url,
        'webhook_url', c.webhook_url, 'networks', c.networks, 'expires_at', c.expires_at,
        'created_at', c.created_at, 'updated_at', c.updated_at,
        'derivation_index', t.derivation_index::text, 'evm_address', t.evm_address,
        'tron_address', t.tron_address, 'ton_comment', t.ton_comment, 'payments_json', ${paymentsJson}
      )`.as("checkout"),
    )

/** GET /checkouts/:id's read, compiled once: one parameter (the id), one row with one `checkout` JSON column. */
export const checkoutByIdStatement = (db: Kysely<DB>) =>
  precompile(db, (id: string) => selectCheckoutJson(db).where("c.id", "=", id), P("id"))

const checkoutWithPayments = (json: unknown, now: Date | null): Checkout => {
  const r = fromJson(json) as CheckoutRow & { readonly payments_json: unknown }
  return toCheckout(
    r,
    (fromJson(r.payments_json) as ReadonlyArray<Selectable<PaymentsTable>>).map(paymentFromRow),
    now,
  )
}

const unmatchedFromRow = (r: Selectable<UnmatchedPaymentsTable>): UnmatchedPaymentRecord => ({
  id: r.id,
  network: r.network,
  txHash: r.tx_hash,
  logIndex: Number(r.log_index),
  wallet: r.wallet,
  memo: r.memo,
  token: r.token,
  amount: toBigInt(r.amount),
  decimals: Number(r.decimals),
  sender: r.sender,
  reason: r.reason,
  observedAt: toDate(r.observed_at),
  assignedCheckoutId: r.assigned_checkout_id,
})

/**
 * The GET read over `checkoutById` (`checkoutByIdStatement`): one precompiled statement, answered through `done`
 * once from the driver's callback (no fiber needed): `getCheckout`, and the server's fast path (FastPathPg.ts).
 */
export const readCheckout =
  (checkoutById: ReturnType<typeof checkoutByIdStatement>) =>
  (
    q: GetCheckoutQuery,
    done: (result: Either.Either<Checkout, StoreError | CheckoutNotFoundT>) => void,
  ): void =>
    statementDirect<{ checkout: unknown }, [string], Checkout, CheckoutNotFoundT>(
      "getCheckout",
      checkoutById,
      [q.id],
      (rows) => {
        const row = rows[0]
        const found = row === undefined ? undefined : checkoutWithPayments(row.checkout, q.now)
        // Another merchant's checkout, or the other mode's, does not exist for this caller.
        if (found === undefined || found.merchantId !== q.merchantId || found.mode !== q.mode)
          throw new Fail(new CheckoutNotFound({ id: q.id }))
        return found
      },
      done,
    )

/** `CheckoutStore` over kysely. Status rules live in core's `transition`; this only loads, locks and writes. */
export const makeCheckoutStore = (
  db: Kysely<DB>,
  options: CheckoutStoreOptions = {},
): Context.Tag.Service<typeof CheckoutStore> => {
  const render = options.renderEventBody ?? minimalEventBody
  const newEventId = options.newEventId ?? defaultEventId
  const newUnmatchedId = options.newUnmatchedId ?? defaultUnmatchedId
  const newTonComment = options.newTonComment ?? defaultTonComment
  const maxCommentAttempts = options.maxCommentAttempts ?? TON_COMMENT_ATTEMPTS
  // The two reads behind GET /checkouts/:id and the hosted page, compiled once (precompiled.ts).
  // By primary key only; the owner is checked on the row. With "AND merchant_id = $2 AND mode = $3" in SQL, a
  // generic plan of the prepared statement (or a custom one on stale statistics) may take the merchant's list
  // index and walk every checkout of the merchant (the api bench's GET fell to ≈ 10 % of bare that way).
  const checkoutById = checkoutByIdStatement(db)
  const checkoutByToken = precompile(
    db,
    (live: string, test: string) => selectCheckoutJson(db).where("c.id", "in", [live, test]),
    P("live"),
    P("test"),
  )

  /** Loads a checkout under `FOR UPDATE`, runs the state machine, writes payment, status and events. */
  const applyMachine = async (
    trx: Transaction<DB>,
    checkoutId: string,
    event: MachineEvent,
    now: Date,
    requiredConfirmations: number,
  ): Promise<{ applied: boolean; emitted: number }> => {
    await trx.selectFrom("checkouts").select("id").where("id", "=", checkoutId).forUpdate().execute()
    const row = await selectCheckouts(trx).where("c.id", "=", checkoutId).executeTakeFirst()
    if (row === undefined) return { applied: false, emitted: 0 }
    const [before] = await withPayments(trx, [row], null)
    if (before === undefined) return { applied: false, emitted: 0 }
    const state: CheckoutState = {
      status: before.status,
      amountCents: before.amountCents,
      expiresAt: before.expiresAt,
      payments: before.payments,
    }
    const result = transition(state, event, now, { requiredConfirmations })
    if (Either.isLeft(result) || !result.right.changed) return { applied: false, emitted: 0 }
    const { state: next, emit, payment } = result.right
    // Every payment the transition made anew: the event's, and a held copy taking a reverted payment's place.
    for (const changed of next.payments) {
      if (state.payments.includes(changed)) continue
      const values = paymentToRow(checkoutId, changed, now)
      await trx
        .insertInto("payments")
        .values(values)
        .onConflict((oc) =>
          oc.columns(["network", "tx_hash", "log_index"]).doUpdateSet({
            token: values.token,
            token_contract: values.token_contract,
            decimals: values.decimals,
            amount: values.amount,
            sender: values.sender,
            recipient: values.recipient,
            block_number: values.block_number,
            block_hash: values.block_hash,
            status: values.status,
            confirmations: values.confirmations,
            detected_at: values.detected_at,
            confirmed_at: values.confirmed_at,
            updated_at: now,
          }),
        )
        .execute()
    }
    // The events' sequence numbers are taken under the row lock above, in the transaction that stores them.
    let sequence = 0
    if (next.status !== before.status || emit.length > 0) {
      const updated = await trx
        .updateTable("checkouts")
        .set((eb) => ({
          status: next.status,
          updated_at: next.status !== before.status ? now : eb.ref("updated_at"),
          event_seq: eb("event_seq", "+", emit.length),
        }))
        .where("id", "=", checkoutId)
        .returning("event_seq")
        .executeTakeFirstOrThrow()
      sequence = Number(updated.event_seq) - emit.length
    }
    if (emit.length > 0) {
      const after: Checkout = { ...before, status: next.status, payments: next.payments, updatedAt: now }
      const merchantRow = await trx
        .selectFrom("merchants")
        .selectAll()
        .where("id", "=", before.merchantId)
        .executeTakeFirstOrThrow()
      const merchant = merchantFromRow(merchantRow, options.secrets)
      // A test checkout never falls back to the live endpoint (nor a live one to the test endpoint).
      const url =
        before.webhookUrl ?? (before.mode === "test" ? merchant.testWebhookUrl : merchant.webhookUrl)
      for (const type of emit) {
        const header: WebhookEventHeader = {
          id: newEventId(),
          type,
          createdAt: now,
          livemode: before.mode === "live",
          sequence: ++sequence,
          payment: type === "checkout.payment_reverted" || type === "checkout.late_payment" ? payment : null,
        }
        await trx
          .insertInto("outbox_events")
          .values({
            id: header.id,
            type,
            checkout_id: checkoutId,
            merchant_id: before.merchantId,
            mode: before.mode,
            url,
            body: render(header, after, merchant),
            sequence: header.sequence,
            status: url === null ? "skipped" : "pending",
            attempts: 0,
            next_attempt_at: url === null ? null : now,
            lease_owner: null,
            lease_expires_at: null,
            last_error: null,
            created_at: now,
            delivered_at: null,
          })
          .execute()
      }
    }
    return { applied: true, emitted: emit.length }
  }

  const recordUnmatched = async (
    trx: Transaction<DB>,
    u: Omit<UnmatchedTransfer, "_tag">,
  ): Promise<boolean> => {
    const inserted = await trx
      .insertInto("unmatched_payments")
      .values({
        id: newUnmatchedId(),
        network: u.network,
        tx_hash: u.txHash,
        log_index: u.logIndex,
        wallet: u.wallet,
        memo: u.memo,
        token: u.token,
        token_contract: u.tokenContract,
        decimals: u.decimals,
        amount: u.amount.toString(),
        sender: u.sender,
        reason: u.reason,
        observed_at: u.observedAt,
        assigned_checkout_id: null,
        assigned_at: null,
      })
      .onConflict((oc) => oc.columns(["network", "tx_hash", "log_index"]).doNothing())
      .returning("id")
      .executeTakeFirst()
    return inserted !== undefined
  }

  /** The checkout a transfer is addressed to, in this mode; `null` when none. */
  const findTarget = async (trx: Transaction<DB>, e: PaymentObserved, mode: Mode): Promise<string | null> => {
    const target = e.target
    if (target.kind === "address") {
      const row = await trx
        .selectFrom("deposit_targets as t")
        .innerJoin("checkouts as c", "c.id", "t.checkout_id")
        .select("t.checkout_id")
        .where("c.mode", "=", mode)
        .where((eb) =>
          eb.or([
            eb(sql`lower(t.evm_address)`, "=", target.address.toLowerCase()),
            eb("t.tron_address", "=", target.address),
          ]),
        )
        .executeTakeFirst()
      return row?.checkout_id ?? null
    }
    const row = await trx
      .selectFrom("deposit_targets as t")
      .innerJoin("checkouts as c", "c.id", "t.checkout_id")
      .innerJoin("merchants as m", "m.id", "t.merchant_id")
      .select("t.checkout_id")
      .where("c.mode", "=", mode)
      .where("m.ton_wallet", "=", target.wallet)
      .where(sql`upper(t.ton_comment)`, "=", target.memo.trim().toUpperCase())
      .executeTakeFirst()
    return row?.checkout_id ?? null
  }

  const applyEvent = async (
    trx: Transaction<DB>,
    e: ChainEvent,
    mode: Mode,
    now: Date,
    requiredConfirmations: number,
  ): Promise<{ applied: boolean; emitted: number }> => {
    switch (e._tag) {
      case "UnmatchedTransfer":
        return { applied: await recordUnmatched(trx, e), emitted: 0 }
      case "PaymentObserved": {
        const checkoutId = await findTarget(trx, e, mode)
        if (checkoutId === null) {
          // Money to a target no checkout owns is kept for the operator, never dropped.
          const applied = await recordUnmatched(trx, {
            network: e.network,
            txHash: e.txHash,
            logIndex: e.logIndex,
            wallet: e.target.kind === "address" ? e.target.address : e.target.wallet,
            memo: e.target.kind === "memo" ? e.target.memo : null,
            token: e.token,
            tokenContract: e.tokenContract,
            decimals: e.decimals,
            amount: e.amount,
            sender: e.sender,
            observedAt: e.observedAt,
            reason: "no checkout owns this deposit target",
          })
          return { applied, emitted: 0 }
        }
        return applyMachine(trx, checkoutId, e, now, requiredConfirmations)
      }
      case "PaymentConfirmed":
      case "PaymentConfirmationsUpdated":
      case "PaymentReverted": {
        const row = await trx
          .selectFrom("payments")
          .select("checkout_id")
          .where("network", "=", e.network)
          .where("tx_hash", "=", e.txHash)
          .where("log_index", "=", e.logIndex)
          .executeTakeFirst()
        if (row === undefined) return { applied: false, emitted: 0 }
        return applyMachine(trx, row.checkout_id, e, now, requiredConfirmations)
      }
    }
  }

  /**
   * One transaction: the events in order, then the cursor. `isolated`: each event in its own savepoint; one
   * that fails with a data error of its own (quarantine.ts) is rolled back alone and kept in
   * `quarantined_events` with the batch's network, instead of failing the batch.
   */
  const applyBatch = (
    input: Parameters<Context.Tag.Service<typeof CheckoutStore>["applyChainEvents"]>[0],
    events: ReadonlyArray<ChainEvent>,
    isolated: boolean,
  ): Promise<ApplyResult> =>
    db.transaction().execute(async (trx): Promise<ApplyResult> => {
      let applied = 0
      let emitted = 0
      let quarantined = 0
      for (const [i, e] of events.entries()) {
        if (isolated) await sql`SAVEPOINT chain_event`.execute(trx)
        let r: { applied: boolean; emitted: number }
        try {
          r = await applyEvent(trx, e, input.mode, input.now, input.requiredConfirmations)
        } catch (error) {
          if (!isolated || !isEventDataError(error)) throw error
          await sql`ROLLBACK TO SAVEPOINT chain_event`.execute(trx)
          await sql`RELEASE SAVEPOINT chain_event`.execute(trx)
          await quarantineEvent(trx, input.network, input.events[i] ?? e, error, input.now)
          quarantined++
          continue
        }
        if (isolated) await sql`RELEASE SAVEPOINT chain_event`.execute(trx)
        if (r.applied) applied++
        emitted += r.emitted
      }
      if (input.cursor !== null) {
        await trx
          .insertInto("chain_cursors")
          .values({ network: input.network, cursor: input.cursor, updated_at: input.now })
          .onConflict((oc) =>
            oc.column("network").doUpdateSet({ cursor: input.cursor!, updated_at: input.now }),
          )
          .execute()
      }
      return quarantined > 0 ? { applied, emitted, quarantined } : { applied, emitted }
    })

  const insertTargets = async (
    trx: Transaction<DB>,
    checkoutId: string,
    merchantId: string,
    t: Checkout["targets"],
  ): Promise<string> => {
    let comment = t.tonComment
    for (let attempt = 0; attempt < maxCommentAttempts; attempt++) {
      // DO NOTHING on any unique conflict keeps the transaction usable; a taken comment is simply redrawn.
      const row = await trx
        .insertInto("deposit_targets")
        .values({
          checkout_id: checkoutId,
          merchant_id: merchantId,
          derivation_index: t.derivationIndex.toString(),
          evm_address: t.evmAddress,
          tron_address: t.tronAddress,
          ton_comment: comment,
        })
        .onConflict((oc) => oc.doNothing())
        .returning("ton_comment")
        .executeTakeFirst()
      if (row !== undefined) return row.ton_comment
      comment = newTonComment()
    }
    throw new Fail(
      new StoreError({
        message: "deposit targets collide with an existing checkout (derivation index or address reused?)",
      }),
    )
  }

  /**
   * A create without an Idempotency-Key in ONE statement (the checkout row and its targets through a CTE):
   * atomic on its own, one round trip instead of BEGIN/INSERT/INSERT/COMMIT. A taken TON comment aborts the
   * statement with a unique violation and is redrawn; any other conflict is a collision error, nothing written.
   */
  const createPlain = async (input: NewCheckout): Promise<CreateCheckoutResult> => {
    let comment = input.targets.tonComment
    for (let attempt = 0; attempt < maxCommentAttempts; attempt++) {
      try {
        await db
          .with("c", (q) => q.insertInto("checkouts").values(checkoutRow(input)).returning("id"))
          .insertInto("deposit_targets")
          .values({
            checkout_id: sql<string>`(SELECT id FROM c)`,
            merchant_id: input.merchantId,
            derivation_index: input.targets.derivationIndex.toString(),
            evm_address: input.targets.evmAddress,
            tron_address: input.targets.tronAddress,
            ton_comment: comment,
          })
          .execute()
        return { _tag: "Created", checkout: createdCheckout(input, comment), response: null }
      } catch (e) {
        if (sqlState(e) !== "23505") throw e
        const which = `${constraintOf(e) ?? ""} ${(e as { message?: unknown }).message ?? ""}`
        if (!/ton_comment/.test(which) || !/deposit_targets/.test(which)) break
        comment = newTonComment()
      }
    }
    throw new Fail(
      new StoreError({
        message: "deposit targets collide with an existing checkout (derivation index or address reused?)",
      }),
    )
  }

  const getCheckoutWith = readCheckout(checkoutById)

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
      run<CreateCheckoutResult, IdempotencyConflict>("createCheckout", () =>
        idem === null
          ? createPlain(input)
          : db.transaction().execute(async (trx): Promise<CreateCheckoutResult> => {
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
                  if (decided._tag === "Conflict") throw new Fail(new IdempotencyConflict({ key: idem.key }))
                  if (decided._tag === "Proceed") throw new Error("idempotency record without a response")
                  return { _tag: "Replayed", response: decided.response }
                }
              }
              await trx.insertInto("checkouts").values(checkoutRow(input)).execute()
              const tonComment = await insertTargets(trx, input.id, input.merchantId, input.targets)
              const checkout = createdCheckout(input, tonComment)
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
            }),
      ),

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

    getCheckout: (q) => Effect.async((resume) => getCheckoutWith(q, resume)),

    getCheckoutByToken: (token, now) =>
      runStatement<{ checkout: unknown }, [string, string], Checkout, CheckoutNotFoundT>(
        "getCheckoutByToken",
        checkoutByToken,
        [`chk_live_${token}`, `chk_test_${token}`],
        (rows) => {
          const row = rows[0]
          if (row === undefined) throw new Fail(new CheckoutNotFound({ id: token }))
          return checkoutWithPayments(row.checkout, now)
        },
      ),

    listCheckouts: (q) =>
      run("listCheckouts", async () => {
        let base = db
          .selectFrom("checkouts as c")
          .where("c.merchant_id", "=", q.merchantId)
          .where("c.mode", "=", q.mode)
        // The status filter reads statuses as a client does: an overdue pending checkout is expired.
        if (q.status === "expired") {
          base = base.where((eb) =>
            eb.or([
              eb("c.status", "=", "expired"),
              eb.and([eb("c.status", "=", "pending"), eb("c.expires_at", "<=", q.now)]),
            ]),
          )
        } else if (q.status === "pending") {
          base = base.where("c.status", "=", "pending").where("c.expires_at", ">", q.now)
        } else if (q.status !== undefined) {
          base = base.where("c.status", "=", q.status)
        }
        if (q.createdAfter !== undefined) base = base.where("c.created_at", ">", q.createdAfter)
        if (q.createdBefore !== undefined) base = base.where("c.created_at", "<", q.createdBefore)
        const ids = await base
          .select("c.id")
          .orderBy("c.created_at", "desc")
          .orderBy("c.id", "desc")
          .limit(q.limit)
          .offset(q.offset)
          .execute()
        // Exact either way: the maintained counters answer merchant + mode (+ status); a date range is
        // counted over its rows.
        const total =
          q.createdAfter === undefined && q.createdBefore === undefined
            ? await countCheckouts(db, q)
            : Number(
                (
                  await base
                    .select((eb) => eb.fn.countAll<string | number | bigint>().as("n"))
                    .executeTakeFirst()
                )?.n ?? 0,
              )
        if (ids.length === 0) return { data: [], total }
        const rows = await selectCheckouts(db)
          .where(
            "c.id",
            "in",
            ids.map((r) => r.id),
          )
          .orderBy("c.created_at", "desc")
          .orderBy("c.id", "desc")
          .execute()
        return { data: await withPayments(db, rows, q.now), total }
      }),

    openTargets: (q) =>
      run("openTargets", async () => {
        const open = (db: Db) =>
          db
            .selectFrom("checkouts as c")
            .innerJoin("deposit_targets as t", "t.checkout_id", "c.id")
            .where("c.mode", "=", q.mode)
            .where(sql<boolean>`c.networks @> jsonb_build_array(${q.network}::text)`)
            .where((eb) =>
              eb.or([eb("c.expires_at", ">", q.since), eb("c.status", "in", ["pending", "processing"])]),
            )
        // Columns per family until targets are rows: `deposit_targets.<family>_address` for derived addresses,
        // `merchants.<family>_wallet` + `deposit_targets.<family>_comment` for wallet + memo.
        if (q.deposit.kind === "derived-address") {
          const column = sql.ref(`t.${q.family}_address`)
          const rows = await open(db)
            .select(
              (q.deposit.caseInsensitive ? sql<string>`lower(${column})` : sql<string>`${column}`).as(
                "address",
              ),
            )
            .where(sql<boolean>`${column} is not null`)
            .execute()
          return { addresses: rows.map((r) => r.address), memos: [] }
        }
        const wallet = sql.ref(`${q.family}_wallet`)
        const rows = await open(db)
          .innerJoin("merchants as m", "m.id", "c.merchant_id")
          .select([
            sql<string>`${sql.ref(`m.${q.family}_wallet`)}`.as("wallet"),
            sql<string>`${sql.ref(`t.${q.family}_comment`)}`.as("memo"),
          ])
          .where(sql<boolean>`${sql.ref(`m.${q.family}_wallet`)} is not null`)
          .execute()
        const wallets = await db
          .selectFrom("merchants")
          .select(sql<string>`${wallet}`.as("wallet"))
          .where(sql<boolean>`${wallet} is not null`)
          .where(sql<boolean>`networks -> ${q.mode}::text @> jsonb_build_array(${q.network}::text)`)
          .execute()
        return {
          addresses: [],
          memos: rows.map((r) => ({ wallet: r.wallet, memo: r.memo })),
          wallets: [...new Set(wallets.map((w) => w.wallet))],
        }
      }),

    pendingPayments: (network, options) =>
      run("pendingPayments", async () => {
        const since = options?.confirmedSince
        const rows = await db
          .selectFrom("payments")
          .select([
            "network",
            "tx_hash",
            "log_index",
            "block_number",
            "block_hash",
            "confirmations",
            "status",
            "confirmed_at",
          ])
          .where("network", "=", network)
          .where((eb) =>
            eb.or([
              eb("status", "=", "detected"),
              eb.and([eb("status", "=", "late"), eb("confirmed_at", "is", null)]),
              // Late payments too: the merchant was told of a confirmed one (`checkout.late_payment`).
              ...(since === undefined
                ? []
                : [eb.and([eb("status", "in", ["confirmed", "late"]), eb("confirmed_at", ">=", since)])]),
            ]),
          )
          .orderBy("detected_at")
          .execute()
        return rows.map((r) => ({
          network: r.network,
          txHash: r.tx_hash,
          logIndex: Number(r.log_index),
          blockNumber: r.block_number === null ? null : toBigInt(r.block_number),
          blockHash: r.block_hash,
          confirmations: Number(r.confirmations),
          ...(r.status === "confirmed" || r.confirmed_at !== null ? { confirmed: true } : {}),
        }))
      }),

    getCursor: (network) =>
      run("getCursor", async () => {
        const row = await db
          .selectFrom("chain_cursors")
          .select("cursor")
          .where("network", "=", network)
          .executeTakeFirst()
        return row?.cursor ?? null
      }),

    applyChainEvents: (input) =>
      run("applyChainEvents", async () => {
        // Free text (memos, sender, reasons) made storable by core's one rule, whatever the chain family.
        const events = input.events.map(storableChainEvent)
        try {
          return await applyBatch(input, events, false)
        } catch (e) {
          if (!isEventDataError(e)) throw e
          // An event's own data could not be written: apply the batch again, each event in a savepoint, and
          // set aside the ones that fail so that the rest and the cursor commit. Only then: a savepoint per
          // event on every batch would cost round trips and subtransactions (which stop fitting in a
          // backend's snapshot cache past 64) when nothing is wrong.
          return await applyBatch(input, events, true)
        }
      }),

    sweepExpired: (now, limit) =>
      run("sweepExpired", () =>
        db.transaction().execute(async (trx) => {
          // SKIP LOCKED: several sweepers split the work; a checkout busy in a chain transaction waits a round.
          const due = await trx
            .selectFrom("checkouts")
            .select("id")
            .where("status", "=", "pending")
            .where("expires_at", "<=", now)
            .orderBy("expires_at")
            .limit(limit)
            .forUpdate()
            .skipLocked()
            .execute()
          let swept = 0
          for (const { id } of due) {
            const r = await applyMachine(trx, id, { _tag: "ExpiryTick" }, now, 1)
            if (r.applied) swept++
          }
          // Idempotency records live 24 h; the sweeper keeps the table bounded (a batch per round).
          await sql`
            DELETE FROM idempotency_keys WHERE ctid IN (
              SELECT ctid FROM idempotency_keys WHERE created_at <= ${new Date(now.getTime() - IDEMPOTENCY_TTL_MS)}
              LIMIT ${Math.max(limit, 100)})`.execute(trx)
          // …and folds a batch of the list counters' deltas (checkoutCounts.ts), so they stay few.
          await compactCheckoutCounts(trx)
          return swept
        }),
      ),

    listUnmatched: (network) =>
      run("listUnmatched", async () => {
        let q = db.selectFrom("unmatched_payments").selectAll()
        if (network !== undefined) q = q.where("network", "=", network)
        const rows = await q.orderBy("observed_at").orderBy("id").execute()
        return rows.map(unmatchedFromRow)
      }),

    assignUnmatched: (unmatchedId, checkoutId, now) =>
      run<ApplyResult, CheckoutNotFoundT>("assignUnmatched", () =>
        db.transaction().execute(async (trx): Promise<ApplyResult> => {
          const u = await trx
            .selectFrom("unmatched_payments")
            .selectAll()
            .where("id", "=", unmatchedId)
            .forUpdate()
            .executeTakeFirst()
          if (u === undefined)
            throw new Fail(new StoreError({ message: `unknown unmatched payment ${unmatchedId}` }))
          const exists = await trx
            .selectFrom("checkouts")
            .select("id")
            .where("id", "=", checkoutId)
            .executeTakeFirst()
          if (exists === undefined) throw new Fail(new CheckoutNotFound({ id: checkoutId }))
          if (u.assigned_checkout_id !== null) return { applied: 0, emitted: 0 }
          // Unmatched money is recorded once final, so it is applied as an observed, confirmed payment,
          // judged late or not by when it was first seen.
          const event: PaymentObserved = {
            _tag: "PaymentObserved",
            network: u.network,
            txHash: u.tx_hash,
            logIndex: Number(u.log_index),
            target:
              u.memo === null
                ? { kind: "address", address: u.wallet }
                : { kind: "memo", wallet: u.wallet, memo: u.memo },
            token: u.token,
            tokenContract: u.token_contract,
            decimals: Number(u.decimals),
            amount: toBigInt(u.amount),
            sender: u.sender,
            blockNumber: null,
            blockHash: null,
            confirmations: 1,
            observedAt: toDate(u.observed_at),
          }
          const r = await applyMachine(trx, checkoutId, event, now, 1)
          await trx
            .updateTable("unmatched_payments")
            .set({ assigned_checkout_id: checkoutId, assigned_at: now })
            .where("id", "=", unmatchedId)
            .execute()
          return { applied: r.applied ? 1 : 0, emitted: r.emitted }
        }),
      ),
  }
}
