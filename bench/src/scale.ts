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
import { makeDatabase, migrate } from "@inzi/adapter-postgres"
import { payTo } from "@inzi/devnet"
import pg from "pg"
import { startChild } from "./lib/proc.js"
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
await database.close()
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
}
let lastPaymentAt = Number.NEGATIVE_INFINITY
/** One size: a fresh worker, its first (whole) load, then PROBES paid checkouts. */
const measure = async (label: string) => {
  const t0 = performance.now()
  const worker = await startChild<{ pid: number }>("scale/worker-child.ts", [
    DATABASE_URL,
    schema,
    devnet.ready.rpcUrl,
  ])
  try {
    // The first cycle has read the whole set once a second load starts.
    while ((await worker.ask<Db>("db")).loads < 2) await sleep(200)
    const firstLoadS = (performance.now() - t0) / 1000
    const firstLoadDbS = (await worker.ask<Db>("db")).targetMs / 1000
    const rssAfterLoad = await worker.ask<number>("rss")
    // Caught up (blocks mined meanwhile), then a quiet window: the cost of a cycle with no payment to record,
    // once the last size's payments are deeper than the scanner re-checks them (confirmations + 64 blocks).
    await sleep(Math.max(5000, lastPaymentAt + 90_000 - performance.now()))
    const q0 = await worker.ask<Db>("db")
    const qRpc0 = await rpcCalls()
    await sleep(QUIET_MS)
    const q1 = await worker.ask<Db>("db")
    const qRpc1 = await rpcCalls()
    const quietCycles = q1.loads - q0.loads
    const db0 = q1
    const rpc0 = qRpc1
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
    const db1 = await worker.ask<Db>("db")
    const rpc1 = await rpcCalls()
    rss.push(await worker.ask<number>("rss"))
    const cycles = db1.loads - db0.loads
    const latencies = sent.filter((s) => arrivals.has(s.id)).map((s) => arrivals.get(s.id)! - s.at)
    const r = {
      label,
      firstLoadS,
      firstLoadDbS,
      quietCycles,
      quietRpcPerCycle: (qRpc1 - qRpc0) / quietCycles,
      quietTargetMsPerCycle: (q1.targetMs - q0.targetMs) / quietCycles,
      quietOtherMsPerCycle: (q1.otherMs - q0.otherMs) / quietCycles,
      quietStatementsPerCycle: (q1.targetReads - q0.targetReads + q1.other - q0.other) / quietCycles,
      cycles,
      rpcPerCycle: (rpc1 - rpc0) / cycles,
      targetMsPerCycle: (db1.targetMs - db0.targetMs) / cycles,
      otherMsPerCycle: (db1.otherMs - db0.otherMs) / cycles,
      statementsPerCycle: (db1.targetReads - db0.targetReads + db1.other - db0.other) / cycles,
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
  const seedS = (performance.now() - s0) / 1000
  const open = Number(
    (await sqlc.query<{ n: string }>(`SELECT count(*)::text AS n FROM checkouts WHERE status = 'pending'`))
      .rows[0]!.n,
  )
  const large = await measure(
    `${MERCHANTS.toLocaleString("en")} merchants, ${open.toLocaleString("en")} open checkouts`,
  )
  const rows = [small, large].flatMap((r) => [
    [
      `${r.label}: quiet`,
      fmt(r.quietRpcPerCycle, 2),
      fmt(r.quietTargetMsPerCycle, 2),
      fmt(r.quietOtherMsPerCycle, 2),
      fmt(r.quietStatementsPerCycle, 1),
      "",
      "",
      String(r.quietCycles),
    ],
    [
      `${r.label}: ${PROBES} payments`,
      fmt(r.rpcPerCycle, 2),
      fmt(r.targetMsPerCycle, 2),
      fmt(r.otherMsPerCycle, 2),
      fmt(r.statementsPerCycle, 1),
      `${fmt(r.rssEndMb)} (max ${fmt(r.rssMaxMb)})`,
      `${r.delivered}: ${fmt(r.p50)} / ${fmt(r.p95)}`,
      String(r.cycles),
    ],
  ])
  const t = small.quietTargetMsPerCycle + small.quietOtherMsPerCycle
  const T = large.quietTargetMsPerCycle + large.quietOtherMsPerCycle
  const verdict = [
    `- remote calls per cycle, quiet: ${fmt(small.quietRpcPerCycle, 2)} → ${fmt(large.quietRpcPerCycle, 2)}; with payments ${fmt(small.rpcPerCycle, 2)} → ${fmt(large.rpcPerCycle, 2)} (target: the same)`,
    `- database time per cycle, quiet (target reads + other statements): ${fmt(t, 2)} ms → ${fmt(T, 2)} ms, ×${fmt(T / t, 2)} (target ≤ ×2): ${T <= 2 * t ? "met" : "MISSED"}; the target reads alone ${fmt(small.quietTargetMsPerCycle, 2)} → ${fmt(large.quietTargetMsPerCycle, 2)} ms`,
    `- worker RSS: ${fmt(small.rssEndMb)} MB → ${fmt(large.rssEndMb)} MB (max ${fmt(large.rssMaxMb)}), +${fmt(large.rssMaxMb - small.rssEndMb)} MB at most (target < +300 MB): ${large.rssMaxMb - small.rssEndMb < 300 ? "met" : "MISSED"}`,
    `- send → first processing/completed webhook p50: ${fmt(small.p50)} ms → ${fmt(large.p50)} ms (target < 1 500 ms): ${small.p50 < 1500 && large.p50 < 1500 ? "met" : "MISSED"}`,
    `- the worker's first, whole read of the targets (once per start or lease taken): ${fmt(small.firstLoadDbS, 2)} s → ${fmt(large.firstLoadDbS, 2)} s of queries; start → second cycle ${fmt(small.firstLoadS, 1)} s → ${fmt(large.firstLoadS, 1)} s`,
    `- seeding ${MERCHANTS.toLocaleString("en")} merchants and ${CHECKOUTS.toLocaleString("en")} checkouts (generate_series, 100 000 per transaction, VACUUM ANALYZE): ${fmt(seedS, 0)} s; load average at start ${loadAtStart.map((x) => x.toFixed(1)).join(" ")}, at end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} (2 cores, shared)`,
  ].join("\n")
  console.log(verdict)
  body = `${verdict}\n\nOne worker process per size (devnet, EVM watcher poll 1 s, 3 confirmations, dispatcher poll 1 s, address pool off), ${PROBES} probe checkouts per size, each created in one transaction then paid ≈ every ${SPACING_MS} ms. DB time: each \`pg\` query of the worker timed from call to answer (no pg_stat_statements on this server), per watcher cycle; "target reads" are the watcher's reads of its deposit targets, "other" every other statement of the worker (lease, pending payments, cursor, events, status, dispatcher, sweeper). RSS: the worker process's, at the end of the payments' window (max over its samples and right after the first load).\n\n${table(["size", "RPC calls / cycle", "target reads ms / cycle", "other DB ms / cycle", "statements / cycle", "worker RSS MB", "webhook n: p50 / p95 ms", "cycles"], rows)}`
} finally {
  await sqlc.end()
  receiver.close()
  await devnet.stop()
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
  await admin.end()
}
appendResult("#30 scale", body, facts)
process.exit(0)
