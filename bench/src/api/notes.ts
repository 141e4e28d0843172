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
- **get** (≥ 70 % of same): **met** — 85 % (median of 5 rounds, 76–89 %; create then get, 5 × 5 s, packages from
  dist/, 2026-12-03 22:15Z, commit 141abf0) once **Postgres stopped paying twice for Inzi's reads** (141abf0). Until
  then Postgres's CPU per Inzi read was ≈ 94–127 µs against ≈ 62–69 for *same*'s identical statement, and get read
  60–71 % (three runs that afternoon: 71 % at 20:03Z, commit 5daca2f; 60 % at 20:55Z; 63 % at 21:05Z). Per backend
  (/proc, each of the ten pooled connections serving a tenth of the reads) the reason showed: *same*'s backends all
  spent ≈ 6–7 µs per read, while Inzi's split into ones at ≈ 6–7 and ones at ≈ 13–24 µs, with three times the
  system time and one minor page fault per read — two of them at first, most of them a few rounds later. strace
  on a slow backend: two \`brk\` calls per query; gdb on \`brk\`: \`sbrk\` under \`tuplesort_begin_heap\` in a
  subplan. The read's \`json_agg(… ORDER BY detected_at, tx_hash, log_index)\` over the checkout's payments is an
  ordered aggregate, which sets a sort up on every execution, even over no rows — ≈ 24 KB malloc'd and freed per
  read; in a backend whose heap top sat just there, glibc grew the heap and trimmed it back on every read (which
  backends fall into this, and why *same*'s did not in these runs, I did not establish). The read now runs that
  aggregate only when the checkout has a payment (\`CASE WHEN EXISTS\`: the same index probe its scan began with);
  a contract test checks on EXPLAIN ANALYZE that its subplan runs 0 times for a paymentless checkout, once for a
  paid one. *same* runs the new statement too (it runs \`hotStatements\`). After: Postgres per Inzi read ≈ 86–98 µs
  against ≈ 74–89, and no backend called \`brk\` under load (strace, 2 s on each). A checkout with payments still
  sets the sort up. The rest of the gap is the server's (below). **The pool worker** (5daca2f): the bench used to
  refill both merchants' address
  pools from inside the Inzi server child between measurements (≈ 40 000 derivations each time, in the process being
  measured — in production the worker's pool job does this, in its own process); after the create phase that
  server's GC per read doubled (7–11 µs against 4–5) and get read 51–61 %. A pool-worker child now fills the pools;
  Inzi's GC per read after the creates is 2.6–4.5 µs (*same* 1.6–2.1). Inzi's server CPU per read is 122–141 µs
  against 90–105 for *same* (22:15Z).
  Rounds spread widely: this machine's speed drifts by a third within minutes (*same* alone moved
  6 000 ↔ 10 200 req/s). What moved it, newest first:
  **the payment options written out** (f046d4f): Node 20's JSON.stringify took ≈ 2.8 µs on the five option
  objects of a read; when none of their inputs needs escaping their text is now concatenated (≈ 1.2 µs with the
  check), and timestamps are formatted from the UTC fields (≈ 0.3 µs against ≈ 0.7) — the render ≈ 6.9 → 3.2 µs
  in-process; Inzi's server CPU per read ≈ 135–146 µs against ≈ 92–110 for *same* (18:03Z).
  **The benchmark runs the built packages** (dist/, what operators run; before, the sources through tsx): on one
  commit, four alternating runs read 61 % and 64 % from dist/ against 53 % and 55 % from source (17:45–17:53Z).
  **The fiber-less GET** (f821a51): when the request's key is in the key cache, the dispatcher answers GET one
  checkout with plain code — key hash, the key cache's memory read, rate limit, the store's callback read
  (today adapter-postgres's \`PgFastPath\`) straight from the driver's callback, render, write — and no Effect fiber; a key the cache
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
  per request for both). Before 141abf0 the Postgres backends spent ≈ 64–82 µs user + 55–79 µs system per Inzi
  read against ≈ 52–69 + 27–35 for *same*'s identical statement, which was read then as Postgres following the
  server's load (*same* slowed by a 40 µs busy wait per request also raised its Postgres CPU per read, ≈ 57–72 →
  82–90 µs); most of it was the per-read sort in the backends whose heap thrashed (above), which neither a
  system-wide profile nor that experiment on *same*'s backends could show. On these two cores the server's CPU still costs Postgres and the load generator some of theirs. Tried and not kept: smaller
  semi-spaces (1 or 4 MB: GC 3–4 × more per request), a larger one (\`--max-semi-space-size=64\`, no reliable
  change), Node's \`--use-largepages=on\` for the servers (52 %, no help), a whole hand-written checkout
  serializer (≈ 10.1 against 12.9 µs then: a second serializer of everything held byte-equal is not worth it; the
  options alone, guarded by their inputs, are). p99 met (26–35 ms at 22:15Z; ≈ 22–59 ms over the day).
- **create** (≥ 60 % of same): met — medians 102 %, 82 % and 99 % in the afternoon's three runs (5daca2f, 94bdfa4, 64a75b6;
  rounds 71–114 %; 69–83 % earlier that day) and 102 % at 22:15Z (rounds 74–108 %). Postgres's work per create is *same*'s (same statement); Inzi's server adds auth, validation,
  ids, rendering and one log line. **The fiber-less create** (1506202): like GET, the common case — a key in the key
  cache, no Idempotency-Key, a pooled deposit slot — runs without an Effect fiber: the plain checks
  (\`prepareCreate\`, shared with the Effect route), then core's \`createCheckoutWith\` (then named createPooledCheckoutWith; the use case's own
  decisions), which runs the pool's one statement through the fast path's callback and answers from the driver's
  callback; every other case past the key check (an Idempotency-Key, an empty pool, a TON-only checkout) runs the
  use case's Effect with the principal already admitted. Inzi's GC per create fell from ≈ 28–31 µs (4404731) to
  ≈ 10–15 (1506202; *same* ≈ 8–17), its server CPU from ≈ 430–510 µs to ≈ 280–410, and to ≈ 260–320 once the pools
  were filled outside the server (5daca2f; *same* ≈ 190–270); the ratio went 73 % (1506202) → 102 % (5daca2f): the
  refills inside the measured server had left it garbage to collect during the next measurement. Earlier rounds cut: the body read before the route's fiber starts, ids from pooled CSPRNG bytes, log
  lines written once per event-loop turn, and migration 0008 dropped the checkouts/deposit_targets foreign keys to
  merchants (each create took a FOR KEY SHARE lock on its merchant's row twice; pgbench: ≈ 120 µs of Postgres CPU
  and ≈ 20 % of throughput).
- **create-inline** (pool emptied): each create derives its EVM and Tron addresses on the request path. Since #30,
  without a fiber: core's \`createCheckoutWith\` goes on from the pooled statement to the fast path's \`takeSlot\`,
  the family modules' \`deriveSync\` and its plain insert (the Effect route only for an Idempotency-Key); one
  statement per create — a take on a pool this process knows empty hands out an index of a block it drew ahead
  (\`freshIndexBlock\`, 32 by default, one statement a block; a pooled look on such a pool is skipped too) — and
  the insert runs precompiled (a named prepared statement); derivation by @inzi/hd's byte-wise comb (one mixed
  addition per byte of IL on the special prime) and one field inversion per address by Lehmer's extended Euclid
  (a refill's batch shares one). A pool found empty is looked up from the lowest index at most once a second (901ed1a).
- **p99 < 50 ms at 64 connections**: met for get (26–48 ms in the afternoon's three runs, 26–35 at 22:15Z, 15–17 on
  2026-12-06); **met for create, with little margin** — 47 and 44 ms (rounds 38–59; *same* 33–47) in the two runs
  with a warm load generator (below). On 2026-12-06 (a fresh machine: creates ran ≈ 2 500–3 100/s against
  ≈ 1 400–2 500 on 12-03, *same* ≈ 3 000–3 500 against ≈ 1 600–2 800; Postgres CPU per create ≈ 290–360 µs
  against ≈ 370–720) the 5-round median was 50 ms (commit 8ceaded; rounds 37–66, *same* 35–62 in the same run),
  a 3-round diagnostic run read 40–44 (*same* 38–50), and the next two 5-round runs 39 ms each (commits 92c2d90 and 3deee91; rounds 32–44 and 36–72,
  *same* 32–57 and 36–46): met there, at the edge — two 3-round diagnostic runs half an hour later, in a slower
  phase of the machine (Inzi ≈ 1 700–2 200 creates/s), read 43–60 and 50–72 ms (*same* 40–53 and 35–50). Whether
  INZI_KEY_CACHE_MS was 1 000 or 60 000 made no difference there that the drift did not swamp. **The load
  generator warms up too** (4c10fd4): each measurement used to start a new load-generator
  process after the warm-up's, and that process was still compiling its own code in the first fraction of a second
  — the first 0.5 s of a measurement held most of every server's creates over 50 ms (bare 31 of 31, 41 of 73 and 61
  of 61; *same* 0–77 of 10–200; Inzi 31–110 of 40–112 in faster measurements, 4–327 of 200–944 in slower ones; GC
  pauses near the starts ≤ 7 ms). Warm-up and measurement now run in one load-generator process (two autocannon
  runs); in a 3-round try the first 0.5 s then held 0–16 of them (31 of bare's 117 once) and Inzi's create p99
  read 34–52 ms (*same* 35–38). p99
  figures before that commit include the cold start and read higher. On 12-03 Inzi read 61–81, 98–110, 71–164, 70–86 and
  51–104 ms against the same-SQL server's 57–81, 62–101, 62–174, 58–98 and 45–98 ms in the same runs. **No stall
  behind the tail** (12-06, per-request latencies in 250 ms windows from a temporary patch to the load generator,
  with pg_stat_activity and pg_stat_bgwriter sampled every 100 ms): each window's slowest create sits at ≈ 30–60 ms
  throughout a measurement (higher only in the first 0.5 s), no autovacuum or checkpoint ran during one, 0–9
  backends waited on WALWrite at any sample — the tail is 64 requests queueing on two saturated cores, the same
  for both servers. **The key cache refreshes ahead** (8ceaded): with plain expiry, every request in flight when
  the key's entry expired (once per INZI_KEY_CACHE_MS; ≈ 3.7 % of creates at 1 s) fell back to the Effect route
  and queued behind one key lookup in the pg pool; an A/B on 12-03 (INZI_KEY_CACHE_MS 1 000 against 60 000,
  four rounds each) read p99 58–68 against 56–59 ms and ≈ 2 000 against ≈ 2 150–2 220 creates/s. An entry in use
  is now looked up again in the background in the last quarter of its life. A pg pool of 4, 6, 10 or 24
  connections per server (12-03) did not lower the p99 (24 raised it). strace on the backends under creates shows
  no \`brk\` (the GET's heap trouble is not the create's): Inzi's
  server no longer adds a tail of its own (before the fiber-less create: Inzi 93–223 ms against 70–165), and what is
  left is Postgres's. 64 requests in flight at N creates/s wait
  ≈ 64 / N s each, and N is bound by Postgres's ≈ 0.5–0.7 ms of CPU per create (a pool slot deleted, the checkout
  and its targets inserted: 13 index entries, six of them in b-trees on random keys, and the statement-level count
  trigger) on a machine whose 2 cores also run the server and the load generator; even the minimal one-table
  server reads 35–94 ms. pgbench on the create statement alone (10 clients, three alternating rounds of 10 s on
  populated, analyzed tables, 2026-12-03 20:10Z): ≈ 410–540 µs of Postgres CPU per create; without the count trigger
  ≈ 310–450, without the deposit_targets → checkouts foreign key ≈ 340–365. Each is ≈ 15–25 % of Postgres's share,
  i.e. ≈ 10 % of the machine's CPU per create once the server and the load generator are counted (≈ 400 µs more):
  not enough for 50 ms, and each guards something (exact list totals for every writer, COPY included; targets
  only of existing checkouts), so both stay. (A first pgbench run put the RI check on a sequential scan: it ran on a
  checkouts table analyzed while empty, so every new connection's cached RI plan scanned the table; the api bench
  does not hit this — \`pg_stat_user_tables.seq_scan\` on checkouts stays flat through its create rounds.) Passing
  50 ms here would take fewer writes per create (fewer indexes, no separate targets row) — a schema change for
  every query that reads them, not done. GC under 64 in-flight creates
  (measured before the fiber-less create, not kept): 20 scavenges of ≈ 6.4 ms per 5 s, mark-compacts of ≈ 13 ms;
  \`--max-semi-space-size=64\` halved the GC time but not the p99.
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
