import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import type { PGlite } from "@electric-sql/pglite"
import { type DatabaseConnection, type Dialect, Kysely, PostgresDialect, sql } from "kysely"
import pg from "pg"
import { SessionGate, type SessionSocketServer, serveSession } from "./sessionSocket.js"
import {
  DataDirBusyError,
  DataDirError,
  type DataDirHolder,
  type HeldLock,
  prepareDataDir,
  tightenOpenedDataDir,
  tryLockDataDir,
} from "./dataDir.js"
import type { DB } from "./schema.js"

export interface DatabaseConfig {
  /** `postgres://…`: use a real PostgreSQL server through a `pg` pool. Without it: embedded PGlite. */
  readonly databaseUrl?: string | undefined
  /** PGlite data folder (default `./.inzi`); `memory://` keeps it in memory. Ignored with `databaseUrl`. */
  readonly dataDir?: string | undefined
  /** Postgres schema to use (created if missing, put first on the search_path). Default: `public`. */
  readonly schema?: string | undefined
  /** Pool size for `pg` (default 10). */
  readonly maxConnections?: number | undefined
  /** An already opened PGlite (tests load a migrated snapshot this way). Takes precedence over `dataDir`. */
  readonly pglite?: PGlite | undefined
  /**
   * A long-running owner of the data folder (`dev`, `serve`, `work`): it serves its PGlite over a unix socket
   * that other processes (the CLI) use while it runs, and never goes through another holder's socket itself.
   * Without it (the CLI), a folder held by a serving process is used through that process's socket.
   */
  readonly share?: boolean | undefined
  /** How long to wait for a folder held by a process that offers no socket (default 10 s). */
  readonly lockWaitMs?: number | undefined
  /** Where notices go (a data folder whose modes were tightened). Default: stderr. */
  readonly onNotice?: ((message: string) => void) | undefined
}

export interface Database {
  readonly db: Kysely<DB>
  readonly kind: "postgres" | "pglite"
  /** The embedded instance, when `kind` is `pglite` (for `dumpDataDir` snapshots). */
  readonly pglite: PGlite | null
  readonly schema: string
  /** The data folder's lock, when this process holds one (`inzi dev` announces its ports in it). */
  readonly dataDirLock: HeldLock | null
  /** The running process whose database this one reaches through its socket, if so. */
  readonly via: DataDirHolder | null
  readonly close: () => Promise<void>
}

/** SQL texts that `pg` connections run as named prepared statements (see `preparedStatement`). */
const PREPARED = new Map<string, string>()

/**
 * Marks a hot query's SQL text to run as a named prepared statement on PostgreSQL: each connection parses and
 * plans it once instead of on every call (measured here on the checkout read: ≈ half the round trip, and less
 * client CPU). Queries are matched by their exact text, and only `directQuery` runs them named (precompiled.ts);
 * PGlite ignores this.
 */
export const preparedStatement = (text: string): void => {
  if (!PREPARED.has(text)) PREPARED.set(text, `inzi_p${PREPARED.size}`)
}

/** Called once: with the driver's error, or with `null` and the rows. */
export type RowsCallback<Row> = (error: Error | null, rows: ReadonlyArray<Row>) => void

/** One SQL text with its parameters on a pooled client; `done` is called from the driver's own callback. */
export type DirectQuery = <Row>(text: string, values: ReadonlyArray<unknown>, done: RowsCallback<Row>) => void

/** The `pg` pool behind each PostgreSQL database's Kysely instance (see `directQuery`). */
const POOLS = new WeakMap<Kysely<DB>, pg.Pool>()

/**
 * For `db` on PostgreSQL, a function running one SQL text with its parameters straight on a pooled `pg` client
 * (a registered `preparedStatement` runs as the named statement), bypassing kysely's executor; `undefined` on
 * PGlite or for a transaction. For precompiled hot queries only (precompiled.ts): no plugins, no logging.
 * Callbacks all the way (pool checkout, query, result): the promise chain it replaces (async functions awaiting
 * the pool, the query and the named-statement wrapper) was a dozen promises and microtask hops per read, all kept
 * alive (and copied by every scavenge) while the request waits on Postgres.
 */
export const directQuery = (db: Kysely<DB>): DirectQuery | undefined => {
  const pool = POOLS.get(db)
  if (pool === undefined) return undefined
  return <Row>(text: string, values: ReadonlyArray<unknown>, done: RowsCallback<Row>) =>
    pool.connect((error, client, release) => {
      if (error !== undefined && error !== null) return done(error, [])
      try {
        runText(client as pg.PoolClient, text, values, (e, result) => {
          release()
          done(e, e === null ? (result.rows as ReadonlyArray<Row>) : [])
        })
      } catch (e) {
        // pg reports query errors through the callback; anything thrown here never reached it: the client goes back.
        release()
        done(e instanceof Error ? e : new Error(String(e)), [])
      }
    })
}

/**
 * Runs `text` on `client`, as its named statement when registered with `preparedStatement`, calling `done` with
 * pg's result (no promise involved). Should a migration change a prepared statement's result columns, Postgres
 * refuses the cached plan (SQLSTATE 0A000): the statement is deallocated and prepared again once.
 */
const runText = (
  client: pg.PoolClient,
  text: string,
  values: ReadonlyArray<unknown>,
  done: (error: Error | null, result: pg.QueryResult) => void,
): void => {
  const name = PREPARED.get(text)
  const attempt = (retry: boolean) => {
    // A ready Query (pg copies every property descriptor of a config object on each call, ≈ 5 µs measured).
    const q = new pg.Query(text, values as unknown[], (error: Error | undefined, result: pg.QueryResult) => {
      if (error === null || error === undefined) return done(null, result)
      if (!retry || name === undefined || (error as { code?: string }).code !== "0A000")
        return done(error, result)
      client.query(`DEALLOCATE ${name}`, (e: Error | undefined) => {
        delete (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection
          .parsedStatements[name]
        if (e !== null && e !== undefined) done(e, result)
        else attempt(false)
      })
    }) as pg.Query & { name?: string }
    if (name !== undefined) q.name = name
    client.query(q)
  }
  attempt(true)
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** Validates a schema name (it is interpolated into SQL, so only plain lower-case identifiers pass). */
export const checkSchemaName = (schema: string): string => {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`)
  return schema
}

/**
 * Opens the database: a `pg` pool when `databaseUrl` is given, otherwise an embedded PGlite kept in `dataDir`.
 * PGlite is a single session (queries and transactions run one at a time) and takes 4–6 s to start cold.
 * @example
 * const { db, close } = await makeDatabase({ databaseUrl: process.env.DATABASE_URL })
 */
export const makeDatabase = async (config: DatabaseConfig = {}): Promise<Database> => {
  const schema = checkSchemaName(config.schema ?? "public")
  if (config.databaseUrl !== undefined && config.databaseUrl !== "") {
    if (schema !== "public") {
      // Create the schema once, on a throwaway client, before the pool puts it on every search_path.
      const client = new pg.Client({ connectionString: config.databaseUrl })
      await client.connect()
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
      } finally {
        await client.end()
      }
    }
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.maxConnections ?? 10,
      ...(schema !== "public" ? { options: `-c search_path=${schema}` } : {}),
    })
    // A client losing its connection must not crash the process, idle or checked out (pg emits 'error' on the
    // client, and the pool listens only while it is idle): the query in flight fails, and the pool drops the
    // client when it is released.
    pool.on("error", () => {})
    pool.on("connect", (client) => client.on("error", () => {}))
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    POOLS.set(db, pool)
    return {
      db,
      kind: "postgres",
      pglite: null,
      schema,
      dataDirLock: null,
      via: null,
      close: () => db.destroy(),
    }
  }
  // PGlite (WASM Postgres) and its dialect are loaded only here, so a process on a real server never pays for them.
  const { PGliteDialect } = await import("kysely-pglite-dialect")
  if (config.pglite !== undefined || (config.dataDir ?? "").includes("://")) {
    const pglite =
      config.pglite ??
      (await (await import("@electric-sql/pglite")).PGlite.create({ dataDir: config.dataDir }))
    await setSchema(pglite, schema)
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) })
    return { db, kind: "pglite", pglite, schema, dataDirLock: null, via: null, close: () => db.destroy() }
  }
  const dataDir = resolve(config.dataDir ?? "./.inzi")
  const { tightened } = prepareDataDir(dataDir)
  if (tightened > 0)
    (config.onNotice ?? ((m: string) => process.stderr.write(`inzi: ${m}\n`)))(
      `${dataDir}: ${tightened} file(s) or folder(s) were readable or writable by other users; now 0600/0700 (the database holds webhook secrets)`,
    )
  const held = await lockOrReach(dataDir, config)
  if ("holder" in held) return reachThroughSocket(held.holder, schema, dataDir)
  const lock = held.lock
  let pglite: PGlite
  try {
    // PGlite creates its files with mode 0666: the umask keeps them (and every later WAL segment) 0600.
    restrictUmask()
    const { PGlite } = await import("@electric-sql/pglite")
    pglite = await PGlite.create({ dataDir })
    tightenOpenedDataDir(dataDir)
    await setSchema(pglite, schema)
  } catch (e) {
    lock.release()
    throw new DataDirError(
      `the embedded database in ${dataDir} could not be opened (${e instanceof Error ? e.message : String(e)}). ` +
        `If its files are not this user's, fix their owner and mode (ls -lR ${dataDir}). If it is damaged (for example by two processes writing it at once), stop every inzi process, move it aside (mv ${dataDir} ${dataDir}.broken) and start again: a new, empty database is created there; restore a copy of the folder to keep the data.`,
    )
  }
  const gate = config.share === true ? new SessionGate() : null
  let served: SessionSocketServer | null = null
  if (gate !== null) {
    try {
      served = await serveSession(pglite, gate, socketPath(dataDir))
      lock.update({ socket: served.path })
    } catch (e) {
      await pglite.close()
      lock.release()
      throw e
    }
  }
  const dialect = new PGliteDialect(pglite)
  const db = new Kysely<DB>({ dialect: gate === null ? dialect : gated(dialect, gate) })
  return {
    db,
    kind: "pglite",
    pglite,
    schema,
    dataDirLock: lock,
    via: null,
    close: async () => {
      try {
        await served?.close()
        if (served !== null && dirname(served.path) !== dataDir)
          rmSync(dirname(served.path), { recursive: true, force: true })
        await db.destroy()
        try {
          tightenOpenedDataDir(dataDir)
        } catch {}
      } finally {
        lock.release()
      }
    },
  }
}

const setSchema = async (pglite: PGlite, schema: string) => {
  // PGlite is one session: setting the search_path once holds for every later query (socket clients' too).
  if (schema !== "public")
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`)
}

const restrictUmask = () => {
  try {
    process.umask(process.umask() | 0o077)
  } catch {
    // Worker threads cannot change the umask; the folder itself is still 0700.
  }
}

/** Unix socket paths are limited to ~107 bytes: a long data folder path gets its socket in a private temp folder. */
const socketPath = (dataDir: string): string => {
  const inside = join(dataDir, ".s.PGSQL.5432")
  return inside.length <= 100 ? inside : join(mkdtempSync(join(tmpdir(), "inzi-")), ".s.PGSQL.5432")
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The folder's lock for this process, or the live holder whose socket to go through. */
const lockOrReach = async (
  dataDir: string,
  config: DatabaseConfig,
): Promise<{ readonly lock: HeldLock } | { readonly holder: DataDirHolder }> => {
  const deadline = Date.now() + (config.lockWaitMs ?? 10_000)
  for (;;) {
    const r = tryLockDataDir(dataDir)
    if (r.ok) return { lock: r.lock }
    const holder = r.holder
    if (holder !== null && holder.socket !== null) {
      if (config.share !== true) return { holder }
      throw new DataDirBusyError(
        dataDir,
        holder,
        "the embedded database is for one long-running process (inzi dev runs server and worker together); stop it first, or use PostgreSQL (DATABASE_URL) to run several",
      )
    }
    if (Date.now() >= deadline) {
      if (holder === null)
        throw new DataDirError(
          `the embedded database in ${dataDir} is being opened by another process (its lock file ${join(dataDir, "inzi.lock")} is not written yet); try again`,
        )
      throw new DataDirBusyError(
        dataDir,
        holder,
        "it offers no socket to share it; wait for it to finish or stop it",
      )
    }
    await sleep(100)
  }
}

const reachThroughSocket = async (
  holder: DataDirHolder,
  schema: string,
  dataDir: string,
): Promise<Database> => {
  const socket = holder.socket as string
  // One connection: the holder's PGlite is a single session shared with its own server and worker.
  const pool = new pg.Pool({
    host: dirname(socket),
    port: 5432,
    user: "postgres",
    database: "postgres",
    max: 1,
  })
  pool.on("error", () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (e) {
    await pool.end()
    throw new DataDirBusyError(
      dataDir,
      holder,
      `its socket ${socket} does not answer (${(e as Error).message}); if that process hangs, stop it`,
    )
  }
  // No named prepared statements here (directQuery is not registered): they would outlive this client in the
  // holder's session and collide with the next CLI's.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    kind: "postgres",
    pglite: null,
    schema,
    dataDirLock: null,
    via: holder,
    close: () => db.destroy(),
  }
}

/** The PGlite dialect with every connection (a query, or a whole transaction) taken under the session gate. */
const gated = (dialect: Dialect, gate: SessionGate): Dialect => ({
  createAdapter: () => dialect.createAdapter(),
  createIntrospector: (db) => dialect.createIntrospector(db),
  createQueryCompiler: () => dialect.createQueryCompiler(),
  createDriver: () => {
    const driver = dialect.createDriver()
    let release: (() => void) | null = null
    return Object.assign(Object.create(driver) as typeof driver, {
      acquireConnection: async (): Promise<DatabaseConnection> => {
        const r = await gate.acquire()
        try {
          const connection = await driver.acquireConnection()
          release = r
          return connection
        } catch (e) {
          r()
          throw e
        }
      },
      releaseConnection: async (connection: DatabaseConnection) => {
        try {
          await driver.releaseConnection(connection)
        } finally {
          const r = release
          release = null
          r?.()
        }
      },
    })
  },
})

/** Drops a schema and everything in it (test clean-up). */
export const dropSchema = async (db: Kysely<DB>, schema: string): Promise<void> => {
  await sql.raw(`DROP SCHEMA IF EXISTS "${checkSchemaName(schema)}" CASCADE`).execute(db)
}
