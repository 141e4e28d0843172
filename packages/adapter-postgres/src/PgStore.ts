import {
  AddressPool,
  type CheckoutPorts,
  type CheckoutStoreService,
  checkoutPorts,
  Leases,
  MerchantStore,
  Outbox,
  StoreError,
} from "@inzi/core"
import { Context, Effect, Layer } from "effect"
import type { Kysely } from "kysely"
import { sql } from "kysely"
import { addressPoolPg } from "./AddressPoolPg.js"
import { checkoutByIdStatement, readCheckout } from "./checkoutReads.js"
import { plainCreate } from "./checkoutWrites.js"
import { makeCheckoutStore } from "./CheckoutStorePg.js"
import { type Database, type DatabaseConfig, makeDatabase } from "./database.js"
import { describe } from "./errors.js"
import { makeExpirySweep } from "./ExpirySweepPg.js"
import { type FastPath, PgFastPath } from "./FastPathPg.js"
import { makePaymentLedger } from "./LedgerPg.js"
import { makeLeases } from "./LeasesPg.js"
import { makeMerchantStore } from "./MerchantStorePg.js"
import { migrate, migrationState, migrationsApplied } from "./migrations.js"
import { makeOutbox } from "./OutboxPg.js"
import type { DB } from "./schema.js"
import { SecretKeyError, verifySecretKey } from "./secrets.js"
import type { CheckoutStoreOptions } from "./storeOptions.js"
import { makeUnmatchedPayments } from "./UnmatchedPg.js"

export interface PgStoreConfig extends DatabaseConfig, CheckoutStoreOptions {
  /** Run pending migrations when the layer is built (default true; `inzi dev` relies on it). */
  readonly migrate?: boolean | undefined
}

/** All storage ports over one kysely instance. */
export interface PgStores {
  readonly merchants: Context.Tag.Service<typeof MerchantStore>
  readonly checkouts: CheckoutStoreService
  readonly outbox: Context.Tag.Service<typeof Outbox>
  readonly leases: Context.Tag.Service<typeof Leases>
  readonly addressPool: Context.Tag.Service<typeof AddressPool>
  /** The server's fiber-less statements over the same database (FastPathPg.ts). */
  readonly fastPath: FastPath
}

/**
 * Builds the port implementations over an open database (no layer needed: for embedding and tests).
 * @example
 * const database = await makeDatabase({ dataDir: "./.inzi" })
 * await migrate(database.db)
 * const { checkouts } = makeStores(database.db, { renderEventBody })
 */
export const makeStores = (db: Kysely<DB>, options: CheckoutStoreOptions = {}): PgStores => {
  const pool = addressPoolPg(db, { secrets: options.secrets, freshBlock: options.freshIndexBlock ?? 32 })
  const createPlain = plainCreate(db)
  // GET's read, one for the port and the fast path: one set of decoded checkouts (makeDecodedCheckouts).
  const getCheckout = readCheckout(checkoutByIdStatement(db))
  return {
    merchants: makeMerchantStore(db, options.secrets ?? null),
    // One service over the small ports: the checkouts and the ingestion ports (ledger, unmatched, expiry).
    checkouts: {
      ...makeCheckoutStore(db, createPlain, getCheckout),
      ...makePaymentLedger(db, options),
      ...makeUnmatchedPayments(db, options),
      ...makeExpirySweep(db, options),
    },
    outbox: makeOutbox(db, options.secrets ?? null),
    leases: makeLeases(db),
    addressPool: pool.pool,
    fastPath: {
      createPooledCheckout: pool.createPooledCheckout,
      takeSlot: pool.takeSlot,
      createCheckout: createPlain,
      getCheckout,
    },
  }
}

/** The open database behind the stores: readiness checks, the CLI's `migrate`, tests. */
export class PgDatabase extends Context.Tag("@inzi/adapter-postgres/PgDatabase")<
  PgDatabase,
  {
    readonly database: Database
    /** Reachable and fully migrated (for `/readyz`). */
    readonly ready: Effect.Effect<boolean>
  }
>() {}

const open = (config: PgStoreConfig) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const database = await makeDatabase(config)
        try {
          // The migrator (its tables, its lock) only when something is to do: a migration pending, or a name this
          // code does not know (the migrator refuses such a database with its own error).
          const state = await migrationState(database.db)
          const due = state.pending.length > 0 || state.unknown.length > 0
          if (config.migrate !== false && due) await migrate(database.db)
          // A missing or wrong INZI_SECRET_KEY stops the process here, not at its first delivery.
          if (config.migrate !== false || state.pending.length === 0)
            await verifySecretKey(database.db, config.secrets ?? null)
        } catch (e) {
          await database.close()
          throw e
        }
        return database
      },
      catch: (e) =>
        new StoreError({
          message: e instanceof SecretKeyError ? e.message : describe("opening the database", e),
        }),
    }),
    (database) => Effect.promise(() => database.close()),
  )

const ready = (db: Kysely<DB>): Effect.Effect<boolean> =>
  Effect.tryPromise(async () => {
    await sql`SELECT 1`.execute(db)
    return migrationsApplied(db)
  }).pipe(Effect.orElseSucceed(() => false))

/** What the Postgres layers provide. */
export type PgStoreServices =
  | MerchantStore
  | CheckoutPorts
  | Outbox
  | Leases
  | AddressPool
  | PgFastPath
  | PgDatabase

/**
 * Layers providing `MerchantStore`, the checkout ports (`Checkouts`, `IdempotencyRecords`, `WatchTargets`,
 * `PaymentLedger`, `UnmatchedPayments`, `ExpirySweep`, and their union `CheckoutStore`), `Outbox`, `Leases`,
 * `AddressPool` (and `PgFastPath`, `PgDatabase`).
 * The database is opened (and migrated) when the layer builds and closed with its scope. The configuration
 * is given, not read here: the reference apps read the environment once (@inzi/platform's `readEnv`, pool
 * size and secret key included) and pass it.
 */
export const PgStore = {
  layer: (config: PgStoreConfig): Layer.Layer<PgStoreServices, StoreError> =>
    Layer.scopedContext(
      Effect.gen(function* () {
        const database = yield* open(config)
        const s = makeStores(database.db, config)
        return checkoutPorts(s.checkouts).pipe(
          Context.add(MerchantStore, s.merchants),
          Context.add(Outbox, s.outbox),
          Context.add(Leases, s.leases),
          Context.add(AddressPool, s.addressPool),
          Context.add(PgFastPath, s.fastPath),
          Context.add(PgDatabase, { database, ready: ready(database.db) }),
        )
      }),
    ),
}
