import type { Kysely } from "kysely"
import { pooledCreateStatement } from "./pooledCreate.js"
import { checkoutByIdStatement } from "./checkoutReads.js"
import type { Precompiled } from "./precompiled.js"
import type { DB } from "./schema.js"

/** A precompiled statement's text and argument order, without its functions (it is sent to another process). */
type StatementText = Pick<Precompiled<unknown, ReadonlyArray<unknown>>, "sql" | "positions">

/**
 * The SQL of the API's two hot statements exactly as the stores run them (named prepared statements on
 * PostgreSQL), with each `$n`'s argument index: the api benchmark's same-SQL baseline server runs these texts.
 * `pooledCreate`'s arguments are listed at `pooledCreateStatement`; `checkoutById` takes the checkout id.
 */
export const hotStatements = (db: Kysely<DB>): Record<"pooledCreate" | "checkoutById", StatementText> => {
  const text = ({ sql, positions }: StatementText): StatementText => ({ sql, positions })
  return { pooledCreate: text(pooledCreateStatement(db)), checkoutById: text(checkoutByIdStatement(db)) }
}
