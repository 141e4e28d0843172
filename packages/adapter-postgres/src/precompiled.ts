import { type Compilable, CompiledQuery, type Kysely, type RawBuilder } from "kysely"
import { directQuery, preparedStatement, type RowsCallback } from "./database.js"
import type { DB } from "./schema.js"

/** A precompiled statement (see `precompile`). */
export interface Precompiled<Row, Args extends ReadonlyArray<unknown>> {
  readonly sql: string
  /** For each `$n` of `sql` in order, the index of its placeholder (argument). */
  readonly positions: ReadonlyArray<number>
  readonly execute: (...args: Args) => Promise<ReadonlyArray<Row>>
  /** The same with a callback, called from the driver's own (no promise on PostgreSQL): see `runStatement`. */
  readonly query: (args: Args, done: RowsCallback<Row>) => void
}

/**
 * A hot query built and compiled by kysely once, then run with new parameter values: per call this skips
 * kysely's immutable builder copies and SQL compilation (≈ 80–100 µs of CPU per query measured here, more than
 * the query's own client-side cost). Build the query with the `params` placeholders where values go; each
 * placeholder must appear as a bound parameter (the compiled SQL is checked for it), and the result is typed by
 * the query's own row type. On PostgreSQL it also runs as a named prepared statement (database.ts).
 * @example
 * const byId = precompile(db, (id: string) => db.selectFrom("checkouts").selectAll().where("id", "=", id))
 * const rows = await byId.execute("chk_test_…")
 */
export const precompile = <Row, Args extends ReadonlyArray<unknown>>(
  db: Kysely<DB>,
  build: (...placeholders: Args) => Compilable<Row> | RawBuilder<Row>,
  ...placeholders: Args
): Precompiled<Row, Args> => {
  // A query builder's compile() takes nothing; an sql`…` RawBuilder's takes the database (ignored by the former).
  const compiled = (build(...placeholders) as { compile: (db: Kysely<DB>) => CompiledQuery<Row> }).compile(db)
  const positions = compiled.parameters.map((p) => placeholders.indexOf(p))
  const missing = positions.indexOf(-1)
  if (missing !== -1)
    throw new Error(`precompile: parameter ${missing + 1} is not one of the placeholders: ${compiled.sql}`)
  for (let i = 0; i < placeholders.length; i++)
    if (!positions.includes(i)) throw new Error(`precompile: placeholder ${i} is not used: ${compiled.sql}`)
  preparedStatement(compiled.sql)
  // On PostgreSQL straight on a pooled client (kysely's executor was ≈ 10 µs a call); PGlite through kysely.
  const direct = directQuery(db)
  const query = (args: Args, done: RowsCallback<Row>): void => {
    const values = positions.map((i) => args[i])
    if (direct !== undefined) direct<Row>(compiled.sql, values, done)
    else
      db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, values)).then(
        (r) => done(null, r.rows),
        (e: Error) => done(e, []),
      )
  }
  return {
    sql: compiled.sql,
    positions,
    query,
    execute: (...args) =>
      new Promise((resolve, reject) => query(args, (e, rows) => (e === null ? resolve(rows) : reject(e)))),
  }
}

/** Distinct placeholder values for `precompile` (any unique objects would do; strings read well in errors). */
export const P = (name: string): string => `\u0000precompiled:${name}`
