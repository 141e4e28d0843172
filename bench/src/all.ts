/** `pnpm bench`: every benchmark in turn, each in its own process (each appends its entry to RESULTS.md). */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { TS_EXEC_ARGV } from "./lib/proc.js"

const only = process.argv.slice(2)
const scripts = [
  "api",
  "detection",
  "webhooks",
  "watchers",
  "watchers-ton",
  "rss",
  "metrics",
  "cli",
  "page",
  "console",
].filter((s) => only.length === 0 || only.includes(s))
let failed = 0
for (const s of scripts) {
  console.log(`\n=== bench:${s} ===`)
  const r = spawnSync(
    process.execPath,
    [...TS_EXEC_ARGV, "--expose-gc", fileURLToPath(new URL(`./${s}.ts`, import.meta.url))],
    {
      stdio: "inherit",
    },
  )
  if (r.status !== 0) {
    failed++
    console.error(`bench:${s} exited with ${r.status ?? r.signal}`)
  }
}
process.exit(failed === 0 ? 0 : 1)
