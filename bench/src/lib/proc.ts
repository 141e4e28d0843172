import { type ChildProcess, fork } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { PerformanceObserver } from "node:perf_hooks"
import type { LoadConfig, LoadResult } from "./load-child.js"

const SOURCE_CONDITION = "--conditions=@inzi/source"

/**
 * Whether this run imports the workspace packages from their TypeScript sources (`--conditions=@inzi/source`,
 * `--conditions @inzi/source` or `-C @inzi/source`, on the command line or in NODE_OPTIONS). By default the
 * benchmarks run them from their built `dist/`, the code operators run (the package scripts build first). From source through tsx (which, among other things, names every closure the
 * dispatcher creates per request through a helper call), the server's GET read 7–10 points of the same-SQL baseline
 * lower (bench/RESULTS.md, 2026-12-03, four alternating runs).
 */
const nodeArgs = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)]
export const FROM_SOURCE = nodeArgs.some(
  (a, i) =>
    a === SOURCE_CONDITION || ((a === "--conditions" || a === "-C") && nodeArgs[i + 1] === "@inzi/source"),
)

/** Node flags for a TypeScript child: tsx for the bench's own files, the workspace packages as this process has them. */
export const TS_EXEC_ARGV = ["--import", "tsx", ...(FROM_SOURCE ? [SOURCE_CONDITION] : [])]

/** Node flags for running an app's TypeScript entry point from source, as the README documents (tsx). */
export const SOURCE_EXEC_ARGV = ["--import", "tsx", SOURCE_CONDITION]

export interface Child<Ready> {
  readonly proc: ChildProcess
  readonly ready: Ready
  /** Asks the child for a value by IPC (`{ ask: name }` → `{ answer: name, value }`). */
  readonly ask: <T>(name: string, arg?: unknown) => Promise<T>
  readonly stop: () => Promise<void>
}

/**
 * Forks `script` (a path relative to bench/src) with tsx, waits for its first `{ ready }` message.
 * The child serves `{ ask }` requests (see `serveAsks`).
 */
export const startChild = async <Ready>(
  script: string,
  args: ReadonlyArray<string> = [],
  opts: {
    readonly env?: NodeJS.ProcessEnv
    readonly execArgv?: ReadonlyArray<string>
    /** Drop the child's stdout (servers logging every request at info). */
    readonly quiet?: boolean
  } = {},
): Promise<Child<Ready>> => {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url))
  const proc = fork(path, [...args], {
    execArgv: [...TS_EXEC_ARGV, ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", opts.quiet ? "ignore" : "inherit", "inherit", "ipc"],
  })
  let seq = 0
  const pending = new Map<number, (v: unknown) => void>()
  let readyResolve: (v: Ready) => void = () => {}
  let readyReject: (e: Error) => void = () => {}
  const ready = new Promise<Ready>((res, rej) => {
    readyResolve = res
    readyReject = rej
  })
  proc.on("message", (m: { ready?: Ready; id?: number; value?: unknown }) => {
    if (m.ready !== undefined) readyResolve(m.ready)
    else if (m.id !== undefined) {
      pending.get(m.id)?.(m.value)
      pending.delete(m.id)
    }
  })
  const exited = new Promise<void>((res) => proc.once("exit", () => res()))
  proc.once("exit", (code) => readyReject(new Error(`${script} exited (${code}) before it was ready`)))
  const r = await ready
  return {
    proc,
    ready: r,
    ask: <T>(name: string, arg?: unknown) =>
      new Promise<T>((resolve) => {
        const id = ++seq
        pending.set(id, resolve as (v: unknown) => void)
        proc.send({ ask: name, arg, id })
      }),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM")
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(t)
    },
  }
}

/** Garbage-collection pauses of this process so far (perf_hooks "gc" entries): count and total ms. */
export interface GcTotals {
  readonly count: number
  readonly ms: number
}
const gcTotals = { count: 0, ms: 0 }

/**
 * In a child: answers `{ ask }` messages with `handlers[name](arg)`; `cpu`, `rss` and `gc` (GcTotals) are always
 * served.
 */
export const serveAsks = (handlers: Record<string, (arg: unknown) => unknown> = {}) => {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcTotals.count++
      gcTotals.ms += e.duration
    }
  }).observe({ entryTypes: ["gc"] })
  const all: Record<string, (arg: unknown) => unknown> = {
    cpu: () => process.cpuUsage(),
    rss: () => process.memoryUsage().rss,
    gc: (): GcTotals => ({ ...gcTotals }),
    ...handlers,
  }
  process.on("message", async (m: { ask?: string; arg?: unknown; id?: number }) => {
    if (m.ask === undefined) return
    const value = await all[m.ask]?.(m.arg)
    process.send?.({ id: m.id, value })
  })
}

/**
 * A load generator (lib/load-child.ts) kept for several loads, so that a warm-up and the measurement after it run
 * in one process: the measurement's load generator is warm too.
 */
export const startLoadGenerator = async (cfg: Omit<LoadConfig, "persistent">) => {
  const c = await startChild<object>("lib/load-child.ts", [JSON.stringify({ ...cfg, persistent: true })])
  return { run: (seconds: number) => c.ask<LoadResult>("run", { seconds }), stop: c.stop }
}

export const signalReady = (ready: unknown) => process.send?.({ ready })

/** CPU microseconds (user + system) of a child between two `cpu` answers. */
export const cpuDelta = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => b.user - a.user + (b.system - a.system)

/**
 * CPU microseconds used so far by this machine's PostgreSQL: every `postgres` process's user + system time, plus
 * what the postmaster collected from backends that already exited. Linux /proc only; 0 where it is unreadable.
 */
export const postgresCpuUs = (): number => {
  const tick = 1e6 / 100 // USER_HZ is 100 on Linux
  let total = 0
  let dirs: string[]
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d))
  } catch {
    return 0
  }
  for (const pid of dirs) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    } catch {
      continue
    }
    const close = stat.lastIndexOf(")")
    if (!stat.slice(stat.indexOf("(") + 1, close).startsWith("postgres")) continue
    // Fields after the command: state is field 3; utime 14, stime 15, cutime 16, cstime 17 (1-based).
    const f = stat.slice(close + 2).split(" ")
    total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * tick
  }
  return total
}
