import { execFileSync } from "node:child_process"
import { appendFileSync, existsSync, writeFileSync } from "node:fs"
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

/** Commit, dirty flag, CPUs, Node version and the load average (other processes share the machine). */
export const machineFacts = (): string => {
  const c = cpus()
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
  const la = loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")
  return [
    `commit \`${git(["rev-parse", "--short", "HEAD"])}\`${dirty ? " (+ uncommitted changes)" : ""}`,
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
