/**
 * Where the server's time goes: runs the real server (child, `--cpu-prof`) under one API operation from a
 * load process, then prints the top functions by self time and the self time per package / file group.
 * Usage: `pnpm --filter @inzi/bench bench:profile [create|create-inline|get|list] [seconds]`; create-inline runs
 * on an empty address pool (each create derives inline, as the api bench's row of that name). Prints only (no
 * RESULTS entry). BENCH_HEAP=1 first prints the bytes allocated per request by function (V8 allocation sampling).
 */
import pg from "pg"
import type { LoadConfig } from "./lib/load-child.js"
import { startChild, startLoadGenerator } from "./lib/proc.js"
import { benchSchema, DATABASE_URL } from "./lib/shared.js"

const op = process.argv[2] ?? "create"
const seconds = Number(process.argv[3] ?? 8)
const schema = benchSchema("prof")
const inzi = await startChild<{ url: string; key: string; merchantId: string }>(
  "api/inzi-server.ts",
  [schema],
  {
    quiet: true,
  },
)
const auth = { authorization: `Bearer ${inzi.ready.key}` }
const json = { "content-type": "application/json" }
const BODY = JSON.stringify({ amount: "10.00", currency: "USD", description: "bench" })
for (let i = 0; i < 50; i++)
  await fetch(`${inzi.ready.url}/api/v1/checkouts`, {
    method: "POST",
    headers: { ...json, ...auth },
    body: BODY,
  })
const ids = await inzi.ask<string[]>("ids", { merchantId: inzi.ready.merchantId, n: 50 })
// create runs on a warm deposit address pool, as in the api bench's `create` row (BENCH_POOL_SLOTS, default
// 30 000: it must outlast warm-up and the window), filled by the worker's job in its own process.
if (op === "create") {
  const worker = await startChild<Record<string, never>>("api/pool-worker.ts", [schema])
  await worker.ask("poolFill", {
    merchantId: inzi.ready.merchantId,
    target: Number(process.env.BENCH_POOL_SLOTS ?? 30_000),
  })
  await worker.stop()
}
const cfg: LoadConfig =
  op === "create" || op === "create-inline"
    ? {
        url: inzi.ready.url,
        method: "POST",
        paths: ["/api/v1/checkouts"],
        headers: { ...json, ...auth },
        body: BODY,
        connections: 64,
        seconds,
      }
    : op === "healthz"
      ? { url: inzi.ready.url, method: "GET", paths: ["/healthz"], headers: {}, connections: 64, seconds }
      : op === "get"
        ? {
            url: inzi.ready.url,
            method: "GET",
            paths: ids.map((id) => `/api/v1/checkouts/${id}`),
            headers: auth,
            connections: 64,
            seconds,
          }
        : {
            url: inzi.ready.url,
            method: "GET",
            paths: ["/api/v1/checkouts?limit=10"],
            headers: auth,
            connections: 64,
            seconds,
          }
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children?: HeapNode[]
}
const group = (url: string) => {
  const m = /node_modules\/\.pnpm\/([^/]+)/.exec(url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]!.replace(/@\d.*$/, "").replace(/\+/g, "/")
  const w = /\/work\/[^/]+\/(.*)/.exec(url)
  if (w) return w[1]!
  return url === "" ? "(native / gc / idle)" : url.replace(/^node:/, "node:")
}
// warm-up, then the profiled window, from one (warm) load generator
const gen = await startLoadGenerator(cfg)
await gen.run(2)
// BENCH_HEAP=1: first a window of allocation sampling (every allocation, collected or not), printed per request.
if (process.env.BENCH_HEAP === "1") {
  await inzi.ask("heapStart")
  const window = await gen.run(seconds)
  const heap = await inzi.ask<HeapNode>("heapStop")
  const bytes = new Map<string, number>()
  const walk = (n: HeapNode) => {
    const key = `${n.callFrame.functionName || "(anonymous)"} ${group(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
    bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize)
    for (const c of n.children ?? []) walk(c)
  }
  walk(heap)
  const all = [...bytes.values()].reduce((a, b) => a + b, 0)
  console.log(
    `allocated ${(all / window.requests).toFixed(0)} bytes/req (sampled); top allocating functions:`,
  )
  for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${(v / window.requests).toFixed(0).padStart(7)} B/req  ${k}`)
}
await inzi.ask("profileStart")
const loaded = await gen.run(seconds)
await gen.stop()
const profile = await inzi.ask<unknown>("profileStop")
if (process.env.BENCH_PROFILE_OUT)
  (await import("node:fs")).writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile))
console.log(`${op}: ${loaded.rps.toFixed(0)} req/s, p50 ${loaded.p50} ms, non2xx ${loaded.non2xx}`)
await inzi.stop()
const admin = new pg.Client({ connectionString: DATABASE_URL })
await admin.connect()
await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
await admin.end()

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
const prof = profile as {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}
const self = new Map<number, number>()
for (const [i, id] of prof.samples.entries()) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0))
const byId = new Map(prof.nodes.map((n) => [n.id, n]))
const fn = new Map<string, number>()
const grp = new Map<string, number>()
let total = 0
for (const [id, t] of self) {
  const n = byId.get(id)!
  const name = n.callFrame.functionName || "(anonymous)"
  const key = `${name} ${group(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  if (name === "(idle)") continue
  total += t
  fn.set(key, (fn.get(key) ?? 0) + t)
  const g = name.startsWith("(") ? name : group(n.callFrame.url)
  grp.set(g, (grp.get(g) ?? 0) + t)
}
const top = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, v]) =>
        `${((v / total) * 100).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    )
    .join("\n")
console.log(
  `\nbusy ${(total / 1000).toFixed(0)} ms over ${loaded.requests} requests = ${(total / loaded.requests).toFixed(0)} µs/req (sampled)`,
)
console.log(`\nby package / file:\n${top(grp, 25)}`)
console.log(`\ntop functions (self):\n${top(fn, 40)}`)
