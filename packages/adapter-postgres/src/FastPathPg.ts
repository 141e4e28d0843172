import type {
  ChainFamily,
  Checkout,
  CheckoutNotFound,
  GetCheckoutQuery,
  NewCheckout,
  PayoutKeys,
  PooledCreateResult,
  StoreError,
} from "@inzi/core"
import { Context, type Either } from "effect"

/**
 * The server's fiber-less path over PostgreSQL: the API's two hot statements with plain callbacks, answered from
 * the driver's own callback (no Effect fiber, no promise between Postgres's answer and the response). The same
 * statements and rules as the ports behind them (`AddressPool.createCheckout`, `Checkouts.getCheckout`, which
 * run these very functions); only apps/server uses it, through core's `createPooledCheckoutWith` for the create.
 * Each function calls `done` exactly once and never throws.
 */
export interface FastPath {
  /** `AddressPool.createCheckout`: a pooled slot taken and the checkout inserted on it, in one statement. */
  readonly createPooledCheckout: (
    input: NewCheckout,
    keys: PayoutKeys,
    derived: ReadonlyArray<ChainFamily>,
    done: (result: Either.Either<PooledCreateResult, StoreError>) => void,
  ) => void
  /** `Checkouts.getCheckout`: one checkout of one merchant and mode (anything foreign is not found). */
  readonly getCheckout: (
    q: GetCheckoutQuery,
    done: (result: Either.Either<Checkout, StoreError | CheckoutNotFound>) => void,
  ) => void
}

/** The `FastPath` of the PgStore layer's database (see `makeStores`). */
export class PgFastPath extends Context.Tag("@inzi/adapter-postgres/PgFastPath")<PgFastPath, FastPath>() {}
