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
 * client CPU). Queries are matched by their exact text; PGlite ignores this. Meant for statements run outside
 * transactions (see `PreparingClient`).
 */
export const preparedStatement = (text: string): void => {
  if (!PREPARED.has(text)) PREPARED.set(text, `inzi_p${PREPARED.size}`)
}

type Query = (...args: ReadonlyArray<unknown>) => Promise<unknown>

/** The `pg` pool behind each PostgreSQL database's Kysely instance (see `directQuery`). */
const POOLS = new WeakMap<Kysely<DB>, pg.Pool>()

/**
 * For `db` on PostgreSQL, a function running one SQL text with its parameters straight on a pooled `pg` client
 * (a registered `preparedStatement` runs as the named statement), bypassing kysely's executor; `undefined` on
 * PGlite or for a transaction. For precompiled hot queries only (precompiled.ts): no plugins, no logging.
 */
export const directQuery = (
  db: Kysely<DB>,
): (<Row>(text: string, values: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Row>>) | undefined => {
  const pool = POOLS.get(db)
  if (pool === undefined) return undefined
  return async <Row>(text: string, values: ReadonlyArray<unknown>) => {
    const client = await pool.connect()
    try {
      return ((await client.query(text, values as unknown[])) as unknown as { rows: ReadonlyArray<Row> }).rows
    } finally {
      client.release()
    }
  }
}

/**
 * A `pg` client running the texts registered with `preparedStatement` as named statements. Should a migration
 * change a prepared statement's result columns, Postgres refuses the cached plan (SQLSTATE 0A000): the statement
 * is deallocated and prepared again once.
 */
class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config)
    const plain = this.query.bind(this) as unknown as Query
    const parsed = () =>
      (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection
        .parsedStatements
    // The named statement goes in as a ready Query (pg copies every property descriptor of a config object on
    // each call, ≈ 5 µs measured on the GET path).
    const named = (name: string, text: string, values: unknown) =>
      new Promise((resolve, reject) => {
        const q = new pg.Query(text, values as unknown[]) as pg.Query & { name: string }
        q.name = name
        plain(q, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)))
      })
    const prepared: Query = async (...args) => {
      const [text, values] = args
      const name = typeof text === "string" && args.length <= 2 ? PREPARED.get(text) : undefined
      if (name === undefined) return plain(...args)
      try {
        return await named(name, text as string, values)
      } catch (e) {
        if ((e as { code?: string }).code !== "0A000") throw e
        await plain(`DEALLOCATE ${name}`)
        delete parsed()[name]
        return named(name, text as string, values)
      }
    }
    ;(this as unknown as { query: Query }).query = prepared
  }
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
      Client: PreparingClient,
      connectionString: config.databaseUrl,
      max: config.maxConnections ?? 10,
      ...(schema !== "public" ? { options: `-c search_path=${schema}` } : {}),
    })
    // An idle client losing its connection must not crash the process; the next query reports the error.
    pool.on("error", () => {})
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
