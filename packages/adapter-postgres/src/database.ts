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
    // An idle client losing its connection must not crash the process; the next query reports the error.
    pool.on("error", () => {})
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
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
