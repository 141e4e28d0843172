/**
 * The standing chaos run (issue #23): real PostgreSQL (a fresh schema), the devnet behind an RPC fault proxy,
 * two servers, two workers and a webhook receiver. Checkouts are created over the API and paid while processes
 * are SIGKILLed, PostgreSQL backends terminated, RPC faults injected and the chain reorganised once; then the
 * invariants are checked from the database and the receiver's log. `CHAOS_SHORT=1` runs a smaller variant.
 * The last line printed is `N passed, M failed`; the exit code is 0 only when every invariant holds.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { evmNetwork } from "@inzi/adapter-evm"
import { type Database, dropSchema, makeDatabase, migrate } from "@inzi/adapter-postgres"
import { type Checkout, InziClient } from "@inzi/client"
import { issueApiKey, type NetworkConfig, registerMerchant } from "@inzi/core"
import {
  deadUrl,
  type Devnet,
  type Fault,
  type FaultProxy,
  payTo,
  startDevnet,
  startFaultProxy,
} from "@inzi/devnet"
import { openRuntime, readEnv } from "@inzi/platform"
import { Effect } from "effect"
import { HDNodeWallet } from "ethers"
import { sql } from "kysely"
import {
  type CheckoutRow,
  checkInvariants,
  checkLogLines,
  type EventRow,
  type Kind,
  type PaymentRow,
  type PlannedCheckout,
  type Transfer,
} from "./invariants.js"
import {
  type AppProcess,
  isAlive,
  lastError,
  type Role,
  serverReady,
  sleep,
  spawnApp,
  stopApp,
  waitUntil,
} from "./procs.js"
import { type Receiver, startReceiver } from "./receiver.js"
import { commitLabel, RESULTS_FILE, recordRow } from "./results.js"

const SHORT = process.env.CHAOS_SHORT === "1"
/** How many invariants a run checks (the six of the database and receiver, then the log lines). */
const INVARIANTS = 7
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))
const CFG = SHORT
  ? { cycles: 2, kills: 8, chaosSeconds: 70, settleSeconds: 240, shortExpirySeconds: 25 }
  : { cycles: 11, kills: 24, chaosSeconds: 200, settleSeconds: 360, shortExpirySeconds: 45 }
/** One cycle of the scenario mix (28 checkouts); the reorg takes 3 of the exact ones. */
const MIX: ReadonlyArray<readonly [Kind, number]> = [
  ["exact", 10],
  ["topup", 4],
  ["under", 3],
  ["over", 3],
  ["late", 3],
  ["fake", 2],
  ["twoInBlock", 3],
]
const REORG_VICTIMS = 3
const BLOCK_MS = 500
const CONFIRMATIONS = 5
// Not the devnet's mnemonic: deposit addresses must not be the funded devnet accounts.
const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

/** mulberry32: the scenario mix and the chaos choices follow CHAOS_SEED (timing does not). */
const rng = (() => {
  let a = SEED >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
})()
const between = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo))
const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(rng() * xs.length)]!

const runId = `inzi_chaos_${process.pid}_${Date.now().toString(36)}`
const runDir = join(tmpdir(), runId)
const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`
const say = (msg: string) => process.stdout.write(`[chaos ${elapsed()}] ${msg}\n`)

/** Everything the run started, for the clean-up (also on failure and Ctrl-C). */
const res: {
  devnet?: Devnet
  proxy?: FaultProxy
  receiver?: Receiver
  db?: Database
  procs: Map<string, AppProcess>
  schemaMade: boolean
} = { procs: new Map(), schemaMade: false }

const stats = {
  kills: { server: 0, worker: 0 },
  unexpectedExits: [] as Array<string>,
  terminations: { statements: 0, backends: 0 },
  faults: { queued: 0, byKind: {} as Record<string, number> },
  createRetries: 0,
  createFailures: [] as Array<string>,
  reorg: { depth: 0, seenBeforeRevert: 0, revertedAfter: 0, sameTxAgain: 0 },
  twoInBlockSameBlock: 0,
}

const appName = (name: string) => `${runId}_${name}`.slice(0, 63)
const runnerApp = appName("runner")
const appDbUrl = (name: string) => {
  const u = new URL(DATABASE_URL)
  u.searchParams.set("application_name", appName(name))
  return u.toString()
}

// ---------------------------------------------------------------- processes

let appEnv: NodeJS.ProcessEnv = {}
const serverPorts: Array<number> = []
const generation = { server: [0, 0], worker: [0, 0] }
const slotKey = (role: Role, slot: number) => `${role}-${slot}`

const start = (role: Role, slot: number) => {
  const g = generation[role][slot]!
  generation[role][slot] = g + 1
  const p = spawnApp({
    role,
    slot,
    generation: g,
    runDir,
    env: { ...appEnv, DATABASE_URL: appDbUrl(`${role}${slot}`) },
    ...(role === "server" ? { port: serverPorts[slot]! } : {}),
  })
  res.procs.set(slotKey(role, slot), p)
  void p.exited.then(({ code, signal }) => {
    if (!p.expected) {
      stats.unexpectedExits.push(`${p.name} exited (code ${code}, signal ${signal}): ${lastError(p.logFile)}`)
      say(`UNEXPECTED EXIT of ${p.name} (code ${code}, signal ${signal}); see ${p.logFile}`)
    }
  })
  return p
}

/** A server is ready when /readyz answers 200; a worker once it has lived a few seconds (tsx start-up). */
const ready = (p: AppProcess) =>
  p.role === "server"
    ? waitUntil(async () => !isAlive(p) || (await serverReady(p.port!)), 90_000, 200).then(() => isAlive(p))
    : waitUntil(() => !isAlive(p) || Date.now() - startedAt.get(p)! > 6_000, 30_000, 200).then(() =>
        isAlive(p),
      )
const startedAt = new WeakMap<AppProcess, number>()
const startReady = async (role: Role, slot: number) => {
  const p = start(role, slot)
  startedAt.set(p, Date.now())
  if (!(await ready(p))) say(`${p.name} not ready: ${lastError(p.logFile)}`)
  return p
}

/** Restarts any process that died on its own (counted as an unexpected exit). */
const superviseOnce = async () => {
  for (const role of ["server", "worker"] as const)
    for (const slot of [0, 1]) {
      const p = res.procs.get(slotKey(role, slot))
      if (p !== undefined && !isAlive(p) && !p.expected) await startReady(role, slot)
    }
}

// ---------------------------------------------------------------- chaos loops

let chaosOn = true
let paymentsDone = false
/** While set, no process is killed: the reorg's victims must be seen by a live watcher before the revert. */
let holdKills = false

const killLoop = async () => {
  const gapMs = (CFG.chaosSeconds * 1000) / CFG.kills
  for (let i = 0; i < CFG.kills * 3 && (i < CFG.kills || !paymentsDone); i++) {
    if (stats.kills.server + stats.kills.worker >= CFG.kills && paymentsDone) break
    await sleep(between(gapMs * 0.5, gapMs * 1.5))
    await waitUntil(() => !holdKills, 120_000, 250)
    await superviseOnce()
    const role: Role = rng() < 0.5 ? "server" : "worker"
    const slot = between(0, 2)
    const other = res.procs.get(slotKey(role, 1 - slot))
    if (other !== undefined && !isAlive(other)) continue
    const victim = res.procs.get(slotKey(role, slot))
    if (victim === undefined || !isAlive(victim)) continue
    victim.expected = true
    victim.child.kill("SIGKILL")
    await victim.exited
    stats.kills[role]++
    say(`kill -9 ${victim.name} (${stats.kills.server + stats.kills.worker} kills)`)
    await startReady(role, slot)
  }
}

const terminateLoop = async (db: Database) => {
  for (let i = 0; chaosOn && i < 10_000; i++) {
    await sleep(between(3_000, 8_000))
    if (!chaosOn) break
    // One process's connections, or one backend of any of them.
    const target = appName(pick(["server0", "server1", "worker0", "worker1"]))
    const one = rng() < 0.5
    const r = await sql<{ n: number }>`
      SELECT count(*) FILTER (WHERE t)::int AS n FROM (
        SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> ${runnerApp}
          AND application_name ${one ? sql`LIKE ${`${runId}_%`.replace(/_/g, "\\_")}` : sql`= ${target}`}
        ORDER BY random() LIMIT ${one ? 1 : 100}) x`
      .execute(db.db)
      .catch(() => ({ rows: [{ n: 0 }] }))
    stats.terminations.statements++
    stats.terminations.backends += r.rows[0]?.n ?? 0
  }
}

const FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ["429", { kind: "status", status: 429, retryAfter: "1", body: "Too Many Requests" }],
  ["500", { kind: "status", status: 500 }],
  ["502", { kind: "status", status: 502 }],
  ["503", { kind: "status", status: 503 }],
  ["rpc-error", { kind: "rpc-error", code: -32603, message: "internal error" }],
  ["drop", { kind: "drop" }],
  // Longer than the EVM adapter's 15 s request timeout: a hung provider.
  ["timeout", { kind: "delay", ms: 16_000 }],
]
const faultLoop = async (proxy: FaultProxy) => {
  for (let i = 0; chaosOn && i < 100_000; i++) {
    await sleep(between(700, 2_500))
    if (!chaosOn || proxy.faults.length >= 2) continue
    const [name, fault] = rng() < 0.1 ? FAULTS[FAULTS.length - 1]! : pick(FAULTS.slice(0, -1))
    proxy.faults.push(fault)
    stats.faults.queued++
    stats.faults.byKind[name] = (stats.faults.byKind[name] ?? 0) + 1
  }
}

// ---------------------------------------------------------------- scenario

interface Planned extends PlannedCheckout {
  readonly address: string
  readonly expiresAt: number
}

const unitsOf = (c: Checkout) => BigInt(c.amount.replace(".", "")) * 10_000n

const createAll = async (clients: ReadonlyArray<InziClient>, kinds: ReadonlyArray<Kind>, db: Database) => {
  const out: Array<Planned> = []
  let next = 0
  const one = async (i: number) => {
    const kind = kinds[i]!
    const amount = `${between(1, 100)}.${String(between(0, 100)).padStart(2, "0")}`
    const body = {
      amount,
      currency: "USD",
      description: `chaos ${kind} #${i}`,
      metadata: { kind, i: String(i) },
    }
    const key = `${runId}-${i}`
    for (let attempt = 0; attempt < 20; attempt++) {
      const client = clients[(i + attempt) % clients.length]!
      try {
        const c = await client.checkouts.create(body, { idempotencyKey: key })
        const address = c.payment_options.find((o) => o.network === "devnet")?.address
        if (address === undefined) throw new Error(`checkout ${c.id} has no devnet option`)
        let expiresAt = Date.parse(c.expires_at)
        if (kind === "late" || kind === "fake") {
          // The API's shortest expiry is 300 s: these get a short one so they expire within the run.
          const r = await sql<{ e: Date }>`
            UPDATE checkouts SET expires_at = created_at + make_interval(secs => ${CFG.shortExpirySeconds})
            WHERE id = ${c.id} RETURNING expires_at AS e`.execute(db.db)
          expiresAt = r.rows[0]!.e.getTime()
        }
        const expected =
          kind === "under" ? "underpaid" : kind === "late" || kind === "fake" ? "expired" : "completed"
        out.push({ id: c.id, kind, units: unitsOf(c), expected, address, expiresAt })
        return
      } catch (e) {
        stats.createRetries++
        if (attempt === 19) {
          stats.createFailures.push(`create #${i} (${kind}) failed 20 times: ${String(e).slice(0, 200)}`)
          return
        }
        await sleep(300 + attempt * 200)
      }
    }
  }
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < kinds.length; i = next++) await one(i)
    }),
  )
  return out
}

const pay = async (
  devnet: Devnet,
  to: string,
  amount: bigint,
  token: "USDT" | "USDC" | "FAKE_USDT",
  wait = true,
) => (await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens[token], to, amount, wait })).txHash

const mining = async (devnet: Devnet, on: boolean) => {
  await devnet.request("evm_setIntervalMining", [on ? BLOCK_MS : 0])
}

const paymentRowsOf = async (db: Database, txs: ReadonlyArray<string>) =>
  (
    await sql<{ tx_hash: string; status: string }>`SELECT tx_hash, status FROM payments`.execute(db.db)
  ).rows.filter((r) => txs.some((t) => t.toLowerCase() === r.tx_hash.toLowerCase()))

/** Two transfers to one checkout in one block: interval mining and automine off, two sends, one block. */
const payTwoInOneBlock = async (devnet: Devnet, c: Planned, token: "USDT" | "USDC") => {
  const half = c.units / 2n
  await mining(devnet, false)
  await devnet.setAutomine(false)
  try {
    const a = await pay(devnet, c.address, half, token, false)
    const b = await pay(devnet, c.address, c.units - half, token, false)
    await devnet.mine(1)
    const blocks = await Promise.all(
      [a, b].map(
        async (h) =>
          ((await devnet.request("eth_getTransactionReceipt", [h])) as { blockNumber: string }).blockNumber,
      ),
    )
    if (blocks[0] === blocks[1]) stats.twoInBlockSameBlock++
    return [
      { tx: a, checkout: c.id, amount: half, expect: "counted" as const },
      { tx: b, checkout: c.id, amount: c.units - half, expect: "counted" as const },
    ]
  } finally {
    await devnet.setAutomine(true)
    await mining(devnet, true)
  }
}

/**
 * The reorg: interval mining paused, a snapshot, the victims paid (one block each, fewer than the
 * confirmations), seen by a watcher, then the chain reverted to the snapshot and mining resumed — a shallow
 * reorg that drops those transfers. The victims are paid again afterwards.
 */
const reorgEpisode = async (devnet: Devnet, db: Database, victims: ReadonlyArray<Planned>) => {
  const dropped: Array<Transfer> = []
  await mining(devnet, false)
  holdKills = true
  try {
    await superviseOnce()
    const snap = await devnet.snapshot()
    for (const v of victims)
      dropped.push({
        tx: await pay(devnet, v.address, v.units, "USDT"),
        checkout: v.id,
        amount: v.units,
        expect: "reorged",
      })
    const txs = dropped.map((t) => t.tx)
    await waitUntil(async () => (await paymentRowsOf(db, txs)).length === txs.length, 60_000, 300)
    stats.reorg.seenBeforeRevert = (await paymentRowsOf(db, txs)).length
    stats.reorg.depth = victims.length
    holdKills = false
    if (!(await devnet.revert(snap))) throw new Error("evm_revert refused the snapshot")
    say(
      `reorg: ${victims.length} blocks dropped (${stats.reorg.seenBeforeRevert} of their payments seen first${stats.reorg.seenBeforeRevert === 0 ? ": the gateway saw no reorg" : ""})`,
    )
  } finally {
    holdKills = false
    await mining(devnet, true)
  }
  const txs = dropped.map((t) => t.tx)
  await waitUntil(
    async () => (await paymentRowsOf(db, txs)).every((r) => r.status === "reverted"),
    30_000,
    300,
  )
  stats.reorg.revertedAfter = (await paymentRowsOf(db, txs)).filter((r) => r.status === "reverted").length
  // The first victims get the same nonce and fields again: often the very same transaction, re-included as
  // after a real reorg. The last one pays 0.01 more, so its dropped transaction is gone for good.
  const again: Array<Transfer> = []
  for (const [i, v] of victims.entries()) {
    const amount = i === victims.length - 1 ? v.units + 10_000n : v.units
    again.push({
      tx: await pay(devnet, v.address, amount, "USDT"),
      checkout: v.id,
      amount,
      expect: "counted",
    })
  }
  stats.reorg.sameTxAgain = again.filter((a) => dropped.some((d) => d.tx === a.tx)).length
  return [...dropped, ...again]
}

const payAll = async (devnet: Devnet, db: Database, plan: ReadonlyArray<Planned>) => {
  const transfers: Array<Transfer> = []
  const token = () => (rng() < 0.5 ? "USDT" : "USDC") as "USDT" | "USDC"
  const first = plan.filter((c) => c.kind !== "late" && c.kind !== "reorg")
  const totalSteps = first.length + plan.filter((c) => c.kind === "topup" || c.kind === "late").length
  const paceMs = Math.max(0, (CFG.chaosSeconds * 1000 * 0.8) / totalSteps - 40)
  const reorgAt = Math.floor(first.length / 2)
  for (const [i, c] of first.entries()) {
    if (i === reorgAt)
      transfers.push(
        ...(await reorgEpisode(
          devnet,
          db,
          plan.filter((p) => p.kind === "reorg"),
        )),
      )
    const t = token()
    switch (c.kind) {
      case "exact":
        transfers.push({
          tx: await pay(devnet, c.address, c.units, t),
          checkout: c.id,
          amount: c.units,
          expect: "counted",
        })
        break
      case "over": {
        const amount = (c.units * 3n) / 2n
        transfers.push({
          tx: await pay(devnet, c.address, amount, t),
          checkout: c.id,
          amount,
          expect: "counted",
        })
        break
      }
      case "under":
      case "topup": {
        const amount = (c.units * 2n) / 5n
        transfers.push({
          tx: await pay(devnet, c.address, amount, t),
          checkout: c.id,
          amount,
          expect: "counted",
        })
        break
      }
      case "fake":
        transfers.push({
          tx: await pay(devnet, c.address, c.units, "FAKE_USDT"),
          checkout: c.id,
          amount: c.units,
          expect: "fake",
        })
        break
      case "twoInBlock":
        transfers.push(...(await payTwoInOneBlock(devnet, c, t)))
        break
    }
    await sleep(paceMs)
  }
  // Top-ups, then the late payments (each after its checkout's expiry).
  for (const c of plan.filter((p) => p.kind === "topup")) {
    const amount = c.units - (c.units * 2n) / 5n
    transfers.push({
      tx: await pay(devnet, c.address, amount, token()),
      checkout: c.id,
      amount,
      expect: "counted",
    })
    await sleep(paceMs)
  }
  for (const c of plan.filter((p) => p.kind === "late").sort((a, b) => a.expiresAt - b.expiresAt)) {
    const wait = c.expiresAt + 2_000 - Date.now()
    if (wait > 0) await sleep(Math.min(wait, 120_000))
    transfers.push({
      tx: await pay(devnet, c.address, c.units, token()),
      checkout: c.id,
      amount: c.units,
      expect: "late",
    })
    await sleep(paceMs)
  }
  return transfers
}

// ---------------------------------------------------------------- checks

const readState = async (db: Database) => {
  const checkouts = (
    await sql<CheckoutRow>`SELECT id, status, amount_cents::text AS amount_cents, expires_at FROM checkouts`.execute(
      db.db,
    )
  ).rows
  const payments = (
    await sql<PaymentRow>`SELECT tx_hash, log_index, checkout_id, amount::text AS amount, decimals, status FROM payments`.execute(
      db.db,
    )
  ).rows
  const events = (
    await sql<EventRow>`SELECT id, type, checkout_id, status, attempts, last_error, created_at, sequence, body FROM outbox_events`.execute(
      db.db,
    )
  ).rows
  return { checkouts, payments, events }
}

const settled = async (db: Database, plan: ReadonlyArray<Planned>, receiver: Receiver) => {
  const s = await readState(db)
  const status = new Map(s.checkouts.map((c) => [c.id, c.status]))
  const delivered = new Set(receiver.log.filter((d) => d.ok && d.answer === 200).map((d) => d.id))
  return {
    statuses: plan.filter((p) => status.get(p.id) !== p.expected).length,
    outbox: s.events.filter((e) => e.status !== "delivered").length,
    undelivered: s.events.filter((e) => !delivered.has(e.id)).length,
  }
}

// ---------------------------------------------------------------- run

const cleanup = async () => {
  chaosOn = false
  await Promise.all([...res.procs.values()].map((p) => stopApp(p).catch(() => undefined)))
  await res.proxy?.close().catch(() => undefined)
  await res.receiver?.close().catch(() => undefined)
  await res.devnet?.stop().catch(() => undefined)
  if (res.db !== undefined) {
    if (res.schemaMade && process.env.CHAOS_KEEP_SCHEMA !== "1")
      await dropSchema(res.db.db, runId).catch((e: unknown) =>
        say(`could not drop schema ${runId}: ${String(e)}`),
      )
    await res.db.close().catch(() => undefined)
  }
}

const main = async () => {
  mkdirSync(runDir, { recursive: true })
  say(`${SHORT ? "short" : "full"} run, seed ${SEED}, schema ${runId}, logs in ${runDir}`)

  const db = await makeDatabase({ databaseUrl: appDbUrl("runner"), schema: runId, maxConnections: 3 })
  res.db = db
  res.schemaMade = true
  await migrate(db.db)

  const devnet = await startDevnet({ blockTimeMs: BLOCK_MS })
  res.devnet = devnet
  const proxy = await startFaultProxy(devnet.rpcUrl)
  res.proxy = proxy
  const network = evmNetwork("devnet", {
    rpcUrls: [proxy.url],
    confirmations: CONFIRMATIONS,
    pollIntervalMs: 500,
    startBlock: "0",
  }) as NetworkConfig
  const networksFile = join(runDir, "networks.json")
  writeFileSync(networksFile, JSON.stringify({ networks: [network] }))

  let secret = ""
  const receiver = await startReceiver({
    secret: () => secret,
    failRate: 0.08,
    hangRate: 0.03,
    hangMs: 12_000,
    random: rng,
    logFile: join(runDir, "receiver.jsonl"),
  })
  res.receiver = receiver

  const rt = await openRuntime(
    readEnv({ DATABASE_URL: appDbUrl("runner"), INZI_DB_SCHEMA: runId, LOG_LEVEL: "warn" }),
    { networks: [network] },
  )
  const xpub = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'").neuter().extendedKey
  const { merchant, key } = await rt.run(
    Effect.gen(function* () {
      const merchant = yield* registerMerchant({
        name: "Chaos Shop",
        testWebhookUrl: receiver.url,
        payoutKeys: { evm: xpub },
      })
      const { key } = yield* issueApiKey(merchant.id, "test")
      return { merchant, key }
    }),
  )
  await rt.close()
  // Checkouts are test mode: their events go to the test endpoint, signed with the test secret.
  secret = merchant.testWebhookSecret

  for (let i = 0; i < 2; i++) serverPorts.push(Number(new URL(await deadUrl()).port))
  appEnv = {
    ...process.env,
    INZI_DB_SCHEMA: runId,
    INZI_NETWORKS: networksFile,
    INZI_ALLOW_TEST_LOOPBACK_WEBHOOKS: "1",
    INZI_RATE_LIMIT: "0",
    INZI_DB_POOL_SIZE: "4",
    INZI_ADDRESS_POOL: "100",
    PUBLIC_URL: "http://127.0.0.1:1",
    // The production default: webhook retries, payments applied and the reorg warning are all in the logs the
    // seventh invariant reads.
    LOG_LEVEL: "info",
  }
  say("starting 2 servers and 2 workers")
  await Promise.all([
    startReady("server", 0),
    startReady("server", 1),
    startReady("worker", 0),
    startReady("worker", 1),
  ])

  // The plan: the mix × cycles, shuffled; 3 exact ones become the reorg's victims.
  const kinds: Array<Kind> = []
  for (let c = 0; c < CFG.cycles; c++) for (const [k, n] of MIX) for (let i = 0; i < n; i++) kinds.push(k)
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = between(0, i + 1)
    ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
  }
  for (let i = 0, n = 0; i < kinds.length && n < REORG_VICTIMS; i++)
    if (kinds[i] === "exact") {
      kinds[i] = "reorg"
      n++
    }

  const clients = serverPorts.map(
    (port) =>
      new InziClient({ apiKey: key, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0, timeoutMs: 10_000 }),
  )
  const loops = [killLoop(), terminateLoop(db), faultLoop(proxy)]
  say(`creating ${kinds.length} checkouts over the API (alternating servers) under chaos`)
  const plan = await createAll(clients, kinds, db)
  say(`created ${plan.length} (${stats.createRetries} create attempts retried); paying`)
  let transfers: Array<Transfer> = []
  try {
    transfers = await payAll(devnet, db, plan)
  } finally {
    paymentsDone = true
  }
  say(`${transfers.length} transfers sent; waiting for the last kills`)
  await loops[0]
  chaosOn = false
  await Promise.all(loops)
  proxy.faults.length = 0
  await superviseOnce()
  say(
    `chaos over: ${stats.kills.server + stats.kills.worker} kills, ${stats.terminations.backends} backends terminated, ${proxy.applied} RPC faults; settling`,
  )

  let last = await settled(db, plan, receiver)
  await waitUntil(
    async () => {
      await superviseOnce()
      last = await settled(db, plan, receiver)
      return last.statuses === 0 && last.outbox === 0 && last.undelivered === 0
    },
    CFG.settleSeconds * 1000,
    2_000,
  )
  say(
    `settle: ${last.statuses} checkouts not at their final status, ${last.outbox} events in the outbox, ${last.undelivered} undelivered`,
  )

  const state = await readState(db)
  // Every process stopped (SIGTERM) first: its log is then complete, shutdown lines included.
  await Promise.all([...res.procs.values()].map((p) => stopApp(p).catch(() => undefined)))
  const logs = readdirSync(runDir)
    .filter((f) => /^(server|worker)-\d+\.log$/.test(f))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(runDir, name), "utf8") }))
  const verdicts = [
    ...checkInvariants({
      plan,
      transfers,
      ...state,
      deliveries: receiver.log,
      now: new Date(),
    }),
    checkLogLines(logs),
  ]
  const durationS = Math.round((Date.now() - started) / 1000)
  const summary = {
    variant: SHORT ? "short" : "full",
    seed: SEED,
    commit: commitLabel(),
    date: new Date().toISOString(),
    checkouts: plan.length,
    mix: Object.fromEntries(
      MIX.map(([k]) => [k, plan.filter((p) => p.kind === k).length]).concat([["reorg", REORG_VICTIMS]]),
    ),
    createFailures: stats.createFailures.length,
    transfers: transfers.length,
    kills: stats.kills,
    unexpectedExits: stats.unexpectedExits.length,
    terminations: stats.terminations,
    rpcFaults: { applied: proxy.applied, queued: stats.faults.queued, byKind: stats.faults.byKind },
    webhookFaults: receiver.counts,
    webhookRequests: receiver.log.length,
    reorg: stats.reorg,
    twoInBlockSameBlock: stats.twoInBlockSameBlock,
    events: state.events.length,
    durationS,
    invariants: verdicts.map((v) => ({ name: v.name, ok: v.ok, detail: v.detail })),
  }
  writeFileSync(join(runDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`)

  process.stdout.write(
    `\nchaos ${summary.variant} run (seed ${SEED}, commit ${summary.commit}): ${plan.length} checkouts, ${transfers.length} transfers, ` +
      `${stats.kills.server} server + ${stats.kills.worker} worker kill -9, ${stats.unexpectedExits.length} unexpected exits, ` +
      `${stats.terminations.backends} backends terminated (${stats.terminations.statements} statements), ` +
      `${proxy.applied} RPC faults (${Object.entries(stats.faults.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}), ` +
      `webhook 500 ${receiver.counts.fail500} / hang ${receiver.counts.hang}, reorg depth ${stats.reorg.depth} ` +
      `(${stats.reorg.seenBeforeRevert} seen, ${stats.reorg.revertedAfter} reverted, ${stats.reorg.sameTxAgain} re-included), ` +
      `${stats.twoInBlockSameBlock} two-in-one-block pairs, ${durationS} s\n`,
  )
  for (const e of stats.createFailures.slice(0, 5)) process.stdout.write(`  ${e}\n`)
  for (const e of stats.unexpectedExits.slice(0, 5))
    process.stdout.write(`  unexpected exit: ${e.replace(/\s+/g, " ").slice(0, 300)}\n`)
  for (const v of verdicts) {
    process.stdout.write(`${v.ok ? "PASS" : "FAIL"} ${v.name} — ${v.detail}\n`)
    for (const ex of v.examples) process.stdout.write(`     ${ex}\n`)
  }
  const passed = verdicts.filter((v) => v.ok).length
  if (process.env.CHAOS_RECORD === "1") {
    recordRow([
      summary.date.slice(0, 16).replace("T", " "),
      summary.variant,
      `\`${summary.commit}\``,
      String(SEED),
      String(plan.length),
      String(transfers.length),
      `${stats.kills.server + stats.kills.worker} (${stats.kills.server} + ${stats.kills.worker})`,
      String(stats.unexpectedExits.length),
      `${stats.terminations.backends} (${stats.terminations.statements} statements)`,
      `${proxy.applied} (${Object.entries(stats.faults.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")})`,
      `${receiver.counts.fail500} / ${receiver.counts.hang}`,
      `${stats.reorg.depth}, ${stats.reorg.seenBeforeRevert}, ${stats.reorg.revertedAfter}`,
      `${durationS} s`,
      ...verdicts.map((v) => (v.ok ? "✓" : "✗")),
      `${passed} passed, ${verdicts.length - passed} failed`,
    ])
    say(`recorded in ${RESULTS_FILE}`)
  }
  return { passed, failed: verdicts.length - passed }
}

let interrupted = false
const onSignal = (sig: NodeJS.Signals) => {
  if (interrupted) return
  interrupted = true
  say(`${sig}: stopping everything`)
  void cleanup().finally(() => process.exit(130))
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

main()
  .then(async ({ passed, failed }) => {
    await cleanup()
    process.stdout.write(`${passed} passed, ${failed} failed\n`)
    process.exit(failed === 0 ? 0 : 1)
  })
  .catch(async (e: unknown) => {
    say(`run aborted: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    await cleanup()
    process.stdout.write(`0 passed, ${INVARIANTS} failed\n`)
    process.exit(2)
  })
