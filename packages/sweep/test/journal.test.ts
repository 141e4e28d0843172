import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as Sweep from "../src/index.js"
import type { JournalIntent } from "@inzi/core"
import { JournalLocked, journalFile, openJournal, pendingIntents, readJournal } from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "inzi-journal-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const intent = (n: number): JournalIntent => ({
  kind: "intent",
  id: `devnet:0x${n}`,
  at: new Date(0).toISOString(),
  runId: "run",
  merchantId: "mer",
  network: "devnet",
  family: "evm",
  role: "transfer",
  address: "0xabc",
  derivationIndex: String(n),
  from: "0xabc",
  to: "0xdef",
  contract: "0x1",
  token: "USDT",
  amount: "1",
  txHash: `0x${n}`,
  signed: "0x02",
  nonce: n,
  maxFee: "0",
})

describe("sweep journal", () => {
  it("keeps intents until their outcome, survives a torn last line, and is read without the lock", () => {
    const file = journalFile(join(dir, "a"))
    const j = openJournal(file)
    j.append(intent(1))
    j.append(intent(2))
    j.append({ kind: "outcome", id: "devnet:0x1", at: "", status: "confirmed", blockNumber: "5", fee: "10" })
    j.close()
    appendFileSync(file, '{"kind":"intent","id":"devnet:0x3"') // a crash mid-append
    expect(readJournal(file)).toHaveLength(3)
    expect(pendingIntents(readJournal(file)).map((i) => i.id)).toEqual(["devnet:0x2"])
    const again = openJournal(file)
    expect(again.pending("devnet").map((i) => i.txHash)).toEqual(["0x2"])
    expect(again.pending("tron")).toEqual([])
    expect(again.history().find((h) => h.intent.id === "devnet:0x1")?.outcome?.fee).toBe("10")
    again.close()
  })

  it("refuses a second sweep while one holds the lock, and takes over a stale lock", () => {
    const file = journalFile(join(dir, "b"))
    const j = openJournal(file)
    writeFileSync(`${file}.lock`, String(process.ppid)) // a live process that is not us
    expect(() => openJournal(file)).toThrow(JournalLocked)
    writeFileSync(`${file}.lock`, "999999999") // no such process
    const k = openJournal(file)
    k.close()
    j.close()
  })

  it("exports what the README documents (review changes to this list)", () => {
    expect(Object.keys(Sweep).sort()).toMatchInlineSnapshot(`
      [
        "JournalLocked",
        "KeyMismatch",
        "depositsFromCheckouts",
        "deriveDepositKeys",
        "formatUnits",
        "journalFile",
        "merchantCheckouts",
        "openJournal",
        "parseTreasuries",
        "pendingIntents",
        "planSweep",
        "planToJson",
        "readJournal",
        "renderPlan",
        "runSweep",
        "sameAddress",
        "sweepableFamilies",
        "sweeperFor",
        "sweeperOf",
        "usedIndicesOf",
      ]
    `)
  })
})
