/**
 * Benchmark: start-up of the operator CLI as operators run it (`pnpm inzi` → `node apps/cli/bin/inzi.mjs`, the
 * built dist/), wall time of whole processes, against `node -e ''` (the floor: starting Node) in the same run.
 *
 * - `--help` and a usage error (an unknown flag): must load nothing but the argument parser.
 * - `status` (a database command: imports, opens the database, one query, closes) against an already migrated
 *   empty PGlite folder and against an already migrated empty PostgreSQL schema; on PGlite also without the
 *   commands' bundle (dist/bundle/, `main(argv, { bundle: false })`), to show what the bundle saves.
 * - PGlite's own start-up (`PGlite.create` of the same folder, nothing of Inzi): the floor of every command on
 *   the embedded database.
 * - the old way, the sources through tsx (`INZI_FROM_SOURCE=1`), fewer rounds: what every call cost before.
 *
 * Medians of BENCH_CLI_ROUNDS rounds (default 7; the rows interleave round by round so load swings hit all), of
 * wall time and of the process's CPU time (user + system, all its threads: on a shared machine wall time also
 * counts the wait for a core). Targets: `--help` under 0.5 s; a database command's start-up (status, on
 * PostgreSQL and on a PGlite folder) under 1.5 s.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import pg from "pg"
import { commitLabel, fmt, quantile, recordRow, table } from "./lib/results.js"
import { benchSchema, DATABASE_URL } from "./lib/shared.js"

const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 7)
const SOURCE_ROUNDS = Math.min(ROUNDS, 3)
const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const BIN = join(ROOT, "apps", "cli", "bin", "inzi.mjs")
const MAIN = pathToFileURL(join(ROOT, "apps", "cli", "dist", "main.js")).href
const build = spawnSync("pnpm", ["build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
if (build.status !== 0) throw new Error("pnpm build failed: bench:cli measures the built dist/")

const loadAtStart = loadavg()
  .map((l) => l.toFixed(1))
  .join(" ")
const HEADING = "## cli start-up (issue #26)"
const INTRO = `\`pnpm bench:cli\` (bench/src/cli.ts): one row per run, newest last; medians of whole processes, wall time,
and in brackets × \`node -e ''\` of the same run (the machine is shared: read the ratios). Targets: \`--help\` < 500 ms,
a database command's start-up (\`status\`) < 1.5 s. "PGlite alone" is \`PGlite.create\` + one query + close of the
same folder without Inzi code, the floor of every command on the embedded database. The full per-command table
(min, max, CPU) is printed by the run.`
const dataDir = mkdtempSync(join(tmpdir(), "inzi-bench-cli-"))
const schema = benchSchema("cli")
const base = { ...process.env, LOG_LEVEL: "warn", INZI_NETWORKS: "" }
const PGLITE = { ...base, DATABASE_URL: "", INZI_DATA_DIR: dataDir }
const POSTGRES = { ...base, DATABASE_URL, INZI_DB_SCHEMA: schema, INZI_DATA_DIR: dataDir }

interface Row {
  readonly name: string
  readonly argv: ReadonlyArray<string>
  readonly env: NodeJS.ProcessEnv
  readonly rounds: number
  readonly exit: number
  readonly ms: number[]
  /** CPU time of the process (user + system). */
  readonly cpu: number[]
  /** Where bare imports of `-e` code resolve from. */
  cwd: string
}

const row = (
  name: string,
  argv: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  exit = 0,
  rounds = ROUNDS,
): Row => ({ name, argv, env, rounds, exit, ms: [], cpu: [], cwd: ROOT })

/** CPU time (ms) of this process's waited-for children so far: `cutime + cstime` of /proc/self/stat. */
const childrenCpuMs = (): number => {
  const stat = readFileSync("/proc/self/stat", "utf8")
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(f[13]) + Number(f[14])) * 10 // USER_HZ is 100 on Linux
}

const time = (r: Row) => {
  const c0 = childrenCpuMs()
  const t0 = performance.now()
  const p = spawnSync(process.execPath, r.argv, { cwd: r.cwd, env: r.env, encoding: "utf8" })
  const ms = performance.now() - t0
  r.cpu.push(childrenCpuMs() - c0)
  if (p.status !== r.exit) throw new Error(`${r.name}: exit ${p.status}, expected ${r.exit}\n${p.stderr}`)
  // The bin falls back to tsx when a build is stale: that would measure the slow path under the fast name.
  if (r.env.INZI_FROM_SOURCE !== "1" && p.stderr.includes("running the sources through tsx"))
    throw new Error(`${r.name}: the CLI ran from source: ${p.stderr.trim()}`)
  r.ms.push(ms)
}

const pgliteOpen = `const { PGlite } = await import("@electric-sql/pglite"); const db = await PGlite.create({ dataDir: process.env.INZI_DATA_DIR }); await db.query("select 1"); await db.close()`
const rows: Row[] = [
  row("node -e '' (baseline)", ["-e", ""], base),
  row("inzi --help", [BIN, "--help"], base),
  row(
    "node apps/cli/dist/main.js --help (no freshness check)",
    [join(ROOT, "apps/cli/dist/main.js"), "--help"],
    base,
  ),
  row(
    "inzi merchant create --evm-xpb x (usage error)",
    [BIN, "merchant", "create", "--evm-xpb", "x"],
    base,
    2,
  ),
  row("inzi status (PGlite, migrated empty folder)", [BIN, "status"], PGLITE),
  row(
    "inzi status (PGlite) without the bundle (dist/main.js, no freshness check)",
    [
      "--input-type=module",
      "-e",
      `(await import(${JSON.stringify(MAIN)})).main(["status"], { bundle: false })`,
    ],
    PGLITE,
  ),
  row("PGlite.create + select 1 (no Inzi code)", ["--input-type=module", "-e", pgliteOpen], PGLITE),
  row("inzi status (PostgreSQL, migrated empty schema)", [BIN, "status"], POSTGRES),
  row(
    "old way: inzi --help from source (tsx)",
    [BIN, "--help"],
    { ...base, INZI_FROM_SOURCE: "1" },
    0,
    SOURCE_ROUNDS,
  ),
  row(
    "old way: inzi status from source (tsx, PostgreSQL)",
    [BIN, "status"],
    { ...POSTGRES, INZI_FROM_SOURCE: "1" },
    0,
    SOURCE_ROUNDS,
  ),
]
// `@electric-sql/pglite` resolves from the package that depends on it.
rows.find((r) => r.name.startsWith("PGlite.create"))!.cwd = join(ROOT, "packages", "adapter-postgres")

try {
  for (const env of [PGLITE, POSTGRES]) {
    const m = spawnSync(process.execPath, [BIN, "migrate"], { cwd: ROOT, env, encoding: "utf8" })
    if (m.status !== 0) throw new Error(`migrate failed: ${m.stderr}`)
  }
  // Warm the file cache once, unmeasured.
  for (const r of rows) if (r.rounds === ROUNDS) time(r)
  for (const r of rows) {
    r.ms.length = 0
    r.cpu.length = 0
  }
  for (let i = 0; i < ROUNDS; i++) for (const r of rows) if (i < r.rounds) time(r)
} finally {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
  rmSync(dataDir, { recursive: true, force: true })
}

const median = (r: Row) => quantile(r.ms, 0.5)
const medianCpu = (r: Row) => quantile(r.cpu, 0.5)
const baseline = median(rows[0]!)
const byName = (prefix: string) => median(rows.find((r) => r.name.startsWith(prefix))!)
const help = byName("inzi --help")
const statusPg = byName("inzi status (PostgreSQL")
const statusPglite = byName("inzi status (PGlite")
const pgliteFloor = byName("PGlite.create")
const cpuOf = (prefix: string) => medianCpu(rows.find((r) => r.name.startsWith(prefix))!)
const unbundled = byName("inzi status (PGlite) without the bundle")
const verdict = (ms: number, target: number) => (ms < target ? "met" : "missed")

const body = [
  `- \`inzi --help\`: median ${fmt(help)} ms (${fmt(help / baseline, 2)} × \`node -e ''\`, ${fmt(help - baseline)} ms above it) — target < 500 ms: ${verdict(help, 500)}.`,
  `- \`inzi status\` on PostgreSQL: median ${fmt(statusPg)} ms (${fmt(statusPg - baseline)} ms above \`node -e ''\`) — target < 1 500 ms: ${verdict(statusPg, 1500)}.`,
  `- \`inzi status\` on PGlite: median ${fmt(statusPglite)} ms (${fmt(statusPglite / baseline, 2)} × \`node -e ''\`), of which PGlite's own start-up (no Inzi code) is ${fmt(pgliteFloor)} ms: Inzi adds ${fmt(statusPglite - pgliteFloor)} ms — target < 1 500 ms: ${verdict(statusPglite, 1500)}. CPU time ${fmt(cpuOf("inzi status (PGlite"))} ms against ${fmt(cpuOf("PGlite.create"))} ms for PGlite alone.`,
  `- without the commands' bundle the same status takes ${fmt(unbundled)} ms (CPU ${fmt(cpuOf("inzi status (PGlite) without"))} ms).`,
  "",
  table(
    ["command", "rounds", "median ms", "min ms", "max ms", "× baseline", "median CPU ms"],
    rows.map((r) => [
      r.name,
      r.ms.length,
      fmt(median(r)),
      fmt(Math.min(...r.ms)),
      fmt(Math.max(...r.ms)),
      fmt(median(r) / baseline, 2),
      fmt(medianCpu(r)),
    ]),
  ),
].join("\n")
console.log(body)
const x = (ms: number) => `${fmt(ms)} (${fmt(ms / baseline, 1)} ×)`
recordRow(
  HEADING,
  INTRO,
  [
    "date (UTC)",
    "commit",
    "load average (start)",
    "rounds",
    "`node -e ''` ms",
    "`inzi --help` ms",
    "status, PostgreSQL ms",
    "status, PGlite ms",
    "PGlite alone ms",
    "status, PGlite: CPU ms (PGlite alone)",
    "status, PGlite, no bundle ms",
    "old tsx path: --help / status PG ms",
  ],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    commitLabel(),
    loadAtStart,
    String(ROUNDS),
    fmt(baseline),
    x(help),
    x(statusPg),
    x(statusPglite),
    x(pgliteFloor),
    `${fmt(cpuOf("inzi status (PGlite"))} (${fmt(cpuOf("PGlite.create"))})`,
    x(unbundled),
    `${fmt(byName("old way: inzi --help"))} / ${fmt(byName("old way: inzi status"))}`,
  ],
)
