import type { ChainFamily } from "@inzi/core"
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

export type SweepRole = "topup" | "transfer"

export interface JournalIntent {
  readonly kind: "intent"
  /** `network:txHash`, unique. */
  readonly id: string
  readonly at: string
  readonly runId: string
  readonly merchantId: string
  readonly network: string
  readonly family: ChainFamily
  readonly role: SweepRole
  /** The deposit address being swept (for a top-up: its recipient). */
  readonly address: string
  readonly derivationIndex: string
  readonly from: string
  readonly to: string
  /** Token contract for a transfer, null for a native top-up. */
  readonly contract: string | null
  readonly token: string | null
  /** Base units (token for a transfer, wei/sun for a top-up), decimal string. */
  readonly amount: string
  readonly txHash: string
  /** EVM: the signed raw transaction (hex); Tron: the signed transaction JSON. */
  readonly signed: string
  /** EVM: sender nonce. */
  readonly nonce?: number | undefined
  /** Tron: expiration (ms since epoch); after it an unseen transaction can never be included. */
  readonly expiration?: number | undefined
  /** Gas limit × price (EVM) or fee limit (Tron) reserved for it, decimal string. */
  readonly maxFee: string
}

export type OutcomeStatus = "confirmed" | "failed" | "dropped"

export interface JournalOutcome {
  readonly kind: "outcome"
  readonly id: string
  readonly at: string
  readonly status: OutcomeStatus
  readonly blockNumber: string | null
  /** Native coin actually paid for it (gasUsed × effectiveGasPrice, or Tron fee in sun), decimal string. */
  readonly fee: string
  readonly gasUsed?: string | undefined
  readonly note?: string | undefined
}

export type JournalEntry = JournalIntent | JournalOutcome

export interface Journal {
  readonly file: string
  readonly append: (entry: JournalEntry) => void
  readonly entries: () => ReadonlyArray<JournalEntry>
  /** Intents without an outcome yet. */
  readonly pending: (network?: string) => ReadonlyArray<JournalIntent>
  /** Intents with their outcome (if any). */
  readonly history: () => ReadonlyArray<{ intent: JournalIntent; outcome: JournalOutcome | null }>
  /** Releases the run lock. */
  readonly close: () => void
}

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
