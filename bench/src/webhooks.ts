/**
 * Benchmark 4: the webhook dispatcher (apps/worker `dispatcherLoop`, real Postgres outbox, node:http
 * transport) delivering 10 000 due events to local receivers (a child process), against a baseline in the same
 * run: the same number of POSTs of the same bodies at the same concurrency with bare node:http and no database.
 * Samples the dispatcher process's heap and RSS to show memory stays bounded.
 *
 * Env: BENCH_EVENTS (10000), BENCH_ORIGINS (8: receivers on that many ports; the dispatcher limits
 * concurrency per origin), BENCH_TIMEOUT_S (120), BENCH_NO_APPEND (1: print only),
 * BENCH_CPU_PROF (a file: CPU profile of the dispatcher phase only, written there as a .cpuprofile),
 * BENCH_HEAP_PROF (a file: sampled allocations of the dispatcher phase, garbage included, as a .heapprofile).
 */
import { writeFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { Session } from "node:inspector/promises"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { makeDatabase, makeStores, migrate } from "@inzi/adapter-postgres"
import { Ids, newMerchantId, newWebhookSecret, Outbox } from "@inzi/core"
import { dispatcherLoop, NodeWebhookTransport } from "@inzi/worker"
import { Effect, Fiber, Layer } from "effect"
import { startChild } from "./lib/proc.js"
import { appendResult, fmt, machineFacts, table } from "./lib/results.js"
import { benchSchema, DATABASE_URL } from "./lib/shared.js"

// A real full GC for the heap figures (the package script does not pass --expose-gc).
setFlagsFromString("--expose-gc")
const fullGc = runInNewContext("gc") as () => void

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const ORIGINS = Number(process.env.BENCH_ORIGINS ?? 8)
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 120)
const facts = machineFacts()
const schema = benchSchema("hooks")
const database = await makeDatabase({ databaseUrl: DATABASE_URL, schema, maxConnections: 10 })
await migrate(database.db)
const stores = makeStores(database.db)
const receiver = await startChild<{ urls: string[] }>("webhooks/receiver.ts", [String(ORIGINS)])
const urls = receiver.ready.urls

const body = (i: number) =>
  JSON.stringify({
    id: `evt_${String(i).padStart(24, "0")}`,
    type: "checkout.processing",
    created_at: new Date().toISOString(),
    livemode: false,
    data: {
      object: {
        id: "chk_test_bench000000000000000000",
        status: "processing",
        amount: "25.00",
        currency: "USD",
        description: "benchmark order with a realistic body size",
        metadata: { order_id: `ord_${i}`, customer: "bench" },
        payments: [
          {
            network: "devnet",
            tx_hash: `0x${"ab".repeat(32)}`,
            amount_crypto: "25.000000",
            status: "detected",
          },
        ],
        payment_options: [{ network: "devnet", address: `0x${"cd".repeat(20)}`, amount_crypto: "25.000000" }],
        expires_at: new Date().toISOString(),
        created_at: new Date().toISOString(),
      },
    },
  })

const rows: string[][] = []
let verdict = ""
let timelineText = ""
let recordsSummary = "?"
let connectionsSummary = "?"
let cpuShareSummary = "?"
try {
  // ---------------------------------------------------------------- baseline: bare node:http POSTs
  let bodies: Array<string> = Array.from({ length: EVENTS }, (_, i) => body(i))
  const concurrency = Math.min(32, 4 * ORIGINS)
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  const post = (url: string, b: string) =>
    new Promise<void>((resolve, reject) => {
      const r = request(
        url,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(b) },
        },
        (res) => {
          res.resume()
          res.on("end", () => resolve())
        },
      )
      r.on("error", reject)
      r.end(b)
    })
  const t0 = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < EVENTS) {
        const i = next++
        await post(urls[i % urls.length]!, bodies[i]!)
      }
    }),
  )
  const bareS = (performance.now() - t0) / 1000
  agent.destroy()
  const bareRate = EVENTS / bareS
  console.log(
    `bare node:http: ${EVENTS} POSTs in ${fmt(bareS, 2)} s = ${fmt(bareRate)}/s (concurrency ${concurrency}, 4 per origin)`,
  )
  await receiver.ask("reset")

  // ---------------------------------------------------------------- the dispatcher on the real outbox
  const merchantId = await Effect.runPromise(Effect.provide(newMerchantId, Ids.Live))
  await Effect.runPromise(
    stores.merchants.createMerchant({
      id: merchantId,
      name: "Bench hooks",
      webhookUrl: urls[0]!,
      webhookSecret: await Effect.runPromise(Effect.provide(newWebhookSecret, Ids.Live)),
      testWebhookUrl: urls[0]!,
      payoutKeys: {},
      networks: { live: [], test: [] },
    }),
  )
  const db = database.db
  const now = new Date()
  await db
    .insertInto("checkouts")
    .values({
      id: "chk_test_bench000000000000000000",
      merchant_id: merchantId,
      mode: "test",
      status: "processing",
      amount_cents: "2500",
      currency: "USD",
      networks: "[]",
      expires_at: now,
      created_at: now,
      updated_at: now,
    })
    .execute()
  for (let i = 0; i < EVENTS; i += 1000) {
    await db
      .insertInto("outbox_events")
      .values(
        Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({
          id: `evt_${String(i + j).padStart(24, "0")}`,
          type: "checkout.processing",
          checkout_id: "chk_test_bench000000000000000000",
          merchant_id: merchantId,
          mode: "test",
          url: urls[(i + j) % urls.length]!,
          body: bodies[i + j]!,
          status: "pending",
          attempts: 0,
          next_attempt_at: now,
          created_at: new Date(now.getTime() + i + j),
        })),
      )
      .execute()
  }
  bodies = [] // the bench's own copy is not the dispatcher's memory
  fullGc()
  const mem0 = process.memoryUsage()
  let maxHeap = mem0.heapUsed
  let maxRss = mem0.rss
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    maxHeap = Math.max(maxHeap, m.heapUsed)
    maxRss = Math.max(maxRss, m.rss)
  }, 100)
  // The real outbox, counting its round trips (claims, attempt-record statements, releases).
  const trips = { claims: 0, records: 0, recorded: 0, releases: 0 }
  const count = <A, E>(k: keyof typeof trips, n: number, e: Effect.Effect<A, E>) =>
    Effect.suspend(() => {
      trips[k]++
      if (k === "records") trips.recorded += n
      return e
    })
  const counted: typeof stores.outbox = {
    ...stores.outbox,
    claimDue: (q) => count("claims", 0, stores.outbox.claimDue(q)),
    recordAttempt: (q) => count("records", 1, stores.outbox.recordAttempt(q)),
    recordAttempts: (q) => count("records", q.attempts.length, stores.outbox.recordAttempts(q)),
    release: (id, w, nb) => count("releases", 0, stores.outbox.release(id, w, nb)),
  }
  const layer = Layer.merge(Layer.succeed(Outbox, counted), NodeWebhookTransport.layer())
  const profFile = process.env.BENCH_CPU_PROF
  const heapProfFile = process.env.BENCH_HEAP_PROF
  const inspector = profFile === undefined && heapProfFile === undefined ? null : new Session()
  if (inspector !== null) {
    inspector.connect()
    if (profFile !== undefined) {
      await inspector.post("Profiler.enable")
      await inspector.post("Profiler.start")
    }
    if (heapProfFile !== undefined) {
      await inspector.post("HeapProfiler.enable")
      await inspector.post("HeapProfiler.startSampling", {
        samplingInterval: 16_384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      })
    }
  }
  const c0 = process.cpuUsage()
  const t1 = performance.now()
  const fiber = Effect.runFork(
    dispatcherLoop({ worker: "bench", pollIntervalMs: 50 }).pipe(Effect.provide(layer)),
  )
  let got = 0
  let liveMid: number | null = null
  const deadline = t1 + TIMEOUT_S * 1000
  const timeline: Array<[number, number]> = []
  let lastMark = t1
  let lastIncrease = t1
  let cpuFlow = process.cpuUsage(c0)
  while (got < EVENTS && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    const n = await receiver.ask<number>("count")
    if (n > got) {
      lastIncrease = performance.now()
      cpuFlow = process.cpuUsage(c0)
    }
    got = n
    if (liveMid === null && got >= EVENTS / 2) {
      // Once, half-way: what is really live (a full GC first), as opposed to the sampled max that counts garbage.
      fullGc()
      liveMid = process.memoryUsage().heapUsed
    }
    if (performance.now() - lastMark >= 5000) {
      lastMark = performance.now()
      timeline.push([(lastMark - t1) / 1000, got])
      console.log(`  ${fmt((lastMark - t1) / 1000)} s: ${got}`)
    }
  }
  const claims = await db
    .selectFrom("outbox_events")
    .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
    .groupBy("status")
    .execute()
  timelineText = `progress (s: received): ${timeline.map(([t, n]) => `${fmt(t)}: ${n}`).join(", ")}; outbox at the end: ${claims.map((c) => `${c.status} ${c.n}`).join(", ")}`
  const dS = (performance.now() - t1) / 1000
  if (inspector !== null) {
    if (profFile !== undefined) {
      const { profile } = await inspector.post("Profiler.stop")
      writeFileSync(profFile, JSON.stringify(profile))
      console.log(`cpu profile of the dispatcher phase: ${profFile}`)
    }
    if (heapProfFile !== undefined) {
      const { profile } = await inspector.post("HeapProfiler.stopSampling")
      writeFileSync(heapProfFile, JSON.stringify(profile))
      console.log(`allocation profile of the dispatcher phase: ${heapProfFile}`)
    }
    inspector.disconnect()
  }
  await Effect.runPromise(Fiber.interrupt(fiber))
  clearInterval(sampler)
  const delivered = await db
    .selectFrom("outbox_events")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("status", "=", "delivered")
    .executeTakeFirst()
  const rate = got / dS
  // the rate while deliveries were flowing (up to the last one received), apart from the stall on deferred claims
  const flowS = (lastIncrease - t1) / 1000
  const flowRate = got / Math.max(0.001, flowS)
  fullGc()
  const heapAfter = process.memoryUsage().heapUsed
  const conns = await receiver.ask<number>("connections")
  const tripsText = `receiver connections: ${conns} for ${got} deliveries; outbox round trips: ${trips.claims} claims, ${trips.records} record statements for ${trips.recorded} attempts (${fmt(trips.recorded / Math.max(1, trips.records), 1)} per statement), ${trips.releases} releases`
  recordsSummary = `${trips.records} statements for ${trips.recorded} attempts here (${fmt(trips.recorded / Math.max(1, trips.records), 1)} per statement)`
  connectionsSummary = `${conns} receiver connections for ${got} deliveries`
  const cpuS = (cpuFlow.user + cpuFlow.system) / 1e6
  cpuShareSummary = `the dispatcher process used ${fmt(cpuS, 1)} s of CPU in ${fmt(dS, 1)} s (${fmt((cpuS / dS) * 100)} % of one core; at ${fmt((cpuFlow.user + cpuFlow.system) / Math.max(1, got))} µs per delivery one full core would give ${fmt(1e6 / ((cpuFlow.user + cpuFlow.system) / Math.max(1, got)))}/s)`
  console.log(tripsText)
  timelineText += `\n\n${tripsText}`
  console.log(
    `dispatcher: ${got} received (${delivered?.n} marked delivered) in ${fmt(dS, 2)} s = ${fmt(rate)}/s, cpu ${fmt((cpuFlow.user + cpuFlow.system) / Math.max(1, got))} µs/delivery, heap max ${fmt(maxHeap / 2 ** 20)} MB (start ${fmt(mem0.heapUsed / 2 ** 20)}, live half-way ${liveMid === null ? "?" : fmt(liveMid / 2 ** 20)}), rss max ${fmt(maxRss / 2 ** 20)} MB`,
  )
  rows.push(
    ["bare node:http POSTs, no database", String(EVENTS), fmt(bareS, 2), fmt(bareRate), "—", "—", "—"],
    [
      "dispatcherLoop (defaults, poll 50 ms) + Postgres outbox",
      `${got} (${delivered?.n} delivered)`,
      fmt(dS, 2),
      fmt(rate),
      fmt((cpuFlow.user + cpuFlow.system) / Math.max(1, got)),
      `${fmt(mem0.heapUsed / 2 ** 20)} → max ${fmt(maxHeap / 2 ** 20)} (live half-way ${liveMid === null ? "?" : fmt(liveMid / 2 ** 20)}) → ${fmt(heapAfter / 2 ** 20)} after gc`,
      `${fmt(mem0.rss / 2 ** 20)} → max ${fmt(maxRss / 2 ** 20)}`,
    ],
  )
  verdict = `- ${fmt(rate)} deliveries/s overall (${fmt((rate / bareRate) * 100)} % of bare node:http); ${fmt(flowRate)}/s while flowing (${got} in the first ${fmt(flowS, 1)} s) — target ≥ 1 000/s: ${rate >= 1000 ? "met" : "MISSED"}; ${got < EVENTS ? `only ${got} of ${EVENTS} arrived within ${TIMEOUT_S} s` : "all delivered"}`
} finally {
  await receiver.stop()
  await database.db.schema
    .dropSchema(schema)
    .ifExists()
    .cascade()
    .execute()
    .catch(() => {})
  await database.close()
}

const met = verdict.includes("met;")
const WHY = `#### ${met ? "What was missing, and what fixed it" : "Why the target is missed in this run, and what was fixed"}

${met ? "" : `- **This run**: ${cpuShareSummary} — the dispatcher was not CPU-bound; the two cores were shared with the receiver child, Postgres and whatever else ran (load average above; the bare sender's rate is the yardstick).\n`}- **Before** (entries up to 2026-11-24T09:31Z: 595/s, 839 µs CPU per delivery, heap max 208 MB): one
  \`recordAttempt\` round trip per delivery. A CPU profile of the dispatcher phase (\`BENCH_CPU_PROF\`) of that
  code: 15 % of its samples in the pg socket's \`writev\` (one write per statement), 8 % building the kysely
  query, 13 % effect runtime (per delivery: a generator, \`Effect.provide\`, log annotations, forks through
  effects), 2 % HMAC in @noble/hashes.
- **Fixed in this run's code**: finished attempts are written in batches (\`Outbox.recordAttempts\`: one
  statement per batch, a CTE inserting the attempt rows from one JSON parameter and updating the events; a
  recorder writes whatever finished during its previous write, no timer) — ${recordsSummary}; a send's slot is
  freed when its answer is in; the loop claims only when a whole batch fits and, when full, waits for room
  instead of a poll interval; sends and the recorder forked synchronously (\`FiberSet.runtime\`), HMAC with
  node:crypto, the clock read synchronously, parsed URLs cached.
  Keep-alive reuse: ${connectionsSummary}.
- **Memory**: the dispatcher holds at most \`maxHeld\` (128) deliveries, finished-but-unwritten ones included,
  so the live heap half-way (after a forced full GC, half the backlog still due) is the start heap: nothing
  grows with the backlog. The sampled max counts garbage awaiting a major GC (V8's heuristics; it moves with
  machine load).
- **What is left per delivery**: the node:http client itself (the bare baseline's own cost; most of it the
  \`writev\`/read syscalls on loopback), ≈ 30–40 µs of dispatcher work (an effect fiber per send, signing, the
  scheduler: \`src/webhooks/dispatcher-only.ts\`, a fake transport and outbox; ≈ 50 µs before the synchronous
  forks), and the Postgres client's share of the
  claims (rows with their bodies) and of the batched writes. The machine is shared (see the load average):
  read the ratio to the bare sender rather than absolute rates.`

if (process.env.BENCH_NO_APPEND !== "1")
  appendResult(
    "webhooks",
    `${verdict}\n\n${EVENTS} due events, ${ORIGINS} receiver origins (one child process), the dispatcher in the bench process.\n\n${table(
      ["sender", "events", "seconds", "per second", "CPU µs/delivery", "heap MB", "RSS MB"],
      rows,
    )}\n\n${timelineText}\n\n${WHY}`,
    facts,
  )
