import type { ColumnType, Generated, GeneratedAlways } from "kysely"

/**
 * The database as kysely sees it. Numeric columns come back from the drivers as strings (pg) or
 * numbers/bigints (PGlite); `rows.ts` turns them into `bigint` at the boundary.
 */
type Timestamp = ColumnType<Date, Date, Date>
type Int8 = ColumnType<string | number | bigint, string | bigint, string | bigint>
type Json = ColumnType<unknown, string, string>

export interface MerchantsTable {
  id: string
  seq_no: Generated<Int8>
  name: string
  webhook_url: string | null
  webhook_secret: string
  test_webhook_url: string | null
  /** Drawn by the database (gen_random_uuid) when an insert leaves it out. */
  test_webhook_secret: Generated<string>
  /** JSON arrays of host patterns (migration 0012); `[]` = any host. */
  allowed_redirect_hosts: ColumnType<unknown, string | undefined, string>
  allowed_webhook_hosts: ColumnType<unknown, string | undefined, string>
  /** `MerchantBranding` as JSON (migration 0015); `{}` = defaults. */
  branding: ColumnType<unknown, string | undefined, string>
  /** `{ "live": [...], "test": [...] }` */
  networks: Json
  /** Name of the merchant's derivation-index sequence (created with the merchant). */
  index_sequence: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** Uploaded merchant logos by SHA-256 (migration 0015). */
export interface MerchantLogosTable {
  sha256: string
  content_type: string
  body: Uint8Array
  created_at: Timestamp
}

export interface ApiKeysTable {
  id: string
  merchant_id: string
  mode: string
  prefix: string
  hash: string
  created_at: Timestamp
  revoked_at: Timestamp | null
}

export interface CheckoutsTable {
  id: string
  merchant_id: string
  mode: string
  status: string
  amount_cents: Int8
  currency: string
  description: string | null
  /** Exact bytes as sent (TEXT, not jsonb: jsonb would reorder keys). */
  metadata: string | null
  customer_email: string | null
  redirect_url: string | null
  webhook_url: string | null
  /** JSON array of network ids. */
  networks: Json
  expires_at: Timestamp
  created_at: Timestamp
  updated_at: Timestamp
  /** Webhook events created for this checkout so far: the last event's `sequence`. */
  event_seq: Generated<number>
}

/** A merchant's payout key of one chain family: an xpub or a wallet (migration 0020). */
export interface MerchantPayoutKeysTable {
  merchant_id: string
  family: string
  key: string
}

/** One deposit target of a checkout per family, found by `lookup` (core's `depositLookup`; migration 0020). */
export interface DepositTargetsTable {
  checkout_id: string
  family: string
  merchant_id: string
  derivation_index: Int8
  address: string | null
  memo: string | null
  lookup: string
}

export interface PaymentsTable {
  network: string
  tx_hash: string
  log_index: number
  checkout_id: string
  token: string
  token_contract: string
  decimals: number
  amount: ColumnType<string, string, string>
  sender: string | null
  recipient: string
  block_number: ColumnType<string | null, string | null, string | null>
  block_hash: string | null
  status: string
  confirmations: number
  detected_at: Timestamp
  confirmed_at: Timestamp | null
  updated_at: Timestamp
}

export interface OutboxEventsTable {
  id: string
  type: string
  checkout_id: string
  merchant_id: string
  mode: string
  url: string | null
  body: string
  /** The event's `sequence` among its checkout's events (null: stored before sequences existed). */
  sequence: number | null
  status: string
  attempts: number
  next_attempt_at: Timestamp | null
  lease_owner: string | null
  lease_expires_at: Timestamp | null
  last_error: string | null
  created_at: Timestamp
  delivered_at: Timestamp | null
}

export interface WebhookAttemptsTable {
  id: Generated<Int8>
  event_id: string
  at: Timestamp
  status_code: number | null
  latency_ms: number
  error: string | null
  ok: boolean
  worker: string
}

export interface IdempotencyKeysTable {
  merchant_id: string
  mode: string
  key: string
  request_hash: string
  response_status: number | null
  response_body: string | null
  checkout_id: string | null
  created_at: Timestamp
}

export interface ChainCursorsTable {
  network: string
  cursor: string
  updated_at: Timestamp
}

export interface LeasesTable {
  name: string
  holder: string
  expires_at: Timestamp
}

export interface UnmatchedPaymentsTable {
  id: string
  network: string
  tx_hash: string
  log_index: number
  wallet: string
  memo: string | null
  token: string
  token_contract: string
  decimals: number
  amount: ColumnType<string, string, string>
  sender: string | null
  reason: string
  observed_at: Timestamp
  assigned_checkout_id: string | null
  assigned_at: Timestamp | null
}

export interface WatcherStatusTable {
  network: string
  head: ColumnType<string | null, string | null, string | null>
  scanned_to: ColumnType<string | null, string | null, string | null>
  last_error: string | null
  updated_at: Timestamp
  rpc_calls: ColumnType<string, string | number | undefined, string | number>
  rpc_errors: ColumnType<string, string | number | undefined, string | number>
}

/** One network's watcher status at the end of a minute (migration 0019). */
export interface WatcherSamplesTable {
  network: string
  minute: Timestamp
  head: ColumnType<string | null, string | null, string | null>
  scanned_to: ColumnType<string | null, string | null, string | null>
  rpc_calls: ColumnType<string, string | number, string | number>
  rpc_errors: ColumnType<string, string | number, string | number>
}

/** Compacted stored-status counts per (merchant, mode, status); see checkoutCounts.ts. */
export interface CheckoutCountsTable {
  merchant_id: string
  mode: string
  status: string
  n: Int8
}

/** Append-only count deltas written by the triggers on checkouts, folded into checkout_counts. */
export interface CheckoutCountDeltasTable {
  merchant_id: string
  mode: string
  status: string
  n: Int8
}

/** Compacted row counts of outbox_events by status and webhook_attempts by ok (migration 0022; opsCounts.ts). */
export interface OpsCountsTable {
  tbl: string
  label: string
  n: Int8
}

/** Append-only deltas written by the triggers on outbox_events and webhook_attempts, folded into ops_counts. */
export interface OpsCountDeltasTable {
  tbl: string
  label: string
  n: Int8
}

/** Pre-derived deposit slots per merchant (migrations 0005, 0020; see AddressPoolPg.ts). */
export interface AddressPoolTable {
  merchant_id: string
  derivation_index: Int8
  /** The merchant's payout keys the slot was derived under, `{ "<family>": key }`. */
  keys: ColumnType<unknown, string, string>
  /** `[{ family, address, lookup }]`: the slot's address per derived family. */
  targets: ColumnType<unknown, string, string>
  /** md5 of `keys` (generated): the take's index key. */
  keys_key: GeneratedAlways<string>
  created_at: ColumnType<Date, Date | undefined, Date>
}

/** Chain events set aside by applyChainEvents (migration 0009; see quarantine.ts). */
export interface QuarantinedEventsTable {
  network: string
  /** Escaped (`\uXXXX` for what text cannot hold) and bounded; the full hash is in `body`. */
  tx_hash: string
  /** numeric: whatever number the scanner wrote (string from pg, number or string from PGlite). */
  log_index: ColumnType<unknown, string, string>
  /** The chain event's `_tag`. */
  event: string
  sqlstate: string
  reason: string
  /** The whole event as JSON (bigints as strings, unstorable characters escaped). */
  body: Json
  quarantined_at: Timestamp
}

/** Shared per-key request counts (migration 0013; rateLimits.ts). */
export interface RateLimitsTable {
  key: string
  window_start: Timestamp
  count: Int8
}

export interface DB {
  merchants: MerchantsTable
  merchant_payout_keys: MerchantPayoutKeysTable
  merchant_logos: MerchantLogosTable
  rate_limits: RateLimitsTable
  api_keys: ApiKeysTable
  checkouts: CheckoutsTable
  deposit_targets: DepositTargetsTable
  payments: PaymentsTable
  outbox_events: OutboxEventsTable
  webhook_attempts: WebhookAttemptsTable
  idempotency_keys: IdempotencyKeysTable
  chain_cursors: ChainCursorsTable
  leases: LeasesTable
  unmatched_payments: UnmatchedPaymentsTable
  watcher_status: WatcherStatusTable
  watcher_samples: WatcherSamplesTable
  checkout_counts: CheckoutCountsTable
  checkout_count_deltas: CheckoutCountDeltasTable
  ops_counts: OpsCountsTable
  ops_count_deltas: OpsCountDeltasTable
  address_pool: AddressPoolTable
  quarantined_events: QuarantinedEventsTable
}
