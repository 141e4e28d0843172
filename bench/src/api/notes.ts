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
- **get** (≥ 70 % of same): **met in one of the three runs with the latest code, so not reliably** — medians, packages
  from dist/: 72 % (get alone, 5 rounds × 5 s, 2026-12-03 18:03Z, commit f046d4f), 61 % (create then get, 7 × 5 s,
  18:17Z, commit 042840b: after the create phase Inzi's GC per read doubled, 7–10 µs against 4–5, and its server CPU
  per read rose to 145–219 µs) and 67 % (get alone, 7 × 5 s, 18:52Z, commit 1587134, on a slower stretch: *same*
  4 900–6 400 req/s). Rounds spread widely: this machine's speed drifts by a third within minutes (*same* alone moved
  6 000 ↔ 10 200 req/s). What moved it, newest first:
  **the payment options written out** (f046d4f): Node 20's JSON.stringify took ≈ 2.8 µs on the five option
  objects of a read; when none of their inputs needs escaping their text is now concatenated (≈ 1.2 µs with the
  check), and timestamps are formatted from the UTC fields (≈ 0.3 µs against ≈ 0.7) — the render ≈ 6.9 → 3.2 µs
  in-process; Inzi's server CPU per read ≈ 135–146 µs against ≈ 92–110 for *same* (18:03Z).
  **The benchmark runs the built packages** (dist/, what operators run; before, the sources through tsx): on one
  commit, four alternating runs read 61 % and 64 % from dist/ against 53 % and 55 % from source (17:45–17:53Z).
  **The fiber-less GET** (f821a51): when the request's key is in the key cache, the dispatcher answers GET one
  checkout with plain code — key hash, \`cachedActiveKey\`, rate limit, the store's callback read
  \`getCheckoutDirect\` straight from the driver's callback, render, write — and no Effect fiber; a key the cache
  does not hold takes the Effect route (which refills the cache). Main-thread GC per GET fell from ≈ 8.6–11 to
  ≈ 2.2–3.7 µs; 51 % → 61–70 % (from source) that day. Earlier rounds cut: ONE JSON column for the read (pg rebuilt
  a parser per described column and parsed every timestamp: ≈ 30 µs), precompiled statements as named prepared
  statements on a pooled client, a plain-Map key cache, routes found by nested map lookups, metrics by bound
  series, the key hash by one-shot \`crypto.hash\`. **Where the rest goes.** In-process (no HTTP), Inzi's read +
  decode + render cost ≈ 57 µs of client CPU against ≈ 42 µs for *same*'s query + JSON.stringify of the row before
  the render change (≈ 3.5 µs less since): rendering the 1 751-byte API object (five payment options) against
  echoing the 599-byte row, decoding the row into the domain Checkout ≈ 2 µs, the key hash ≈ 1.2 µs. Under load,
  per request (/proc, per thread, 2026-12-03 17:15Z, from source): Inzi's main thread ≈ 97–102 µs user +
  37–41 µs system against *same*'s 61–69 + 32–35, with the same system calls (strace -c: two writev and two reads
  per request for both). The Postgres backends spend ≈ 64–82 µs user + 55–79 µs system per Inzi read against
  ≈ 52–69 + 27–35 for *same*'s identical statement — also with every backend freshly connected before each
  measurement, so not the backends' history — and a system-wide perf (cpu-clock) profile spreads the extra user
  time evenly over Postgres's functions (≈ + 45 % each, no planning: both run the prepared generic plan) and puts
  the extra kernel time in the TCP receive path. It follows the server's load, not its SQL: *same* slowed by a 40 µs
  busy wait per request (an experiment of the previous session) also raised its Postgres CPU per read (≈ 57–72 →
  82–90 µs). So on these two cores a µs of server CPU costs roughly two, and 70 % needs Inzi's server within
  ≈ 30 µs per read of one that only runs the query and stringifies the row. Tried and not kept: smaller
  semi-spaces (1 or 4 MB: GC 3–4 × more per request), a larger one (\`--max-semi-space-size=64\`, no reliable
  change), Node's \`--use-largepages=on\` for the servers (52 %, no help), a whole hand-written checkout
  serializer (≈ 10.1 against 12.9 µs then: a second serializer of everything held byte-equal is not worth it; the
  options alone, guarded by their inputs, are). p99 met (≈ 22–59 ms; 59 only after the create phase).
- **create** (≥ 60 % of same): met (medians 72–83 % on 2026-12-03, 69 % in the evening's create-then-get run);
  Postgres's work per create is the same as *same*'s (same statement), Inzi's server adds validation, ids, the use
  case's Effect steps, rendering and one log line (server CPU ≈ 370–460 µs against ≈ 170–220). Cut in this round: the
  body is read before the route's fiber starts, ids come from pooled CSPRNG bytes, log lines are written once per
  event-loop turn, and migration 0008 dropped the checkouts/deposit_targets foreign keys to merchants (each create took
  a FOR KEY SHARE lock on its merchant's row twice; pgbench: ≈ 120 µs of Postgres CPU and ≈ 20 % of throughput).
- **create-inline** (pool emptied): derivation on the request path (≈ 0.5 ms of CPU per address in JS) bounds it
  at a few hundred creates/s. Its Postgres CPU per create (≈ 1.5–4 ms) is mostly the database's background work
  (autovacuum, WAL writer, checkpointer) divided by few requests, plus three statements (two empty-pool looks and
  the insert). Since commit 901ed1a a pool found empty is looked up only above the hint for 1 s, instead of every
  create walking the dead index entries of all slots taken since the last VACUUM from the lowest index.
- **p99 < 50 ms at 64 connections**: met for get (above); missed for create (Inzi ≈ 93–223 ms in the evening of
  2026-12-03, *same* ≈ 70–165 ms; earlier that day ≈ 56–91 and ≈ 38–68): 64 requests in flight at N creates/s wait
  ≈ 64 / N s each, and N is bound by Postgres's ≈ 0.6–0.9 ms of CPU per create on a machine whose 2 cores also run the
  server and the load generator. Inzi's tail is longer than *same*'s by its lower N and its garbage collection: each
  in-flight create holds its fiber, parsed command and queued statement, so a young-generation collection copies a few
  MB — measured over 5 s of creates (experiment, not kept): 20 scavenges of ≈ 6.4 ms each (max ≈ 10), plus mark-compacts
  of ≈ 13 ms; each pause delays all 64 requests. \`--max-semi-space-size=64\` for every server (experiment, not kept:
  two paired runs) halved Inzi's GC time per create (≈ 15–31 µs against 30–40) but not its p99 (≈ 119–174 ms against
  ≈ 93–216): the pauses are as long, only fewer. What would: fewer live objects per in-flight create (a fiber-less
  create path like GET's), which was not done.
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
