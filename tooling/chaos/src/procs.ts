import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The apps run from their TypeScript sources, as the README documents for development (tsx). */
const SOURCE_EXEC_ARGV = ["--import", "tsx", "--conditions=@inzi/source"]
const entry = (specifier: string) => fileURLToPath(import.meta.resolve(specifier))

export type Role = "server" | "worker"

export interface AppProcess {
  readonly role: Role
  /** Slot 0 or 1: the two servers and the two workers. */
  readonly slot: number
  /** server-0, worker-1-r3 … (a restarted worker gets a new worker id). */
  readonly name: string
  readonly child: ChildProcess
  readonly logFile: string
  readonly port: number | null
  /** Set before the run kills or stops it on purpose. */
  expected: boolean
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface SpawnOptions {
  readonly role: Role
  readonly slot: number
  readonly generation: number
  readonly env: NodeJS.ProcessEnv
  readonly runDir: string
  /** Servers: the port this slot always listens on (a restart keeps its address). */
  readonly port?: number
}

/** Starts a server or worker as a real process; its stdout and stderr go to a log file in the run folder. */
export const spawnApp = (o: SpawnOptions): AppProcess => {
  const name = `${o.role}-${o.slot}${o.generation > 0 ? `-r${o.generation}` : ""}`
  const logFile = join(o.runDir, `${o.role}-${o.slot}.log`)
  const fd = openSync(logFile, "a")
  const child = spawn(
    process.execPath,
    [...SOURCE_EXEC_ARGV, entry(o.role === "server" ? "@inzi/server/main" : "@inzi/worker/main")],
    {
      env: {
        ...o.env,
        ...(o.role === "worker" ? { INZI_WORKER_ID: name } : { PORT: String(o.port), HOST: "127.0.0.1" }),
      },
      stdio: ["ignore", fd, fd],
    },
  )
  closeSync(fd)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  )
  return { role: o.role, slot: o.slot, name, child, logFile, port: o.port ?? null, expected: false, exited }
}

export const isAlive = (p: AppProcess) => p.child.exitCode === null && p.child.signalCode === null

/** Stops a process: SIGTERM, then SIGKILL after `graceMs`. */
export const stopApp = async (p: AppProcess, graceMs = 5_000) => {
  p.expected = true
  if (!isAlive(p)) return
  p.child.kill("SIGTERM")
  const t = setTimeout(() => p.child.kill("SIGKILL"), graceMs)
  await p.exited
  clearTimeout(t)
}

/** The last error a process's log shows (an uncaught error's message line), else its last line. */
export const lastError = (file: string): string => {
  let lines: Array<string>
  try {
    lines = readFileSync(file, "utf8").trimEnd().split("\n")
  } catch {
    return ""
  }
  const error = [...lines].reverse().find((l) => /^\s*(\w*Error|error)\b.*:/.test(l))
  return (error ?? lines[lines.length - 1] ?? "").trim().slice(0, 240)
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `pred` every `everyMs` until it holds or `timeoutMs` passes; returns whether it held. */
export const waitUntil = async (pred: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250) => {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await pred()) return true
    if (Date.now() >= end) return false
    await sleep(everyMs)
  }
}

/** Whether a server answers `GET /readyz` with 200. */
export const serverReady = async (port: number) => {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
    await r.arrayBuffer()
    return r.status === 200
  } catch {
    return false
  }
}
