import { describe, expect, it } from "@effect/vitest"
import type { ScanResult } from "@inzi/core"
import { Effect } from "effect"
import fc from "fast-check"
import { FakeChain, fakeTronNode } from "./fakeTronNode.js"
import { fakeAddress, fakeTxId, TL24, transferInfo, USDT } from "./fixtures.js"
import { keyOf, observed, scannerFor, testNetwork, watchOf } from "./helpers.js"

const WATCHED = [fakeAddress("w0"), fakeAddress("w1"), fakeAddress("w2")]
const SPAM = fakeAddress("spam token")
const NOW = new Date("2026-11-24T08:00:00Z")

/** One generated transfer: to a watched address or not, genuine USDT or spam, successful or failed. */
const transferArb = fc.record({
  to: fc.integer({ min: 0, max: 4 }), // 0..2 watched, 3..4 strangers
  spam: fc.boolean(),
  failed: fc.boolean(),
  logs: fc.integer({ min: 1, max: 3 }), // transfers in the same transaction
})

const scenarioArb = fc.record({
  blocks: fc.array(fc.array(transferArb, { maxLength: 4 }), { minLength: 1, maxLength: 30 }),
  maxBlockRange: fc.integer({ min: 1, max: 8 }),
  firstHead: fc.nat(),
  growth: fc
    .array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 20 })
    .filter((g) => g.some((x) => x > 0)),
  restarts: fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
})

describe("restart resume (property)", () => {
  it("any mix of block ranges, restarts and chain growth yields every genuine transfer exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) =>
        Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const base = 10_000
              const chain = new FakeChain()
              const expected: Array<string> = []
              s.blocks.forEach((transfers, b) => {
                const n = base + b
                chain.add(n)
                transfers.forEach((t, k) => {
                  const id = fakeTxId(`${n}/${k}`)
                  const to = t.to < 3 ? WATCHED[t.to]! : fakeAddress(`stranger ${n}/${k}`)
                  const info = transferInfo({
                    id,
                    blockNumber: n,
                    contract: t.spam ? SPAM : USDT,
                    from: TL24,
                    to,
                    value: 1n,
                  })
                  info.log = Array.from({ length: t.logs }, () => info.log![0]!)
                  if (t.failed) {
                    info.result = "FAILED"
                    info.receipt = { ...info.receipt, result: "OUT_OF_ENERGY" }
                  }
                  chain.add(n, info)
                  if (t.to < 3 && !t.spam && !t.failed)
                    for (let i = 0; i < t.logs; i++) expected.push(`${id}:${i}`)
                })
              })
              const lastBlock = base + s.blocks.length - 1
              chain.head = Math.min(lastBlock, base + (s.firstHead % s.blocks.length))
              const node = yield* fakeTronNode(chain)
              const network = testNetwork([node.url], {
                startBlock: String(base),
                maxBlockRange: s.maxBlockRange,
              })

              const seen: Array<string> = []
              let cursor: string | null = null
              let scanner = yield* scannerFor(network)
              for (let step = 0; step < 1_000; step++) {
                if (s.restarts[step % s.restarts.length]) scanner = yield* scannerFor(network)
                const r: ScanResult = yield* scanner.scan({ cursor, watch: watchOf(WATCHED), now: NOW })
                seen.push(...observed(r.events).map(keyOf))
                cursor = String(JSON.parse(JSON.stringify(r.cursor)))
                if (r.caughtUp && chain.head === lastBlock) break
                chain.head = Math.min(lastBlock, chain.head + s.growth[step % s.growth.length]!)
              }
              expect(seen.length).toBe(new Set(seen).size)
              expect([...seen].sort()).toEqual([...expected].sort())
            }),
          ),
        ),
      ),
      { numRuns: 40 },
    )
  })
})
