import { describe, expect, it } from "@effect/vitest"
import type { PaymentObserved } from "@inzi/core"
import { Effect } from "effect"
import { decodeCursor, makeTronScanner, TRON_MAINNET } from "../src/index.js"
import { FakeChain, fakeTronNode } from "./fakeTronNode.js"
import {
  blockId,
  fakeAddress,
  fakeTxId,
  INFO_FAILED_13DF,
  INFO_SUCCESS_0130,
  INFO_SUCCESS_4671,
  infoOfRow,
  TL24,
  TRC20_ROWS,
  transferInfo,
  USDT,
} from "./fixtures.js"
import {
  API_KEY,
  chainErrorOf,
  keyOf,
  observed,
  scannerFor,
  scanToHead,
  testNetwork,
  watchOf,
} from "./helpers.js"

const NOW = new Date("2026-11-24T08:00:00Z")
const TXVJ = "TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx"

/** A chain of `blocks` blocks from `from`, each holding `perBlock` USDT transfers between strangers. */
const busyChain = (from: number, blocks: number, perBlock: number) => {
  const chain = new FakeChain()
  for (let n = from; n < from + blocks; n++) {
    const infos = Array.from({ length: perBlock }, (_, k) =>
      transferInfo({
        id: fakeTxId(`${n}/${k}`),
        blockNumber: n,
        contract: USDT,
        from: fakeAddress(`from ${n}/${k}`),
        to: fakeAddress(`to ${n}/${k}`),
        value: BigInt(1_000_000 + n * 10 + k),
      }),
    )
    chain.add(n, ...infos)
  }
  return chain
}

describe("TronScanner.scan", () => {
  it.scopedLive(
    "detects the recorded USDT transfer 0130dfde at its real block with exact amount, sender, tx id",
    () =>
      Effect.gen(function* () {
        const chain = new FakeChain()
        chain.add(69316561, INFO_FAILED_13DF, INFO_SUCCESS_4671)
        chain.add(69316562, INFO_SUCCESS_0130)
        chain.head = 69316565
        chain.solid = 69316563
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "69316560" }))
        const result = yield* scanner.scan({ cursor: null, watch: watchOf([TXVJ]), now: NOW })

        expect(result.events).toEqual([
          {
            _tag: "PaymentObserved",
            network: "tron",
            txHash: "0130dfde9281a48378109039ef512229d5359fbee2a8adbb17ad73aebc67ea99",
            logIndex: 0,
            target: { kind: "address", address: TXVJ },
            token: "USDT",
            tokenContract: USDT,
            decimals: 6,
            amount: 41677389n,
            sender: TL24,
            blockNumber: 69316562n,
            blockHash: null,
            // already solidified when seen: confirmed at once
            confirmations: 19,
            observedAt: NOW,
          } satisfies PaymentObserved,
        ])
        expect(result.head).toBe(69316565n)
        expect(result.scannedTo).toBe(69316565n)
        expect(result.caughtUp).toBe(true)
        // caught up: the cursor remembers the head's block id to detect a fork under it next time
        expect(decodeCursor(result.cursor)).toEqual({ next: 69316566n, tip: { id: blockId(69316565) } })
        // Every request carried the API key header.
        expect(node.requests.every((r) => r.headers["tron-pro-api-key"] === API_KEY)).toBe(true)
      }),
  )

  it.scopedLive("matches only the two genuine incoming USDT rows of TL24's recorded history", () =>
    Effect.gen(function* () {
      // The 14 recorded rows, oldest first, one per block (re-based block numbers; same shapes).
      const chain = new FakeChain()
      const rows = [...TRC20_ROWS].reverse()
      rows.forEach((row, i) => {
        chain.add(1000 + i, infoOfRow(row, 1000 + i))
      })
      chain.solid = chain.head
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "1000" }))
      const { events } = yield* scanToHead(scanner, watchOf([TL24]), null, NOW)

      expect(
        observed(events).map((e) => [
          e.txHash,
          e.amount,
          e.sender,
          e.target,
          e.token,
          e.tokenContract,
          e.decimals,
        ]),
      ).toEqual([
        [
          "1de1f78e7bf1a629ce19cd52f818962f7463e25ebc36a5129b5d76ce22879ef1",
          1000000n,
          "TVKG4gUar24bpAVrDv4GSzyDRtPkjPkogL",
          { kind: "address", address: TL24 },
          "USDT",
          USDT,
          6,
        ],
        [
          "05397e25951025b7e8ff428fb7521890c2ccc1fb4e6a0a21a47acedab94eaa23",
          41499389n,
          "TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18",
          { kind: "address", address: TL24 },
          "USDT",
          USDT,
          6,
        ],
      ])
      // The SUNDOG / JST / WIN rows were "Transfer"s to TL24 too, and were scanned: they never count.
      const spam = TRC20_ROWS.filter((r) => r.token_info.address !== USDT && r.to === TL24)
      expect(spam.map((r) => r.token_info.symbol).sort()).toEqual(["JST", "SUNDOG", "WIN"])
      expect(events.some((e) => spam.some((r) => r.transaction_id === e.txHash))).toBe(false)
    }),
  )

  it.scopedLive("ignores failed transactions and look-alike tokens, even to a watched address", () =>
    Effect.gen(function* () {
      const watched = fakeAddress("checkout-1")
      const fakeUsdt = fakeAddress("counterfeit USDT contract")
      const pay = (id: string, over: Partial<ReturnType<typeof transferInfo>> = {}, contract = USDT) => ({
        ...transferInfo({
          id: fakeTxId(id),
          blockNumber: 0,
          contract,
          from: TL24,
          to: watched,
          value: 25_000_000n,
        }),
        ...over,
      })
      const chain = new FakeChain()
      chain.add(
        500,
        INFO_FAILED_13DF,
        pay("failed", { result: "FAILED", receipt: { ...INFO_FAILED_13DF.receipt } }),
        pay("reverted", { receipt: { result: "REVERT" } }),
        pay("counterfeit", {}, fakeUsdt),
      )
      chain.add(501, pay("genuine"))
      chain.solid = 490
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "500" }))
      const { events } = yield* scanToHead(scanner, watchOf([watched]), null, NOW)
      expect(observed(events).map((e) => [e.txHash, e.amount, e.blockNumber, e.confirmations])).toEqual([
        [fakeTxId("genuine"), 25_000_000n, 501n, 0],
      ])
    }),
  )

  it.scopedLive(
    "pages a long range in bounded scans; every transfer exactly once, several per tx and per block",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(2000, 60, 4)
        const watched = [fakeAddress("a"), fakeAddress("b"), fakeAddress("c")]
        const expected: Array<string> = []
        for (let n = 2000; n < 2060; n += 3) {
          // one tx with two transfers to watched addresses (log 0 and log 2; log 1 goes elsewhere)
          const info = transferInfo({
            id: fakeTxId(`multi ${n}`),
            blockNumber: n,
            contract: USDT,
            from: TL24,
            to: watched[0]!,
            value: 1n,
          })
          const other = transferInfo({
            id: "x",
            blockNumber: n,
            contract: USDT,
            from: TL24,
            to: fakeAddress(`o${n}`),
            value: 2n,
          })
          const second = transferInfo({
            id: "x",
            blockNumber: n,
            contract: USDT,
            from: TL24,
            to: watched[n % 2 ? 1 : 2]!,
            value: 3n,
          })
          info.log = [...info.log!, ...other.log!, ...second.log!]
          chain.add(n, info)
          expected.push(`${info.id}:0`, `${info.id}:2`)
        }
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "2000", maxBlockRange: 7 }))
        const { events, scans } = yield* scanToHead(scanner, watchOf(watched), null, NOW)
        expect(scans).toBe(Math.ceil(60 / 7))
        const keys = observed(events).map(keyOf)
        expect(new Set(keys).size).toBe(keys.length)
        expect(keys.sort()).toEqual(expected.sort())
        // per scan: one head call and one call per block; plus, while catching up, the id of the range's last
        // block and the fork check of the previous scan's last block (two headers). Never more.
        expect(node.count("wallet/gettransactioninfobyblocknum")).toBe(60)
        const getblock = node.requests.filter((r) => r.path === "wallet/getblock")
        expect(getblock.filter((r) => r.body.id_or_num === undefined)).toHaveLength(scans)
        expect(getblock.filter((r) => r.body.id_or_num !== undefined)).toHaveLength(2 * (scans - 1))
      }),
  )

  it.scopedLive(
    "resumes after a restart from the persisted cursor: no gap, no duplicate, while the chain grows",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(3000, 10, 3)
        const watched = fakeAddress("resume")
        const expected: Array<string> = []
        const payAt = (n: number, k: number) => {
          const info = transferInfo({
            id: fakeTxId(`pay ${n}/${k}`),
            blockNumber: n,
            contract: USDT,
            from: TL24,
            to: watched,
            value: BigInt(n),
          })
          chain.add(n, info)
          expected.push(`${info.id}:0`)
        }
        // several payments in the same block (same timestamp) right at a range boundary
        payAt(3004, 0)
        payAt(3004, 1)
        payAt(3005, 0)
        const node = yield* fakeTronNode(chain)
        const network = testNetwork([node.url], { startBlock: "3000", maxBlockRange: 5 })
        const seen: Array<string> = []

        // first process: one scan, then it "dies"; only the cursor string survives
        const first = yield* scannerFor(network)
        const r1 = yield* first.scan({ cursor: null, watch: watchOf([watched]), now: NOW })
        seen.push(...observed(r1.events).map(keyOf))
        const persisted: string = JSON.parse(JSON.stringify(r1.cursor))
        expect(JSON.parse(persisted)).toEqual({ v: 1, next: "3005", tip: blockId(3004) })

        // the chain moves on meanwhile
        for (let n = 3010; n < 3030; n++) chain.add(n)
        payAt(3010, 0)
        payAt(3029, 0)
        // second process: a fresh scanner from the persisted string, to the head
        const second = yield* scannerFor(network)
        const rest = yield* scanToHead(second, watchOf([watched]), persisted, NOW)
        seen.push(...observed(rest.events).map(keyOf))

        expect(seen.length).toBe(new Set(seen).size)
        expect(seen.sort()).toEqual(expected.sort())
        // every block scanned exactly once across the three processes
        const nums = node.requests
          .filter((r) => r.path === "wallet/gettransactioninfobyblocknum")
          .map((r) => Number(r.body.num))
        expect(nums.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => 3000 + i))
      }),
  )

  it.scopedLive("keeps the blocks it scanned when a later block of the range fails", () =>
    Effect.gen(function* () {
      const chain = busyChain(4000, 10, 1)
      const watched = fakeAddress("partial")
      chain.add(
        4001,
        transferInfo({
          id: fakeTxId("p1"),
          blockNumber: 0,
          contract: USDT,
          from: TL24,
          to: watched,
          value: 7n,
        }),
      )
      chain.add(
        4006,
        transferInfo({
          id: fakeTxId("p2"),
          blockNumber: 0,
          contract: USDT,
          from: TL24,
          to: watched,
          value: 8n,
        }),
      )
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "4000", maxBlockRange: 10 }), {
        baseDelayMs: 1,
        maxAttempts: 1,
      })
      // getblock ok, blocks 4000..4002 ok, then block 4003 answers 500
      node.faults.push(...Array.from({ length: 4 }, () => ({ status: 0 })), { status: 500 })
      const r1 = yield* scanner.scan({ cursor: null, watch: watchOf([watched]), now: NOW })
      expect(r1.scannedTo).toBe(4002n)
      expect(r1.caughtUp).toBe(false)
      expect(observed(r1.events).map((e) => e.amount)).toEqual([7n])
      // The cursor covers exactly the blocks read; the error tells the worker to commit them and back off.
      expect(r1.cursor).toBe('{"v":1,"next":"4003"}')
      expect(r1.error).toMatchObject({ _tag: "ChainError", retryable: true })
      expect(r1.error?.message).toMatch(/scan stopped at block 4003: .*HTTP 500/)
      const r2 = yield* scanner.scan({ cursor: r1.cursor, watch: watchOf([watched]), now: NOW })
      expect(r2.error).toBeUndefined()
      expect(r2.caughtUp).toBe(true)
      expect(observed(r2.events).map((e) => e.amount)).toEqual([8n])
    }),
  )

  it.scopedLive("makes the same calls for 1 and for 10 000 watched addresses (O(1) in checkouts)", () =>
    Effect.gen(function* () {
      const chain = busyChain(5000, 30, 20)
      const target = fakeAddress("to 5007/3") // a recipient of one of the busy transfers
      const many = [target, ...Array.from({ length: 9_999 }, (_, i) => fakeAddress(`watched ${i}`))]
      const runWith = (watched: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const node = yield* fakeTronNode(chain)
          const scanner = yield* scannerFor(
            testNetwork([node.url], { startBlock: "5000", maxBlockRange: 10 }),
          )
          const { events } = yield* scanToHead(scanner, watchOf(watched), null, NOW)
          return {
            events: observed(events).map(keyOf),
            stats: scanner.stats(),
            requests: node.requests.map((r) => r.path),
          }
        })
      const one = yield* runWith([target])
      const tenThousand = yield* runWith(many)
      expect(one.events).toEqual([`${fakeTxId("5007/3")}:0`])
      expect(tenThousand.events).toEqual(one.events)
      expect(tenThousand.stats).toEqual(one.stats)
      expect(tenThousand.requests).toEqual(one.requests)
      // 3 scans: 3 heads, 30 blocks, 2 range-end headers + 2 fork checks while catching up, 1 solid head (a match)
      expect(one.stats.rpcCalls).toBe(3 + 30 + 2 + 2 + 1)
    }),
  )

  it.scopedLive("starts at the head without a cursor or startBlock, and waits when caught up", () =>
    Effect.gen(function* () {
      const chain = busyChain(7000, 5, 1)
      const node = yield* fakeTronNode(chain)
      const scanner = yield* scannerFor(testNetwork([node.url]))
      const r1 = yield* scanner.scan({ cursor: null, watch: watchOf([]), now: NOW })
      expect([r1.head, r1.scannedTo, r1.caughtUp]).toEqual([7004n, 7004n, true])
      const r2 = yield* scanner.scan({ cursor: r1.cursor, watch: watchOf([]), now: NOW })
      expect([r2.scannedTo, r2.caughtUp, r2.cursor]).toEqual([7004n, true, r1.cursor])
      expect(node.count("wallet/gettransactioninfobyblocknum")).toBe(1)
      const bad = yield* chainErrorOf(scanner.scan({ cursor: "not json", watch: watchOf([]), now: NOW }))
      expect(bad.retryable).toBe(false)
    }),
  )
})

describe("TronScanner forks at the head", () => {
  it.scopedLive(
    "rescans when the last scanned head was replaced by a fork, and finds what only the new block has",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(9000, 6, 2)
        chain.solid = 9002
        const watched = fakeAddress("fork")
        const payment = (seed: string) =>
          transferInfo({
            id: fakeTxId(seed),
            blockNumber: 0,
            contract: USDT,
            from: TL24,
            to: watched,
            value: 9n,
          })
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "9000" }))
        const watch = watchOf([watched])
        const r1 = yield* scanner.scan({ cursor: null, watch, now: NOW })
        expect([r1.scannedTo, observed(r1.events)]).toEqual([9005n, []])

        // 1. The head block 9005 is replaced by a competing 9005 that holds a payment; 9006 builds on it.
        chain.fork(9005, payment("in B-9005"))
        chain.add(9006)
        const r2 = yield* scanner.scan({ cursor: r1.cursor, watch, now: NOW })
        expect(observed(r2.events).map((e) => [e.txHash, e.blockNumber])).toEqual([
          [fakeTxId("in B-9005"), 9005n],
        ])
        expect(r2.scannedTo).toBe(9006n)
        // rescanned from above the solid head (9003), not from the start
        const rescanned = node.requests
          .filter((r) => r.path === "wallet/gettransactioninfobyblocknum")
          .map((r) => r.body.num)
        expect(rescanned.slice(-4)).toEqual([9003, 9004, 9005, 9006])

        // 2. The head itself is replaced (same height, no new block yet).
        chain.fork(9006, payment("in B-9006"))
        const r3 = yield* scanner.scan({ cursor: r2.cursor, watch, now: NOW })
        expect(observed(r3.events).map((e) => e.txHash)).toContain(fakeTxId("in B-9006"))

        // 3. The head moved on by several blocks and the old tip was replaced meanwhile.
        chain.solid = 9006
        chain.fork(9006, payment("in C-9006"))
        chain.add(9009)
        const r4 = yield* scanner.scan({ cursor: r3.cursor, watch, now: NOW })
        expect(observed(r4.events).map((e) => e.txHash)).toEqual([fakeTxId("in C-9006")])
        expect(r4.scannedTo).toBe(9009n)
      }),
  )

  it.scopedLive(
    "checks the tip for free when the head moved by one block, with one header when by more",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(9100, 3, 1)
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "9100" }))
        const headerCalls = () =>
          node.requests.filter((r) => r.path === "wallet/getblock" && r.body.id_or_num && !r.body.detail)
            .length
        let r = yield* scanner.scan({ cursor: null, watch: watchOf([]), now: NOW })
        chain.add(9103)
        r = yield* scanner.scan({ cursor: r.cursor, watch: watchOf([]), now: NOW })
        expect(headerCalls()).toBe(0)
        chain.add(9106)
        r = yield* scanner.scan({ cursor: r.cursor, watch: watchOf([]), now: NOW })
        expect(headerCalls()).toBe(1)
        expect([r.scannedTo, r.caughtUp]).toEqual([9106n, true])
        // no fork, no rescan: every block fetched once
        const nums = node.requests
          .filter((x) => x.path === "wallet/gettransactioninfobyblocknum")
          .map((x) => x.body.num)
        expect(nums).toEqual([9100, 9101, 9102, 9103, 9104, 9105, 9106])
      }),
  )
})

describe("TronScanner and lagging nodes", () => {
  it.scopedLive(
    "does not take a node's empty answer for an empty block unless the block is really empty",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(9200, 4, 1)
        chain.add(9204) // a really empty block
        chain.add(9205)
        const watched = fakeAddress("lag")
        chain.add(
          9202,
          transferInfo({
            id: fakeTxId("lagged"),
            blockNumber: 0,
            contract: USDT,
            from: TL24,
            to: watched,
            value: 3n,
          }),
        )
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "9200" }), {
          baseDelayMs: 1,
          maxAttempts: 1,
        })
        // head, 9200, 9201 answer normally; then a node without block 9202 answers `{}` for it
        node.faults.push({ status: 0 }, { status: 0 }, { status: 0 }, { status: 200, body: "{}" })
        const r1 = yield* scanner.scan({ cursor: null, watch: watchOf([watched]), now: NOW })
        expect([r1.scannedTo, r1.caughtUp, observed(r1.events)]).toEqual([9201n, false, []])
        const r2 = yield* scanner.scan({ cursor: r1.cursor, watch: watchOf([watched]), now: NOW })
        expect(observed(r2.events).map((e) => [e.txHash, e.amount])).toEqual([[fakeTxId("lagged"), 3n]])
        expect([r2.scannedTo, r2.caughtUp]).toEqual([9205n, true])
        // the truly empty blocks were confirmed empty with the block itself
        const checked = node.requests.filter((r) => r.path === "wallet/getblock" && r.body.detail === true)
        expect(checked.map((r) => r.body.id_or_num)).toEqual(["9202", "9204", "9205"])
      }),
  )
})

describe("TronScanner options", () => {
  it.scopedLive(
    "scanFrom: solidified reads only solidified blocks through walletsolidity, final at once",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(6000, 40, 2)
        const watched = fakeAddress("solid-only")
        const payment = (n: number) =>
          transferInfo({
            id: fakeTxId(`s${n}`),
            blockNumber: n,
            contract: USDT,
            from: TL24,
            to: watched,
            value: BigInt(n),
          })
        chain.add(6010, payment(6010))
        chain.add(6030, payment(6030))
        chain.solid = 6020
        const node = yield* fakeTronNode(chain)
        const scanner = yield* scannerFor(
          testNetwork([node.url], { startBlock: "6000", maxBlockRange: 100 }),
          {
            scanFrom: "solidified",
          },
        )
        const r1 = yield* scanner.scan({ cursor: null, watch: watchOf([watched]), now: NOW })
        expect(observed(r1.events).map((e) => [e.amount, e.confirmations])).toEqual([[6010n, 19]])
        expect([r1.head, r1.scannedTo, r1.caughtUp]).toEqual([6020n, 6020n, true])
        chain.solid = 6039
        const r2 = yield* scanner.scan({ cursor: r1.cursor, watch: watchOf([watched]), now: NOW })
        expect(observed(r2.events).map((e) => [e.amount, e.confirmations])).toEqual([[6030n, 19]])
        expect(node.requests.every((r) => r.path.startsWith("walletsolidity/"))).toBe(true)
      }),
  )

  it.scopedLive(
    "blockConcurrency fetches a range in parallel with the same result and the same call count",
    () =>
      Effect.gen(function* () {
        const chain = busyChain(8000, 40, 3)
        const watched = [fakeAddress("to 8003/1"), fakeAddress("to 8039/2"), fakeAddress("to 8020/0")]
        const run = (blockConcurrency: number) =>
          Effect.gen(function* () {
            const node = yield* fakeTronNode(chain)
            const scanner = yield* scannerFor(
              testNetwork([node.url], { startBlock: "8000", maxBlockRange: 40 }),
              {
                blockConcurrency,
              },
            )
            const r = yield* scanner.scan({ cursor: null, watch: watchOf(watched), now: NOW })
            return { keys: observed(r.events).map(keyOf), cursor: r.cursor, calls: scanner.stats().rpcCalls }
          })
        const sequential = yield* run(1)
        const parallel = yield* run(4)
        expect(sequential.keys).toEqual([
          `${fakeTxId("8003/1")}:0`,
          `${fakeTxId("8020/0")}:0`,
          `${fakeTxId("8039/2")}:0`,
        ])
        expect(parallel).toEqual(sequential)
      }),
  )
})

describe("TronScanner.verify and configuration", () => {
  it.scopedLive("checks the token's decimals on chain", () =>
    Effect.gen(function* () {
      const node = yield* fakeTronNode(busyChain(1, 1, 0), {
        decimals: { "41a614f803b6fd780986a42c78ec9c7f77e6ded13c": 6 },
      })
      const good = yield* scannerFor(testNetwork([node.url]))
      yield* good.verify()
      expect(node.requests.map((r) => r.path)).toEqual([
        "wallet/getblock",
        "walletsolidity/getblock", // solidified finality: the solidity API must answer
        "wallet/triggerconstantcontract",
      ])
      expect(node.requests[2]!.body).toMatchObject({
        contract_address: "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",
        function_selector: "decimals()",
      })
      const wrong = yield* scannerFor(
        testNetwork([node.url], { tokens: [{ symbol: "USDT", contract: USDT, decimals: 18 }] }),
      )
      const e1 = yield* chainErrorOf(wrong.verify())
      expect(e1.message).toMatch(/6 decimals, config says 18/)
      expect(e1.retryable).toBe(false)
      const missing = yield* scannerFor(
        testNetwork([node.url], {
          tokens: [{ symbol: "USDT", contract: fakeAddress("nothing"), decimals: 6 }],
        }),
      )
      expect((yield* chainErrorOf(missing.verify())).message).toMatch(/did not answer decimals/)
    }),
  )

  it.effect("refuses a config that is not Tron or has a bad token contract", () =>
    Effect.gen(function* () {
      const e1 = yield* chainErrorOf(makeTronScanner({ ...TRON_MAINNET, family: "evm" }))
      expect(e1.message).toMatch(/family/)
      const e2 = yield* chainErrorOf(
        makeTronScanner({ ...TRON_MAINNET, tokens: [{ symbol: "USDT", contract: "0xdead", decimals: 6 }] }),
      )
      expect(e2.message).toMatch(/bad contract/)
      expect((yield* chainErrorOf(makeTronScanner({ ...TRON_MAINNET, rpcUrls: [] }))).retryable).toBe(false)
    }),
  )
})
