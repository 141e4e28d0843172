/**
 * Benchmark 3: detection latency. A transfer to a checkout's devnet deposit address is sent and mined (automine,
 * plus a block every second) → the gateway's `checkout.processing` webhook reaches a local receiver. Server and
 * worker run in this process on one base layer (as `inzi dev` does), the EVM watcher polling every 1 s, the
 * dispatcher with its default 1 s poll; the devnet runs in a child process; real Postgres.
 * Latency is measured from just before the transfer is sent (an upper bound of "mined → delivered"; automine
 * mines it at once) and from when its receipt came back (a lower bound).
 *
 * Env: BENCH_PAYMENTS (100), BENCH_SPACING_MS (250).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { evmNetwork } from "@inzi/adapter-evm"
import { issueApiKey, type NetworkConfig, registerMerchant } from "@inzi/core"
import { payTo } from "@inzi/devnet"
import { appLayer, makeLogger, readEnv } from "@inzi/platform"
import { HttpListener, ServerLayer } from "@inzi/server"
import { WorkerLayer } from "@inzi/worker"
import { Effect, Layer, ManagedRuntime } from "effect"
import pg from "pg"
import { startChild } from "./lib/proc.js"
import { appendResult, fmt, machineFacts, quantile, table } from "./lib/results.js"
import { accountXpub, benchSchema, DATABASE_URL } from "./lib/shared.js"

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 100)
const SPACING_MS = Number(process.env.BENCH_SPACING_MS ?? 250)
const facts = machineFacts()
const schema = benchSchema("detect")
const devnet = await startChild<{ rpcUrl: string; usdt: string; decimals: number }>(
  "detection/devnet-child.ts",
  ["1000"],
)

// ------------------------------------------------------------------ the receiver
const arrivals = new Map<string, number>()
const types = new Map<string, number>()
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    const at = performance.now()
    try {
      const e = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        type: string
        data: { object: { id: string } }
      }
      types.set(e.type, (types.get(e.type) ?? 0) + 1)
      // the first event that says "paid": processing, or completed when the payment was already confirmed
      // by the time it was seen
      if (
        (e.type === "checkout.processing" || e.type === "checkout.completed") &&
        !arrivals.has(e.data.object.id)
      )
        arrivals.set(e.data.object.id, at)
    } catch {}
    res.writeHead(200).end()
  })
})
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`

// ------------------------------------------------------------------ server + worker in this process
const env = readEnv({
  DATABASE_URL,
  INZI_DB_SCHEMA: schema,
  HOST: "127.0.0.1",
  PORT: "0",
  INZI_RATE_LIMIT: "0",
  LOG_LEVEL: "warn",
  INZI_ALLOW_PRIVATE_WEBHOOKS: "1",
})
const networks: ReadonlyArray<NetworkConfig> = [
  evmNetwork("devnet", {
    rpcUrls: [devnet.ready.rpcUrl],
    confirmations: 2,
    pollIntervalMs: 1000,
  }) as NetworkConfig,
]
const logger = makeLogger("warn", { service: "bench" })
const base = appLayer(env, networks)
const opts = { env, networks, logger }
const rt = ManagedRuntime.make(Layer.mergeAll(ServerLayer(opts, base), WorkerLayer(opts, base), base))
const rows: string[][] = []
let verdict = ""
try {
  const address = await rt.runPromise(HttpListener)
  const url = `http://127.0.0.1:${address.port}`
  const key = await rt.runPromise(
    Effect.gen(function* () {
      const m = yield* registerMerchant({
        name: "Bench detection",
        testWebhookUrl: hookUrl,
        payoutKeys: { evm: accountXpub(60, 11) },
      })
      return (yield* issueApiKey(m.id, "test")).key
    }),
  )
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` }
  const sent: Array<{ id: string; sentAt: number; minedAt: number }> = []
  const amount = 10n * 10n ** BigInt(devnet.ready.decimals)
  for (let i = 0; i < PAYMENTS; i++) {
    const r = await fetch(`${url}/api/v1/checkouts`, {
      method: "POST",
      headers,
      body: JSON.stringify({ amount: "10.00", currency: "USD" }),
    })
    const c = (await r.json()) as { id: string; payment_options: Array<{ network: string; address: string }> }
    const to = c.payment_options.find((o) => o.network === "devnet")?.address
    if (to === undefined) throw new Error(`no devnet payment option: ${JSON.stringify(c)}`)
    const sentAt = performance.now()
    await payTo({ rpcUrl: devnet.ready.rpcUrl, token: devnet.ready.usdt, to, amount })
    sent.push({ id: c.id, sentAt, minedAt: performance.now() })
    await new Promise((r) => setTimeout(r, SPACING_MS))
  }
  const deadline = performance.now() + 30_000
  while (arrivals.size < sent.length && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 100))
  const fromSend = sent.filter((s) => arrivals.has(s.id)).map((s) => arrivals.get(s.id)! - s.sentAt)
  const fromReceipt = sent.filter((s) => arrivals.has(s.id)).map((s) => arrivals.get(s.id)! - s.minedAt)
  const p50 = quantile(fromSend, 0.5)
  rows.push(
    [
      "send → webhook (upper bound)",
      String(fromSend.length),
      fmt(quantile(fromSend, 0.5)),
      fmt(quantile(fromSend, 0.95)),
      fmt(Math.max(...fromSend)),
    ],
    [
      "receipt → webhook (lower bound)",
      String(fromReceipt.length),
      fmt(quantile(fromReceipt, 0.5)),
      fmt(quantile(fromReceipt, 0.95)),
      fmt(Math.max(...fromReceipt)),
    ],
  )
  verdict = `- p50 ${fmt(p50)} ms, p95 ${fmt(quantile(fromSend, 0.95))} ms from send (${fromSend.length}/${sent.length} delivered) — target p50 < 1 500 ms: ${p50 < 1500 ? "met" : "MISSED"}`
  verdict += `\n- webhooks received by type: ${[...types].map(([t, n]) => `${t} ${n}`).join(", ")}`
  console.log(verdict)
} finally {
  await rt.dispose()
  receiver.close()
  await devnet.stop()
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
  await admin.end()
}
const WHY = `#### What the latency is made of, and what would lower it

Two polls in series: the EVM watcher (1 s) finds the transfer ≈ 0.5 s after it is mined on average, writes the
event to the outbox, and the dispatcher (default poll 1 s) picks it up ≈ 0.5 s later on average; the rest is
the scan itself, the store transaction and the POST. So p50 ≈ 1.0–1.5 s is the design's floor with these settings.
To lower it: wake the dispatcher when an event is written (an in-process signal when watcher and dispatcher share a
process, else Postgres LISTEN/NOTIFY), leaving the poll as the fallback; \`inzi dev\` already uses a 250 ms poll.
Note: with 1 s blocks and 2 confirmations, most payments are already confirmed when first seen, and then only
\`checkout.completed\` is sent (no \`checkout.processing\`); this bench takes the first of the two.`

appendResult(
  "detection",
  `${verdict}\n\n${PAYMENTS} payments, one every ≈ ${SPACING_MS} ms + transfer time; EVM watcher poll 1 s, 2 confirmations (processing is sent at detection), dispatcher poll 1 s (the worker default).\n\n${table(["latency (ms)", "n", "p50", "p95", "max"], rows)}\n\n${WHY}`,
  facts,
)
process.exit(0)
