/**
 * Benchmark 2: a watcher's RPC calls and CPU per scanned block range with 1, 1 000 and 100 000 open checkouts.
 * EVM on the real devnet (child process): N token transfers are mined (a few to watched addresses, the rest to
 * strangers), then the same block range is scanned from the same cursor with watch sets of each size.
 * Plus core's `makeWatchSet` matching cost per log at 100 000 entries (target ≤ 1 µs), against a bare `Set`
 * lookup as the baseline.
 * Tron and TON are not run here (see RESULTS: their adapters' tests assert the same call-count property
 * against their fake APIs).
 *
 * Env: BENCH_TRANSFERS (300).
 */
import { randomBytes } from "node:crypto"
import { evmNetwork, makeEvmScanner } from "@inzi/adapter-evm"
import { makeWatchSet, type NetworkConfig, type ScanResult } from "@inzi/core"
import { payTo } from "@inzi/devnet"
import { Effect } from "effect"
// The adapter's own fake TronGrid (java-tron HTTP API shapes from the recorded fixtures), reused as is.
import { FakeChain, fakeTronNode } from "../../packages/adapter-tron/test/fakeTronNode.js"
import { fakeAddress, fakeTxId, TL24, transferInfo, USDT } from "../../packages/adapter-tron/test/fixtures.js"
import { testNetwork } from "../../packages/adapter-tron/test/helpers.js"
import { makeTronScanner } from "@inzi/adapter-tron"
import { startChild } from "./lib/proc.js"
import { appendResult, fmt, machineFacts, table } from "./lib/results.js"

const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 300)
const facts = machineFacts()
const randomAddress = () => `0x${randomBytes(20).toString("hex")}`
const devnet = await startChild<{ rpcUrl: string; usdt: string; decimals: number }>(
  "detection/devnet-child.ts",
  ["0"],
)
const rows: string[][] = []
const notes: string[] = []
try {
  const watched = [randomAddress()]
  // a couple of blocks of history first, then the transfers (automine: one block each)
  for (let i = 0; i < TRANSFERS; i++) {
    const to = i % 60 === 0 ? watched[(i / 60) % watched.length]! : randomAddress()
    await payTo({ rpcUrl: devnet.ready.rpcUrl, token: devnet.ready.usdt, to, amount: 1_000_000n + BigInt(i) })
  }
  const network = evmNetwork("devnet", {
    rpcUrls: [devnet.ready.rpcUrl],
    confirmations: 1,
    startBlock: "0",
    maxBlockRange: 100,
  }) as NetworkConfig
  // warm-up scan (JIT, connection), not recorded
  {
    const s = await Effect.runPromise(makeEvmScanner(network))
    let c: string | null = null
    for (;;) {
      const r: ScanResult = await Effect.runPromise(
        s.scan({ cursor: c, watch: makeWatchSet({ addresses: watched, memos: [] }), now: new Date() }),
      )
      c = r.cursor
      if (r.caughtUp) break
    }
  }
  for (const size of [1, 1_000, 100_000]) {
    const addresses = [
      ...watched,
      ...Array.from({ length: Math.max(0, size - watched.length) }, randomAddress),
    ].slice(0, Math.max(size, 1))
    const watch = makeWatchSet({ addresses, memos: [] })
    const scanner = await Effect.runPromise(makeEvmScanner(network))
    let cursor: string | null = null
    let events = 0
    let scans = 0
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (;;) {
      const r: ScanResult = await Effect.runPromise(scanner.scan({ cursor, watch, now: new Date() }))
      events += r.events.filter((e) => e._tag === "PaymentObserved").length
      cursor = r.cursor
      scans++
      if (r.caughtUp) break
    }
    const cpu = process.cpuUsage(c0)
    const ms = performance.now() - t0
    const st = scanner.stats()
    rows.push([
      "evm (devnet)",
      String(size),
      String(scans),
      String(st.rpcCalls),
      String(st.httpRequests),
      String(events),
      fmt((cpu.user + cpu.system) / 1000, 1),
      fmt(ms, 0),
    ])
    console.log(rows.at(-1)!.join("  "))
  }
  const calls = new Set(rows.map((r) => `${r[3]}/${r[4]}`))
  notes.push(
    `- EVM: RPC calls / HTTP requests ${calls.size === 1 ? "identical" : "DIFFER"} across 1, 1 000 and 100 000 watched addresses (${[...calls].join(", ")}) over ${TRANSFERS} transfer blocks — target: identical.`,
  )

  // Tron: the adapter's fake node, 60 blocks × 20 TRC-20 transfers, every 10th block one to the watched address
  const tronChain = new FakeChain()
  const tronWatched = fakeAddress("bench watched")
  for (let n = 5000; n < 5060; n++) {
    const infos = Array.from({ length: 20 }, (_, k) =>
      transferInfo({
        id: fakeTxId(`${n}/${k}`),
        blockNumber: n,
        contract: USDT,
        from: TL24,
        to: k === 0 && n % 10 === 0 ? tronWatched : fakeAddress(`to ${n}/${k}`),
        value: BigInt(1_000_000 + n * 10 + k),
      }),
    )
    tronChain.add(n, ...infos)
  }
  tronChain.solid = tronChain.head
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const node = yield* fakeTronNode(tronChain)
        const network = testNetwork([node.url], { startBlock: "5000", maxBlockRange: 20 })
        for (const size of [0, 1, 1_000, 100_000]) {
          const watch = makeWatchSet({
            addresses: [
              tronWatched,
              ...Array.from({ length: Math.max(0, size - 1) }, (_, i) => fakeAddress(`w${i}`)),
            ],
            memos: [],
          })
          const scanner = yield* makeTronScanner(network, {
            baseDelayMs: 5,
            maxDelayMs: 20,
            timeoutMs: 5_000,
          })
          const before = node.requests.length
          let cursor: string | null = null
          let events = 0
          let scans = 0
          const c0 = process.cpuUsage()
          const t0 = performance.now()
          for (;;) {
            const r: ScanResult = yield* scanner.scan({ cursor, watch, now: new Date() })
            events += r.events.filter((e) => e._tag === "PaymentObserved").length
            cursor = r.cursor
            scans++
            if (r.caughtUp) break
          }
          const cpu = process.cpuUsage(c0)
          if (size === 0) continue // warm-up
          rows.push([
            "tron (fake TronGrid)",
            String(size),
            String(scans),
            String(scanner.stats().rpcCalls),
            String(node.requests.length - before),
            String(events),
            fmt((cpu.user + cpu.system) / 1000, 1),
            fmt(performance.now() - t0, 0),
          ])
          console.log(rows.at(-1)!.join("  "))
        }
      }),
    ),
  )
  const tronCalls = new Set(rows.filter((r) => r[0]!.startsWith("tron")).map((r) => `${r[3]}/${r[4]}`))
  notes.push(
    `- Tron: calls / HTTP requests ${tronCalls.size === 1 ? "identical" : "DIFFER"} across 1, 1 000 and 100 000 watched addresses (${[...tronCalls].join(", ")}) over 60 blocks × 20 transfers — target: identical.`,
  )

  // matching cost per log
  const N = 100_000
  const addrs = Array.from({ length: N }, randomAddress)
  const ws = makeWatchSet({ addresses: addrs, memos: [] })
  const bare = new Set(addrs)
  const probes = Array.from({ length: 200_000 }, (_, i) => (i % 10 === 0 ? addrs[i % N]! : randomAddress()))
  const time = (f: (a: string) => boolean) => {
    let hits = 0
    for (let i = 0; i < 20_000; i++) if (f(probes[i]!)) hits++
    const t0 = performance.now()
    for (const p of probes) if (f(p)) hits++
    return { us: ((performance.now() - t0) * 1000) / probes.length, hits }
  }
  const b0 = time((a) => bare.has(a))
  const m = time(ws.hasAddress)
  const b1 = time((a) => bare.has(a))
  const b = { us: Math.min(b0.us, b1.us) }
  rows.push([
    "makeWatchSet.hasAddress, 100 000 entries",
    "100000",
    "—",
    "—",
    "—",
    "—",
    `${fmt(m.us, 3)} µs/log`,
    "—",
  ])
  rows.push(["bare Set.has (baseline)", "100000", "—", "—", "—", "—", `${fmt(b.us, 3)} µs/log`, "—"])
  notes.push(
    `- matching: ${fmt(m.us, 3)} µs per log (bare Set ${fmt(b.us, 3)} µs) — target ≤ 1 µs: ${m.us <= 1 ? "met" : "MISSED"}.`,
  )
} finally {
  await devnet.stop()
}
notes.push(
  "- TON: not measured by this script (its fake toncenter needs @ton/sandbox, a test-only dependency of adapter-ton); packages/adapter-ton/test asserts calls per scan independent of the number of open checkouts.",
)
appendResult(
  "watchers",
  `${notes.join("\n")}\n\n${table(["network", "watched", "scan calls", "RPC calls", "HTTP requests", "payments seen", "CPU ms (whole scan)", "wall ms"], rows)}`,
  facts,
)
process.exit(0)
