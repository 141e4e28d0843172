import { describe, expect, it } from "@effect/vitest"
import type { ScanResult } from "@inzi/core"
import { Effect } from "effect"
import fc from "fast-check"
import { tronAddressToHex } from "../src/index.js"
import { FakeChain, fakeTronNode } from "./fakeTronNode.js"
import { fakeAddress, fakeTxId, TL24, type TxInfo, transferInfo, USDT } from "./fixtures.js"
import { keyOf, observed, scannerFor, testNetwork, watchOf } from "./helpers.js"

const WATCHED = [fakeAddress("f0"), fakeAddress("f1")]
const NOW = new Date("2026-11-24T08:00:00Z")
const tronHex = (address: string) => tronAddressToHex(address).slice(2)

const scenarioArb = fc.record({
  length: fc.integer({ min: 3, max: 40 }),
  // per step: how many blocks appear, whether the top blocks are replaced by a fork and how deep
  steps: fc.array(
    fc.record({
      grow: fc.integer({ min: 0, max: 3 }),
      forkDepth: fc.integer({ min: 0, max: 3 }),
      restart: fc.boolean(),
    }),
    { minLength: 1, maxLength: 30 },
  ),
  maxBlockRange: fc.integer({ min: 1, max: 6 }),
})

describe("forks at the head (property)", () => {
  it("every transfer of the final canonical chain is observed, whatever forks happened at the head", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) =>
        Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const base = 20_000
              const last = base + s.length - 1
              const chain = new FakeChain()
              let serial = 0
              /** Fresh block content: sometimes a payment to a watched address, sometimes traffic. */
              const content = (n: number): Array<TxInfo> => {
                serial++
                const to = serial % 3 === 0 ? WATCHED[serial % 2]! : fakeAddress(`x${serial}`)
                return [
                  transferInfo({
                    id: fakeTxId(`f${serial}`),
                    blockNumber: n,
                    contract: USDT,
                    from: TL24,
                    to,
                    value: 1n,
                  }),
                ]
              }
              for (let n = base; n <= last; n++) chain.add(n, ...content(n))
              chain.head = base
              chain.solid = base - 1
              const node = yield* fakeTronNode(chain)
              const network = testNetwork([node.url], {
                startBlock: String(base),
                maxBlockRange: s.maxBlockRange,
              })
              const seen = new Set<string>()
              let cursor: string | null = null
              let scanner = yield* scannerFor(network)
              for (let step = 0; step < 500; step++) {
                const r: ScanResult = yield* scanner.scan({ cursor, watch: watchOf(WATCHED), now: NOW })
                for (const k of observed(r.events).map(keyOf)) seen.add(k)
                cursor = r.cursor
                if (r.caughtUp && chain.head === last && step >= s.steps.length) break
                const st = s.steps[step % s.steps.length]!
                if (step < s.steps.length) {
                  // a fork replaces the top `forkDepth` blocks (never below the solid head)
                  for (let k = 0; k < st.forkDepth; k++) {
                    const n = chain.head - k
                    if (n > chain.solid && n >= base) chain.fork(n, ...content(n))
                  }
                  if (st.restart) scanner = yield* scannerFor(network)
                }
                chain.head = Math.min(last, chain.head + (step < s.steps.length ? st.grow : 1))
                chain.solid = Math.max(chain.solid, chain.head - 19)
              }
              const canonical: Array<string> = []
              for (let n = base; n <= last; n++) {
                for (const info of chain.blocks.get(n) ?? []) {
                  const to = info.log![0]!.topics[2]!
                  if (WATCHED.some((w) => to.endsWith(tronHex(w)))) canonical.push(`${info.id}:0`)
                }
              }
              for (const k of canonical) expect(seen.has(k), k).toBe(true)
            }),
          ),
        ),
      ),
      { numRuns: 40 },
    )
  })
})
