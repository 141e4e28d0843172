/**
 * Solana end to end, over real HTTP: the server and a worker on real PostgreSQL, watching the local SVM
 * (@inzi/devnet-solana: litesvm behind a JSON-RPC server). A checkout created through the API offers Solana
 * USDC, the hosted page's QR code decodes (in Chromium) to its Solana Pay URI, a payment made with the page's
 * reference completes it through the worker, and a payment without a reference is listed by the real
 * `inzi unmatched list`.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { issueApiKey, type NetworkConfig, registerMerchant } from "@inzi/core"
import { type SolanaDevnet, startSolanaDevnet } from "@inzi/devnet-solana"
import { appLayer, readEnv } from "@inzi/platform"
import { freePort, ServerLayer } from "@inzi/server"
import { WorkerLayer } from "@inzi/worker"
import { Effect, Layer, ManagedRuntime } from "effect"
import type { Address } from "@solana/kit"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiCheckoutJson, decodeQr, http, launchBrowser, watchPage } from "./stack.js"

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null
const CLI = fileURLToPath(new URL("../../../apps/cli/src/main.ts", import.meta.url))
const POLL = { timeout: 60_000, interval: 200 }
/** Each `inzi unmatched list` is a process of its own (a few seconds on a loaded machine). */
const CLI_POLL = { timeout: 120_000, interval: 1_000 }

describe.skipIf(TEST_DATABASE_URL === null && process.env.INZI_REQUIRE_PG !== "1")(
  "Solana through the plug-in contract: API, hosted page, worker, CLI",
  () => {
    let sol: SolanaDevnet
    let browser: Browser
    let runtime: ManagedRuntime.ManagedRuntime<unknown, unknown>
    let url = ""
    let key = ""
    let wallet = "" as Address
    const schema = `inzi_solana_${process.pid}_${Date.now().toString(36)}`
    const dbEnv = { DATABASE_URL: TEST_DATABASE_URL ?? "", INZI_DB_SCHEMA: schema }

    beforeAll(async () => {
      if (TEST_DATABASE_URL === null) throw new Error("INZI_REQUIRE_PG=1 but TEST_DATABASE_URL is not set")
      ;[sol, browser] = await Promise.all([startSolanaDevnet(), launchBrowser()])
      wallet = (await sol.newWallet()).signer.address
      const network: NetworkConfig = {
        id: "solana-local",
        family: "solana",
        mode: "test",
        name: "Solana (local SVM)",
        rpcUrls: [sol.rpcUrl],
        tokens: [{ symbol: "USDC", contract: sol.usdc, decimals: 6 }],
        confirmations: 32,
        pollIntervalMs: 200,
      }
      const port = await freePort("127.0.0.1")
      const env = readEnv({
        PORT: String(port),
        HOST: "127.0.0.1",
        ...dbEnv,
        INZI_RATE_LIMIT: "0",
        LOG_LEVEL: "error",
      })
      const base = appLayer(env, [network])
      runtime = ManagedRuntime.make(
        Layer.mergeAll(
          ServerLayer({ env, networks: [network] }, base),
          WorkerLayer(
            { env, networks: [network], sweepEveryMs: 60_000, dispatcher: { pollIntervalMs: 250 } },
            base,
          ),
        ),
      ) as unknown as ManagedRuntime.ManagedRuntime<unknown, unknown>
      url = env.publicUrl
      key = await runtime.runPromise(
        Effect.gen(function* () {
          const merchant = yield* registerMerchant({ name: "Sol & <Sons>", payoutKeys: { solana: wallet } })
          return (yield* issueApiKey(merchant.id, "test")).key
        }) as Effect.Effect<string, unknown, unknown>,
      )
    }, 120_000)
    afterAll(async () => {
      await browser?.close()
      await runtime?.dispose()
      await sol?.stop()
    }, 60_000)

    const api = async (method: string, path: string, body?: unknown) => {
      const r = await http(`${url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: r.status, json: JSON.parse(r.text) as ApiCheckoutJson }
    }

    it("offers Solana USDC, shows its Solana Pay QR code, and completes on a payment with the page's reference", async () => {
      const created = await api("POST", "/api/v1/checkouts", {
        amount: "12.34",
        currency: "USD",
        description: "Order #7 & more",
      })
      expect(created.status).toBe(201)
      const c = created.json
      const option = c.payment_options.find((o) => o.network === "solana-local")
      expect(option).toMatchObject({
        crypto_currency: "USDC",
        amount_crypto: "12.340000",
        address: wallet,
        memo: null,
      })
      const uri = new URL(option!.uri)
      expect(uri.protocol).toBe("solana:")
      expect(uri.pathname).toBe(wallet)
      expect(uri.searchParams.get("amount")).toBe("12.34")
      expect(uri.searchParams.get("spl-token")).toBe(sol.usdc)
      expect(uri.searchParams.get("label")).toBe("Sol & <Sons>")
      expect(uri.searchParams.get("message")).toBe("Order #7 & more")
      expect(option!.uri).toContain("&label=Sol%20%26%20%3CSons%3E&message=Order%20%237%20%26%20more")
      const reference = uri.searchParams.get("reference")!
      expect(reference).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)

      const context = await browser.newContext({ locale: "en-US" })
      try {
        const page = await context.newPage()
        const watch = await watchPage(page)
        expect((await page.goto(c.checkout_url))?.status()).toBe(200)
        const i = c.payment_options.indexOf(option!)
        await page.locator(`label:has(#opt-${i})`).click()
        await page.locator(`#panel-${i}`).waitFor({ state: "visible" })
        expect(await page.locator(`#address-${i}`).textContent()).toBe(wallet)
        expect(await page.locator(`#wallet-${i}`).getAttribute("href")).toBe(option!.uri)
        expect(await decodeQr(page, `#panel-${i} svg.qr`)).toBe(option!.uri)
        expect(watch.pageErrors).toEqual([])

        // The payer's wallet sends what the QR code asks, reference included.
        const paid = await sol.pay(wallet, 12_340_000n, reference)
        await expect
          .poll(async () => (await api("GET", `/api/v1/checkouts/${c.id}`)).json.status, POLL)
          .toBe("processing")
        sol.ledger.advance(40)
        await expect
          .poll(async () => (await api("GET", `/api/v1/checkouts/${c.id}`)).json.status, POLL)
          .toBe("completed")
        const done = (await api("GET", `/api/v1/checkouts/${c.id}`)).json as ApiCheckoutJson & {
          payments: ReadonlyArray<{ tx_hash: string; amount: string }>
        }
        expect(done.amount_paid).toBe("12.34")
        expect(done.payments.map((p) => p.tx_hash)).toEqual([paid.signature])
        await expect.poll(() => page.locator("#status-text").textContent(), POLL).toBe("Paid. Thank you!")
      } finally {
        await context.close()
      }
    })

    it("a payment without a reference lands in `inzi unmatched list`", async () => {
      // The worker reads a merchant's wallet while it has an open checkout on the network.
      const open = await api("POST", "/api/v1/checkouts", { amount: "5.00", currency: "USD" })
      expect(open.status).toBe(201)
      const paid = await sol.pay(wallet, 5_000_000n)
      sol.ledger.advance(40)
      const list = () => {
        const r = spawnSync(
          process.execPath,
          ["--import", "tsx", "--conditions=@inzi/source", CLI, "unmatched", "list", "--json"],
          {
            env: { ...process.env, ...dbEnv, LOG_LEVEL: "error" },
            encoding: "utf8",
          },
        )
        if (r.status !== 0) throw new Error(`inzi unmatched list: ${r.status} ${r.stderr}`)
        return JSON.parse(r.stdout) as ReadonlyArray<{ txHash: string; network: string; memo: string | null }>
      }
      await expect.poll(() => list().map((u) => u.txHash), CLI_POLL).toContain(paid.signature)
      expect(list().find((u) => u.txHash === paid.signature)).toMatchObject({
        network: "solana-local",
        token: "USDC",
        amount: "5000000",
        memo: null,
        sender: sol.payer.address,
      })
      // Unmatched: the open checkout is not paid by it.
      expect((await api("GET", `/api/v1/checkouts/${open.json.id}`)).json.status).toBe("pending")
    }, 240_000)
  },
)
