/**
 * TON watcher cost: toncenter calls and CPU per scan with 1, 1 000 and 100 000 open checkouts (memos), against
 * the adapter's own fake toncenter serving sandbox-executed TEP-74 jetton transfers (real cells, real TVM).
 * Baseline in the same run: the same scan with the smallest watch set. Target: calls identical across sizes.
 *
 * Then (#30) remote calls per cycle at 1 merchant / 1 open checkout and at 10 000 merchants / 1 000 000 open
 * checkouts, for the v3 source ("jetton-transfers") and the per-wallet v2 source ("jetton-wallet") with and
 * without a requests-per-second budget, with the detection delay the budget implies.
 * Env: BENCH_TON_PAYMENTS (20), BENCH_TON_MERCHANTS (10 000), BENCH_TON_CHECKOUTS (1 000 000).
 * `--calls-per-cycle` runs only the #30 part.
 */
import { makeTonScanner, type TonScannerOptions } from "@inzi/adapter-ton"
import { makeWatchSet, type NetworkConfig, type ScanResult, type WatchSet } from "@inzi/core"
import { Effect } from "effect"
// The adapter's own sandbox world and fake toncenter (test support), reused as is.
import { makeJettonWorld } from "@inzi/devnet-ton"
import { appendResult, fmt, machineFacts, table } from "./lib/results.js"

const facts = machineFacts()
const PAYMENTS = Number(process.env.BENCH_TON_PAYMENTS ?? 20)
const SIZES = [1, 1_000, 100_000]

const onlyCallsPerCycle = process.argv.includes("--calls-per-cycle")
const world = await makeJettonWorld()
try {
  const merchant = world.merchant.address.toRawString()
  // A mix: every fifth payment carries a memo some checkout owns; the rest carry unknown memos (unmatched).
  for (let i = 0; i < PAYMENTS; i++)
    await world.pay(world.merchant.address, 1_000_000n + BigInt(i), {
      inline: i % 5 === 0 ? `PAID${String(i).padStart(4, "0")}` : `NOPE${String(i).padStart(4, "0")}`,
    })
  const network: NetworkConfig = {
    id: "ton-sandbox",
    family: "ton",
    mode: "test",
    name: "TON sandbox",
    rpcUrls: [world.server.url],
    tokens: [{ symbol: "USDT", contract: world.genuine.address.toString(), decimals: 6 }],
    confirmations: 1,
    pollIntervalMs: 1000,
  }
  const rows: Array<Array<string | number>> = []
  const calls: number[] = []
  for (const size of onlyCallsPerCycle ? [] : SIZES) {
    const memos = Array.from({ length: size }, (_, i) => ({
      wallet: merchant,
      memo: i < PAYMENTS ? `PAID${String(i).padStart(4, "0")}` : `OPEN${i}`,
    }))
    const watch = makeWatchSet({ addresses: [], memos, wallets: [merchant] })
    const r = await Effect.runPromise(
      Effect.gen(function* () {
        const scanner = yield* makeTonScanner(network, { baseDelayMs: 2, maxDelayMs: 20 })
        const cpu0 = process.cpuUsage()
        const t0 = performance.now()
        const scan = yield* scanner.scan({ cursor: null, watch, now: new Date() })
        const cpu = process.cpuUsage(cpu0)
        return {
          rpc: scanner.stats().rpcCalls,
          observed: scan.events.filter((e) => e._tag === "PaymentObserved").length,
          unmatched: scan.events.filter((e) => e._tag === "UnmatchedTransfer").length,
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - t0,
        }
      }),
    )
    calls.push(r.rpc)
    rows.push([size, r.rpc, r.observed, r.unmatched, fmt(r.cpuMs, 1), fmt(r.wallMs)])
    console.log(
      `ton watched=${size}: ${r.rpc} calls, ${r.observed} observed, ${r.unmatched} unmatched, ${fmt(r.cpuMs, 1)} ms CPU`,
    )
  }
  const same = calls.every((c) => c === calls[0])
  if (!onlyCallsPerCycle)
    appendResult(
      "watchers (TON)",
      `- toncenter calls per scan ${same ? "identical" : "NOT identical"} across ${SIZES.join(", ")} open checkouts (${calls.join(" / ")}) — target: identical: ${same ? "met" : "MISSED"}.
- ${PAYMENTS} sandbox-executed jetton transfers to the merchant wallet (every fifth with a memo a checkout owns, the rest
  unmatched); the adapter's fake toncenter (v2 shapes) serves them; default source (the merchant's genuine jetton
  wallet). The first row is the baseline of the same run.

${table(["open checkouts (memos)", "toncenter calls", "observed", "unmatched", "CPU ms (whole scan)", "wall ms"], rows)}`,
      facts,
    )
  await remoteCallsPerCycle(network, merchant)
} finally {
  await world.server.stop()
}

/**
 * #30: toncenter calls per cycle at 1 merchant vs 10 000 merchants (1 000 000 open checkouts), per source.
 * One scanner per row, kept across cycles as the worker keeps it: the first cycle (fresh cursor, cold caches)
 * and the next one (steady state) are counted apart.
 */
async function remoteCallsPerCycle(network: NetworkConfig, merchant: string) {
  const MERCHANTS = Number(process.env.BENCH_TON_MERCHANTS ?? 10_000)
  const CHECKOUTS = Number(process.env.BENCH_TON_CHECKOUTS ?? 1_000_000)
  const BUDGET_RPS = 10
  const POLL_MS = 1_000
  const watchOf = (merchants: number, checkouts: number): WatchSet => {
    const wallets = [merchant]
    for (let i = 1; i < merchants; i++) wallets.push(`0:${i.toString(16).padStart(64, "0")}`)
    const memos: Array<{ wallet: string; memo: string }> = []
    for (let i = 0; i < checkouts; i++)
      memos.push({
        wallet: wallets[i % merchants]!,
        memo: i < PAYMENTS ? `PAID${String(i).padStart(4, "0")}` : `OPEN${i}`,
      })
    return makeWatchSet({ addresses: [], memos, wallets })
  }
  const small = watchOf(1, 1)
  const large = watchOf(MERCHANTS, CHECKOUTS)
  const net = { ...network, pollIntervalMs: POLL_MS }
  const cases: Array<[string, TonScannerOptions]> = [
    ["jetton-transfers (toncenter v3)", { source: "jetton-transfers" }],
    [
      `jetton-wallet (v2), budget ${BUDGET_RPS} req/s`,
      { source: "jetton-wallet", requestsPerSecond: BUDGET_RPS },
    ],
    ["jetton-wallet (v2), no budget", { source: "jetton-wallet" }],
  ]
  const rows: Array<Array<string | number>> = []
  const steady = new Map<string, Array<number>>()
  for (const [label, options] of cases) {
    for (const [merchants, checkouts, watch] of [
      [1, 1, small],
      [MERCHANTS, CHECKOUTS, large],
    ] as const) {
      const r = await Effect.runPromise(
        Effect.gen(function* () {
          const scanner = yield* makeTonScanner(net, { baseDelayMs: 2, maxDelayMs: 20, ...options })
          const calls: Array<number> = []
          let cursor: string | null = null
          let cpuMs = 0
          for (let cycle = 0; cycle < 2; cycle++) {
            const before = scanner.stats().rpcCalls
            const cpu0 = process.cpuUsage()
            const scan: ScanResult = yield* scanner.scan({ cursor, watch, now: new Date() })
            const cpu = process.cpuUsage(cpu0)
            if (cycle === 1) cpuMs = (cpu.user + cpu.system) / 1000
            cursor = scan.cursor
            calls.push(scanner.stats().rpcCalls - before)
          }
          return { calls, cpuMs, delay: scanner.detectionDelayMs() }
        }),
      )
      steady.set(label, [...(steady.get(label) ?? []), r.calls[1]!])
      const delay = r.delay === null ? "—" : `${fmt(r.delay / 1000, 1)} s`
      rows.push([label, merchants, checkouts, r.calls[0]!, r.calls[1]!, delay, fmt(r.cpuMs, 1)])
      console.log(
        `ton ${label} merchants=${merchants}: ${r.calls.join(" / ")} calls (first / next cycle), delay ${delay}`,
      )
    }
  }
  const [v3, budget] = [steady.get(cases[0]![0])!, steady.get(cases[1]![0])!]
  appendResult(
    "#30 TON remote calls",
    `- Remote calls per cycle, per network, at 1 merchant / 1 open checkout vs ${MERCHANTS} merchants / ${CHECKOUTS}
  open checkouts (one jetton, ${PAYMENTS} sandbox-executed transfers to the first merchant, every fifth with a memo a
  checkout owns; toncenter v2 and v3 stand-ins of tooling/devnet-ton). The 1-merchant rows are the baseline of the
  same run. A cycle is one \`scan\` of a scanner kept across cycles; "first" is from a fresh cursor with cold caches
  (get_wallet_address per merchant for v2; the floor probe, the payer's get_wallet_address and one v2 read per
  inline comment for v3), "next" is the steady state with nothing new on chain.
- v3 ("jetton-transfers"): next-cycle calls ${v3[0] === v3[1] ? "identical" : "NOT identical"} (${v3.join(" / ")}) —
  target (the same n): ${v3[0] === v3[1] ? "met" : "MISSED"}.
- v2 with a budget of ${BUDGET_RPS} req/s and a ${POLL_MS} ms poll: at most ${BUDGET_RPS * (POLL_MS / 1000)} requests per
  cycle (${budget.join(" / ")} measured), wallets with open checkouts first; the detection delay the budget implies
  is the "delay" column (logged by the scanner). Without a budget v2 makes one getTransactions per merchant wallet
  per cycle (plus one cached get_wallet_address per wallet in its first cycle).

${table(["source", "merchants", "open checkouts", "calls, first cycle", "calls, next cycle", "detection delay (budget)", "CPU ms (next cycle)"], rows)}`,
    facts,
  )
}
