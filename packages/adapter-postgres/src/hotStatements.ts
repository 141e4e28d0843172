import type { Kysely } from "kysely"
import { pooledCreateStatement } from "./AddressPoolPg.js"
import { checkoutByIdStatement } from "./CheckoutStorePg.js"
import type { DB } from "./schema.js"

/**
 * The SQL of the API's two hot statements exactly as the stores run them (named prepared statements on
 * PostgreSQL), with each `$n`'s argument index: the api benchmark's same-SQL baseline server runs these texts.
 * `pooledCreate`'s arguments are listed at `pooledCreateStatement`; `checkoutById` takes the checkout id.
 */
export const hotStatements = (
  db: Kysely<DB>,
): Record<
  "pooledCreate" | "checkoutById",
  { readonly sql: string; readonly positions: ReadonlyArray<number> }
> => {
  const text = ({ sql, positions }: { readonly sql: string; readonly positions: ReadonlyArray<number> }) => ({
    sql,
    positions,
  })
  return { pooledCreate: text(pooledCreateStatement(db)), checkoutById: text(checkoutByIdStatement(db)) }
}
