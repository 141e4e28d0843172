/**
 * What the api entry of RESULTS.md explains after its figures: the two baselines, where the time goes, what was
 * cut and what is left (from the profiles, pgbench runs and in-process measurements named here).
 */
export const API_NOTES = `#### Baselines, where the time goes, and what is left

- **Two baselines.** *bare* is the minimal server (its own one-table schema: one INSERT, one SELECT by key). *same*
  is the same bare server on Inzi's tables running Inzi's own statements (\`hotStatements\` from
  adapter-postgres: the pooled create statement, the checkout read) as named prepared statements, with its own
  merchant and address pool — "the same insert/select" of the issue; the gap between *same* and *inzi* is the
  server alone (routing, auth, validation, Effect, rendering, logs, metrics). The targets are judged on it. The
  gap between *bare* and *same* is the schema: pgbench on the statements alone (10 clients) put the pooled create
  at ≈ 350 µs of Postgres CPU against ≈ 130 µs for the minimal INSERT (a pool slot deleted, two rows inserted,
  13 index entries instead of 2), so against the minimal baseline create cannot pass ≈ 50–60 % whatever the server
  does; its ratio is kept beside the other.
- **get** (≥ 70 % of same): **missed** — medians 64–65 % in the last runs of 2026-12-03 (rounds 59–79 %; 58 % on
  the same machine before that day's changes, 65–71 % in the morning's runs when *same* was slower). Inzi's
  server CPU per read is ≈ 190–220 µs (≈ 225–240 before that day's changes) against ≈ 110–130 µs for *same*.
  Earlier rounds cut: ONE JSON column for the read
  (pg rebuilt a parser per described column and parsed every timestamp: ≈ 30 µs), precompiled statements on a
  pooled pg client as a ready Query, a plain-Map key cache, the renderer as two native JSON.stringify calls,
  static routes by one map lookup, metrics label sets rendered once. This round: the driver path is callbacks
  from the pool to the fiber (it was a dozen promises and microtask hops per read), the key hash is Node's
  one-shot \`crypto.hash\` (the route in-process: 42 → 38 µs), the GET route reads its services from one context
  read and runs auth + rate limit as one continuation (38 → 33–35 µs), parameter routes are found by method and
  segment count, a request's metrics are three map lookups instead of two label-key strings built. Where the
  rest goes, measured (before the last two of these) by switching pieces off in the running server (user CPU of
  the server per GET, 64 connections; *same* ≈ 86–90 µs for everything): healthz 38–41 (the bare server: 25.5); GET
  answering a constant 1 755-byte body before auth 45, after auth and the route's Effect chain 64–69; plus the
  read through the driver resumed by Effect.async, the row's JSON echoed as *same* does, 147–155; plus the
  store's decoding into the domain Checkout and rendering the API object (1 755 bytes with five payment options,
  against the 600-byte row *same* echoes; rendering ≈ 12.7 µs in-process, half of it native JSON.stringify) 180–200.
  The read costs Inzi ≈ 85 µs against ≈ 60 µs in *same*: Effect's suspend/resume (≈ 10 µs in-process) and the
  garbage collector — while 64 requests wait on Postgres each holds its fiber, continuations and request objects,
  so ≈ 1 MB survives each scavenge and ≈ 600 KB is promoted (*same*: 190 KB and 3 KB; \`--trace-gc-nvp\`); the
  GC column shows ≈ 8 µs of main-thread pauses per GET against ≈ 1.5. Tried and not kept: a larger young
  generation (\`--max-semi-space-size=64\`: scavenges 4 × rarer but larger, no reliable change over three
  alternations), a hand-written JSON serializer for the checkout (≈ 10.1 against 12.9 µs: not worth a second
  serializer held byte-equal). Closing the rest would take the GET path off a fiber per request (routes as plain
  functions over callback ports), a design change not made. p99 met (≈ 24–30 ms).
- **create** (≥ 60 % of same): met (medians 72–83 % on 2026-12-03); Postgres's work per create is the same as *same*'s (same
  statement), Inzi's server adds validation, ids, the use case's Effect steps, rendering and one log line
  (server CPU ≈ 370–460 µs against ≈ 170–220). Cut in this round: the body is read before the route's fiber
  starts, ids come from pooled CSPRNG bytes, log lines are written once per event-loop turn, and migration 0008
  dropped the checkouts/deposit_targets foreign keys to merchants (each create took a FOR KEY SHARE lock on its
  merchant's row twice; pgbench: ≈ 120 µs of Postgres CPU and ≈ 20 % of throughput).
- **create-inline** (pool emptied): derivation on the request path (≈ 0.5 ms of CPU per address in JS) bounds it
  at a few hundred creates/s. Its Postgres CPU per create (≈ 1.5–4 ms) is mostly the database's background work
  (autovacuum, WAL writer, checkpointer) divided by few requests, plus three statements (two empty-pool looks and
  the insert). Since commit 901ed1a a pool found empty is looked up only above the hint for 1 s, instead of every
  create walking the dead index entries of all slots taken since the last VACUUM from the lowest index.
- **p99 < 50 ms at 64 connections**: met for get (≈ 24–37 ms); missed for create (≈ 56–91 ms; *same* ≈ 38–68 ms):
  64 requests in flight at N creates/s wait ≈ 64 / N s each, and N is bound by Postgres's ≈ 0.4–0.5 ms of CPU per
  create on a machine whose 2 cores also run the server and the load generator.
- **list over 1 000 000** (target p50 < 50 ms, \`total\` exact): \`total\` is no longer a \`count(*)\` over the
  merchant's rows (that read every matching index entry or seq-scanned: ≈ 95–130 ms for a million). Migration 0004
  keeps exact per-(merchant, mode, stored status) counts without a hot row: statement-level triggers on checkouts
  (INSERT — COPY included —, status-changing UPDATE, DELETE; TRUNCATE empties them) append one delta row per
  (merchant, mode, status) a statement touches to \`checkout_count_deltas\`; a list sums the compacted
  \`checkout_counts\` and its deltas in one statement (one snapshot, so the sum is what \`count(*)\` would say).
  Compaction folds deltas into \`checkout_counts\` in one atomic statement (SKIP LOCKED): a batch per sweeper
  round, and by the read itself when it finds ≥ 256. The time-dependent part (pending past \`expires_at\` reads as
  expired) is counted exactly in the same statement from the partial index \`checkouts_pending_expiry
  (merchant_id, mode, expires_at) WHERE status = 'pending'\`: its cost is the number of overdue checkouts the
  sweeper has not written yet — ≈ 50 000 in this seed, which runs no worker; near zero with the sweeper running.
  The "exact" column checks every \`total\` against \`count(*)\`. Lists with created_after/created_before still
  \`count(*)\` their range (exact, O(rows in range)); a large OFFSET still walks the index to it.`
