/**
 * Benchmark #30 scale: one worker watching the devnet with 1 merchant / 1 open checkout, then with 10 000
 * merchants / 1 000 000 open checkouts, in the same run. Each size gets a fresh worker process (child, so its
 * RSS is its own; its first cycle reads the whole watch set, later ones only what is new), then probe checkouts
 * are created (SQL, one transaction each, like a create) and paid on the devnet one by one, and the first
 * `checkout.processing` (or `completed`) webhook is timed from the transfer's send. Per watcher cycle: the RPC
 * calls (watcher_status.rpc_calls over the target loads in the window), the database time of the watcher's
 * target reads and of all the worker's other statements (timed around each `pg` query in the child, from the
 * call to its answer: includes the loopback round trip and the child's event-loop waits), and the worker's RSS.
 * Seeding is plain SQL (generate_series) on real PostgreSQL.
 *
 * Per size: a quiet window first (no payment: the bare cost of a cycle), then the probes' window.
 *
 * Env: BENCH_MERCHANTS (10 000), BENCH_CHECKOUTS (1 000 000), BENCH_PROBES (20), BENCH_SPACING_MS (1 500),
 * BENCH_QUIET_MS (20 000).
 */
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { loadavg } from "node:os"
import { compactCheckoutCounts, makeDatabase, migrate } from "@inzi/adapter-postgres"
import { payTo } from "@inzi/devnet"
import pg from "pg"
import { cpuDelta, type GcTotals, startChild } from "./lib/proc.js"
import { appendResult, fmt, machineFacts, quantile, table } from "./lib/results.js"
import { benchSchema, DATABASE_URL } from "./lib/shared.js"

const MERCHANTS = Number(process.env.BENCH_MERCHANTS ?? 10_000)
const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 1_000_000)
const PROBES = Number(process.env.BENCH_PROBES ?? 20)
const SPACING_MS = Number(process.env.BENCH_SPACING_MS ?? 1500)
const QUIET_MS = Number(process.env.BENCH_QUIET_MS ?? 20_000)
const facts = machineFacts()
const loadAtStart = loadavg()
const schema = benchSchema("scale")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const devnet = await startChild<{ rpcUrl: string; usdt: string; decimals: number }>(
  "detection/devnet-child.ts",
  ["1000"],
)
const arrivals = new Map<string, number>()
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    const at = performance.now()
    try {
      const e = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        type: string
        data: { object: { id: string } }
      }
      if (
        (e.type === "checkout.processing" || e.type === "checkout.completed") &&
        !arrivals.has(e.data.object.id)
      )
        arrivals.set(e.data.object.id, at)
    } catch {}
    res.writeHead(200).end()
  })
})
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`

const database = await makeDatabase({ databaseUrl: DATABASE_URL, schema })
await migrate(database.db)
const sqlc = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path="${schema}"` })
await sqlc.connect()

/** Merchants `mer_scale_<from..to>` with an EVM xpub and the devnet in test mode. */
const seedMerchants = async (from: number, to: number) => {
  await sqlc.query(
    `INSERT INTO merchants (id, name, webhook_secret, test_webhook_url, networks, created_at, updated_at)
     SELECT 'mer_scale_' || i, 'Scale ' || i, 'whsec_scale', $3, '{"live":[],"test":["devnet"]}'::jsonb, now(), now()
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to, hookUrl],
  )
  await sqlc.query(
    `INSERT INTO merchant_payout_keys (merchant_id, family, key)
     SELECT 'mer_scale_' || i, 'evm', 'xpub-scale-' || i FROM generate_series($1::int, $2::int) AS i`,
    [from, to],
  )
}
/** Open test checkouts `from..to` (expiring in a day) spread over `merchants`, each with an EVM address. */
const seedCheckouts = async (from: number, to: number, merchants: number) => {
  await sqlc.query("BEGIN")
  await sqlc.query(
    `INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, description, networks, expires_at,
       created_at, updated_at)
     SELECT 'chk_test_' || lpad(to_hex(i), 24, '0'), 'mer_scale_' || (1 + i % $3::int), 'test', 'pending', 1000,
       'seeded', '["devnet"]'::jsonb, now() + interval '1 day', now(), now()
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to, merchants],
  )
  await sqlc.query(
    `INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, lookup)
     SELECT 'chk_test_' || lpad(to_hex(i), 24, '0'), 'evm', 'mer_scale_' || (1 + i % $3::int), i,
       '0x' || lpad(to_hex(i), 40, '0'), '0x' || lpad(to_hex(i), 40, '0')
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to, merchants],
  )
  await sqlc.query("COMMIT")
}
let probeSeq = 0
/** A checkout created as a create would (one transaction), with a fresh random address. */
const probeCheckout = async () => {
  const id = `chk_test_probe${String(++probeSeq).padStart(19, "0")}`
  const address = `0x${randomBytes(20).toString("hex")}`
  await sqlc.query("BEGIN")
  await sqlc.query(
    `INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at, updated_at)
     VALUES ($1, 'mer_scale_1', 'test', 'pending', 1000, '["devnet"]'::jsonb, now() + interval '1 hour', now(), now())`,
    [id],
  )
  await sqlc.query(
    `INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, lookup)
     VALUES ($1, 'evm', 'mer_scale_1', $2, $3, $3)`,
    [id, 1_000_000_000 + probeSeq, address],
  )
  await sqlc.query("COMMIT")
  return { id, address }
}
const rpcCalls = async () =>
  Number(
    (
      await sqlc.query<{ n: string }>(
        `SELECT rpc_calls::text AS n FROM watcher_status WHERE network = 'devnet'`,
      )
    ).rows[0]?.n ?? 0,
  )

interface Db {
  targetReads: number
  targetMs: number
  loads: number
  other: number
  otherMs: number
  postgresCpuMs: number
  loopMeanMs: number
  loopP99Ms: number
  loopMaxMs: number
}
type Statements = Record<string, { n: number; ms: number }>
/** The statements that took longest per cycle between two `statements` answers. */
const topStatements = (a: Statements, b: Statements, cycles: number) =>
  Object.entries(b)
    .map(([text, s]) => ({
      text,
      n: (s.n - (a[text]?.n ?? 0)) / cycles,
      ms: (s.ms - (a[text]?.ms ?? 0)) / cycles,
    }))
    .filter((s) => s.n > 0)
    .sort((x, y) => y.ms - x.ms)
    .slice(0, 5)
    .map((s) => `${fmt(s.ms, 2)} ms × ${fmt(s.n, 2)}: ${s.text}`)
/** Node flags for the worker child (a profile: `--cpu-prof --cpu-prof-dir=…`). */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")
let lastPaymentAt = Number.NEGATIVE_INFINITY
/** One size: a fresh worker, its first (whole) load, then PROBES paid checkouts. */
const measure = async (label: string) => {
  const t0 = performance.now()
  const worker = await startChild<{ pid: number }>(
    "scale/worker-child.ts",
    [DATABASE_URL, schema, devnet.ready.rpcUrl],
    { execArgv: WORKER_NODE_ARGS },
  )
  try {
    // The first cycle has read the whole set once a second load starts.
    // The longest the worker's event loop stalled meanwhile (each `db` answer restarts the histogram).
    let firstLoadLoopMaxMs = 0
    for (;;) {
      const d = await worker.ask<Db>("db")
      firstLoadLoopMaxMs = Math.max(firstLoadLoopMaxMs, d.loopMaxMs)
      if (d.loads >= 2) break
      await sleep(200)
    }
    const firstLoadS = (performance.now() - t0) / 1000
    const firstLoadDbS = (await worker.ask<Db>("db")).targetMs / 1000
    const rssAfterLoad = await worker.ask<number>("rss")
    // Caught up (blocks mined meanwhile), then a quiet window: the cost of a cycle with no payment to record,
    // once the last size's payments are deeper than the scanner re-checks them (confirmations + 64 blocks).
    await sleep(Math.max(5000, lastPaymentAt + 90_000 - performance.now()))
    /** The worker's totals now: statement times, its backends' CPU, its own CPU and GC; the RPC calls. */
    const sample = async () => ({
      db: await worker.ask<Db>("db"),
      rpc: await rpcCalls(),
      cpu: await worker.ask<NodeJS.CpuUsage>("cpu"),
      gc: await worker.ask<GcTotals>("gc"),
      statements: await worker.ask<Statements>("statements"),
    })
    type Sample = Awaited<ReturnType<typeof sample>>
    const perCycle = (a: Sample, b: Sample) => {
      const cycles = b.db.loads - a.db.loads
      return {
        cycles,
        rpc: (b.rpc - a.rpc) / cycles,
        targetMs: (b.db.targetMs - a.db.targetMs) / cycles,
        otherMs: (b.db.otherMs - a.db.otherMs) / cycles,
        statements: (b.db.targetReads - a.db.targetReads + b.db.other - a.db.other) / cycles,
        postgresCpuMs: (b.db.postgresCpuMs - a.db.postgresCpuMs) / cycles,
        workerCpuMs: cpuDelta(a.cpu, b.cpu) / 1000 / cycles,
        gcMs: (b.gc.ms - a.gc.ms) / cycles,
        // The event-loop histogram restarts at each `db` answer: b's covers the window.
        loop: `${fmt(b.db.loopMeanMs, 1)} / ${fmt(b.db.loopP99Ms, 0)} / ${fmt(b.db.loopMaxMs, 0)}`,
        top: topStatements(a.statements, b.statements, cycles),
      }
    }
    const q0 = await sample()
    await sleep(QUIET_MS)
    const q1 = await sample()
    const rss: Array<number> = [await worker.ask<number>("rss")]
    const sent: Array<{ id: string; at: number }> = []
    const amount = 10n * 10n ** BigInt(devnet.ready.decimals)
    for (let i = 0; i < PROBES; i++) {
      const c = await probeCheckout()
      const at = performance.now()
      await payTo({ rpcUrl: devnet.ready.rpcUrl, token: devnet.ready.usdt, to: c.address, amount })
      sent.push({ id: c.id, at })
      lastPaymentAt = performance.now()
      rss.push(await worker.ask<number>("rss"))
      await sleep(SPACING_MS)
    }
    const deadline = performance.now() + 30_000
    while (sent.some((s) => !arrivals.has(s.id)) && performance.now() < deadline) await sleep(100)
    const p1 = await sample()
    rss.push(await worker.ask<number>("rss"))
    const latencies = sent.filter((s) => arrivals.has(s.id)).map((s) => arrivals.get(s.id)! - s.at)
    const r = {
      label,
      firstLoadS,
      firstLoadDbS,
      firstLoadLoopMaxMs,
      quiet: perCycle(q0, q1),
      payments: perCycle(q1, p1),
      rssAfterLoadMb: rssAfterLoad / 2 ** 20,
      rssMaxMb: Math.max(rssAfterLoad, ...rss) / 2 ** 20,
      rssEndMb: rss.at(-1)! / 2 ** 20,
      delivered: `${latencies.length}/${sent.length}`,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
    }
    console.log(JSON.stringify(r))
    return r
  } finally {
    await worker.stop()
  }
}

let body = ""
try {
  await seedMerchants(1, 1)
  await seedCheckouts(1, 1, 1)
  await sqlc.query("VACUUM ANALYZE")
  const small = await measure("1 merchant, 1 open checkout")
  const s0 = performance.now()
  await seedMerchants(2, MERCHANTS)
  const step = 100_000
  for (let from = 2; from <= CHECKOUTS; from += step)
    await seedCheckouts(from, Math.min(CHECKOUTS, from + step - 1), MERCHANTS)
  await sqlc.query("VACUUM ANALYZE")
  // The seed's count deltas (a row per merchant per statement) are folded now, as the sweeper would in the
  // minute that follows: a backlog a bulk seed makes, not one of a million creates spread over time.
  while ((await compactCheckoutCounts(database.db)) > 0) {}
  // And its gigabyte of dirty pages written out now, not by the checkpointer during the measurement (where it
  // slows every commit's WAL flush, the small size's window having had no such load).
  await sqlc.query("CHECKPOINT")
  const seedS = (performance.now() - s0) / 1000
  const open = Number(
    (await sqlc.query<{ n: string }>(`SELECT count(*)::text AS n FROM checkouts WHERE status = 'pending'`))
      .rows[0]!.n,
  )
  const large = await measure(
    `${MERCHANTS.toLocaleString("en")} merchants, ${open.toLocaleString("en")} open checkouts`,
  )
  const rows = [small, large].flatMap((r) =>
    (
      [
        ["quiet", r.quiet],
        [`${PROBES} payments`, r.payments],
      ] as const
    ).map(([what, w]) => [
      `${r.label}: ${what}`,
      fmt(w.rpc, 2),
      fmt(w.targetMs, 2),
      fmt(w.otherMs, 2),
      fmt(w.postgresCpuMs, 1),
      fmt(w.workerCpuMs, 1),
      fmt(w.gcMs, 2),
      w.loop,
      fmt(w.statements, 1),
      what === "quiet" ? "" : `${fmt(r.rssEndMb)} (max ${fmt(r.rssMaxMb)})`,
      what === "quiet" ? "" : `${r.delivered}: ${fmt(r.p50)} / ${fmt(r.p95)}`,
      String(w.cycles),
    ]),
  )
  const t = small.quiet.targetMs + small.quiet.otherMs
  const T = large.quiet.targetMs + large.quiet.otherMs
  const verdict = [
    `- remote calls per cycle, quiet: ${fmt(small.quiet.rpc, 2)} → ${fmt(large.quiet.rpc, 2)}; with payments ${fmt(small.payments.rpc, 2)} → ${fmt(large.payments.rpc, 2)} (target: the same)`,
    `- database time per cycle, quiet (target reads + other statements, call to answer): ${fmt(t, 2)} ms → ${fmt(T, 2)} ms, ×${fmt(T / t, 2)} (target ≤ ×2): ${T <= 2 * t ? "met" : "MISSED"}; the target reads alone ${fmt(small.quiet.targetMs, 2)} → ${fmt(large.quiet.targetMs, 2)} ms; PostgreSQL CPU of the worker's backends ${fmt(small.quiet.postgresCpuMs, 1)} → ${fmt(large.quiet.postgresCpuMs, 1)} ms per cycle; the worker's GC ${fmt(small.quiet.gcMs, 2)} → ${fmt(large.quiet.gcMs, 2)} ms per cycle; its event-loop delay mean / p99 / max ${small.quiet.loop} → ${large.quiet.loop} ms`,
    `- worker RSS: ${fmt(small.rssEndMb)} MB → ${fmt(large.rssEndMb)} MB (max ${fmt(large.rssMaxMb)}), +${fmt(large.rssMaxMb - small.rssEndMb)} MB at most (target < +300 MB): ${large.rssMaxMb - small.rssEndMb < 300 ? "met" : "MISSED"}`,
    `- send → first processing/completed webhook p50: ${fmt(small.p50)} ms → ${fmt(large.p50)} ms (target < 1 500 ms): ${small.p50 < 1500 && large.p50 < 1500 ? "met" : "MISSED"}`,
    `- the worker's first, whole read of the targets (once per start or lease taken): ${fmt(small.firstLoadDbS, 2)} s → ${fmt(large.firstLoadDbS, 2)} s of queries; start → second cycle ${fmt(small.firstLoadS, 1)} s → ${fmt(large.firstLoadS, 1)} s; the worker's longest event-loop stall meanwhile ${fmt(small.firstLoadLoopMaxMs)} → ${fmt(large.firstLoadLoopMaxMs)} ms`,
    `- seeding ${MERCHANTS.toLocaleString("en")} merchants and ${CHECKOUTS.toLocaleString("en")} checkouts (generate_series, 100 000 per transaction, VACUUM ANALYZE, count deltas folded): ${fmt(seedS, 0)} s; load average at start ${loadAtStart.map((x) => x.toFixed(1)).join(" ")}, at end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} (2 cores, shared)`,
  ].join("\n")
  const tops = [small, large]
    .map(
      (r) =>
        `${r.label}, quiet: the statements that took longest per cycle (call to answer, ms × count per cycle)\n${r.quiet.top.map((l) => `  - \`${l}\``).join("\n")}`,
    )
    .join("\n")
  console.log(verdict)
  body = `${verdict}\n\nOne worker process per size (devnet, EVM watcher poll 1 s, 3 confirmations, dispatcher poll 1 s, address pool off), ${PROBES} probe checkouts per size, each created in one transaction then paid ≈ every ${SPACING_MS} ms. DB ms: each \`pg\` query of the worker timed from call to answer (includes the loopback round trip and every wait for this machine's CPUs), per watcher cycle; "target reads" are the watcher's reads of its deposit targets, "other" every other statement of the worker (lease, pending payments, cursor, events, status, dispatcher, sweeper). PostgreSQL CPU: user + system time of the worker's own backends (/proc/<pid>/stat in 10 ms ticks; the pids are its \`pg\` clients'), the server's side of those statements. Worker CPU (all its threads) and GC pauses (perf_hooks): the worker process's. Event-loop delay: its \`monitorEventLoopDelay\` (10 ms resolution) over the window. RSS: the worker process's, at the end of the payments' window (max over its samples and right after the first load).\n\n${table(["size", "RPC calls / cycle", "target reads ms / cycle", "other DB ms / cycle", "PostgreSQL CPU ms / cycle", "worker CPU ms / cycle", "worker GC ms / cycle", "event-loop delay mean / p99 / max ms", "statements / cycle", "worker RSS MB", "webhook n: p50 / p95 ms", "cycles"], rows)}\n\n${tops}`
} finally {
  await sqlc.end()
  await database.close()
  receiver.close()
  await devnet.stop()
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
  await admin.end()
}
appendResult("#30 scale", body, facts)
process.exit(0)
