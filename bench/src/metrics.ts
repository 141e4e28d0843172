/**
 * bench:metrics — what a /metrics scrape costs as the checkouts table grows (issue #28): the real server (a child
 * process on Postgres) scraped with the gauge cache off (every scrape reads the database) at ≈ 0 checkouts (the
 * baseline, same run) and after 1 000 000 more (one INSERT … SELECT generate_series), each finished one with its
 * delivered webhook event and one attempt (what a million checkouts leave in the outbox); the grouped scans the
 * gauges ran before (checkouts by status, outbox by status, attempts by outcome), timed on the same tables for
 * comparison; then 8 concurrent scrapers against a server with the cache as shipped (5 s), and an authenticated
 * GET's latency with and without them. Bounded: ≈ 4 min, most of it the seeding.
 */
import { Worker } from "node:worker_threads"
import pg from "pg"
import { startChild } from "./lib/proc.js"
import { appendResult, machineFacts } from "./lib/results.js"
import { benchSchema, DATABASE_URL, seedCheckouts } from "./lib/shared.js"

const ROWS = Number(process.env.BENCH_METRICS_ROWS ?? 1_000_000)
const SCRAPES = 30
const CONCURRENT = 8
const WINDOW_MS = 3_000

const facts = machineFacts()
const schema = benchSchema("metrics")
console.log(`schema ${schema}; ${ROWS} checkouts`)
const admin = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` })
await admin.connect()

type Ready = { url: string; metricsUrl: string; key: string; merchantId: string }
const server = (cacheMs: string) =>
  startChild<Ready>("api/inzi-server.ts", [schema], {
    quiet: true,
    env: { BENCH_METRICS_CACHE_MS: cacheMs, BENCH_LOG_LEVEL: "warn" },
  })

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
}
const ms = (x: number) => x.toFixed(1)

const timed = async (f: () => Promise<unknown>) => {
  const t = performance.now()
  await f()
  return performance.now() - t
}
const scrape = async (base: string) => {
  const r = await fetch(`${base}/metrics`)
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`)
  return r.text()
}
/** `n` scrapes one after another: their times in ms. */
const scrapes = async (base: string, n = SCRAPES) => {
  for (let i = 0; i < 5; i++) await scrape(base) // warm
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(await timed(() => scrape(base)))
  return out
}
/** The queries the gauges ran before (grouped scans of checkouts, outbox events, attempts), timed the same way. */
const oldScan = async (n = 5) => {
  const out: number[] = []
  for (let i = 0; i < n; i++)
    out.push(
      await timed(async () => {
        await admin.query("SELECT mode, status, count(*) FROM checkouts GROUP BY mode, status")
        await admin.query(
          "SELECT status, count(*), extract(epoch FROM (now() - min(created_at))) FROM outbox_events GROUP BY status",
        )
        await admin.query("SELECT ok, count(*) FROM webhook_attempts GROUP BY ok")
      }),
    )
  return out
}

/** A delivered event and its attempt for every finished checkout: what the outbox holds after them. */
const seedEvents = async () => {
  const t0 = performance.now()
  await admin.query(
    `INSERT INTO outbox_events (id, type, checkout_id, merchant_id, mode, url, body, status, attempts, created_at,
       delivered_at)
     SELECT 'evt_' || substr(id, 10), 'checkout.' || status, id, merchant_id, mode, 'https://shop.example/h', '{}',
       'delivered', 1, updated_at, updated_at
     FROM checkouts WHERE status <> 'pending'`,
  )
  await admin.query(
    `INSERT INTO webhook_attempts (event_id, at, status_code, latency_ms, error, ok, worker)
     SELECT id, created_at, 200, 5, NULL, true, 'bench' FROM outbox_events WHERE attempts = 1`,
  )
  await admin.query("VACUUM ANALYZE outbox_events, webhook_attempts")
  const events = await admin.query<{ n: string }>("SELECT count(*)::text AS n FROM outbox_events")
  return { seconds: (performance.now() - t0) / 1000, events: Number(events.rows[0]?.n ?? 0) }
}
/** `n` loops scraping `url` back to back, in a worker thread (not this event loop, which times the GETs). */
const scrapers = (url: string, n: number) => {
  const w = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads")
     let stop = false, scraped = 0
     parentPort.once("message", () => { stop = true })
     const loop = async () => { while (!stop) { const r = await fetch(workerData.url); await r.text(); scraped++ } }
     Promise.all(Array.from({ length: workerData.n }, loop)).then(() => parentPort.postMessage(scraped))`,
    { eval: true, workerData: { url: `${url}/metrics`, n } },
  )
  return {
    stop: () =>
      new Promise<number>((resolve) => {
        w.once("message", (scraped: number) => {
          void w.terminate()
          resolve(scraped)
        })
        w.postMessage("stop")
      }),
  }
}

/** Authenticated GETs of one checkout, one after another for WINDOW_MS, while `n` scraper loops run. */
const getLatency = async (s: Ready, id: string, n: number) => {
  const loops = n > 0 ? scrapers(s.metricsUrl, n) : null
  if (loops !== null) await new Promise((r) => setTimeout(r, 200))
  const out: number[] = []
  const end = performance.now() + WINDOW_MS
  while (performance.now() < end)
    out.push(
      await timed(async () => {
        const r = await fetch(`${s.url}/api/v1/checkouts/${id}`, {
          headers: { authorization: `Bearer ${s.key}` },
        })
        if (r.status !== 200) throw new Error(`GET answered ${r.status}`)
        await r.text()
      }),
    )
  return { out, scraped: (await loops?.stop()) ?? 0 }
}

const rows: string[][] = []
const row = (what: string, xs: ReadonlyArray<number>, note = "") =>
  rows.push([what, ms(quantile(xs, 0.5)), ms(quantile(xs, 0.95)), note])

/** A checkout of the server's first merchant (its GET is the one measured). */
const checkoutOf = async (s: Ready) => {
  const r = await fetch(`${s.url}/api/v1/checkouts`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.key}`, "content-type": "application/json" },
    body: JSON.stringify({ amount: "10.00", currency: "USD" }),
  })
  if (r.status !== 201) throw new Error(`create answered ${r.status}: ${await r.text()}`)
  return ((await r.json()) as { id: string }).id
}

const fresh = await server("0")
let cached: Awaited<ReturnType<typeof server>> | undefined
try {
  row("scrape, ≈ 0 checkouts (baseline)", await scrapes(fresh.ready.metricsUrl))
  row("before: grouped scans, ≈ 0 checkouts", await oldScan())

  console.log(`seeding ${ROWS} checkouts…`)
  const seedS = await seedCheckouts(admin, { merchantIds: [fresh.ready.merchantId], rows: ROWS })
  const ev = await seedEvents()
  console.log(
    `seeded in ${seedS.toFixed(1)} s; ${ev.events} events and attempts in ${ev.seconds.toFixed(1)} s`,
  )

  const big = await scrapes(fresh.ready.metricsUrl)
  row(`scrape, ${ROWS} checkouts, ${ev.events} events and attempts`, big)
  row(`before: grouped scans, ${ROWS} checkouts, ${ev.events} events`, await oldScan())
  const text = await scrape(fresh.ready.metricsUrl)
  const counted = [...text.matchAll(/^inzi_checkouts\{[^}]*\} (\d+)$/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  )
  const events = Number(/^inzi_webhook_events\{status="delivered"\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN)

  cached = await server("5000")
  const id = await checkoutOf(cached.ready)
  const quiet = await getLatency(cached.ready, id, 0)
  row("authenticated GET, no scraper", quiet.out)
  const busy = await getLatency(cached.ready, id, CONCURRENT)
  row(
    `authenticated GET, ${CONCURRENT} scrapers (cache 5 s)`,
    busy.out,
    `${busy.scraped} scrapes in ${WINDOW_MS / 1000} s`,
  )

  const table = [
    "| measurement | p50 ms | p95 ms | note |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n")
  const body = `Scrapes on the metrics listener, gauge cache off (every scrape reads the database), ${SCRAPES} in a row; "before" is the grouped scans the gauges ran before the counters (checkouts by status, outbox events by status, attempts by outcome), timed from the bench on the same tables. Seeded ${ROWS} checkouts in ${seedS.toFixed(1)} s (seedCheckouts: one INSERT … SELECT generate_series, VACUUM ANALYZE), then a delivered event and one attempt per finished checkout (${ev.events} of each, ${ev.seconds.toFixed(1)} s); the gauges counted ${counted} checkouts and ${events} delivered events after it. GETs: one at a time for ${WINDOW_MS / 1000} s against a second server process (cache as shipped), the scrapers back to back in a worker thread of the bench.\n\n${table}`
  console.log(body)
  appendResult("metrics", body, facts)
} finally {
  await cached?.stop()
  await fresh.stop()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
  await admin.end()
}
