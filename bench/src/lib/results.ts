import { execFileSync } from "node:child_process"
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { fileURLToPath } from "node:url"
import { FROM_SOURCE } from "./proc.js"

/** bench/RESULTS.md: every run appends one dated entry. */
export const RESULTS_FILE = fileURLToPath(new URL("../../RESULTS.md", import.meta.url))

const git = (args: ReadonlyArray<string>): string => {
  try {
    return execFileSync("git", [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return "?"
  }
}

/** The commit, with "+dirty" when tracked files of apps/, packages/ or bench/ (RESULTS.md aside) differ from it. */
export const commitLabel = (): string => {
  // Tracked files, by pathspecs from the repository's top (a bench runs in bench/), RESULTS.md itself left out.
  const dirty =
    git([
      "status",
      "--porcelain",
      "--untracked-files=no",
      "--",
      ":/apps",
      ":/packages",
      ":/bench",
      ":(top,exclude)bench/RESULTS.md",
    ]) !== ""
  return `${git(["rev-parse", "--short", "HEAD"])}${dirty ? "+dirty" : ""}`
}

/** Commit, dirty flag, CPUs, Node version and the load average (other processes share the machine). */
export const machineFacts = (): string => {
  const c = cpus()
  const la = loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")
  const [commit, dirty] = commitLabel().split("+")
  return [
    `commit \`${commit}\`${dirty ? " (+ uncommitted changes)" : ""}`,
    `${c.length} × ${c[0]?.model.trim() ?? "?"}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `node ${process.version}`,
    FROM_SOURCE ? "packages from source (tsx)" : "packages from dist/",
    `load average ${la}`,
  ].join(" · ")
}

/** Appends `## <title> — <date>` with the machine facts and `body` (markdown) to RESULTS.md. */
export const appendResult = (title: string, body: string, factsAtStart = machineFacts()): void => {
  if (!existsSync(RESULTS_FILE))
    writeFileSync(
      RESULTS_FILE,
      "# Benchmark results\n\nAppended by `pnpm bench` / `pnpm --filter @inzi/bench bench:<name>`. " +
        "Newest last. Each entry compares against a baseline measured in the same run; the machine is shared " +
        "(see the load average), so read ratios rather than absolute figures.\n",
    )
  const entry = `\n## ${title} — ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}\n\n${factsAtStart}  \nload average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}\n\n${body.trim()}\n`
  appendFileSync(RESULTS_FILE, entry)
  console.log(`\nappended to ${RESULTS_FILE}`)
}

/** A markdown table. */
export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(String).join(" | ")} |`),
  ].join("\n")

export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : String(n))

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}

/**
 * Adds one row (newest last) to the table under `heading` in RESULTS.md, creating the section (heading, intro,
 * table head) at the end of the file the first time: for benches whose runs read best side by side.
 */
export const recordRow = (
  heading: string,
  intro: string,
  columns: ReadonlyArray<string>,
  cells: ReadonlyArray<string>,
): void => {
  if (cells.length !== columns.length)
    throw new Error(`${heading}: ${cells.length} cells for ${columns.length} columns`)
  const row = `| ${cells.map((c) => c.replace(/\|/g, "/")).join(" | ")} |`
  const lines = readFileSync(RESULTS_FILE, "utf8").replace(/\n+$/, "").split("\n")
  const at = lines.indexOf(heading)
  if (at === -1) {
    lines.push("", heading, "", intro, "", table(columns, []), row)
  } else {
    let end = lines.findIndex((l, i) => i > at && l.startsWith("|"))
    if (end === -1) throw new Error(`no table under "${heading}" in ${RESULTS_FILE}`)
    while (end + 1 < lines.length && lines[end + 1]!.startsWith("|")) end++
    lines.splice(end + 1, 0, row)
  }
  writeFileSync(RESULTS_FILE, `${lines.join("\n")}\n`)
  console.log(`\nrecorded in ${RESULTS_FILE} under ${heading}`)
}
