import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs"
import { join, resolve } from "node:path"

/** The lock file every process opening an embedded data folder creates first (exclusively). */
export const LOCK_FILE = "inzi.lock"

/** What the lock file says about the process holding the folder. */
export interface DataDirHolder {
  readonly pid: number
  /** The kernel's start time of `pid` (Linux `/proc/<pid>/stat`), to tell a reused pid from the holder. */
  readonly pidStart: string | null
  /** The holder's command line (e.g. `inzi dev`). */
  readonly command: string
  readonly startedAt: string
  /** Unix socket serving the holder's database to other processes (long-running holders), else null. */
  readonly socket: string | null
  /** Whatever the holder announces besides (`inzi dev`: its server, devnet and webhook receiver addresses). */
  readonly extra: Readonly<Record<string, unknown>>
}

export class DataDirError extends Error {
  override readonly name = "DataDirError"
}

/** Another live process holds the folder and offers no socket to go through. */
export class DataDirBusyError extends DataDirError {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
    why: string,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by pid ${holder.pid} (${holder.command}, since ${holder.startedAt}): ${why}`,
    )
  }
}

const procStart = (pid: number): string | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null
  } catch {
    return null
  }
}

/** Whether the process that wrote `holder` still runs (a dead pid, or one reused by another process, is not). */
export const holderAlive = (holder: DataDirHolder): boolean => {
  try {
    process.kill(holder.pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false
  }
  const now = procStart(holder.pid)
  return holder.pidStart === null || now === null || now === holder.pidStart
}

const parse = (text: string): DataDirHolder | null => {
  try {
    const h = JSON.parse(text) as DataDirHolder
    return typeof h.pid === "number" && typeof h.command === "string" ? h : null
  } catch {
    return null
  }
}

/** The live holder of `dataDir`, if any (for `inzi pay` and error messages). */
export const readHolder = (dataDir: string): DataDirHolder | null => {
  let text: string
  try {
    text = readFileSync(join(dataDir, LOCK_FILE), "utf8")
  } catch {
    return null
  }
  const h = parse(text)
  return h !== null && holderAlive(h) ? h : null
}

export interface HeldLock {
  readonly holder: DataDirHolder
  /** Rewrites the lock file with more facts (the socket path, dev's ports). */
  readonly update: (changes: { socket?: string | null; extra?: Record<string, unknown> }) => void
  readonly release: () => void
}

const commandLine = () => {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("-"))
  return `inzi ${args.slice(0, 2).join(" ")}`.trim()
}

/** A lock file younger than this without readable content is being written by its creator. */
const UNWRITTEN_GRACE_MS = 2_000

/**
 * Takes the folder's lock: `inzi.lock` created with O_EXCL holding pid, command and start time. A lock left by
 * a dead process (or a reused pid) is taken over; a live holder is returned instead.
 */
export const tryLockDataDir = (
  dataDir: string,
):
  | { readonly ok: true; readonly lock: HeldLock }
  | { readonly ok: false; readonly holder: DataDirHolder | null } => {
  const path = join(dataDir, LOCK_FILE)
  let holder: DataDirHolder = {
    pid: process.pid,
    pidStart: procStart(process.pid),
    command: commandLine(),
    startedAt: new Date().toISOString(),
    socket: null,
    extra: {},
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number
    try {
      fd = openSync(path, "wx", 0o600)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
      let text: string
      try {
        text = readFileSync(path, "utf8")
      } catch {
        continue
      }
      const other = parse(text)
      if (other === null) {
        if (Date.now() - statMtime(path) < UNWRITTEN_GRACE_MS) return { ok: false, holder: null }
      } else if (holderAlive(other)) return { ok: false, holder: other }
      // Stale: move it aside, and make sure what was moved is the stale file just read (not a new holder's).
      const aside = `${path}.stale-${process.pid}`
      try {
        renameSync(path, aside)
      } catch {
        continue
      }
      if (readFileSync(aside, "utf8") !== text) {
        // A new holder's lock: put it back (link never replaces a lock created meanwhile).
        try {
          linkSync(aside, path)
        } catch {}
        unlinkSync(aside)
        continue
      }
      unlinkSync(aside)
      continue
    }
    writeSync(fd, JSON.stringify(holder))
    closeSync(fd)
    let released = false
    const release = () => {
      if (released) return
      released = true
      process.off("exit", release)
      try {
        const now = parse(readFileSync(path, "utf8"))
        if (now?.pid === process.pid) unlinkSync(path)
      } catch {}
    }
    process.on("exit", release)
    return {
      ok: true,
      lock: {
        get holder() {
          return holder
        },
        update: (changes) => {
          holder = {
            ...holder,
            ...(changes.socket !== undefined ? { socket: changes.socket } : {}),
            extra: { ...holder.extra, ...changes.extra },
          }
          // Rename over the lock: a reader never sees a half-written file.
          const tmp = `${path}.${process.pid}.tmp`
          writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600 })
          renameSync(tmp, path)
        },
        release,
      },
    }
  }
  return { ok: false, holder: null }
}

const statMtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/**
 * Written once every file of a folder PGlite has initialized was made 0600: from then on an open checks the folder
 * itself and the relcache init files instead of walking the ~1 100 files again (with the folder 0700 nobody else
 * reaches the files anyway). Removed when the folder is found loose, so the next open walks it again.
 */
export const MODES_MARKER = "inzi.modes"

/**
 * Makes the data folder (0700) or checks an existing one: it must be a folder this user can read and write.
 * When the folder is loose (not 0700) or was never walked (no marker), files and folders inside that others can
 * read or write are tightened (0600 / 0700); returns how many were.
 */
export const prepareDataDir = (dataDir: string): { readonly tightened: number } => {
  const abs = resolve(dataDir)
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new DataDirError(
      `cannot create the embedded database folder ${abs}: ${(e as Error).message}. Set INZI_DATA_DIR to a folder this user may create, or create it (mkdir -m 700 ${abs}).`,
    )
  }
  let mode: number
  try {
    const st = statSync(abs)
    if (!st.isDirectory()) throw new Error("it is not a folder")
    accessSync(abs, constants.R_OK | constants.W_OK | constants.X_OK)
    mode = st.mode & 0o777
  } catch (e) {
    throw new DataDirError(
      `cannot use the embedded database folder ${abs}: ${(e as Error).message}. It must be a folder this user can read and write: check its owner and mode (ls -ld ${abs}; chmod 700 ${abs}), or point INZI_DATA_DIR elsewhere.`,
    )
  }
  if (mode === 0o700 && existsSync(join(abs, MODES_MARKER))) return { tightened: 0 }
  rmSync(join(abs, MODES_MARKER), { force: true })
  return { tightened: tightenDataDir(abs) }
}

/**
 * After PGlite opened (or closed) the folder: a folder never walked since PGlite initialized it is walked
 * (`tightenDataDir`) and marked; otherwise only the files PGlite rewrites ignoring the umask are set to 0600.
 */
export const tightenOpenedDataDir = (dataDir: string): void => {
  const abs = resolve(dataDir)
  const marker = join(abs, MODES_MARKER)
  if (!existsSync(marker)) {
    tightenDataDir(abs)
    if (existsSync(join(abs, "PG_VERSION")))
      writeFileSync(marker, "every file here was made 0600 (folders 0700) by inzi\n", { mode: 0o600 })
    return
  }
  tightenRelcacheFiles(abs)
}

/** PGlite writes its relcache init files (`pg_internal.init`, on every start) with mode 0644 whatever the umask. */
const tightenRelcacheFiles = (abs: string): void => {
  let databases: string[] = []
  try {
    databases = readdirSync(join(abs, "base"))
  } catch {}
  for (const p of [join(abs, "global"), ...databases.map((d) => join(abs, "base", d))]) {
    const file = join(p, "pg_internal.init")
    try {
      if ((lstatSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
    }
  }
}

/**
 * Sets every file inside the folder that others can read or write to 0600 (folders 0700); returns how many.
 * PGlite writes its initial files as 0666 whatever the umask.
 */
export const tightenDataDir = (dataDir: string): number => {
  const abs = resolve(dataDir)
  let tightened = 0
  const walk = (dir: string, isRoot: boolean) => {
    const mode = lstatSync(dir).mode & 0o777
    if ((mode & 0o077) !== 0 || (isRoot && mode !== 0o700)) {
      chmodSync(dir, 0o700)
      if ((mode & 0o077) !== 0) tightened++
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name)
      if (entry.isDirectory()) walk(p, false)
      else if (entry.isFile()) {
        const m = lstatSync(p).mode & 0o777
        if ((m & 0o077) !== 0) {
          chmodSync(p, m & 0o700)
          tightened++
        }
      }
    }
  }
  try {
    walk(abs, true)
  } catch (e) {
    throw new DataDirError(
      `cannot read the embedded database folder ${abs}: ${(e as Error).message}. Every file in it must belong to this user (ls -lR ${abs}; chown -R $(id -un) ${abs}).`,
    )
  }
  return tightened
}
