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
- **get** (≥ 70 % of same): **missed** — after the fiber-less GET (2026-12-03 afternoon, commit f821a51) the medians
  read 61 % (12 rounds × 4 s), 61 % (9 × 5 s), 70 % (5 × 8 s) and 66 % (7 × 5 s, packages from dist/); rounds spread
  49–103 % because this machine's speed drifts by a third within minutes (*same* alone moved 6 000 ↔ 10 200 req/s).
  Before that change, the same machine that day: 51 % (3 rounds, 15:11Z). Inzi's server CPU per read ≈ 113–150 µs
  against ≈ 75–96 µs for *same* (≈ 153–170 before; ≈ 225–240 at the start of the previous session). **The fiber-less
  GET**: when the request's key is in the key cache, the dispatcher answers GET one checkout with plain code — key
  hash, \`cachedActiveKey\`, rate limit, the store's callback read \`getCheckoutDirect\` straight from the driver's
  callback, render, write — and no Effect fiber; a key the cache does not hold takes the Effect route (which refills
  the cache). Main-thread GC per GET fell from ≈ 8.6–11 to ≈ 2.2–3.7 µs (*same* ≈ 1.1–2.6). Earlier rounds cut: ONE
  JSON column for the read (pg rebuilt a parser per described column and parsed every timestamp: ≈ 30 µs), precompiled
  statements as named prepared statements on a pooled client, a plain-Map key cache, the renderer as two native
  JSON.stringify calls, routes found by one map lookup or by method and segment count, metrics by bound series, the
  key hash by one-shot \`crypto.hash\`. **Where the rest goes.** In-process (no HTTP, 16 reads in flight), Inzi's read
  + decode + render costs ≈ 57 µs of client CPU against ≈ 42 µs for *same*'s query + JSON.stringify of the row:
  rendering the API object (1 751 bytes, five payment options, against the 599-byte row *same* echoes) ≈ 6.5 µs
  against ≈ 1.3, decoding the row into the domain Checkout ≈ 2 µs, the key hash ≈ 1.2 µs; Inzi allocates ≈ 22 KB per
  read against ≈ 12 KB. A fiber-less /healthz (an experiment, not kept) cost the same as the bare server's (27 against
  26 µs per request), so the dispatcher itself (route match, request id, metrics, log, headers) is ≈ 1–2 µs. Under
  HTTP load the **Postgres backends spend more CPU per Inzi read** — ≈ 88–138 µs against ≈ 57–72 µs for *same*'s
  identical statement — though the work is identical (one commit and ≈ 2 tuples per request, one voluntary context
  switch per query for both; in-process both cost Postgres ≈ 50–58 µs). Experiments (not kept in this file): not the
  pool size (5, 10 and 20 connections alike), not V8's GC threads (\`--single-threaded-gc\` alike), and not a slower
  server as such: *same* slowed by a 40 µs busy wait per request kept ≈ 82–90 µs. The likely cause is the heavier
  server process sharing the two cores' caches with Postgres (more preemptions of backends: 0.09–0.12 per query
  against 0.06); it weighs on the ratio as much as the server's own CPU. The load generator, on the same two cores,
  also spends more per Inzi read (≈ 61–87 µs against ≈ 47–75 µs: Inzi's 1 751-byte responses against 599 bytes, and
  the Authorization header). Tried and not kept: a smaller young generation (1 or 4 MB semi-spaces: GC 3–4 × more per
  request), a larger one (\`--max-semi-space-size=64\`, no reliable change), a hand-written JSON serializer (≈ 10.1
  against 12.9 µs: a second serializer held byte-equal is not worth it). p99 met (≈ 22–38 ms).
- **create** (≥ 60 % of same): met (medians 72–83 % on 2026-12-03); Postgres's work per create is the same as
  *same*'s (same statement), Inzi's server adds validation, ids, the use case's Effect steps, rendering and one log
  line (server CPU ≈ 370–460 µs against ≈ 170–220). Cut in this round: the body is read before the route's fiber
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
