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

        // Not solid yet: progress only, each transaction looked up where it is.
        expect(yield* scanner.recheck(pending, NOW)).toEqual([
          { _tag: "PaymentConfirmationsUpdated", ...kept, confirmations: 5 },
          { _tag: "PaymentConfirmationsUpdated", ...dropped, confirmations: 4 },
          { _tag: "PaymentConfirmationsUpdated", ...moved, confirmations: 3 },
        ])
        expect(node.count("wallet/gettransactioninfobyid")).toBe(3)

        // A fork: "dropped" vanishes, "moved" is re-included at 110. Head 125, solid 100.
        chain.remove(fakeTxId("dropped"))
        chain.remove(fakeTxId("moved"))
        chain.add(110, pay("moved", 110))
        chain.head = 125
        chain.solid = 100
        const later = new Date(NOW.getTime() + 60_000)
        expect(yield* scanner.recheck(pending, later)).toEqual([
          { _tag: "PaymentConfirmed", ...kept, confirmations: 25, confirmedAt: later },
          // heights not solid yet, yet decided now: gone from its block → reverted at once; moved → counted
          // from its new block, which the event carries
          { _tag: "PaymentReverted", ...dropped, reason: "transaction no longer in block 101 (fork)" },
          {
            _tag: "PaymentConfirmationsUpdated",
            ...moved,
            confirmations: 15,
            moved: { blockNumber: 110n, blockHash: null },
          },
        ])
        // The final one asked the solidity API only; the two others the full node (and block 101 itself).
        expect(node.count("walletsolidity/gettransactioninfobyid")).toBe(1)
        expect(node.count("wallet/gettransactioninfobyid")).toBe(5)

        chain.solid = 105
        expect(yield* scanner.recheck(pending.slice(2), later)).toEqual([
          // its old height (102) is final, but it now sits at 110, not solid yet: depth from 110, keep waiting
          {
            _tag: "PaymentConfirmationsUpdated",
            ...moved,
            confirmations: 15,
            moved: { blockNumber: 110n, blockHash: null },
          },
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
      // Gone from its block: reverted at the first recheck, not once its height is 19 deep.
      expect(yield* scanner.recheck(pending, NOW)).toEqual([
        { _tag: "PaymentConfirmationsUpdated", ...recorded, confirmations: 18 },
        { _tag: "PaymentReverted", ...gone, reason: "transaction no longer in block 69316563 (fork)" },
      ])
      expect(node.count("wallet/gettransactioninfobyid")).toBe(2)
      chain.head = 69316563 + 19
      expect(yield* scanner.recheck(pending.slice(0, 1), NOW)).toEqual([
        { _tag: "PaymentConfirmed", ...recorded, confirmations: 20, confirmedAt: NOW },
      ])
      expect(node.requests.some((r) => r.path.startsWith("walletsolidity/"))).toBe(false)
    }),
  )
})

describe("TronScanner.recheck notices a fork before the payment's height is final", () => {
  it.scopedLive(
    "a transaction gone from its block is reverted at the next recheck and seen again once re-included",
    () =>
      Effect.gen(function* () {
        const chain = new FakeChain()
        chain.add(200, pay("gone", 200))
        chain.head = 203
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(
          testNetwork([node.url], { finalityTag: undefined, confirmations: 19, startBlock: "200" }),
        )
        const watch = watchOf([WATCHED])
        const first = yield* scanner.scan({ cursor: null, watch, now: NOW })
        const [seen] = observed(first.events)
        expect(seen).toMatchObject({ blockNumber: 200n, confirmations: 3 })
        const key = { network: "tron", txHash: fakeTxId("gone"), logIndex: 0 }

        // A fork drops it 4 blocks deep, 15 blocks before its height is final.
        chain.remove(fakeTxId("gone"))
        chain.head = 204
        expect(yield* scanner.recheck([pendingOf(seen!)], NOW)).toEqual([
          { _tag: "PaymentReverted", ...key, reason: "transaction no longer in block 200 (fork)" },
        ])

        // The fork re-includes it at 202, below the cursor (the tip at 203 did not change): the next scan
        // goes back to the reverted height and observes it again.
        chain.fork(202, pay("gone", 202))
        const again = yield* scanner.scan({ cursor: first.cursor, watch, now: NOW })
        expect(observed(again.events).map((e) => [e.txHash, e.blockNumber])).toEqual([
          [fakeTxId("gone"), 202n],
        ])
        // The hint is used once.
        const third = yield* scanner.scan({ cursor: again.cursor, watch, now: NOW })
        expect(observed(third.events)).toEqual([])
      }),
  )

  it.scopedLive("a rescan whose result was never committed is done again from the stored cursor", () =>
    Effect.gen(function* () {
      const chain = new FakeChain()
      chain.add(200, pay("lost", 200))
      chain.head = 203
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(
        testNetwork([node.url], { finalityTag: undefined, confirmations: 19, startBlock: "200" }),
      )
      const watch = watchOf([WATCHED])
      const first = yield* scanner.scan({ cursor: null, watch, now: NOW })
      chain.remove(fakeTxId("lost"))
      chain.head = 204
      expect(yield* scanner.recheck([pendingOf(observed(first.events)[0]!)], NOW)).toHaveLength(1)
      chain.fork(202, pay("lost", 202))
      // The rescan reads it again, but its commit fails (database down, lease lost): the store still holds
      // `first.cursor`, so the next scan starts there and must go back to the reverted height once more.
      const uncommitted = yield* scanner.scan({ cursor: first.cursor, watch, now: NOW })
      expect(observed(uncommitted.events).map((e) => e.blockNumber)).toEqual([202n])
      const retried = yield* scanner.scan({ cursor: first.cursor, watch, now: NOW })
      expect(observed(retried.events).map((e) => [e.txHash, e.blockNumber])).toEqual([
        [fakeTxId("lost"), 202n],
      ])
      // Once a scan starts from the cursor the rescan returned (committed), the hint is spent.
      const next = yield* scanner.scan({ cursor: retried.cursor, watch, now: NOW })
      expect(observed(next.events)).toEqual([])
    }),
  )

  it.scopedLive("a node without the block (or behind) never reverts", () =>
    Effect.gen(function* () {
      const chain = new FakeChain()
      chain.add(300)
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(
        testNetwork([node.url], { finalityTag: undefined, confirmations: 19 }),
      )
      const ahead = {
        ...pendingOf({ txHash: fakeTxId("ahead"), logIndex: 0, blockNumber: 305n, confirmations: 1 }),
      }
      expect(yield* scanner.recheck([ahead], NOW)).toEqual([
        {
          _tag: "PaymentConfirmationsUpdated",
          network: "tron",
          txHash: fakeTxId("ahead"),
          logIndex: 0,
          confirmations: 0,
        },
      ])
    }),
  )

  it.scopedLive("a transaction moved to a later block counts its confirmations from there", () =>
    Effect.gen(function* () {
      const chain = new FakeChain()
      chain.add(400, pay("moved", 400))
      chain.head = 402
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(
        testNetwork([node.url], { finalityTag: undefined, confirmations: 19, startBlock: "400" }),
      )
      const scan = yield* scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW })
      const pending = pendingOf(observed(scan.events)[0]!)
      const key = { network: "tron", txHash: fakeTxId("moved"), logIndex: 0 }

      chain.remove(fakeTxId("moved"))
      chain.add(405, pay("moved", 405))
      chain.head = 406
      const moved = { blockNumber: 405n, blockHash: null }
      expect(yield* scanner.recheck([pending], NOW)).toEqual([
        { _tag: "PaymentConfirmationsUpdated", ...key, confirmations: 1, moved },
      ])
      // 19 blocks above the old height but 14 above the new one: not final.
      chain.head = 419
      expect(yield* scanner.recheck([pending], NOW)).toEqual([
        { _tag: "PaymentConfirmationsUpdated", ...key, confirmations: 14, moved },
      ])
      // Once the store holds the new block, 19 above it confirms.
      chain.head = 424
      expect(yield* scanner.recheck([{ ...pending, blockNumber: 405n, confirmations: 14 }], NOW)).toEqual([
        { _tag: "PaymentConfirmed", ...key, confirmations: 19, confirmedAt: NOW },
      ])
    }),
  )
})
