/**
 * The whole gateway in this process for the end-to-end browser tests: a local EVM devnet, the real server
 * and a real worker sharing ONE database layer (PGlite is one process, one session: like `inzi dev`), a
 * merchant with a test key, a "thank you" page on another port (the merchant's redirect target), and
 * Chromium driven by playwright-core.
 */
import { mkdirSync } from "node:fs"
import { createServer, request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { evmNetwork } from "@inzi/adapter-evm"
import { PgDatabase } from "@inzi/adapter-postgres"
import { issueApiKey, type NetworkConfig, registerMerchant } from "@inzi/core"
import { type Devnet, DEVNET_MNEMONIC, startDevnet } from "@inzi/devnet"
import { appLayer, readEnv } from "@inzi/platform"
import { WorkerLayer } from "@inzi/worker"
import { Effect, Layer, ManagedRuntime } from "effect"
import { HDNodeWallet } from "ethers"
import jsQRModule from "jsqr"
import { type Browser, chromium, type Page } from "playwright-core"
import { PNG } from "pngjs"
import { freePort, ServerLayer } from "@inzi/server"

export const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url))
mkdirSync(ARTIFACTS, { recursive: true })

/** The BIP-39 test vector (NOT the devnet's mnemonic: deposit addresses must not be funded accounts). */
export const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
export const EVM_XPUB = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'").neuter().extendedKey
/** The merchant's receive address `m/44'/60'/0'/0/<index>`, from the private side of the tree. */
export const merchantAddressAt = (index: number): string =>
  HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).address
/** Hardhat's 20 funded accounts (`m/44'/60'/0'/0/0..19` of the devnet mnemonic), lower-case. */
export const FUNDED_ADDRESSES = new Set(
  Array.from({ length: 20 }, (_, i) =>
    HDNodeWallet.fromPhrase(DEVNET_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).address.toLowerCase(),
  ),
)

// --------------------------------------------------------------------------------------------- browser

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  })

/**
 * Records CSP violations (a listener installed before any page script, plus Chromium's console reports),
 * dialogs, page errors and requests leaving 127.0.0.1.
 */
export const watchPage = async (page: Page) => {
  const consoleViolations: Array<string> = []
  const dialogs: Array<string> = []
  const pageErrors: Array<string> = []
  const foreignRequests: Array<string> = []
  await page.addInitScript({
    content:
      "window.__csp = []; document.addEventListener('securitypolicyviolation', " +
      "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))",
  })
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) consoleViolations.push(msg.text())
  })
  page.on("dialog", (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  page.on("pageerror", (e) => pageErrors.push(String(e)))
  page.on("request", (r) => {
    if (!r.url().startsWith("http://127.0.0.1:") && !r.url().startsWith("data:"))
      foreignRequests.push(r.url())
  })
  return {
    consoleViolations,
    dialogs,
    pageErrors,
    foreignRequests,
    domViolations: () => page.evaluate<Array<string>>("window.__csp ?? []"),
  }
}

// jsqr is CommonJS with an ES-style `default` in its types: take whichever the loader gives.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ??
  jsQRModule) as typeof jsQRModule.default

/** Screenshot an element (the QR code's SVG as Chromium rasterises it) and decode it with jsQR. */
export const decodeQr = async (page: Page, selector: string): Promise<string | null> => {
  const png = PNG.sync.read(await page.locator(selector).screenshot())
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null
}

// --------------------------------------------------------------------------------------------- http

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
}

/** A raw HTTP request (node:http) that keeps the exact response text. */
export const http = (
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      )
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(opts.body)
  })

/** The merchant's site: `/thanks` is where a paid customer is sent back to. */
const startThankYouSite = async () => {
  const hits: Array<string> = []
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "/")
    if ((req.url ?? "").startsWith("/thanks")) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      res.end("<!doctype html><title>Thank you</title><h1>Thank you for your order</h1>")
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

// --------------------------------------------------------------------------------------------- stack

/** The subset of the API checkout object the tests read. */
export interface ApiCheckoutJson {
  readonly id: string
  readonly status: string
  readonly amount: string
  readonly amount_paid: string
  readonly checkout_url: string
  readonly expires_at: string
  readonly redirect_url: string | null
  readonly payment_options: ReadonlyArray<{
    readonly network: string
    readonly crypto_currency: string
    readonly amount_crypto: string
    readonly address: string
    readonly memo: string | null
    readonly uri: string
  }>
}

/** `env`: more server and worker settings (e.g. INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS for a local receiver). */
export const startStack = async (extraEnv: Record<string, string> = {}) => {
  const [devnet, site, port] = await Promise.all([
    startDevnet({ blockTimeMs: 300 }),
    startThankYouSite(),
    freePort("127.0.0.1"),
  ])
  const network = evmNetwork("devnet", {
    rpcUrls: [devnet.rpcUrl],
    confirmations: 2,
    pollIntervalMs: 300,
    startBlock: "0",
  }) as NetworkConfig
  const networks = [network]
  // startServer's port-0 dance, done here so that checkout_url names the real port.
  const env = readEnv({
    PORT: String(port),
    HOST: "127.0.0.1",
    INZI_DATA_DIR: "memory://",
    INZI_RATE_LIMIT: "0",
    LOG_LEVEL: "error",
    ...extraEnv,
  })
  const base = appLayer(env, networks)
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      ServerLayer({ env, networks }, base),
      WorkerLayer({ env, networks, sweepEveryMs: 500, dispatcher: { pollIntervalMs: 250 } }, base),
    ),
  )
  const close = async () => {
    await runtime.dispose()
    await Promise.all([devnet.stop(), site.close()])
  }
  try {
    const { key, merchant } = await runtime.runPromise(
      Effect.gen(function* () {
        const merchant = yield* registerMerchant({
          name: "Acme <Coffee> & Co",
          payoutKeys: { evm: EVM_XPUB },
        })
        return { merchant, key: (yield* issueApiKey(merchant.id, "test")).key }
      }),
    )
    const url = env.publicUrl
    return {
      devnet: devnet as Devnet,
      network,
      url,
      site,
      runtime,
      /** The merchant's id and test-mode webhook secret (what a receiver verifies signatures with). */
      merchant: { id: merchant.id, testWebhookSecret: merchant.testWebhookSecret },
      /** POST /api/v1/checkouts with the test key; the raw text is parsed only after a 201. */
      createCheckout: async (body: Record<string, unknown>): Promise<ApiCheckoutJson> => {
        const r = await http(`${url}/api/v1/checkouts`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify(body),
        })
        if (r.status !== 201) throw new Error(`create checkout: ${r.status} ${r.text}`)
        return JSON.parse(r.text) as ApiCheckoutJson
      },
      getCheckout: async (id: string): Promise<ApiCheckoutJson> => {
        const r = await http(`${url}/api/v1/checkouts/${id}`, { headers: { Authorization: `Bearer ${key}` } })
        if (r.status !== 200) throw new Error(`get checkout: ${r.status} ${r.text}`)
        return JSON.parse(r.text) as ApiCheckoutJson
      },
      /** Moves a checkout's deadline into the past, in the server's own database. */
      expire: (id: string) =>
        runtime.runPromise(
          Effect.flatMap(PgDatabase, (pg) =>
            Effect.promise(() =>
              pg.database.db
                .updateTable("checkouts")
                .set({ expires_at: new Date(Date.now() - 60_000) })
                .where("id", "=", id)
                .execute(),
            ),
          ),
        ),
      /** The checkout's stored `webhook_url` (the API object does not return it). */
      storedWebhookUrl: (id: string) =>
        runtime.runPromise(
          Effect.flatMap(PgDatabase, (pg) =>
            Effect.promise(() =>
              pg.database.db
                .selectFrom("checkouts")
                .select("webhook_url")
                .where("id", "=", id)
                .executeTakeFirstOrThrow(),
            ),
          ),
        ),
      /** Pauses / resumes the devnet's interval mining (transactions are still mined at once). */
      intervalMining: (ms: number) => devnet.request("evm_setIntervalMining", [ms]),
      close,
    }
  } catch (e) {
    await close()
    throw e
  }
}

export type Stack = Awaited<ReturnType<typeof startStack>>
