import type { PayoutKeys } from "@inzi/core"
import { type Kysely, sql } from "kysely"
import { P, precompile } from "./precompiled.js"
import type { DB } from "./schema.js"

/**
 * The merchant's current payout keys as the pool compares them: one jsonb object `{ "<family>": key }` (its
 * text form is canonical, so its md5 is the take index's key). `merchant` is an SQL expression of its id.
 */
export const currentKeys = (
  merchant: ReturnType<typeof sql>,
) => sql`(SELECT coalesce(jsonb_object_agg(k.family, k.key),
  '{}'::jsonb) FROM merchant_payout_keys k WHERE k.merchant_id = ${merchant})`

/** The slot was derived under the merchant's current payout keys (`p` = address_pool). */
export const matches = sql`p.keys = ${currentKeys(sql`p.merchant_id`)}`

/** Payout keys as the JSON text the statements take (`$keys::jsonb`). */
export const keysText = (keys: PayoutKeys): string => JSON.stringify(keys)

/**
 * The lowest slot of the merchant derived under exactly `keys` (JSON text; index range of address_pool_take,
 * in order; the keys are rechecked, not only their digest), provided they are still the merchant's (a one-time
 * check), locked with SKIP LOCKED: concurrent takers each get another slot, or none. A
 * `(merchant_id, derivation_index)` row.
 */
export const lowestSlotSql = (merchantId: string, keys: string, above: string) => sql`
  SELECT p.merchant_id, p.derivation_index FROM address_pool p
  WHERE p.merchant_id = ${merchantId} AND p.derivation_index > ${above}::bigint
    AND p.keys_key = md5(${keys}::jsonb::text) AND p.keys = ${keys}::jsonb
    AND ${currentKeys(sql`${merchantId}::text`)} = ${keys}::jsonb
  ORDER BY p.derivation_index
  LIMIT 1
  FOR UPDATE OF p SKIP LOCKED`

/**
 * `takeSlot`'s statement, compiled once: the DELETE takes the lowest usable slot above `above`; only when it took
 * nothing does the second branch draw `fresh` fresh indices (0: none; its NOT EXISTS is a one-time filter, so
 * nextval is not evaluated otherwise). Arguments: merchant, keys (JSON object), above (text), fresh (text).
 */
export const takeSlotStatement = (db: Kysely<DB>) =>
  precompile(
    db,
    (merchantId: string, keys: string, above: string, fresh: string) => sql<TakeRow>`
    WITH taken AS (
      DELETE FROM address_pool
      WHERE (merchant_id, derivation_index) = (${lowestSlotSql(merchantId, keys, above)})
      RETURNING derivation_index, targets
    )
    SELECT derivation_index AS index, targets, true AS pooled FROM taken
    UNION ALL
    SELECT nextval(index_sequence::regclass), NULL, false
    FROM merchants, generate_series(1, ${fresh}::int)
    WHERE id = ${merchantId} AND NOT EXISTS (SELECT 1 FROM taken)`,
    P("merchant"),
    P("keys"),
    P("above"),
    P("fresh"),
  )

/** The row of `takeSlotStatement`: the slot taken (with its targets), or a fresh index. */
export type TakeRow = {
  readonly index: unknown
  readonly targets: unknown
  readonly pooled: boolean
}

/** A row of the pooled create statement: one target written, with the slot's index. */
export type PooledRow = {
  readonly index: unknown
  readonly family: string
  readonly address: string | null
}

/**
 * The pooled create statement, compiled once (precompiled.ts): slot taken + checkout + targets, one statement,
 * the targets in one multi-row insert (the slot's addresses of the `derived` families and the drawn memos).
 * Its arguments, in order: id, merchant, mode, amount, description, metadata, email, redirect, webhook, networks
 * (JSON text), expiresAt, createdAt, derived (JSON array of family names), memos (JSON `[{ family, memo,
 * lookup }]`), keys (JSON object), above (the index the slot must lie above, as text).
 */
export const pooledCreateStatement = (db: Kysely<DB>) =>
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
      derived: string,
      memos: string,
      keys: string,
      above: string,
    ) => sql<PooledRow>`
    WITH slot AS (
      DELETE FROM address_pool
      WHERE (merchant_id, derivation_index) = (${lowestSlotSql(merchantId, keys, above)})
      RETURNING derivation_index, targets
    ), c AS (
      INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, metadata,
        customer_email, redirect_url, webhook_url, networks, expires_at, created_at, updated_at)
      SELECT ${id}::text, ${merchantId}::text, ${mode}::text, 'pending', ${amount}::bigint, 'USD',
        ${description}::text, ${metadata}::text, ${email}::text, ${redirect}::text, ${webhook}::text,
        ${networks}::jsonb, ${expiresAt}::timestamptz, ${createdAt}::timestamptz, ${createdAt}::timestamptz
      FROM slot
      RETURNING id
    )
    INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, memo, lookup)
    SELECT c.id, e.family, ${merchantId}::text, slot.derivation_index, e.address, e.memo, e.lookup
    FROM c, slot, LATERAL (
      SELECT a.family, a.address, NULL::text AS memo, a.lookup
      FROM jsonb_to_recordset(slot.targets) AS a(family text, address text, lookup text)
      WHERE ${derived}::jsonb ? a.family
      UNION ALL
      SELECT m.family, NULL, m.memo, m.lookup
      FROM jsonb_to_recordset(${memos}::jsonb) AS m(family text, memo text, lookup text)
    ) e
    RETURNING derivation_index AS index, family, address`,
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
    P("derived"),
    P("memos"),
    P("keys"),
    P("above"),
  )
