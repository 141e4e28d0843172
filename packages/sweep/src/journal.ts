import type { Journal, JournalEntry, JournalIntent, JournalOutcome } from "@inzi/core"
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs"
import { dirname, join } from "node:path"

/**
 * The sweep journal: an append-only JSON-lines file (`sweep-journal.jsonl` in `INZI_DATA_DIR`). Every
 * transaction is written here, signed and with its hash, and fsynced BEFORE it is broadcast; its outcome is
 * appended once known. A re-run first settles every intent without an outcome (receipt found → done; not
 * found → the very same signed transaction is re-broadcast, so the same nonce can never move money twice),
 * then re-reads the balances on chain. It holds no secret: signed transactions only.
 */

export class JournalLocked extends Error {
  override readonly name = "JournalLocked"
}

export const journalFile = (dataDir: string) => join(dataDir, "sweep-journal.jsonl")

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Opens (creating) the journal and takes its run lock (`<file>.lock`, refused while another live process
 * holds it: two concurrent sweeps would race for the same nonces).
 */
export const openJournal = (file: string): Journal => {
  mkdirSync(dirname(file), { recursive: true })
  const lock = `${file}.lock`
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, "wx")
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e
      const holder = Number(readFileSync(lock, "utf8").trim())
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder))
        throw new JournalLocked(`another sweep (pid ${holder}) holds ${lock}`)
      unlinkSync(lock) // stale: its process is gone
    }
  }
  const read = (): JournalEntry[] => {
    if (!existsSync(file)) return []
    const out: JournalEntry[] = []
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue
      try {
        out.push(JSON.parse(line) as JournalEntry)
      } catch {
        // A torn last line (crash mid-append) is ignored: its transaction was never broadcast.
      }
    }
    return out
  }
  const fd = openSync(file, "a")
  let closed = false
  const history = () => {
    const entries = read()
    const outcomes = new Map<string, JournalOutcome>()
    for (const e of entries) if (e.kind === "outcome") outcomes.set(e.id, e)
    return entries
      .filter((e): e is JournalIntent => e.kind === "intent")
      .map((intent) => ({ intent, outcome: outcomes.get(intent.id) ?? null }))
  }
  return {
    file,
    append: (entry) => {
      writeSync(fd, `${JSON.stringify(entry)}\n`)
      fsyncSync(fd)
    },
    entries: read,
    history,
    pending: (network) =>
      history()
        .filter((h) => h.outcome === null && (network === undefined || h.intent.network === network))
        .map((h) => h.intent),
    close: () => {
      if (closed) return
      closed = true
      closeSync(fd)
      try {
        unlinkSync(lock)
      } catch {}
    },
  }
}

/** Reads a journal without taking its lock (for dry runs and reports). */
export const readJournal = (file: string): ReadonlyArray<JournalEntry> => {
  if (!existsSync(file)) return []
  const out: JournalEntry[] = []
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue
    try {
      out.push(JSON.parse(line) as JournalEntry)
    } catch {}
  }
  return out
}

/** Intents without an outcome in these entries. */
export const pendingIntents = (entries: ReadonlyArray<JournalEntry>, network?: string) => {
  const done = new Set(entries.filter((e) => e.kind === "outcome").map((e) => e.id))
  return entries.filter(
    (e): e is JournalIntent =>
      e.kind === "intent" && !done.has(e.id) && (network === undefined || e.network === network),
  )
}
