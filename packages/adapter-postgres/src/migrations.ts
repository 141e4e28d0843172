import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely"

/**
 * Forward-only migrations, kept in code (no files to ship or find at run time). Never edit a released
 * migration: add a new one, named with the next number (the migrator refuses a name that sorts before one
 * already applied). Each statement runs on its own (PGlite takes one statement per query).
 */
/** The SQL of every migration, by name (applied in name order). */
export const MIGRATION_SQL: Readonly<Record<string, ReadonlyArray<string>>> = {
  "0001_initial": [
    `CREATE TABLE merchants (
      id text PRIMARY KEY,
      seq_no bigserial NOT NULL UNIQUE,
      name text NOT NULL,
      webhook_url text,
      webhook_secret text NOT NULL,
      evm_xpub text,
      tron_xpub text,
      ton_wallet text,
      networks jsonb NOT NULL DEFAULT '{"live":[],"test":[]}',
      index_sequence text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE TABLE api_keys (
      id text PRIMARY KEY,
      merchant_id text NOT NULL REFERENCES merchants(id),
      mode text NOT NULL CHECK (mode IN ('live', 'test')),
      prefix text NOT NULL UNIQUE,
      hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`,
    `CREATE INDEX api_keys_merchant ON api_keys (merchant_id, created_at)`,
    `CREATE TABLE checkouts (
      id text PRIMARY KEY,
      merchant_id text NOT NULL REFERENCES merchants(id),
      mode text NOT NULL CHECK (mode IN ('live', 'test')),
      status text NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'expired', 'underpaid')),
      amount_cents bigint NOT NULL CHECK (amount_cents > 0),
      currency text NOT NULL DEFAULT 'USD',
      description text,
      metadata text,
      customer_email text,
      redirect_url text,
      webhook_url text,
      networks jsonb NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE INDEX checkouts_list ON checkouts (merchant_id, mode, created_at DESC, id DESC)`,
    `CREATE INDEX checkouts_list_status ON checkouts (merchant_id, mode, status, created_at DESC, id DESC)`,
    `CREATE INDEX checkouts_due ON checkouts (expires_at) WHERE status = 'pending'`,
    `CREATE INDEX checkouts_open ON checkouts (mode, expires_at)`,
    `CREATE TABLE deposit_targets (
      checkout_id text PRIMARY KEY REFERENCES checkouts(id),
      merchant_id text NOT NULL REFERENCES merchants(id),
      derivation_index bigint NOT NULL CHECK (derivation_index >= 0),
      evm_address text,
      tron_address text UNIQUE,
      ton_comment text NOT NULL,
      UNIQUE (merchant_id, derivation_index),
      UNIQUE (merchant_id, ton_comment)
    )`,
    `CREATE UNIQUE INDEX deposit_targets_evm ON deposit_targets (lower(evm_address))`,
    `CREATE INDEX deposit_targets_comment ON deposit_targets (upper(ton_comment))`,
    `CREATE TABLE payments (
      network text NOT NULL,
      tx_hash text NOT NULL,
      log_index integer NOT NULL,
      checkout_id text NOT NULL REFERENCES checkouts(id),
      token text NOT NULL,
      token_contract text NOT NULL,
      decimals integer NOT NULL,
      amount numeric(78, 0) NOT NULL,
      sender text,
      recipient text NOT NULL,
      block_number numeric(78, 0),
      block_hash text,
      status text NOT NULL CHECK (status IN ('detected', 'confirmed', 'late', 'reverted')),
      confirmations integer NOT NULL,
      detected_at timestamptz NOT NULL,
      confirmed_at timestamptz,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (network, tx_hash, log_index)
    )`,
    `CREATE INDEX payments_checkout ON payments (checkout_id, detected_at)`,
    `CREATE INDEX payments_pending ON payments (network) WHERE status = 'detected' OR (status = 'late' AND confirmed_at IS NULL)`,
    `CREATE TABLE outbox_events (
      id text PRIMARY KEY,
      type text NOT NULL,
      checkout_id text NOT NULL REFERENCES checkouts(id),
      merchant_id text NOT NULL REFERENCES merchants(id),
      mode text NOT NULL,
      url text,
      body text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'skipped')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      lease_owner text,
      lease_expires_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz
    )`,
    `CREATE INDEX outbox_due ON outbox_events (next_attempt_at) WHERE status = 'pending'`,
    `CREATE INDEX outbox_leased ON outbox_events (lease_expires_at) WHERE status = 'delivering'`,
    `CREATE INDEX outbox_checkout ON outbox_events (checkout_id, created_at)`,
    `CREATE INDEX outbox_status ON outbox_events (status, created_at DESC)`,
    `CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      event_id text NOT NULL REFERENCES outbox_events(id),
      at timestamptz NOT NULL,
      status_code integer,
      latency_ms integer NOT NULL,
      error text,
      ok boolean NOT NULL,
      worker text NOT NULL
    )`,
    `CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id, at)`,
    `CREATE TABLE idempotency_keys (
      merchant_id text NOT NULL REFERENCES merchants(id),
      mode text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      response_status integer,
      response_body text,
      checkout_id text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (merchant_id, mode, key)
    )`,
    `CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`,
    `CREATE TABLE chain_cursors (
      network text PRIMARY KEY,
      cursor text NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE TABLE leases (
      name text PRIMARY KEY,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    `CREATE TABLE unmatched_payments (
      id text PRIMARY KEY,
      network text NOT NULL,
      tx_hash text NOT NULL,
      log_index integer NOT NULL,
      wallet text NOT NULL,
      memo text,
      token text NOT NULL,
      token_contract text NOT NULL,
      decimals integer NOT NULL,
      amount numeric(78, 0) NOT NULL,
      sender text,
      reason text NOT NULL,
      observed_at timestamptz NOT NULL,
      assigned_checkout_id text REFERENCES checkouts(id),
      assigned_at timestamptz,
      UNIQUE (network, tx_hash, log_index)
    )`,
    `CREATE TABLE watcher_status (
      network text PRIMARY KEY,
      head numeric(78, 0),
      scanned_to numeric(78, 0),
      last_error text,
      updated_at timestamptz NOT NULL
    )`,
  ],
  // `openTargets` reads open checkouts by mode: recent expiry (checkouts_open) OR still open status (this).
  "0002_open_checkouts_index": [
    `CREATE INDEX checkouts_open_status ON checkouts (mode) WHERE status IN ('pending', 'processing')`,
  ],
  // RPC calls and errors of the lease holder's scanner (since it started), for /metrics and `inzi status`.
  "0003_watcher_rpc_counts": [
    `ALTER TABLE watcher_status ADD COLUMN rpc_calls bigint NOT NULL DEFAULT 0,
       ADD COLUMN rpc_errors bigint NOT NULL DEFAULT 0`,
  ],
  // Exact list totals without count(*) over a merchant's rows (checkoutCounts.ts). Stored-status counts per
  // (merchant, mode, status) = `checkout_counts` (compacted) + `checkout_count_deltas` (append-only: every
  // writer adds its own rows, so there is no hot counter row to serialize creates on). Statement-level
  // triggers with transition tables keep them exact for INSERT (COPY included), status-changing UPDATE,
  // DELETE and TRUNCATE; one delta row per (merchant, mode, status) a statement touches. The partial index
  // holds the `pending` rows: its overdue range (expires_at <= now, not yet swept) is what turns stored
  // counts into the statuses a client reads.
  "0004_checkout_counts": [
    `CREATE TABLE checkout_counts (
      merchant_id text NOT NULL,
      mode text NOT NULL,
      status text NOT NULL,
      n bigint NOT NULL,
      PRIMARY KEY (merchant_id, mode, status)
    )`,
    `CREATE TABLE checkout_count_deltas (
      merchant_id text NOT NULL,
      mode text NOT NULL,
      status text NOT NULL,
      n bigint NOT NULL
    )`,
    `CREATE INDEX checkout_count_deltas_key ON checkout_count_deltas (merchant_id, mode)`,
    `CREATE INDEX checkouts_pending_expiry ON checkouts (merchant_id, mode, expires_at) WHERE status = 'pending'`,
    `CREATE FUNCTION checkout_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO checkout_count_deltas (merchant_id, mode, status, n)
        SELECT merchant_id, mode, status, count(*) FROM counted_new GROUP BY 1, 2, 3;
      RETURN NULL;
    END $$`,
    `CREATE FUNCTION checkout_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO checkout_count_deltas (merchant_id, mode, status, n)
        SELECT merchant_id, mode, status, sum(d)::bigint FROM (
          SELECT merchant_id, mode, status, -1 AS d FROM counted_old
          UNION ALL SELECT merchant_id, mode, status, 1 FROM counted_new
        ) x GROUP BY 1, 2, 3 HAVING sum(d) <> 0;
      RETURN NULL;
    END $$`,
    `CREATE FUNCTION checkout_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO checkout_count_deltas (merchant_id, mode, status, n)
        SELECT merchant_id, mode, status, -count(*) FROM counted_old GROUP BY 1, 2, 3;
      RETURN NULL;
    END $$`,
    `CREATE FUNCTION checkout_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE checkout_counts, checkout_count_deltas;
      RETURN NULL;
    END $$`,
    `CREATE TRIGGER checkout_counts_insert AFTER INSERT ON checkouts
      REFERENCING NEW TABLE AS counted_new FOR EACH STATEMENT EXECUTE FUNCTION checkout_counts_insert()`,
    `CREATE TRIGGER checkout_counts_update AFTER UPDATE ON checkouts
      REFERENCING OLD TABLE AS counted_old NEW TABLE AS counted_new
      FOR EACH STATEMENT EXECUTE FUNCTION checkout_counts_update()`,
    `CREATE TRIGGER checkout_counts_delete AFTER DELETE ON checkouts
      REFERENCING OLD TABLE AS counted_old FOR EACH STATEMENT EXECUTE FUNCTION checkout_counts_delete()`,
    `CREATE TRIGGER checkout_counts_truncate AFTER TRUNCATE ON checkouts
      FOR EACH STATEMENT EXECUTE FUNCTION checkout_counts_truncate()`,
    // The triggers hold a lock on checkouts until the migration commits: no write slips between them and this.
    `INSERT INTO checkout_counts (merchant_id, mode, status, n)
      SELECT merchant_id, mode, status, count(*) FROM checkouts GROUP BY 1, 2, 3`,
  ],
  // Pre-derived deposit addresses (core's AddressPool): the worker derives them ahead, a create takes one
  // instead of deriving on the request path. Each slot keeps the xpubs it was derived from (NULL for a family
  // the merchant had no xpub for): a slot whose xpubs are no longer the merchant's is never handed out.
  "0005_address_pool": [
    `CREATE TABLE address_pool (
      merchant_id text NOT NULL REFERENCES merchants(id),
      derivation_index bigint NOT NULL CHECK (derivation_index >= 0),
      evm_xpub text,
      evm_address text,
      tron_xpub text,
      tron_address text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (merchant_id, derivation_index),
      CHECK ((evm_xpub IS NULL) = (evm_address IS NULL) AND (tron_xpub IS NULL) = (tron_address IS NULL))
    )`,
  ],
  // `xpubs_key` (a digest of both xpubs) puts a take on one index range already in order: (merchant, xpubs)
  // equal, lowest index first. Matching the xpubs through a join with merchants let the planner sort the
  // merchant's whole pool per take whenever its row estimate was stale (13 ms a take at 20 000 slots).
  "0006_address_pool_take": [
    `ALTER TABLE address_pool ADD COLUMN xpubs_key text
      GENERATED ALWAYS AS (md5(coalesce(evm_xpub, '') || '/' || coalesce(tron_xpub, ''))) STORED`,
    `CREATE INDEX address_pool_take ON address_pool (merchant_id, xpubs_key, derivation_index)`,
  ],
  // The list total's overdue count (pending past expires_at, one merchant) may be planned on checkouts_due
  // instead of checkouts_pending_expiry when statistics lag behind bulk creates (autoanalyze waits for 10 % of
  // the table): without merchant_id in the index that plan fetched every overdue row from the heap (measured:
  // 122 ms for 50 000 rows vs 13 ms). With merchant_id and mode included it is an index-only scan either way.
  "0007_checkouts_due_include": [
    `DROP INDEX checkouts_due`,
    `CREATE INDEX checkouts_due ON checkouts (expires_at) INCLUDE (merchant_id, mode) WHERE status = 'pending'`,
  ],
  // A foreign key takes a FOR KEY SHARE lock on the referenced row: every create locked its merchant's row
  // twice (checkouts, deposit_targets), so a merchant's concurrent creates all piled share locks (multixacts) on
  // one hot row. Measured with pgbench on the pooled create statement, 10 clients: ≈ 120 µs more Postgres CPU
  // per create and ≈ 20 % fewer creates/s with these two keys. Merchants are never deleted (no code path does),
  // and a create only runs for a merchant its API key just resolved to, so these two keys guarded nothing
  // the application does not. The other references to merchants (keys, pool, outbox, idempotency) stay.
  "0008_checkouts_merchant_fk": [
    `ALTER TABLE checkouts DROP CONSTRAINT checkouts_merchant_id_fkey`,
    `ALTER TABLE deposit_targets DROP CONSTRAINT deposit_targets_merchant_id_fkey`,
  ],
  // Chain events the store could not write (a data error of that event alone: quarantine.ts). Kept for the
  // operator, once per event: the key columns hold escaped text (never NUL) and a bounded transaction hash.
  "0009_quarantined_events": [
    `CREATE TABLE quarantined_events (
      network text NOT NULL,
      tx_hash text NOT NULL,
      log_index numeric NOT NULL,
      event text NOT NULL,
      sqlstate text NOT NULL,
      reason text NOT NULL,
      body jsonb NOT NULL,
      quarantined_at timestamptz NOT NULL,
      PRIMARY KEY (network, tx_hash, log_index, event)
    )`,
  ],
  // Webhook events carry a per-checkout `sequence`: the counter is bumped in the status UPDATE under the row
  // lock, and the number is kept on the event too (NULL for events stored before), so the events of one
  // transaction are claimed in order. Existing checkouts continue after the events they already have. The
  // partial index serves the re-check of recently confirmed payments (reorgs deeper than the confirmations).
  "0010_event_sequence": [
    `ALTER TABLE checkouts ADD COLUMN event_seq integer NOT NULL DEFAULT 0`,
    `ALTER TABLE outbox_events ADD COLUMN sequence integer`,
    `UPDATE checkouts c SET event_seq = e.n
      FROM (SELECT checkout_id, count(*)::integer AS n FROM outbox_events GROUP BY checkout_id) e
      WHERE e.checkout_id = c.id`,
    `CREATE INDEX payments_recently_confirmed ON payments (network, confirmed_at) WHERE status = 'confirmed'`,
  ],
  // One webhook endpoint and secret per mode: test events are signed with a secret of their own and never fall
  // back to the live endpoint. Existing merchants get a fresh random test secret (gen_random_uuid draws from
  // the server's strong random source; volatile, so one per row) and no test endpoint until the operator sets
  // one (`inzi merchant update --test-webhook-url`).
  "0011_webhooks_per_mode": [
    `ALTER TABLE merchants ADD COLUMN test_webhook_url text`,
    `ALTER TABLE merchants ADD COLUMN test_webhook_secret text NOT NULL
       DEFAULT ('whsec_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''))`,
  ],
  // Per-merchant host allow-lists for redirect_url and webhook URLs (exact host or "*.suffix"; [] = any).
  "0012_merchant_allowed_hosts": [
    `ALTER TABLE merchants ADD COLUMN allowed_redirect_hosts jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `ALTER TABLE merchants ADD COLUMN allowed_webhook_hosts jsonb NOT NULL DEFAULT '[]'::jsonb`,
  ],
  // Per-key request counts per fixed window, shared by every server (INZI_RATE_LIMIT_SHARED=1; rateLimits.ts).
  "0013_rate_limits": [
    `CREATE TABLE rate_limits (
      key text NOT NULL,
      window_start timestamptz NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (key, window_start)
    )`,
  ],
  // `duplicate`: a transfer mined again under another key while its first copy stands (core machine.ts); it
  // counts only if that copy is reverted. The deep-reorg re-check covers confirmed late payments too.
  "0014_payment_duplicate": [
    `ALTER TABLE payments DROP CONSTRAINT payments_status_check`,
    `ALTER TABLE payments ADD CONSTRAINT payments_status_check
       CHECK (status IN ('detected', 'confirmed', 'late', 'reverted', 'duplicate'))`,
    `DROP INDEX payments_recently_confirmed`,
    `CREATE INDEX payments_recently_confirmed ON payments (network, confirmed_at)
       WHERE status IN ('confirmed', 'late')`,
  ],
  // Per-merchant branding of the hosted page ({} = defaults; rows.ts reads it leniently), and uploaded logos by
  // their SHA-256 (the page links /p/logo/<sha256>.<ext>; the bytes were type-sniffed and size-checked).
  "0015_merchant_branding": [
    `ALTER TABLE merchants ADD COLUMN branding jsonb NOT NULL DEFAULT '{}'::jsonb`,
    `CREATE TABLE merchant_logos (
      sha256 text PRIMARY KEY,
      content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
      body bytea NOT NULL,
      created_at timestamptz NOT NULL
    )`,
  ],
  // The operator console (apps/server/src/console): accounts, sessions (only the token's SHA-256 is kept),
  // the audit log; indexes for its all-merchant list and its search by transaction hash.
  "0017_operator_console": [
    `CREATE TABLE console_operators (
      id bigserial PRIMARY KEY,
      email text NOT NULL UNIQUE,
      password_hash text NOT NULL,
      merchant_id text REFERENCES merchants (id) ON DELETE CASCADE,
      failed_logins integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      created_at timestamptz NOT NULL
    )`,
    `CREATE TABLE console_sessions (
      hash text PRIMARY KEY,
      operator_id bigint NOT NULL REFERENCES console_operators (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    `CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)`,
    `CREATE TABLE console_audit (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      operator_id bigint,
      operator_email text NOT NULL,
      merchant_id text,
      action text NOT NULL,
      target text,
      detail text,
      address text
    )`,
    `CREATE INDEX console_audit_merchant ON console_audit (merchant_id, id DESC)`,
    `CREATE INDEX checkouts_console_list ON checkouts (mode, created_at DESC, id DESC)`,
    `CREATE INDEX payments_tx_hash ON payments (tx_hash)`,
  ],
  // The console overview's per-day counts of every merchant: an index-only scan of the 30-day window.
  "0018_console_days": [
    `CREATE INDEX checkouts_console_days ON checkouts (mode, created_at) INCLUDE (merchant_id, status, expires_at)`,
  ],
  // The console's watcher history: one row per network and minute (the minute's last report), kept 48 hours
  // by the writer (watcherStatus.ts).
  "0019_watcher_samples": [
    `CREATE TABLE watcher_samples (
      network text NOT NULL,
      minute timestamptz NOT NULL,
      head numeric(78, 0),
      scanned_to numeric(78, 0),
      rpc_calls bigint NOT NULL,
      rpc_errors bigint NOT NULL,
      PRIMARY KEY (network, minute)
    )`,
  ],
  // Payout keys and deposit targets as rows keyed by family (a family module's data, not a column per family).
  // `merchant_payout_keys`: one key per (merchant, family), an xpub or a wallet; `key` indexed for the memo
  // lookup (wallet → merchant). `deposit_targets`: one row per (checkout, family), found by `lookup` (core's
  // `depositLookup`: the address in its family's case, or `<merchant>:<memo>`), ONE unique index for every
  // family. No foreign key to checkouts: a target is written in the statement or transaction of its checkout,
  // checkouts are never deleted, and a key per row would cost one check per family on every create (0008).
  // The pool keeps each slot's targets and the payout keys it was derived under as JSON; only the slots still
  // usable (derived from the merchant's current xpubs) are carried over. A TON comment that equals another of
  // the same merchant but for case (never drawn: comments are upper case) keeps its oldest checkout.
  "0020_family_rows": [
    `CREATE TABLE merchant_payout_keys (
      merchant_id text NOT NULL REFERENCES merchants(id),
      family text NOT NULL,
      key text NOT NULL,
      PRIMARY KEY (merchant_id, family)
    )`,
    `CREATE INDEX merchant_payout_keys_key ON merchant_payout_keys (key)`,
    `INSERT INTO merchant_payout_keys (merchant_id, family, key)
      SELECT id, 'evm', evm_xpub FROM merchants WHERE evm_xpub IS NOT NULL
      UNION ALL SELECT id, 'tron', tron_xpub FROM merchants WHERE tron_xpub IS NOT NULL
      UNION ALL SELECT id, 'ton', ton_wallet FROM merchants WHERE ton_wallet IS NOT NULL`,
    `ALTER TABLE deposit_targets RENAME TO deposit_targets_0019`,
    `CREATE TABLE deposit_targets (
      checkout_id text NOT NULL,
      family text NOT NULL,
      merchant_id text NOT NULL,
      derivation_index bigint NOT NULL CHECK (derivation_index >= 0),
      address text,
      memo text,
      lookup text NOT NULL,
      PRIMARY KEY (checkout_id, family),
      CHECK ((address IS NULL) <> (memo IS NULL))
    )`,
    `CREATE UNIQUE INDEX deposit_targets_lookup ON deposit_targets (lookup, family)`,
    `INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, memo, lookup)
      SELECT t.checkout_id, x.family, t.merchant_id, t.derivation_index, x.address, x.memo, x.lookup
      FROM deposit_targets_0019 t
      JOIN checkouts c ON c.id = t.checkout_id
      CROSS JOIN LATERAL (VALUES
        ('evm', t.evm_address, NULL, lower(t.evm_address)),
        ('tron', t.tron_address, NULL, t.tron_address),
        ('ton', NULL, t.ton_comment, t.merchant_id || ':' || upper(btrim(t.ton_comment)))
      ) AS x(family, address, memo, lookup)
      WHERE x.lookup IS NOT NULL
      ORDER BY c.created_at, c.id
      ON CONFLICT DO NOTHING`,
    `DROP TABLE deposit_targets_0019`,
    `CREATE TABLE address_pool_0020 (
      merchant_id text NOT NULL REFERENCES merchants(id),
      derivation_index bigint NOT NULL CHECK (derivation_index >= 0),
      keys jsonb NOT NULL,
      targets jsonb NOT NULL,
      keys_key text GENERATED ALWAYS AS (md5(keys::text)) STORED,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (merchant_id, derivation_index)
    )`,
    `INSERT INTO address_pool_0020 (merchant_id, derivation_index, keys, targets, created_at)
      SELECT p.merchant_id, p.derivation_index,
        (SELECT coalesce(jsonb_object_agg(k.family, k.key), '{}'::jsonb)
          FROM merchant_payout_keys k WHERE k.merchant_id = p.merchant_id),
        (SELECT coalesce(jsonb_agg(jsonb_build_object('family', x.family, 'address', x.address, 'lookup', x.lookup)
          ORDER BY x.family), '[]'::jsonb)
          FROM (VALUES ('evm', p.evm_address, lower(p.evm_address)), ('tron', p.tron_address, p.tron_address))
            AS x(family, address, lookup)
          WHERE x.address IS NOT NULL),
        p.created_at
      FROM address_pool p JOIN merchants m ON m.id = p.merchant_id
      WHERE p.evm_xpub IS NOT DISTINCT FROM m.evm_xpub AND p.tron_xpub IS NOT DISTINCT FROM m.tron_xpub`,
    `DROP TABLE address_pool`,
    `ALTER TABLE address_pool_0020 RENAME TO address_pool`,
    `ALTER INDEX address_pool_0020_pkey RENAME TO address_pool_pkey`,
    `CREATE INDEX address_pool_take ON address_pool (merchant_id, keys_key, derivation_index)`,
    `ALTER TABLE merchants DROP COLUMN evm_xpub, DROP COLUMN tron_xpub, DROP COLUMN ton_wallet`,
  ],
  // /metrics counts of the outbox by status and of webhook attempts by outcome without scanning either table
  // (opsCounts.ts): the same compacted counts + append-only deltas as 0004, one pair for both tables, keyed by
  // (table, label). Statement-level triggers keep them exact for INSERT, UPDATE, DELETE and TRUNCATE.
  "0022_ops_counts": [
    `CREATE TABLE ops_counts (tbl text NOT NULL, label text NOT NULL, n bigint NOT NULL, PRIMARY KEY (tbl, label))`,
    `CREATE TABLE ops_count_deltas (tbl text NOT NULL, label text NOT NULL, n bigint NOT NULL)`,
    ...(
      [
        ["outbox_events", "status"],
        ["webhook_attempts", "ok::text"],
      ] as const
    ).flatMap(([t, label]) => [
      `CREATE FUNCTION ${t}_ops_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ops_count_deltas (tbl, label, n) SELECT '${t}', ${label}, count(*) FROM counted_new GROUP BY 2;
        RETURN NULL;
      END $$`,
      `CREATE FUNCTION ${t}_ops_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ops_count_deltas (tbl, label, n)
          SELECT '${t}', label, sum(d)::bigint FROM (
            SELECT ${label} AS label, -1 AS d FROM counted_old UNION ALL SELECT ${label}, 1 FROM counted_new
          ) x GROUP BY label HAVING sum(d) <> 0;
        RETURN NULL;
      END $$`,
      `CREATE FUNCTION ${t}_ops_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ops_count_deltas (tbl, label, n) SELECT '${t}', ${label}, -count(*) FROM counted_old GROUP BY 2;
        RETURN NULL;
      END $$`,
      `CREATE FUNCTION ${t}_ops_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM ops_counts WHERE tbl = '${t}';
        DELETE FROM ops_count_deltas WHERE tbl = '${t}';
        RETURN NULL;
      END $$`,
      `CREATE TRIGGER ${t}_ops_insert AFTER INSERT ON ${t}
        REFERENCING NEW TABLE AS counted_new FOR EACH STATEMENT EXECUTE FUNCTION ${t}_ops_insert()`,
      `CREATE TRIGGER ${t}_ops_update AFTER UPDATE ON ${t}
        REFERENCING OLD TABLE AS counted_old NEW TABLE AS counted_new FOR EACH STATEMENT EXECUTE FUNCTION ${t}_ops_update()`,
      `CREATE TRIGGER ${t}_ops_delete AFTER DELETE ON ${t}
        REFERENCING OLD TABLE AS counted_old FOR EACH STATEMENT EXECUTE FUNCTION ${t}_ops_delete()`,
      `CREATE TRIGGER ${t}_ops_truncate AFTER TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${t}_ops_truncate()`,
      // The triggers lock the table until the migration commits: no write slips between them and this.
      `INSERT INTO ops_counts (tbl, label, n) SELECT '${t}', ${label}, count(*) FROM ${t} GROUP BY 2`,
    ]),
  ],
  // The watcher keeps its watch set between cycles (core's WatchIndex) and reads only the targets stored since
  // its last read: `created_xid` is the writing transaction's id, and a read takes the oldest id still running
  // as its cursor, so a target whose transaction commits after a later one is read next time, not skipped.
  // Rows stored before have none: a watcher reads them in its first, whole read. The open-status index gets
  // the expiry, for the targets held by status alone (expired past the lookback, still pending/processing).
  "0023_watch_cursor": [
    `ALTER TABLE deposit_targets ADD COLUMN created_xid xid8`,
    `ALTER TABLE deposit_targets ALTER COLUMN created_xid SET DEFAULT pg_current_xact_id()`,
    `CREATE INDEX deposit_targets_created ON deposit_targets (family, created_xid)`,
    `DROP INDEX checkouts_open_status`,
    `CREATE INDEX checkouts_open_status ON checkouts (mode, expires_at) WHERE status IN ('pending', 'processing')`,
  ],
  // Memo families: the watcher reads the merchants' wallets incrementally as it reads the targets, from the same
  // cursor. `wallet_xid` is the id of the last transaction that changed a merchant's payout keys (insert, update,
  // delete: a statement trigger) or its networks (a row trigger); merchants stored before have none and are read
  // by a watcher's first, whole read.
  "0024_wallet_cursor": [
    `ALTER TABLE merchants ADD COLUMN wallet_xid xid8`,
    `ALTER TABLE merchants ALTER COLUMN wallet_xid SET DEFAULT pg_current_xact_id()`,
    `CREATE INDEX merchants_wallet_xid ON merchants (wallet_xid)`,
    `CREATE FUNCTION merchant_wallet_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE merchants SET wallet_xid = pg_current_xact_id() WHERE id IN (SELECT merchant_id FROM changed_keys);
      RETURN NULL;
    END $$`,
    ...["INSERT", "UPDATE", "DELETE"].map(
      (op) => `CREATE TRIGGER merchant_wallet_${op.toLowerCase()} AFTER ${op} ON merchant_payout_keys
        REFERENCING ${op === "DELETE" ? "OLD" : "NEW"} TABLE AS changed_keys
        FOR EACH STATEMENT EXECUTE FUNCTION merchant_wallet_touch()`,
    ),
    `CREATE FUNCTION merchant_networks_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.networks IS DISTINCT FROM OLD.networks THEN NEW.wallet_xid := pg_current_xact_id(); END IF;
      RETURN NEW;
    END $$`,
    `CREATE TRIGGER merchant_networks_touch BEFORE UPDATE OF networks ON merchants
      FOR EACH ROW EXECUTE FUNCTION merchant_networks_touch()`,
  ],
}

export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.fromEntries(
  Object.entries(MIGRATION_SQL).map(([name, sqls]): [string, Migration] => [
    name,
    {
      up: async (db) => {
        for (const s of sqls) await sql.raw(s).execute(db)
      },
    },
  ]),
)

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) }

/**
 * The migrator, with its bookkeeping tables pinned to the connection's current schema: left unpinned, kysely
 * finds a `kysely_migration` table in *any* schema of the database (another test run's) and skips creating
 * its own.
 */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any database type
const migratorFor = async (db: Kysely<any>): Promise<Migrator> => {
  const r = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db)
  const schema = r.rows[0]?.schema ?? "public"
  return new Migrator({ db, provider, migrationTableSchema: schema })
}

export interface MigrateResult {
  /** Names of the migrations applied by this call (empty when already up to date). */
  readonly applied: ReadonlyArray<string>
}

/**
 * Applies every pending migration (forward only). Safe to run from several processes at once: kysely takes
 * a lock row while migrating.
 * @example
 * const { db, close } = await makeDatabase({ databaseUrl: process.env.DATABASE_URL })
 * await migrate(db)
 */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any database type
export const migrate = async (db: Kysely<any>): Promise<MigrateResult> => {
  const migrator = await migratorFor(db)
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName
    throw new Error(
      `migration ${failed ?? "?"} failed: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) }
}

/**
 * The known migrations not recorded in the current schema's bookkeeping table (all of them when it does not
 * exist), and whether it records names this code does not know (a database migrated by a newer version).
 * Two plain reads: cheaper than the migrator, which creates its tables and takes its lock first.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any database type
export const migrationState = async (db: Kysely<any>) => {
  const table = await sql<{ present: boolean }>`
    SELECT to_regclass(quote_ident(current_schema()) || '.kysely_migration') IS NOT NULL AS present`.execute(
    db,
  )
  const recorded = new Set<string>()
  if (table.rows[0]?.present === true) {
    const r = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)
    for (const row of r.rows) recorded.add(row.name)
  }
  const pending = Object.keys(MIGRATIONS).filter((name) => !recorded.has(name))
  const unknown = [...recorded].filter((name) => !(name in MIGRATIONS))
  return { pending, unknown }
}

/** True when every known migration has been applied (for `/readyz`). */
// biome-ignore lint/suspicious/noExplicitAny: works on any database type
export const migrationsApplied = async (db: Kysely<any>): Promise<boolean> =>
  (await migrationState(db)).pending.length === 0
