/**
 * bench:console — the operator console's first pages with 1 000 000 checkouts (issue #29, target: overview and
 * list under 200 ms server time). The real server (a child process on Postgres) with MERCHANTS merchants; the
 * checkouts seeded by `seedCheckouts` across them, one every SPACING_S seconds (≈ 60 days, so the overview's
 * 30-day window holds about half). An operator (every merchant) signs in over HTTP; each page is fetched
 * REPEATS times one after another from this process, with /healthz (no database) as the baseline of the same
 * run: wall time minus that baseline is what the page costs the server. Bounded: ≈ 1–2 min, most of it seeding.
 */
import { hashPassword } from "@inzi/platform/password"
import pg from "pg"
import { startChild } from "./lib/proc.js"
import { appendResult, fmt, machineFacts, quantile, table } from "./lib/results.js"
import { benchSchema, DATABASE_URL, seedCheckouts } from "./lib/shared.js"

const ROWS = Number(process.env.BENCH_CONSOLE_ROWS ?? 1_000_000)
const MERCHANTS = 20
const SPACING_S = 5
const REPEATS = 20
const BUDGET_MS = 200
const EMAIL = "bench-operator@example.test"
const PASSWORD = "bench console password"

const facts = machineFacts()
const schema = benchSchema("console")
console.log(`schema ${schema}; ${ROWS} checkouts over ${MERCHANTS} merchants`)
const admin = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` })
await admin.connect()

type Ready = { url: string; key: string; merchantId: string }
const server = await startChild<Ready>("api/inzi-server.ts", [schema], {
  quiet: true,
  env: { BENCH_LOG_LEVEL: "warn" },
})

/** A signed-in operator's cookie (the form login, as a browser sends it). */
const signIn = async (base: string): Promise<string> => {
  const r = await fetch(`${base}/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: EMAIL, password: PASSWORD, next: "/console/overview" }).toString(),
  })
  const cookie = r.headers.get("set-cookie")?.split(";")[0]
  if (r.status !== 303 && r.status !== 302) throw new Error(`login answered ${r.status}`)
  if (cookie === undefined) throw new Error("login set no cookie")
  return cookie
}

/** `REPEATS` GETs of `path` one after another (after 3 to warm): their wall times in ms, and the last body. */
const times = async (base: string, path: string, cookie: string | null) => {
  const get = async () => {
    const r = await fetch(`${base}${path}`, { headers: cookie === null ? {} : { cookie } })
    const body = await r.text()
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}`)
    return body
  }
  for (let i = 0; i < 3; i++) await get()
  const out: number[] = []
  let body = ""
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now()
    body = await get()
    out.push(performance.now() - t)
  }
  return { out, body }
}

try {
  const base = server.ready.url
  const merchantIds = [server.ready.merchantId]
  while (merchantIds.length < MERCHANTS)
    merchantIds.push((await server.ask<{ merchantId: string }>("merchant")).merchantId)
  await admin.query(
    "INSERT INTO console_operators (email, password_hash, merchant_id, created_at) VALUES ($1, $2, NULL, now())",
    [EMAIL, await hashPassword(PASSWORD)],
  )
  console.log(`seeding ${ROWS} checkouts…`)
  const seedS = await seedCheckouts(admin, { merchantIds, rows: ROWS, spacingSecs: SPACING_S })
  console.log(`seeded in ${seedS.toFixed(1)} s`)
  const cookie = await signIn(base)

  const day = new Date(Date.now() - 10 * 86_400_000)
  const pages: ReadonlyArray<[string, string]> = [
    ["overview, every merchant, test", "/console/overview"],
    ["overview, every merchant, live", "/console/overview?mode=live"],
    ["checkouts list, first page, no filter", "/console/checkouts"],
    ["checkouts list, page 2", "/console/checkouts?page=2"],
    [
      "checkouts list, one merchant + test + completed",
      `/console/checkouts?merchant=${merchantIds[5]}&mode=test&status=completed`,
    ],
    [
      "checkouts list, completed in one day (every merchant)",
      `/console/checkouts?status=completed&created_after=${new Date(day.getTime() - 86_400_000).toISOString()}&created_before=${day.toISOString()}`,
    ],
  ]
  const healthz = await times(base, "/healthz", null)
  const floor = quantile(healthz.out, 0.5)
  const rows: Array<ReadonlyArray<string>> = [
    ["/healthz (baseline, no database)", fmt(floor, 1), fmt(quantile(healthz.out, 0.95), 1), "-", "-"],
  ]
  let over = 0
  for (const [what, path] of pages) {
    const r = await times(base, path, cookie)
    const p50 = quantile(r.out, 0.5)
    const server = p50 - floor
    if (server > BUDGET_MS) over++
    const total =
      /<p>(\d+) checkout\(s\)/.exec(r.body)?.[1] ?? /Checkouts \(30 days\)<strong>(\d+)/.exec(r.body)?.[1]
    rows.push([what, fmt(p50, 1), fmt(quantile(r.out, 0.95), 1), fmt(server, 1), total ?? "?"])
    console.log(`${what}: p50 ${fmt(p50, 1)} ms (server ≈ ${fmt(server, 1)} ms), count ${total}`)
  }
  const body = `${ROWS} checkouts seeded in ${seedS.toFixed(1)} s (seedCheckouts: ${MERCHANTS} merchants, one checkout every ${SPACING_S} s back from now, a third live), then an operator (every merchant) signed in over HTTP. Each page fetched ${REPEATS} times in a row from the bench process after 3 warm-up GETs; "server ms" is the page's p50 minus /healthz's p50 of the same run. "count" is the figure the page shows (the list's total, the overview's checkouts in 30 days). Target: under ${BUDGET_MS} ms server time; ${over === 0 ? "every page is under it" : `${over} page(s) over it`}.\n\n${table(["page", "p50 ms", "p95 ms", "server ms (p50 − baseline)", "count"], rows)}`
  console.log(body)
  appendResult("console", body, facts)
  if (over > 0) process.exitCode = 1
} finally {
  await server.stop()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
  await admin.end()
}
