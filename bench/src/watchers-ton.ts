/**
 * TON watcher cost: toncenter calls and CPU per scan with 1, 1 000 and 100 000 open checkouts (memos), against
 * the adapter's own fake toncenter serving sandbox-executed TEP-74 jetton transfers (real cells, real TVM).
 * Baseline in the same run: the same scan with the smallest watch set. Target: calls identical across sizes.
 */
import { makeTonScanner } from "@inzi/adapter-ton"
import { makeWatchSet, type NetworkConfig } from "@inzi/core"
import { Effect } from "effect"
// The adapter's own sandbox world and fake toncenter (test support), reused as is.
import { makeJettonWorld } from "@inzi/devnet-ton"
import { appendResult, fmt, machineFacts, table } from "./lib/results.js"

const facts = machineFacts()
const PAYMENTS = Number(process.env.BENCH_TON_PAYMENTS ?? 20)
const SIZES = [1, 1_000, 100_000]

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
  for (const size of SIZES) {
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
  appendResult(
    "watchers (TON)",
    `- toncenter calls per scan ${same ? "identical" : "NOT identical"} across ${SIZES.join(", ")} open checkouts (${calls.join(" / ")}) — target: identical: ${same ? "met" : "MISSED"}.
- ${PAYMENTS} sandbox-executed jetton transfers to the merchant wallet (every fifth with a memo a checkout owns, the rest
  unmatched); the adapter's fake toncenter (v2 shapes) serves them; default source (the merchant's genuine jetton
  wallet). The first row is the baseline of the same run.

${table(["open checkouts (memos)", "toncenter calls", "observed", "unmatched", "CPU ms (whole scan)", "wall ms"], rows)}`,
    facts,
  )
} finally {
  await world.server.stop()
}
