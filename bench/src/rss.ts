/**
 * Benchmark 5: resident memory (VmRSS) of the server and the worker as operators run them in production —
 * the built `dist/` with plain `node` (`pnpm build`, then `node apps/<app>/dist/main.js`) — idle and under load,
 * on real Postgres (own schema). Rows from source through tsx (the `dev` way) are kept for comparison.
 *
 * - server idle: `/readyz` answers, then 5 s quiet (median of 10 readings); under load: peak while 64
 *   connections POST checkouts for 10 s and then list 100 at a time for 10 s (autocannon in a child process).
 * - worker idle: no networks (sweeper + dispatcher), 15 s after start; then with the local EVM devnet configured
 *   (tooling/devnet in a child process) watching RSS_OPEN open checkouts.
 * - worker under load: RSS_EXPIRE checkouts turned overdue at once (the sweeper expires them, each writes a
 *   `checkout.expired` webhook that the dispatcher delivers to local receivers on 8 origins) while RSS_PAYMENTS
 *   of the open checkouts are paid on the devnet (the watcher detects and confirms them); peak and after.
 * - baseline rows in the same run: bare `node` + a connected `pg` client, with and without tsx.
 * - import costs: RSS of a plain node process after importing one module (the figures behind the analysis).
 *
 * It runs `pnpm build` first (turbo: a no-op when dist/ is current), so it always measures the current sources.
 * Env: RSS_OPEN (2000), RSS_EXPIRE (4000), RSS_PAYMENTS (30).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { checkoutNetworks, createCheckout, depositTargetOf, issueApiKey, registerMerchant } from "@inzi/core"
import { payTo } from "@inzi/devnet"
import { appLayer, FAMILIES, loadNetworks, readEnv } from "@inzi/platform"
import { Effect, ManagedRuntime } from "effect"
import pg from "pg"
import type { LoadConfig, LoadResult } from "./lib/load-child.js"
import { SOURCE_EXEC_ARGV, startChild } from "./lib/proc.js"
import { appendResult, fmt, machineFacts, table } from "./lib/results.js"
import { accountXpub, benchSchema, DATABASE_URL, TON_WALLET } from "./lib/shared.js"

const OPEN = Number(process.env.RSS_OPEN ?? 2000)
const EXPIRE = Number(process.env.RSS_EXPIRE ?? 4000)
const PAYMENTS = Number(process.env.RSS_PAYMENTS ?? 30)
const SERVER_TARGET = 150
const WORKER_TARGET = 200

const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const build = spawnSync("pnpm", ["build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
if (build.status !== 0) throw new Error("pnpm build failed: bench:rss measures the built dist/")

const facts = machineFacts()
const rssMb = (pid: number): number => {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8")
  } catch {
    throw new Error(`process ${pid} is gone (its log: ${LOG})`)
  }
  const m = /VmRSS:\s+(\d+) kB/.exec(status)
  return m ? Number(m[1]) / 1024 : Number.NaN
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
/** Median of `n` readings `everyMs` apart: one reading is at the mercy of a GC that just ran (or not). */
const idleRss = async (pid: number, n = 10, everyMs = 500) => {
  const xs: number[] = []
  for (let i = 0; i < n; i++) {
    await sleep(everyMs)
    xs.push(rssMb(pid))
  }
  return median(xs)
}
/** Samples a process's RSS every 100 ms until stopped; returns the peak. */
const peakSampler = (pid: number) => {
  let peak = rssMb(pid)
  let gone: unknown = null
  const t = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid))
    } catch (e) {
      gone = e
      clearInterval(t)
    }
  }, 100)
  return () => {
    clearInterval(t)
    if (gone !== null) throw gone
    return peak
  }
}
const stop = async (p: ChildProcess) => {
  if (p.exitCode !== null || p.signalCode !== null) return
  const done = new Promise((r) => p.once("exit", r))
  p.kill("SIGTERM")
  const t = setTimeout(() => p.kill("SIGKILL"), 10_000)
  await done
  clearTimeout(t)
}

type Mode = "dist" | "source"
const LABEL: Record<Mode, string> = { dist: "node dist/main.js", source: "tsx src/main.ts" }
/** The apps' logs (JSON lines on stdout) go to one file, kept for a look when a process dies. */
const LOG = join(tmpdir(), `inzi-rss-${process.pid}.log`)
const logFd = openSync(LOG, "a")
const launch = (mode: Mode, app: "server" | "worker", env: NodeJS.ProcessEnv) =>
  spawn(
    process.execPath,
    mode === "dist" ? [`apps/${app}/dist/main.js`] : [...SOURCE_EXEC_ARGV, `apps/${app}/src/main.ts`],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", logFd, logFd] },
  )

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const a = s.address()
      s.close(() => (typeof a === "object" && a !== null ? resolve(a.port) : reject(new Error("no port"))))
    })
  })

const waitReady = async (url: string, p: ChildProcess) => {
  const t0 = performance.now()
  while (true) {
    if (p.exitCode !== null) throw new Error(`process exited (${p.exitCode}) before /readyz`)
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) return (performance.now() - t0) / 1000
    if (performance.now() - t0 > 60_000) throw new Error("server not ready in 60 s")
    await sleep(100)
  }
}

/** RSS of a plain node process (cwd `dir`) after importing `spec`, median of 3. */
const importRss = (dir: string, spec: string): number => {
  const code = `await import(${JSON.stringify(spec)}); globalThis.gc(); await new Promise((r) => setTimeout(r, 300)); console.log(process.memoryUsage().rss)`
  const xs = [0, 1, 2].map(() => {
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], {
      cwd: join(ROOT, dir),
      encoding: "utf8",
    })
    if (r.status !== 0) throw new Error(`import ${spec}: ${r.stderr}`)
    return Number(r.stdout.trim()) / 2 ** 20
  })
  return median(xs)
}

const BASELINE_JS = `import pg from "pg"
const c = new pg.Client({ connectionString: process.env.DATABASE_URL })
await c.connect()
await c.query("SELECT 1")
setInterval(() => {}, 1000)
process.on("SIGTERM", () => c.end().finally(() => process.exit(0)))`

const HEAD = ["process", "idle RSS MB", "peak RSS MB under load", "RSS MB after load"]
const rows: string[][] = []
const notes: string[] = []
const importRows: string[][] = []
const env = {
  DATABASE_URL,
  HOST: "127.0.0.1",
  INZI_RATE_LIMIT: "0",
  LOG_LEVEL: "warn",
  INZI_ALLOW_PRIVATE_WEBHOOKS: "1",
}
const schemas: string[] = []
const admin = new pg.Client({ connectionString: DATABASE_URL })
await admin.connect()
const cleanups: Array<() => Promise<unknown>> = []
const idle: Record<string, number> = {}
try {
  // ---------------------------------------------------------------- baselines
  for (const tsx of [false, true]) {
    const base = spawn(
      process.execPath,
      [...(tsx ? ["--import", "tsx"] : []), "--input-type=module", "-e", BASELINE_JS],
      {
        cwd: join(ROOT, "bench"),
        env: { ...process.env, DATABASE_URL },
        stdio: ["ignore", "ignore", "inherit"],
      },
    )
    await sleep(3000)
    const r = await idleRss(base.pid!)
    await stop(base)
    rows.push([`bare node${tsx ? " + tsx loader" : ""} + pg client (baseline)`, fmt(r), "—", "—"])
  }

  // ---------------------------------------------------------------- server: idle (both ways), load (dist)
  // a test-mode network, or every create answers 400 no_networks (the server contacts no chain)
  const serverNets = join(tmpdir(), `inzi-rss-server-networks-${process.pid}.json`)
  writeFileSync(serverNets, JSON.stringify({ networks: [{ preset: "devnet" }] }))
  cleanups.push(async () => rmSync(serverNets, { force: true }))
  for (const mode of ["dist", "source"] as const) {
    const schema = benchSchema(`rss_${mode}`)
    schemas.push(schema)
    const senv = { ...env, INZI_DB_SCHEMA: schema, INZI_NETWORKS: serverNets }
    const port = await freePort()
    const server = launch(mode, "server", { ...senv, PORT: String(port) })
    const url = `http://127.0.0.1:${port}`
    const startS = await waitReady(url, server)
    await sleep(5000)
    const serverIdle = await idleRss(server.pid!)
    idle[`server ${mode}`] = serverIdle
    if (mode === "source") {
      await stop(server)
      rows.push([`server, ${LABEL[mode]} (ready in ${fmt(startS, 1)} s)`, fmt(serverIdle), "—", "—"])
      continue
    }
    const rt = ManagedRuntime.make(appLayer(readEnv(senv), loadNetworks(serverNets), { migrate: false }))
    const key = await rt.runPromise(
      Effect.gen(function* () {
        const m = yield* registerMerchant({
          name: "rss",
          payoutKeys: { evm: accountXpub(60, 0), tron: accountXpub(195, 0), ton: TON_WALLET },
        })
        return (yield* issueApiKey(m.id, "test")).key
      }),
    )
    await rt.dispose()
    const peakOf = peakSampler(server.pid!)
    const cfg: LoadConfig = {
      url,
      method: "POST",
      paths: ["/api/v1/checkouts"],
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ amount: "10.00", currency: "USD", description: "rss" }),
      connections: 64,
      seconds: 10,
    }
    const create = await startChild<LoadResult>("lib/load-child.ts", [JSON.stringify(cfg)])
    await create.stop()
    if (create.ready.non2xx > 0)
      throw new Error(`${create.ready.non2xx} creates failed: the load is not the real one`)
    const list = await startChild<LoadResult>("lib/load-child.ts", [
      JSON.stringify({ ...cfg, method: "GET", paths: ["/api/v1/checkouts?limit=100"], body: undefined }),
    ])
    await list.stop()
    const peak = peakOf()
    await sleep(5000)
    const after = rssMb(server.pid!)
    await stop(server)
    rows.push([
      `server, ${LABEL[mode]} (ready in ${fmt(startS, 1)} s)`,
      fmt(serverIdle),
      `${fmt(peak)} (${create.ready.requests} creates, ${create.ready.non2xx} non-2xx; ${list.ready.requests} lists of 100)`,
      fmt(after),
    ])
  }

  // ---------------------------------------------------------------- worker idle, no networks (both ways)
  for (const mode of ["dist", "source"] as const) {
    const schema = benchSchema(`rssw_${mode}`)
    schemas.push(schema)
    const worker = launch(mode, "worker", { ...env, INZI_DB_SCHEMA: schema })
    await sleep(10_000)
    const r = await idleRss(worker.pid!)
    idle[`worker ${mode}`] = r
    await stop(worker)
    rows.push([
      `worker, ${LABEL[mode]}, no networks (sweeper + dispatcher), 15 s after start`,
      fmt(r),
      "—",
      "—",
    ])
  }

  // ---------------------------------------------------------------- worker with the devnet, then under load (dist)
  const devnet = await startChild<{ rpcUrl: string; usdt: string; decimals: number }>(
    "detection/devnet-child.ts",
    ["1000"],
  )
  cleanups.push(() => devnet.stop())
  const receiver = await startChild<{ urls: string[] }>("webhooks/receiver.ts", ["8"])
  cleanups.push(() => receiver.stop())
  const urls = receiver.ready.urls
  const netFile = join(tmpdir(), `inzi-rss-networks-${process.pid}.json`)
  writeFileSync(
    netFile,
    JSON.stringify({
      networks: [
        { preset: "devnet", rpcUrls: [devnet.ready.rpcUrl], confirmations: 2, pollIntervalMs: 1000 },
      ],
    }),
  )
  cleanups.push(async () => rmSync(netFile, { force: true }))
  const schema = benchSchema("rssw_load")
  schemas.push(schema)
  const wenv = { ...env, INZI_DB_SCHEMA: schema, INZI_NETWORKS: netFile }
  const networks = loadNetworks(netFile)
  const rt = ManagedRuntime.make(appLayer(readEnv(wenv), networks))
  const t0 = performance.now()
  const seeded = await rt.runPromise(
    Effect.gen(function* () {
      const merchant = yield* registerMerchant({
        name: "rss worker",
        payoutKeys: { evm: accountXpub(60, 7) },
      })
      const nets = checkoutNetworks(merchant, "test", networks)
      const create = (i: number) =>
        createCheckout({
          merchant,
          mode: "test",
          command: {
            amountCents: 1000n,
            description: "rss worker load",
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: urls[i % urls.length]!,
            expiresInSeconds: 3600,
          },
          networks: nets,
          families: FAMILIES,
          idempotency: null,
          now: new Date(),
        }).pipe(
          Effect.map((r) => {
            if (r._tag !== "Created") throw new Error("not created")
            return { id: r.checkout.id, address: depositTargetOf(r.checkout.targets, "evm")?.address ?? "" }
          }),
        )
      return yield* Effect.forEach(
        Array.from({ length: OPEN + EXPIRE }, (_, i) => i),
        create,
        { concurrency: 8 },
      )
    }),
  )
  await rt.dispose()
  const open = seeded.slice(0, OPEN)
  const toExpire = seeded.slice(OPEN).map((c) => c.id)
  const seedS = (performance.now() - t0) / 1000
  console.log(`seeded ${seeded.length} checkouts in ${fmt(seedS, 1)} s`)

  const worker = launch("dist", "worker", wenv)
  cleanups.push(() => stop(worker))
  await sleep(10_000)
  const watchingIdle = await idleRss(worker.pid!)
  idle["worker watching"] = watchingIdle

  const peakOf = peakSampler(worker.pid!)
  const l0 = performance.now()
  // the store's triggers name their tables unqualified: run the update on the app's search_path
  await admin.query(`SET search_path TO "${schema}"`)
  await admin.query(
    `UPDATE "${schema}".checkouts SET expires_at = now() - interval '1 second' WHERE id = ANY($1)`,
    [toExpire],
  )
  const amount = 10n * 10n ** BigInt(devnet.ready.decimals)
  for (const c of open.slice(0, PAYMENTS))
    await payTo({ rpcUrl: devnet.ready.rpcUrl, token: devnet.ready.usdt, to: c.address, amount })
  const paidIds = open.slice(0, PAYMENTS).map((c) => c.id)
  const counts = async () => {
    const r = await admin.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM "${schema}".checkouts GROUP BY status`,
    )
    return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)])) as Record<string, number>
  }
  let received = 0
  let byStatus: Record<string, number> = {}
  const deadline = performance.now() + 180_000
  while (performance.now() < deadline) {
    await sleep(1000)
    received = await receiver.ask<number>("count")
    byStatus = await counts()
    const paidDone = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".checkouts WHERE id = ANY($1) AND status = 'completed'`,
      [paidIds],
    )
    // done: every overdue one expired, every paid one completed, and their webhooks (≥ 1 each) delivered
    if (
      (byStatus.expired ?? 0) >= EXPIRE &&
      Number(paidDone.rows[0]!.n) >= PAYMENTS &&
      received >= EXPIRE + PAYMENTS
    )
      break
  }
  const loadS = (performance.now() - l0) / 1000
  const pending = await admin.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${schema}".outbox_events WHERE status = 'pending'`,
  )
  // the last webhooks (a completed after a processing) may still be in flight: give them a moment
  await sleep(3000)
  received = await receiver.ask<number>("count")
  const peak = peakOf()
  await sleep(5000)
  const after = rssMb(worker.pid!)
  await stop(worker)
  idle["worker peak"] = peak
  rows.push(
    [
      `worker, ${LABEL.dist}, devnet watcher over ${OPEN + EXPIRE} open checkouts, 15 s after start`,
      fmt(watchingIdle),
      "—",
      "—",
    ],
    [
      `worker under load, ${LABEL.dist}: sweeper expires ${EXPIRE}, watcher detects ${PAYMENTS} payments, dispatcher delivers`,
      "—",
      `${fmt(peak)} (over ${fmt(loadS, 1)} s: ${byStatus.expired ?? 0} expired, ${byStatus.completed ?? 0} completed, ${received} webhooks received, ${pending.rows[0]!.n} pending at the end)`,
      fmt(after),
    ],
  )

  // ---------------------------------------------------------------- import costs (plain node, built dist)
  const imports: Array<[string, string, string]> = [
    ["apps/server", "node:http", "plain node, nothing imported"],
    ["apps/server", "effect", ""],
    ["apps/server", "@effect/platform-node", "the barrel (what main.ts imported before)"],
    ["apps/server", "@effect/platform-node/NodeRuntime", "what main.ts imports now"],
    [
      "apps/server",
      "@effect/platform-node/NodeHttpServer",
      "the platform HTTP server (the server no longer loads it: plain node:http dispatch)",
    ],
    ["packages/adapter-postgres", "pg", ""],
    ["packages/adapter-postgres", "kysely", ""],
    ["packages/adapter-postgres", "@electric-sql/pglite", "now loaded only without DATABASE_URL"],
    ["packages/adapter-postgres", "kysely-pglite-dialect", "now loaded only without DATABASE_URL"],
    ["apps/server", "@inzi/adapter-postgres", ""],
    ["packages/adapter-ton", "@ton/core", "via @inzi/adapter-ton"],
    ["apps/server", "@inzi/adapter-ton", ""],
    ["apps/server", "@inzi/adapter-evm", "ethers (address derivation)"],
    ["apps/server", "@inzi/platform", "every adapter: what both apps load"],
  ]
  for (const [dir, spec, note] of imports) importRows.push([spec, fmt(importRss(dir, spec)), note])
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => {})
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => {})
  await admin.end()
}

const met = (x: number | undefined, target: number) =>
  x === undefined ? "not measured" : `${fmt(x)} MB: ${x < target ? "met" : "MISSED"}`
notes.push(
  `Targets, built dist/ with plain node (production): server idle < ${SERVER_TARGET} MB: ${met(idle["server dist"], SERVER_TARGET)}; ` +
    `worker idle < ${WORKER_TARGET} MB: ${met(idle["worker dist"], WORKER_TARGET)} (no networks), ` +
    `${met(idle["worker watching"], WORKER_TARGET)} (watching the devnet); worker under load: peak ${met(idle["worker peak"], WORKER_TARGET)}.`,
  `From source through tsx (dev only): server idle ${fmt(idle["server source"] ?? Number.NaN)} MB, worker idle ${fmt(idle["worker source"] ?? Number.NaN)} MB.`,
)
const out = `${notes.join("\n")}\n\n${table(HEAD, rows)}\n\nRSS of a plain node process after one import (built dist/, after a GC; median of 3):\n\n${table(["import", "RSS MB", "note"], importRows)}`
console.log(out)
appendResult("rss", out, facts)
process.exit(0)
