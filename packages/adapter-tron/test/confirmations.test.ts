import { describe, expect, it } from "@effect/vitest"
import type { PendingPayment } from "@inzi/core"
import { Effect } from "effect"
import { FakeChain, fakeTronNode } from "./fakeTronNode.js"
import {
  fakeAddress,
  fakeTxId,
  INFO_FAILED_13DF,
  INFO_SUCCESS_0130,
  TL24,
  transferInfo,
  USDT,
} from "./fixtures.js"
import { observed, scannerFor, testNetwork, watchOf } from "./helpers.js"

const NOW = new Date("2026-11-24T08:00:00Z")
const WATCHED = fakeAddress("confirm")
const pay = (seed: string, block: number) =>
  transferInfo({
    id: fakeTxId(seed),
    blockNumber: block,
    contract: USDT,
    from: TL24,
    to: WATCHED,
    value: 1_000_000n,
  })

const pendingOf = (e: {
  txHash: string
  logIndex: number
  blockNumber: bigint | null
  confirmations: number
}) =>
  ({
    network: "tron",
    txHash: e.txHash,
    logIndex: e.logIndex,
    blockNumber: e.blockNumber,
    blockHash: null,
    confirmations: e.confirmations,
  }) satisfies PendingPayment

describe("TronScanner.recheck (solidified finality)", () => {
  it.scopedLive(
    "confirms once the block is solidified; reverts a transaction gone before solidification",
    () =>
      Effect.gen(function* () {
        const chain = new FakeChain()
        chain.add(100, pay("kept", 100))
        chain.add(101, pay("dropped", 101))
        chain.add(102, pay("moved", 102))
        chain.add(105)
        chain.solid = 90
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "100" }))
        const scan = yield* scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW })
        const seen = observed(scan.events)
        expect(seen.map((e) => [e.blockNumber, e.confirmations])).toEqual([
          [100n, 5],
          [101n, 4],
          [102n, 3],
        ])
        const pending = seen.map(pendingOf)
        const [kept, dropped, moved] = pending.map((p) => ({
          network: p.network,
          txHash: p.txHash,
          logIndex: 0,
        }))

        // Not solid yet: progress only.
        expect(yield* scanner.recheck(pending, NOW)).toEqual([
          { _tag: "PaymentConfirmationsUpdated", ...kept, confirmations: 5 },
          { _tag: "PaymentConfirmationsUpdated", ...dropped, confirmations: 4 },
          { _tag: "PaymentConfirmationsUpdated", ...moved, confirmations: 3 },
        ])

        // A fork: "dropped" vanishes, "moved" is re-included at 110. Head 125, solid 100.
        chain.remove(fakeTxId("dropped"))
        chain.remove(fakeTxId("moved"))
        chain.add(110, pay("moved", 110))
        chain.head = 125
        chain.solid = 100
        const later = new Date(NOW.getTime() + 60_000)
        expect(yield* scanner.recheck(pending, later)).toEqual([
          { _tag: "PaymentConfirmed", ...kept, confirmations: 25, confirmedAt: later },
          // heights not solid yet: progress from the head alone (capped below final); decided once solid
          { _tag: "PaymentConfirmationsUpdated", ...dropped, confirmations: 18 },
          { _tag: "PaymentConfirmationsUpdated", ...moved, confirmations: 18 },
        ])
        // Per-payment requests only for the one whose height became final.
        expect(node.count("walletsolidity/gettransactioninfobyid")).toBe(1)
        expect(node.count("wallet/gettransactioninfobyid")).toBe(0)

        chain.solid = 105
        expect(yield* scanner.recheck(pending.slice(2), later)).toEqual([
          // its old height (102) is final, but it now sits at 110, not solid yet: depth from 110, keep waiting
          { _tag: "PaymentConfirmationsUpdated", ...moved, confirmations: 15 },
        ])

        chain.solid = 110
        expect(yield* scanner.recheck(pending.slice(1), later)).toEqual([
          {
            _tag: "PaymentReverted",
            ...dropped,
            reason: "transaction no longer on chain before solidification",
          },
          { _tag: "PaymentConfirmed", ...moved, confirmations: 19, confirmedAt: later },
        ])
        // The solidity API was asked, not just the head.
        expect(node.count("walletsolidity/gettransactioninfobyid")).toBeGreaterThan(0)
      }),
  )

  it.scopedLive("reverts a payment whose solidified transaction failed, and ignores other networks", () =>
    Effect.gen(function* () {
      const chain = new FakeChain()
      // The recorded FAILED / OUT_OF_ENERGY transaction stands at the pending payment's block.
      chain.add(52299981, INFO_FAILED_13DF)
      chain.add(52300100)
      chain.solid = 52300000
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(testNetwork([node.url]))
      const events = yield* scanner.recheck(
        [
          {
            network: "tron",
            txHash: INFO_FAILED_13DF.id,
            logIndex: 0,
            blockNumber: 52299981n,
            blockHash: null,
            confirmations: 3,
          },
          {
            network: "ethereum",
            txHash: "0xabc",
            logIndex: 0,
            blockNumber: 1n,
            blockHash: null,
            confirmations: 0,
          },
        ],
        NOW,
      )
      expect(events).toEqual([
        {
          _tag: "PaymentReverted",
          network: "tron",
          txHash: INFO_FAILED_13DF.id,
          logIndex: 0,
          reason: "the solidified transaction failed or carries no such token transfer",
        },
      ])
      // Nothing pending: no calls at all.
      const before = scanner.stats().rpcCalls
      expect(yield* scanner.recheck([], NOW)).toEqual([])
      expect(scanner.stats().rpcCalls).toBe(before)
    }),
  )
})

describe("TronScanner.recheck (head − N)", () => {
  it.scopedLive("confirms at head − 19 without asking the solidity API; reverts when gone that deep", () =>
    Effect.gen(function* () {
      const chain = new FakeChain()
      chain.add(69316562, INFO_SUCCESS_0130) // the recorded transfer, to TXVj38…
      chain.add(69316563, pay("gone", 69316563))
      chain.head = 69316570
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(
        testNetwork([node.url], { finalityTag: undefined, confirmations: 19, startBlock: "69316562" }),
      )
      const scan = yield* scanner.scan({
        cursor: null,
        watch: watchOf(["TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx", WATCHED]),
        now: NOW,
      })
      const seen = observed(scan.events)
      expect(seen.map((e) => [e.txHash.slice(0, 8), e.amount, e.confirmations])).toEqual([
        ["0130dfde", 41677389n, 8],
        [fakeTxId("gone").slice(0, 8), 1_000_000n, 7],
      ])
      const pending = seen.map(pendingOf)
      const [recorded, gone] = pending.map((p) => ({ network: p.network, txHash: p.txHash, logIndex: 0 }))

      chain.head = 69316562 + 18
      chain.remove(fakeTxId("gone"))
      expect(yield* scanner.recheck(pending, NOW)).toEqual([
        { _tag: "PaymentConfirmationsUpdated", ...recorded, confirmations: 18 },
        { _tag: "PaymentConfirmationsUpdated", ...gone, confirmations: 17 },
      ])
      expect(node.count("wallet/gettransactioninfobyid")).toBe(0)
      chain.head = 69316563 + 19
      expect(yield* scanner.recheck(pending, NOW)).toEqual([
        { _tag: "PaymentConfirmed", ...recorded, confirmations: 20, confirmedAt: NOW },
        { _tag: "PaymentReverted", ...gone, reason: "transaction no longer on chain before solidification" },
      ])
      expect(node.requests.some((r) => r.path.startsWith("walletsolidity/"))).toBe(false)
    }),
  )
})
