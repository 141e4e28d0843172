/**
 * The embedded data folder: one process opens it (an exclusive lock file taken before PGlite), others go through
 * the holder's socket or get an error naming it; folder 0700 and files 0600; stale locks taken over; a damaged
 * folder gets an error saying what to do. Before this, a second process opened its own PGlite on the same folder:
 * its writes were invisible to the first, and the two together corrupted the folder.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { sql } from "kysely"
import { describe, expect, it } from "vitest"
import { DataDirBusyError, LOCK_FILE, MODES_MARKER, readHolder, tryLockDataDir } from "../src/dataDir.js"
import { makeDatabase } from "../src/database.js"

const child = join(__dirname, "data-dir-child.ts")
const freshDir = () => join(mkdtempSync(join(tmpdir(), "inzi-dd-")), "data")
const looseFiles = (dir: string) =>
  execFileSync("find", [dir, "-perm", "/077"], { encoding: "utf8" }).split("\n").filter(Boolean)

describe("embedded data folder", () => {
  it("a second process never opens PGlite on a held folder: it works through the holder's socket", async () => {
    const dir = freshDir()
    const owner = await makeDatabase({ dataDir: dir, share: true })
    try {
      await sql`CREATE TABLE probe (who text)`.execute(owner.db)
      const holder = readHolder(dir)
      expect(holder?.pid).toBe(process.pid)
      expect(holder?.socket).toMatch(/\.s\.PGSQL\.5432$/)
      // Asynchronously: this process must keep serving its socket meanwhile.
      const r = await promisify(execFile)(process.execPath, ["--import", "tsx", child, dir], {
        timeout: 60_000,
      })
      expect(JSON.parse(r.stdout)).toEqual({ kind: "postgres", via: process.pid, opened: false })
      // The child's write is in the owner's database at once.
      const rows = await sql<{ who: string }>`SELECT who FROM probe`.execute(owner.db)
      expect(rows.rows).toEqual([{ who: "child" }])
    } finally {
      await owner.close()
    }
    expect(readHolder(dir)).toBeNull()
    expect(statSync(join(dir, LOCK_FILE), { throwIfNoEntry: false })).toBeUndefined()
  })

  it("a socket client's transaction and the owner's queries never interleave", async () => {
    const dir = freshDir()
    const owner = await makeDatabase({ dataDir: dir, share: true })
    const client = await makeDatabase({ dataDir: dir })
    try {
      expect(client.via?.pid).toBe(process.pid)
      await sql`CREATE TABLE probe (who text)`.execute(owner.db)
      const rolledBack = client.db
        .transaction()
        .execute(async (tx) => {
          await sql`INSERT INTO probe VALUES ('client')`.execute(tx)
          await new Promise((r) => setTimeout(r, 300))
          throw new Error("abort")
        })
        .catch((e: Error) => e.message)
      await new Promise((r) => setTimeout(r, 50))
      // The owner's write waits for the client's transaction instead of joining it (and being rolled back with it).
      await sql`INSERT INTO probe VALUES ('owner')`.execute(owner.db)
      expect(await rolledBack).toBe("abort")
      expect((await sql<{ who: string }>`SELECT who FROM probe`.execute(owner.db)).rows).toEqual([
        { who: "owner" },
      ])
    } finally {
      await client.close()
      await owner.close()
    }
  })

  it("a holder without a socket gets a clear error naming it", async () => {
    const dir = freshDir()
    const first = await makeDatabase({ dataDir: dir })
    try {
      const e = await makeDatabase({ dataDir: dir, lockWaitMs: 200 }).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(DataDirBusyError)
      expect((e as Error).message).toContain(`in use by pid ${process.pid}`)
      // A long-running process never piggybacks on another one's socket.
      const second = await makeDatabase({ dataDir: dir, share: true, lockWaitMs: 200 }).catch(
        (x: unknown) => x,
      )
      expect(second).toBeInstanceOf(DataDirBusyError)
    } finally {
      await first.close()
    }
  })

  it("takes over a lock left by a dead process or a reused pid", async () => {
    const dir = freshDir()
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout
    const stale = (pid: number, pidStart: string | null) =>
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({
          pid,
          pidStart,
          command: "inzi dev",
          startedAt: "2026-01-01T00:00:00Z",
          socket: null,
          extra: {},
        }),
      )
    ;(await makeDatabase({ dataDir: dir })).close()
    stale(Number(dead), null)
    const a = await makeDatabase({ dataDir: dir, lockWaitMs: 0 })
    expect(a.dataDirLock?.holder.pid).toBe(process.pid)
    await a.close()
    // Our own pid, but another process's start time: the pid was reused, the lock is stale.
    stale(process.pid, "1")
    const b = await makeDatabase({ dataDir: dir, lockWaitMs: 0 })
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pidStart).not.toBe("1")
    await b.close()
    // Exclusive: a second take while held returns the live holder.
    const held = tryLockDataDir(dir)
    expect(held.ok).toBe(true)
    expect(tryLockDataDir(dir)).toMatchObject({ ok: false, holder: { pid: process.pid } })
    if (held.ok) held.lock.release()
  })

  it("creates the folder 0700 and its files 0600, and tightens an existing loose folder", async () => {
    const dir = freshDir()
    const db = await makeDatabase({ dataDir: dir, share: true })
    await sql`CREATE TABLE probe (who text)`.execute(db.db)
    await sql`INSERT INTO probe SELECT repeat('x', 100) FROM generate_series(1, 5000)`.execute(db.db)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(looseFiles(dir)).toEqual([])
    await db.close()
    expect(looseFiles(dir)).toEqual([])
    // Walked once after PGlite's initdb, then marked: a reopen checks the folder and the relcache init files
    // (PGlite rewrites them 0644 on every start) instead of walking every file again.
    expect(existsSync(join(dir, MODES_MARKER))).toBe(true)
    const reopened = await makeDatabase({ dataDir: dir })
    expect(looseFiles(dir)).toEqual([])
    await reopened.close()
    expect(looseFiles(dir)).toEqual([])
    execFileSync("chmod", ["-R", "a+rwX", dir])
    expect(looseFiles(dir).length).toBeGreaterThan(100)
    const notices: string[] = []
    const again = await makeDatabase({ dataDir: dir, onNotice: (m) => notices.push(m) })
    await again.close()
    expect(notices.join("\n")).toMatch(/readable or writable by other users; now 0600\/0700/)
    expect(looseFiles(dir)).toEqual([])
    expect(existsSync(join(dir, MODES_MARKER))).toBe(true)
  })

  it("a damaged or unusable folder gets an error that says what to do", async () => {
    const dir = freshDir()
    await (await makeDatabase({ dataDir: dir })).close()
    writeFileSync(join(dir, "global", "pg_control"), "not a control file")
    const e = (await makeDatabase({ dataDir: dir }).catch((x: unknown) => x)) as Error
    expect(e.message).toContain(`the embedded database in ${dir} could not be opened`)
    expect(e.message).toContain(`mv ${dir} ${dir}.broken`)
    // The failed open released the lock.
    expect(readHolder(dir)).toBeNull()
    const file = join(mkdtempSync(join(tmpdir(), "inzi-dd-")), "file")
    writeFileSync(file, "")
    const f = (await makeDatabase({ dataDir: file }).catch((x: unknown) => x)) as Error
    expect(f.message).toMatch(/cannot (create|use) the embedded database folder .*INZI_DATA_DIR/)
  })
})
