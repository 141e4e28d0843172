import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** bench/RESULTS.md: the chaos runs are one table under its `## chaos` heading. */
export const RESULTS_FILE = fileURLToPath(new URL("../../../bench/RESULTS.md", import.meta.url))

const HEADING = "## chaos"
const COLUMNS = [
  "date (UTC)",
  "variant",
  "commit",
  "seed",
  "checkouts",
  "transfers",
  "kill -9 (server + worker)",
  "unexpected exits",
  "backends terminated",
  "RPC faults",
  "webhook 500 / hang",
  "reorg (depth, seen, reverted)",
  "duration",
  "payments once",
  "final status",
  "one event per change",
  "delivered, signed",
  "nothing stuck",
  "outbox empty",
  "logs JSON",
  "result",
]

const INTRO = `\`pnpm chaos\` (tooling/chaos; \`CHAOS_SHORT=1\` for the short variant), recorded with \`CHAOS_RECORD=1\`.
One row per run, newest last. The invariant columns are ✓ / ✗ in the order the run prints them (see
tooling/chaos/README.md); "unexpected exits" are processes that died without being killed (restarted by the run).`

/** The commit, with "+dirty" when tracked files other than bench/RESULTS.md differ from it. */
export const commitLabel = () => {
  const git = (args: ReadonlyArray<string>) =>
    execFileSync("git", [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  try {
    const dirty = git([
      "status",
      "--porcelain",
      "--untracked-files=no",
      "--",
      ":/",
      ":(top,exclude)bench/RESULTS.md",
    ])
    return `${git(["rev-parse", "--short", "HEAD"])}${dirty === "" ? "" : "+dirty"}`
  } catch {
    return "unknown"
  }
}

/** Adds one row to the chaos table, creating the section at the end of the file the first time. */
export const recordRow = (cells: ReadonlyArray<string>, file = RESULTS_FILE) => {
  if (cells.length !== COLUMNS.length)
    throw new Error(`chaos results: ${cells.length} cells for ${COLUMNS.length} columns`)
  const row = `| ${cells.map((c) => c.replace(/\|/g, "/")).join(" | ")} |`
  const lines = readFileSync(file, "utf8").replace(/\n+$/, "").split("\n")
  const at = lines.indexOf(HEADING)
  if (at === -1) {
    lines.push(
      "",
      HEADING,
      "",
      INTRO,
      "",
      `| ${COLUMNS.join(" | ")} |`,
      `|${COLUMNS.map(() => "---").join("|")}|`,
      row,
    )
  } else {
    let end = lines.findIndex((l, i) => i > at && l.startsWith("|"))
    if (end === -1) throw new Error(`chaos results: no table under "${HEADING}" in ${file}`)
    while (end + 1 < lines.length && lines[end + 1]!.startsWith("|")) end++
    lines.splice(end + 1, 0, row)
  }
  writeFileSync(file, `${lines.join("\n")}\n`)
}
