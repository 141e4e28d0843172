/**
 * Start-up and logs of the real worker process (`src/main.ts` through tsx, as `pnpm inzi work` runs it), on
 * real PostgreSQL and the local EVM devnet:
 *  - a network whose chain refuses its config (token decimals, chain id, an RPC URL that is no JSON-RPC
 *    endpoint) stops the worker at once with exit code 78 and one JSON line naming the network;
 *  - a network that is unreachable at boot (its RPC answers 503) is retried while the healthy network's
 *    payment is detected, its webhook delivered and an overdue checkout expired by the sweeper; `inzi status`
 *    and /metrics show it failing meanwhile, and it starts once its RPC answers;
 *  - every stdout line of that run (with a webhook retry and a reorg) is one JSON object, without secrets.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { dropSchema, makeDatabase, migrate } from "@inzi/adapter-postgres"
import { evmNetwork } from "@inzi/adapter-evm"
import {
  createCheckout,
  depositTargetOf,
  issueApiKey,
  type NetworkConfig,
  registerMerchant,
} from "@inzi/core"
import { type Devnet, payTo, startDevnet } from "@inzi/devnet"
import { clusterGauges, FAMILIES, openRuntime, readEnv } from "@inzi/platform"
import { HDNodeWallet } from "ethers"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const url = process.env.TEST_DATABASE_URL
const required = process.env.INZI_REQUIRE_PG === "1"
const M = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
const xpub = (coin: number) => HDNodeWallet.fromPhrase(M, undefined, `m/44'/${coin}'/0'`).neuter().extendedKey
const workerMain = join(__dirname, "..", "..", "src", "main.ts")

const waitFor = async (what: string, pred: () => Promise<boolean> | boolean, timeoutMs = 60_000) => {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await pred()) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** An RPC in front of the devnet: 503 while `down`, 404 for any path but `/`. */
const startProxy = async (upstream: string) => {
  const state = { down: true, hits: 0 }
  const server: Server = createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    state.hits++
    if (req.url !== "/") return void res.writeHead(404, { "content-type": "text/plain" }).end("Not Found")
    if (state.down) return void res.writeHead(503, { "content-type": "text/html" }).end("<h1>503</h1>")
    const r = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.concat(chunks),
    })
    res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text())
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const a = server.address()
  return {
    state,
    url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

if (!url) {
  if (required)
    it("start-up test needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () =>
      expect.fail("TEST_DATABASE_URL unset"))
  else it.skip("worker start-up (TEST_DATABASE_URL unset)", () => {})
} else {
  describe("worker start-up and logs (real process)", () => {
    const schema = `inzi_startup_${process.pid}_${Date.now().toString(36)}`
    let devnet: Devnet
    let healthy: NetworkConfig
    let proxy: Awaited<ReturnType<typeof startProxy>>
    const children = new Set<ChildProcess>()
    const env = () => readEnv({ DATABASE_URL: url, INZI_DB_SCHEMA: schema, PUBLIC_URL: "http://127.0.0.1:1" })

    const networksFile = (name: string, networks: ReadonlyArray<unknown>) => {
      const file = join(tmpdir(), `inzi-startup-${process.pid}-${name}.json`)
      writeFileSync(file, JSON.stringify({ networks }))
      return file
    }

    const startWorker = (id: string, file: string) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", workerMain], {
        env: {
          ...process.env,
          DATABASE_URL: url,
          INZI_DB_SCHEMA: schema,
          INZI_NETWORKS: file,
          INZI_WORKER_ID: id,
          INZI_ALLOW_PRIVATE_WEBHOOKS: "1",
          PUBLIC_URL: "http://127.0.0.1:1",
          LOG_LEVEL: "debug",
        },
        stdio: ["ignore", "pipe", "pipe"],
      })
      children.add(child)
      let out = ""
      let err = ""
      let booted = () => {}
      const started = new Promise<void>((resolve) => {
        booted = resolve
      })
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString("utf8")
        if (out.includes('"msg":"worker started"')) booted()
      })
      child.stderr!.on("data", (c: Buffer) => {
        err += c.toString("utf8")
      })
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => {
          children.delete(child)
          resolve(code)
          booted()
        }),
      )
      return {
        child,
        exited,
        /** Resolves once the worker has booted (its "worker started" line) or exited. */
        started: () =>
          Promise.race([
            started,
            new Promise<never>((_, reject) =>
              setTimeout(
                () => reject(new Error(`worker ${id} not booted in 120 s:\n${err}`)),
                120_000,
              ).unref(),
            ),
          ]),
        stdout: () => out,
        stderr: () => err,
        /** Complete stdout lines so far, each parsed (a line that is not JSON throws). */
        lines: () =>
          out
            .split("\n")
            .slice(0, -1)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
      }
    }

    beforeAll(async () => {
      const database = await makeDatabase({ databaseUrl: url, schema })
      await migrate(database.db)
      await database.close()
      devnet = await startDevnet()
      healthy = evmNetwork("devnet", {
        rpcUrls: [devnet.rpcUrl],
        confirmations: 1,
        pollIntervalMs: 300,
        startBlock: "0",
      }) as NetworkConfig
      proxy = await startProxy(devnet.rpcUrl)
    }, 120_000)

    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL")
      await proxy?.close()
      await devnet?.stop()
      const database = await makeDatabase({ databaseUrl: url, schema })
      await dropSchema(database.db, schema)
      await database.close()
    }, 60_000)

    const refusals = [
      {
        what: "wrong token decimals",
        network: () => ({
          ...healthy,
          id: "decimals",
          tokens: healthy.tokens.map((t, i) => (i === 0 ? { ...t, decimals: 18 } : t)),
        }),
        reason: /USDT at 0x[0-9a-fA-F]{40} has 6 decimals on chain, configured 18/,
      },
      {
        what: "wrong chain id",
        network: () => ({ ...healthy, id: "chainid", chainId: 8453 }),
        reason: /chain id 31337, network chainid expects 8453/,
      },
      {
        what: "an RPC URL with a path the node does not serve (/jsonrpc)",
        network: () => ({ ...healthy, id: "jsonrpc", rpcUrls: [`${proxy.url}/jsonrpc`] }),
        reason: /HTTP 404, not JSON; not a JSON-RPC endpoint/,
      },
    ]
    for (const r of refusals) {
      it(`${r.what}: the worker exits 78 at once with one JSON line naming the network`, async () => {
        const n = r.network()
        // A healthy network beside it does not keep the worker alive.
        const w = startWorker(`refused-${n.id}`, networksFile(n.id, [healthy, n]))
        // "At once" is timed from the boot (tsx compiles the worker: slow on a busy machine).
        await w.started()
        const code = await Promise.race([
          w.exited,
          new Promise<"running">((res) => setTimeout(() => res("running"), 40_000)),
        ])
        expect(code, w.stderr()).toBe(78)
        const lines = w.lines()
        const last = lines.at(-1)!
        expect(last).toMatchObject({ level: "error", msg: "configuration error, stopping", network: n.id })
        expect(String(last.error)).toMatch(r.reason)
        expect(String(last.error)).toMatch(/fix the network config/)
      }, 180_000)
    }

    it("an unreachable network is retried while the rest runs; every stdout line is JSON, with no secret", async () => {
      const rt = await openRuntime(env(), { networks: [healthy] })
      const database = await makeDatabase({ databaseUrl: url, schema })
      // The webhook receiver answers 500 once (a retry), then 200.
      const received: Array<{ status: number; type: string }> = []
      const receiver = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const status = received.length === 0 ? 500 : 200
          received.push({
            status,
            type: (JSON.parse(Buffer.concat(chunks).toString()) as { type: string }).type,
          })
          res.writeHead(status).end()
        })
      })
      await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
      const a = receiver.address()
      const receiverUrl = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/hooks`
      try {
        const merchant = await rt.run(
          registerMerchant({
            name: "Startup Shop",
            testWebhookUrl: receiverUrl,
            payoutKeys: { evm: xpub(60) },
          }),
        )
        const { key } = await rt.run(issueApiKey(merchant.id, "test"))
        const flaky = {
          ...healthy,
          id: "flaky",
          rpcUrls: [`${proxy.url}/`],
          // Another token than the payment's: the same chain must not count it twice.
          tokens: healthy.tokens.filter((t) => t.symbol === "USDC"),
        }
        const newCheckout = async (description: string) => {
          const created = await rt.run(
            createCheckout({
              merchant,
              mode: "test",
              command: {
                amountCents: 1000n,
                description,
                metadataJson: null,
                customerEmail: null,
                redirectUrl: null,
                webhookUrl: null,
                expiresInSeconds: 1800,
              },
              networks: [healthy],
              families: FAMILIES,
              idempotency: null,
              now: new Date(),
            }),
          )
          if (created._tag !== "Created") throw new Error("not created")
          return created.checkout
        }
        const statusOf = async (id: string) =>
          (await sql<{ status: string }>`SELECT status FROM checkouts WHERE id = ${id}`.execute(database.db))
            .rows[0]?.status
        proxy.state.down = true
        const w = startWorker("w-flaky", networksFile("flaky", [healthy, flaky]))
        try {
          const checkout = await newCheckout("startup")
          await payTo({
            rpcUrl: devnet.rpcUrl,
            token: devnet.tokens.USDT,
            to: depositTargetOf(checkout.targets, "evm")!.address!,
            amount: 10_000_000n,
          })
          await devnet.mine(2)

          // The healthy network works: the payment is seen and its webhook attempted (500), then retried.
          // The waits below time the worker's work, not its boot (tsx, slower on a busy machine).
          await w.started()
          await waitFor("the first webhook attempt", () => received.length >= 1)
          expect(received[0]!.status).toBe(500)
          // Brought forward once recorded: until then the event is `delivering`, and the recording would
          // then set the retry 48-72 s out (past this test's wait).
          let retried = ""
          await waitFor("the failed attempt to be recorded and its retry brought forward", async () => {
            const r = await sql<{ id: string }>`UPDATE outbox_events SET next_attempt_at = now()
              WHERE status = 'pending' AND attempts >= 1 RETURNING id`.execute(database.db)
            retried = r.rows[0]?.id ?? ""
            return retried !== ""
          })
          await waitFor(
            "the webhook retry",
            async () =>
              (
                await sql<{ status: string }>`SELECT status FROM outbox_events WHERE id = ${retried}`.execute(
                  database.db,
                )
              ).rows[0]?.status === "delivered",
          )
          expect(received.map((r) => r.type)).toContain("checkout.completed")

          // Meanwhile the unreachable network shows as failing in `inzi status` and /metrics.
          await waitFor("flaky's failing status", async () =>
            (await rt.status()).watchers.some((s) => s.network === "flaky" && s.lastError !== null),
          )
          const status = (await rt.status()).watchers.find((s) => s.network === "flaky")!
          expect(status.lastError).toMatch(/^start-up check failing since \S+ \(attempt \d+\): .*HTTP 503/)
          const gauges = await clusterGauges(database)
          const errorGauge = gauges.find((g) => g.name === "inzi_scanner_error")!.samples
          expect(errorGauge).toContainEqual([{ network: "flaky" }, 1])
          expect(errorGauge).toContainEqual([{ network: "devnet" }, 0])
          expect(proxy.state.down).toBe(true)
          expect(w.child.exitCode).toBe(null)

          // The expiry sweeper runs too: a checkout past its expiry is expired while flaky is still down.
          const overdue = await newCheckout("overdue")
          await sql`UPDATE checkouts SET expires_at = now() - interval '1 second' WHERE id = ${overdue.id}`.execute(
            database.db,
          )
          await waitFor(
            "the sweeper to expire the overdue checkout",
            async () => (await statusOf(overdue.id)) === "expired",
          )
          expect(proxy.state.down).toBe(true)

          // A reorg on the healthy network: the scanner warns (through the JSON logger) and rescans.
          const scannedTo = async () =>
            (await rt.status()).watchers.find((s) => s.network === "devnet")?.scannedTo ?? "-1"
          const caughtUp = async () => BigInt(await scannedTo()) >= (await devnet.blockNumber())
          await waitFor("devnet caught up", caughtUp)
          const snap = await devnet.snapshot()
          await devnet.mine(2)
          await waitFor("devnet caught up after 2 blocks", caughtUp)
          expect(await devnet.revert(snap)).toBe(true)
          // A transfer makes the new branch's blocks differ (empty blocks mined in the same second would not).
          await payTo({
            rpcUrl: devnet.rpcUrl,
            token: devnet.tokens.USDT,
            to: "0x000000000000000000000000000000000000dEaD",
            amount: 1n,
          })
          await devnet.mine(3)
          await waitFor("the reorg warning", () => /reorg at or below block/.test(w.stdout()))

          // The network comes back: its watcher starts and its status clears.
          proxy.state.down = false
          await waitFor(
            "flaky's recovery",
            async () => {
              const s = (await rt.status()).watchers.find((x) => x.network === "flaky")
              return s !== undefined && s.lastError === null && s.head !== null
            },
            90_000,
          )

          w.child.kill("SIGTERM")
          expect(await w.exited).toBe(0)
          const out = w.stdout()
          const lines = w.lines()
          expect(out.endsWith("\n")).toBe(true)
          for (const l of lines) {
            expect(typeof l.time).toBe("string")
            expect(["debug", "info", "warn", "error"]).toContain(l.level)
            expect(typeof l.msg).toBe("string")
            expect(l.service).toBe("worker")
          }
          const msgs = lines.map((l) => String(l.msg))
          expect(msgs).toContain("network unreachable, start-up check retried")
          expect(msgs).toContain("network reachable again, watcher starting")
          expect(msgs.some((m) => m.startsWith("webhook attempt failed, retry at"))).toBe(true)
          expect(msgs.some((m) => /^devnet: reorg at or below block \d+/.test(m))).toBe(true)
          const retryLine = lines.find((l) => String(l.msg).startsWith("webhook attempt failed"))!
          expect(retryLine).toMatchObject({ level: "info", statusCode: 500, attempt: 1 })
          // No secret anywhere: API key, webhook secret, the merchant's xpub.
          for (const secret of [key, merchant.webhookSecret, merchant.testWebhookSecret, xpub(60)])
            expect(out).not.toContain(secret)
        } catch (e) {
          const events = await sql`
            SELECT type, status, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error
            FROM outbox_events ORDER BY created_at`
            .execute(database.db)
            .then((r) => r.rows, String)
          console.error("outbox events:", events, "\nwebhook receiver got:", received)
          console.error("worker stdout:\n", w.stdout().slice(-6000), "\nstderr:\n", w.stderr().slice(-3000))
          throw e
        }
      } finally {
        receiver.close()
        await database.close()
        await rt.close()
      }
    }, 240_000)
  })
}
