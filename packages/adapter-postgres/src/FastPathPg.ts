import type { Checkout, CheckoutNotFound, CreateStatements, GetCheckoutQuery, StoreError } from "@inzi/core"
import { Context, type Either } from "effect"

/**
 * The server's fiber-less path over PostgreSQL: the API's hot statements with plain callbacks, answered from the
 * driver's own callback (no Effect fiber, no promise between Postgres's answer and the response). The same
 * statements and rules as the ports behind them (`AddressPool.createCheckout` and `takeSlot`,
 * `Checkouts.createCheckout` without a key, `Checkouts.getCheckout`, which run these very functions); only
 * apps/server uses it, through core's `createCheckoutWith` for the create (its `CreateStatements`). Each
 * function calls `done` exactly once and never throws.
 */
export interface FastPath {
  /** `AddressPool.createCheckout`: a pooled slot taken and the checkout inserted on it, in one statement. */
  readonly createPooledCheckout: CreateStatements["createPooled"]
  /** `AddressPool.takeSlot`: a pooled slot, or a fresh index of the merchant's sequence, in one statement. */
  readonly takeSlot: CreateStatements["takeSlot"]
  /** `Checkouts.createCheckout` without an Idempotency-Key: the checkout and its targets, in one statement. */
  readonly createCheckout: CreateStatements["insert"]
  /** `Checkouts.getCheckout`: one checkout of one merchant and mode (anything foreign is not found). */
  readonly getCheckout: (
    q: GetCheckoutQuery,
    done: (result: Either.Either<Checkout, StoreError | CheckoutNotFound>) => void,
  ) => void
}

/** The `FastPath` of the PgStore layer's database (see `makeStores`). */
export class PgFastPath extends Context.Tag("@inzi/adapter-postgres/PgFastPath")<PgFastPath, FastPath>() {}
