import {
  type Checkout,
  type FamilyRegistry,
  Checkouts,
  Ids,
  MerchantStore,
  type Mode,
  Outbox,
  type NetworkConfig,
  type Payment,
  renderCheckoutJson,
  webhookEventBody,
  amountPaidCents,
} from "@inzi/core"
import {
  listQuarantined,
  listWatcherStatus,
  makeSecretBox,
  migrate,
  PgDatabase,
  PgStore,
  quarantineSummary,
  type RenderEventBody,
} from "@inzi/adapter-postgres"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Redacted } from "effect"
import { AddressDerivationLive } from "./derivation.js"
import { FAMILIES } from "./networks.js"
import type { InziEnv } from "./env.js"
import type { Logger } from "./log.js"

/**
 * The webhook body renderer handed to the store: the API checkout object of the moment of the change,
 * rendered exactly like the API does (same publicUrl, same networks), inside the event envelope.
 */
export const makeEventRenderer =
  (
    publicUrl: string,
    networks: ReadonlyArray<NetworkConfig>,
    families: FamilyRegistry = FAMILIES,
  ): RenderEventBody =>
  (event, checkout, merchant) =>
    webhookEventBody({
      id: event.id,
      type: event.type,
      createdAt: event.createdAt,
      livemode: event.livemode,
      sequence: event.sequence,
      payment: event.payment,
      checkoutJson: renderCheckoutJson(checkout, {
        publicUrl,
        now: event.createdAt,
        networks: networks.filter((n) => checkout.networks.includes(n.id)),
        merchant,
        families,
      }),
    })

/** The webhook-secret box of `INZI_SECRET_KEY` / `INZI_SECRET_KEY_OLD` (null: secrets stay in clear). */
export const secretBoxOf = (env: InziEnv) =>
  makeSecretBox({
    key: env.secretKey === undefined ? undefined : Redacted.value(env.secretKey),
    oldKey: env.secretKeyOld === undefined ? undefined : Redacted.value(env.secretKeyOld),
  })

/** Start-up: warns when webhook secrets are kept in clear (no `INZI_SECRET_KEY`). */
export const warnIfClearSecrets = (env: InziEnv, logger: Pick<Logger, "warn">): void => {
  if (env.secretKey === undefined)
    logger.warn(
      "INZI_SECRET_KEY is not set: merchants' webhook secrets are stored in clear in the database (README: Secrets at rest)",
    )
}

/**
 * The storage + derivation + ids layer of the reference apps, from the environment. On the embedded database,
 * `share` (default: long-running server, worker, dev) holds the data folder and serves it to CLI commands over a
 * socket; the CLI passes `share: false` and goes through a running process's socket when there is one. With
 * `logger`, the database's notices (a data folder's permissions tightened) are its JSON warn lines instead of
 * plain text on stderr.
 */
export const appLayer = (
  env: InziEnv,
  networks: ReadonlyArray<NetworkConfig>,
  opts: {
    readonly migrate?: boolean
    readonly share?: boolean
    readonly logger?: Pick<Logger, "warn"> | undefined
  } = {},
) => {
  const logger = opts.logger
  const store = PgStore.layer({
    ...(logger !== undefined ? { onNotice: (message: string) => logger.warn(message) } : {}),
    secrets: secretBoxOf(env),
    databaseUrl: env.databaseUrl ?? undefined,
    dataDir: env.dataDir,
    schema: env.dbSchema,
    maxConnections: env.dbPoolSize,
    share: opts.share ?? true,
    migrate: opts.migrate ?? true,
    renderEventBody: makeEventRenderer(env.publicUrl, networks),
  })
  return Layer.mergeAll(AddressDerivationLive, Ids.Live, store)
}

export interface ExportRow {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  readonly status: string
  readonly amountCents: bigint
  readonly paidCents: bigint
  readonly createdAt: Date
  readonly expiresAt: Date
  readonly payments: string
  readonly description: string | null
  readonly metadataJson: string | null
  readonly paymentList: ReadonlyArray<Payment>
}

export type RuntimeServices = Layer.Layer.Success<ReturnType<typeof appLayer>>

/**
 * A ready runtime over the configured database, for the CLI and scripts. On the embedded database it acts on a
 * running `dev`/`serve`/`work`'s database through its socket, or holds the folder itself while it runs.
 */
export const openRuntime = async (
  env: InziEnv,
  opts: { readonly migrate?: boolean; readonly networks?: ReadonlyArray<NetworkConfig> } = {},
) => {
  const rt = ManagedRuntime.make(appLayer(env, opts.networks ?? [], { migrate: opts.migrate, share: false }))
  await rt.runPromise(Effect.void)
  return {
    /** Runs an Effect; a failure rejects with the original error (not a FiberFailure wrapper). */
    run: async <A, E>(eff: Effect.Effect<A, E, RuntimeServices>): Promise<A> => {
      const exit = await rt.runPromiseExit(eff)
      if (Exit.isSuccess(exit)) return exit.value
      throw Cause.squash(exit.cause)
    },
    migrate: () =>
      rt.runPromise(Effect.flatMap(PgDatabase, (d) => Effect.promise(() => migrate(d.database.db)))),
    exportCheckouts: (q: {
      from: Date
      to: Date
      status?: string | undefined
      merchantId?: string | undefined
      mode?: string | undefined
    }) =>
      rt.runPromise(
        Effect.gen(function* () {
          const merchants = yield* MerchantStore
          const store = yield* Checkouts
          const all = q.merchantId
            ? [yield* merchants.getMerchant(q.merchantId)]
            : yield* merchants.listMerchants()
          const modes: Mode[] = q.mode === "live" || q.mode === "test" ? [q.mode] : ["live", "test"]
          const rows: ExportRow[] = []
          const now = new Date()
          for (const m of all)
            for (const mode of modes)
              for (let offset = 0; ; offset += 100) {
                const page = yield* store.listCheckouts({
                  merchantId: m.id,
                  mode,
                  status: q.status as Checkout["status"] | undefined,
                  createdAfter: new Date(q.from.getTime() - 1),
                  createdBefore: q.to,
                  limit: 100,
                  offset,
                  now,
                })
                for (const c of page.data)
                  rows.push({
                    id: c.id,
                    merchantId: c.merchantId,
                    mode: c.mode,
                    status: c.status,
                    amountCents: c.amountCents,
                    paidCents: amountPaidCents(c.payments),
                    createdAt: c.createdAt,
                    expiresAt: c.expiresAt,
                    payments: c.payments
                      .map((p) => `${p.network}:${p.txHash}:${p.logIndex}:${p.status}`)
                      .join(" "),
                    description: c.description,
                    metadataJson: c.metadataJson,
                    paymentList: c.payments,
                  })
                if (page.data.length < 100) break
              }
          return rows
        }),
      ),
    status: () =>
      rt.runPromise(
        Effect.gen(function* () {
          const pg = yield* PgDatabase
          const outbox = yield* Outbox
          const watchers = yield* listWatcherStatus(pg.database.db)
          return {
            watchers: watchers.map((w) => ({
              network: w.network,
              head: w.head?.toString() ?? null,
              scannedTo: w.scannedTo?.toString() ?? null,
              lag: w.head !== null && w.scannedTo !== null ? (w.head - w.scannedTo).toString() : null,
              lastError: w.lastError,
              rpcCalls: w.rpcCalls,
              rpcErrors: w.rpcErrors,
              updatedAt: w.updatedAt.toISOString(),
            })),
            outbox: yield* outbox.stats(new Date()),
            /** Chain events set aside per network (`inzi quarantine list`); empty when none. */
            quarantine: (yield* quarantineSummary(pg.database.db)).map((q) => ({
              network: q.network,
              count: q.count,
              latestSqlstate: q.latestSqlstate,
              latestReason: q.latestReason,
              latestAt: q.latestAt.toISOString(),
            })),
          }
        }),
      ),
    /** Quarantined chain events, oldest first (`inzi quarantine list`). */
    quarantined: (network?: string) =>
      rt.runPromise(Effect.flatMap(PgDatabase, (pg) => listQuarantined(pg.database.db, network))),
    close: () => rt.dispose(),
  }
}
