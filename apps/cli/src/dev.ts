import { createServer, type IncomingMessage } from "node:http"
import { resolve } from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { evmNetwork } from "@inzi/adapter-evm"
import {
  issueApiKey,
  MerchantStore,
  type NetworkConfig,
  registerMerchant,
  verifyWebhookSignature,
} from "@inzi/core"
import { appLayer, jsonLogs, loadNetworks, mainOptions, makeLogger, readEnv } from "@inzi/platform"
import { ServerLayer } from "@inzi/server"
import { launchWorker, WorkerLayer } from "@inzi/worker"
import { HDNodeWallet } from "ethers"
import { Effect, Layer } from "effect"
import { sql } from "kysely"
import { PgDatabase } from "@inzi/adapter-postgres"
import { DataDirBusyError, readHolder } from "@inzi/adapter-postgres/dataDir"
import { loadDevnet } from "./devnet.js"

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
}

const webhookPort = (): number => {
  const raw = process.env.INZI_DEV_WEBHOOK_PORT ?? "0"
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 0 && n <= 65535))
    throw new Error(`INZI_DEV_WEBHOOK_PORT must be a port number (0 for any free port), got "${raw}"`)
  return n
}

/** Prints every webhook it receives, after checking its signature with the demo merchant's secret. */
const startReceiver = (secretRef: { current: string }, log: (line: string) => void, port: number) =>
  new Promise<{ url: string; close: () => void }>((resolve, reject) => {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        const ok = verifyWebhookSignature({
          secret: secretRef.current,
          header: req.headers["inzi-signature"] as string | undefined,
          payload: body,
        })
        let type = "?"
        let status = "?"
        try {
          const e = JSON.parse(body) as { type: string; data: { object: { id: string; status: string } } }
          type = e.type
          status = `${e.data.object.id} → ${e.data.object.status}`
        } catch {}
        log(`[webhook] ${ok.ok ? "signature ok" : "BAD SIGNATURE"}  ${type}  ${status}`)
        res.writeHead(ok.ok ? 200 : 400).end()
      })
    })
    server.once("error", (e) =>
      reject(new Error(`the dev webhook receiver cannot listen on 127.0.0.1:${port}: ${e.message}`)),
    )
    server.listen(port, "127.0.0.1", () => {
      const a = server.address()
      resolve({
        url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/webhooks`,
        close: () => server.close(),
      })
    })
  })

/**
 * `inzi dev`: the whole gateway offline in one process — a local EVM devnet with test tokens, the embedded
 * database (migrated), server and worker sharing it, a demo merchant, a fresh test key and a webhook receiver.
 */
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
  say("inzi dev: starting the local EVM devnet …")
  const { startDevnet } = await loadDevnet()
  const devnet = await startDevnet({ port: DEVNET_PORT, blockTimeMs: 2000 })
  const devnetNetwork: NetworkConfig = {
    ...evmNetwork("devnet", { rpcUrls: [devnet.rpcUrl], confirmations: 2, pollIntervalMs: 1000 }),
  } as NetworkConfig
  const networks = loadNetworks(env.networksFile, [devnetNetwork])
  const secret = { current: "" }
  const receiver = await startReceiver(secret, say, webhookPort())
  say(
    `inzi dev: devnet ${devnet.rpcUrl} (chain ${devnet.chainId}); database ${env.databaseUrl ? "PostgreSQL" : `PGlite in ${env.dataDir}`} …`,
  )

  const base = appLayer(env, networks)
  const setup = Effect.gen(function* () {
    const pg = yield* PgDatabase
    const announcement: DevAnnouncement = {
      publicUrl: env.publicUrl,
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      webhookUrl: receiver.url,
    }
    pg.database.dataDirLock?.update({ extra: { dev: announcement } })
    // The devnet restarts from block 0 on every run: forget its cursor so the scanner starts over.
    yield* Effect.promise(() =>
      sql`DELETE FROM chain_cursors WHERE network = 'devnet'`.execute(pg.database.db),
    )
    const store = yield* MerchantStore
    const existing = (yield* store.listMerchants()).find((m) => m.name === "Demo Shop")
    const merchant =
      existing !== undefined
        ? yield* store.updateMerchant(existing.id, { testWebhookUrl: receiver.url })
        : yield* registerMerchant({
            name: "Demo Shop",
            testWebhookUrl: receiver.url,
            evmXpub: demoXpub(60),
            tronXpub: demoXpub(195),
          })
    // The demo shop has a test key only: its events are test-mode, signed with the test secret.
    secret.current = merchant.testWebhookSecret
    const { key } = yield* issueApiKey(merchant.id, "test")
    return { merchant, key }
  })
  const banner = Layer.effectDiscard(
    Effect.flatMap(setup, ({ merchant, key }) =>
      Effect.sync(() => {
        const api = `${env.publicUrl}/api/v1/checkouts`
        say(`
────────────────────────────────────────────────────────────────────────────
 Inzi is running: ${env.publicUrl}   (Ctrl-C stops everything)
 demo merchant   ${merchant.id} "Demo Shop"   webhooks → ${receiver.url}
 test API key    ${key}

 1. create a checkout:
    curl -s ${api} -H "Authorization: Bearer ${key}" \\
      -H "Content-Type: application/json" -d '{"amount":"25.00","currency":"USD","description":"Demo order"}'
 2. open its checkout_url in a browser (${env.publicUrl}/p/<token>)
 3. pay it from the devnet's funded account (in another terminal):
    npx pnpm@10.34.9 inzi pay <checkout id>        # or: pnpm inzi pay <checkout id> [--amount 10.00]
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
          await devnet.stop()
          say("inzi dev: stopped")
        }),
      ),
    ),
    mainOptions(logger),
  )
}
