import { mkdirSync } from "node:fs"
import type { PGlite } from "@electric-sql/pglite"
import { Kysely, PostgresDialect, sql } from "kysely"
import pg from "pg"
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
}

export interface Database {
  readonly db: Kysely<DB>
  readonly kind: "postgres" | "pglite"
  /** The embedded instance, when `kind` is `pglite` (for `dumpDataDir` snapshots). */
  readonly pglite: PGlite | null
  readonly schema: string
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
    return { db, kind: "postgres", pglite: null, schema, close: () => db.destroy() }
  }
  // PGlite (WASM Postgres) and its dialect are loaded only here, so a process on a real server never pays for them.
  const { PGliteDialect } = await import("kysely-pglite-dialect")
  let pglite = config.pglite
  if (pglite === undefined) {
    const dataDir = config.dataDir ?? "./.inzi"
    if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true })
    const { PGlite } = await import("@electric-sql/pglite")
    pglite = await PGlite.create({ dataDir })
  }
  if (schema !== "public") {
    // PGlite is one session: setting the search_path once holds for every later query.
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`)
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) })
  return { db, kind: "pglite", pglite, schema, close: () => db.destroy() }
}

/** Drops a schema and everything in it (test clean-up). */
export const dropSchema = async (db: Kysely<DB>, schema: string): Promise<void> => {
  await sql.raw(`DROP SCHEMA IF EXISTS "${checkSchemaName(schema)}" CASCADE`).execute(db)
}
