import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { evmNetwork } from "@inzi/adapter-evm"
import { tonTestnet } from "@inzi/adapter-ton"
import { ConsoleStore, issueApiKey, MerchantStore, type NetworkConfig, registerMerchant } from "@inzi/core"
import { appLayer, jsonLogs, loadNetworks, mainOptions, makeLogger, readEnv } from "@inzi/platform"
import { hashPassword } from "@inzi/platform/password"
import { ServerLayer } from "@inzi/server"
import { launchWorker, WorkerLayer } from "@inzi/worker"
import { HDNodeWallet } from "ethers"
import { Effect, Layer } from "effect"
import { ConsoleStoreLive, forgetChainCursors, PgDatabase } from "@inzi/adapter-postgres"
import { DataDirBusyError, readHolder } from "@inzi/adapter-postgres/dataDir"
import { startReceiver } from "./dev-receiver.js"
import { loadDevnet, loadTonDevnet, TON_DEVNET } from "./devnet.js"

/** The demo merchant's mnemonic (the BIP-39 test vector; not the devnet's funded accounts): never use it for real money. */
export const DEMO_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
export const demoXpub = (coin: 60 | 195) =>
  HDNodeWallet.fromPhrase(DEMO_MNEMONIC, undefined, `m/44'/${coin}'/0'`).neuter().extendedKey

const DEVNET_PORT = Number(process.env.INZI_DEVNET_PORT ?? 8545)

/** What `inzi dev` announces in the data folder's lock file, for `inzi pay` (and any tool) to find it. */
export interface DevAnnouncement {
  readonly publicUrl: string
  readonly rpcUrl: string
  readonly chainId: number
  readonly webhookUrl: string
  /** The TON devnet's toncenter v2 URL (`…/api/v2`); absent from an `inzi dev` older than the TON devnet. */
  readonly tonToncenterUrl?: string
}

const portFromEnv = (name: string, fallback: string): number => {
  const raw = process.env[name] || fallback
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 0 && n <= 65535))
    throw new Error(`${name} must be a port number (0 for any free port), got "${raw}"`)
  return n
}

/** The local chains of `inzi dev` / `inzi devnet`: the EVM devnet (hardhat) and the TON emulator. */
export const startLocalChains = async (say: (line: string) => void) => {
  say("inzi: starting the local EVM devnet and the TON devnet …")
  const { startDevnet } = await loadDevnet()
  const { startTonDevnet, TON_DEVNET_USDT_DECIMALS } = await loadTonDevnet()
  const evm = await startDevnet({ port: DEVNET_PORT, blockTimeMs: 2000 })
  const ton = await startTonDevnet({ port: portFromEnv("INZI_TON_DEVNET_PORT", "0") }).catch(
    async (e: unknown) => {
      await evm.stop()
      throw e
    },
  )
  const networks: ReadonlyArray<NetworkConfig> = [
    evmNetwork("devnet", { rpcUrls: [evm.rpcUrl], confirmations: 2, pollIntervalMs: 1000 }) as NetworkConfig,
    {
      ...tonTestnet({
        usdtMaster: ton.jettonMaster,
        decimals: TON_DEVNET_USDT_DECIMALS,
        rpcUrls: [ton.toncenterUrl],
      }),
      id: TON_DEVNET,
      name: "TON devnet",
      pollIntervalMs: 1000,
    },
  ]
  return {
    evm,
    ton,
    networks,
    stop: async () => {
      await ton.stop()
      await evm.stop()
    },
  }
}

const webhookPort = (): number => portFromEnv("INZI_DEV_WEBHOOK_PORT", "0")

/**
 * `inzi dev`: the whole gateway offline in one process — a local EVM devnet with test tokens, the embedded
 * database (migrated), server and worker sharing it, a demo merchant, a fresh test key and a webhook receiver.
 */
/** The console account `inzi dev` makes (or gives a fresh password). */
const DEV_OPERATOR = "dev@inzi.local"

export const runDev = async () => {
  const env = readEnv({
    ...process.env,
    INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS: process.env.INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS ?? "1",
  })
  const logger = makeLogger(env.logLevel, { service: "dev" })
  // Fail before starting anything when another process holds the embedded database (its lock says which).
  const holder = env.databaseUrl === null ? readHolder(env.dataDir) : null
  if (holder !== null)
    throw new DataDirBusyError(
      resolve(env.dataDir),
      holder,
      "stop it first (one process owns the embedded database; inzi commands reach it while it runs)",
    )
  const say = (s: string) => process.stdout.write(`${s}\n`)
  const chains = await startLocalChains(say)
  const devnet = chains.evm
  const networks = loadNetworks(env.networksFile, chains.networks)
  const secret = { current: "" }
  const receiver = await startReceiver(secret, say, webhookPort())
  say(
    `inzi dev: devnet ${devnet.rpcUrl} (chain ${devnet.chainId}); TON devnet ${chains.ton.toncenterUrl}; database ${env.databaseUrl ? "PostgreSQL" : `PGlite in ${env.dataDir}`} …`,
  )

  const base = appLayer(env, networks, { logger })
  const setup = Effect.gen(function* () {
    const pg = yield* PgDatabase
    const announcement: DevAnnouncement = {
      publicUrl: env.publicUrl,
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      webhookUrl: receiver.url,
      tonToncenterUrl: chains.ton.toncenterUrl,
    }
    pg.database.dataDirLock?.update({ extra: { dev: announcement } })
    // The local chains restart empty on every run: forget their cursors so the scanners start over.
    yield* forgetChainCursors(pg.database.db, ["devnet", TON_DEVNET]).pipe(Effect.orDie)
    const store = yield* MerchantStore
    const existing = (yield* store.listMerchants()).find((m) => m.name === "Demo Shop")
    const merchant =
      existing !== undefined
        ? yield* store.updateMerchant(existing.id, {
            testWebhookUrl: receiver.url,
            payoutKeys: { ton: chains.ton.merchantWallet },
          })
        : yield* registerMerchant({
            name: "Demo Shop",
            testWebhookUrl: receiver.url,
            payoutKeys: { evm: demoXpub(60), tron: demoXpub(195), ton: chains.ton.merchantWallet },
          })
    // The demo shop has a test key only: its events are test-mode, signed with the test secret.
    secret.current = merchant.testWebhookSecret
    const { key } = yield* issueApiKey(merchant.id, "test")
    // The console's dev operator: a fresh password every run (printed below, like the test key).
    const password = randomBytes(12).toString("base64url")
    const passwordHash = yield* Effect.promise(() => hashPassword(password))
    const consoleStore = yield* ConsoleStore
    const operator = yield* consoleStore.findOperatorByEmail(DEV_OPERATOR)
    if (operator === null)
      yield* consoleStore.createOperator({
        email: DEV_OPERATOR,
        passwordHash,
        merchantId: null,
        now: new Date(),
      })
    else yield* consoleStore.setPasswordHash(operator.id, passwordHash)
    return { merchant, key, password }
  }).pipe(Effect.provide(ConsoleStoreLive))
  const banner = Layer.effectDiscard(
    Effect.flatMap(setup, ({ merchant, key, password }) =>
      Effect.sync(() => {
        const api = `${env.publicUrl}/api/v1/checkouts`
        say(`
────────────────────────────────────────────────────────────────────────────
 Inzi is running: ${env.publicUrl}   (Ctrl-C stops everything)
 demo merchant   ${merchant.id} "Demo Shop"   webhooks → ${receiver.url}
 test API key    ${key}
 console         ${env.publicUrl}/console   (${DEV_OPERATOR} / ${password})

 1. create a checkout:
    curl -s ${api} -H "Authorization: Bearer ${key}" \\
      -H "Content-Type: application/json" -d '{"amount":"25.00","currency":"USD","description":"Demo order"}'
 2. open its checkout_url in a browser (${env.publicUrl}/p/<token>)
 3. pay it from the devnet's funded account (in another terminal):
    npx pnpm@10.34.9 inzi pay <checkout id>        # or: pnpm inzi pay <checkout id> [--amount 10.00]
    npx pnpm@10.34.9 inzi pay <checkout id> --network ton-devnet   # USDT jetton on the local TON chain
────────────────────────────────────────────────────────────────────────────`)
      }),
    ),
  )
  const opts = { env, networks, logger }
  const app = Layer.mergeAll(
    ServerLayer(opts, base),
    WorkerLayer({ ...opts, dispatcher: { pollIntervalMs: 250 } }, base),
    banner.pipe(Layer.provide(base)),
  )
  // A worker failure (a refused network config) ends `dev` too, non-zero, instead of leaving the server alone.
  NodeRuntime.runMain(
    launchWorker(app).pipe(
      Effect.provide(jsonLogs(logger)),
      Effect.ensuring(
        Effect.promise(async () => {
          receiver.close()
          await chains.stop()
          say("inzi dev: stopped")
        }),
      ),
    ),
    mainOptions(logger),
  )
}

/** `inzi devnet`: the local chains alone (no database, server or worker), until Ctrl-C. */
export const runDevnet = async (): Promise<number> => {
  const say = (s: string) => process.stdout.write(`${s}\n`)
  const chains = await startLocalChains(say)
  say(`inzi devnet: running (Ctrl-C stops it)
 EVM devnet   ${chains.evm.rpcUrl}   chain ${chains.evm.chainId}   network "devnet"
 TON devnet   ${chains.ton.toncenterUrl}   (toncenter v2)   network "${TON_DEVNET}"
              USDT jetton master ${chains.ton.jettonMaster}
              funded payer ${chains.ton.payer}   spare wallet ${chains.ton.merchantWallet}`)
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve)
    process.once("SIGTERM", resolve)
  })
  await chains.stop()
  say("inzi devnet: stopped")
  return 0
}
