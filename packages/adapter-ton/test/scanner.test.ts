import { describe, expect, it } from "@effect/vitest"
import {
  type ChainEvent,
  makeWatchSet,
  type PaymentObserved,
  type ScanResult,
  type UnmatchedTransfer,
  type WatchSet,
} from "@inzi/core"
import type { Address } from "@ton/core"
import { Effect, Exit } from "effect"
import { makeTonScanner, type TonPaymentSource, type TonScannerOptions } from "../src/index.js"
import { FakeToncenter } from "@inzi/devnet-ton"
import { fast, keyTx, makeJettonWorld, networkOf, txOn } from "./support/jetton-world.js"

const world = Effect.acquireRelease(
  Effect.promise(() => makeJettonWorld()),
  (w) => Effect.promise(() => w.server.stop()),
)

/** Memos owned by checkouts, per merchant wallet, through core's own watch set. */
const watchOf = (memos: Record<string, ReadonlyArray<string>>): WatchSet =>
  makeWatchSet({
    addresses: [],
    memos: Object.entries(memos).flatMap(([wallet, list]) => list.map((memo) => ({ wallet, memo }))),
    wallets: Object.keys(memos),
  })

const raw = (a: Address) => a.toRawString()
const observed = (events: ReadonlyArray<ChainEvent>) =>
  events.filter((e): e is PaymentObserved => e._tag === "PaymentObserved")
const unmatched = (events: ReadonlyArray<ChainEvent>) =>
  events.filter((e): e is UnmatchedTransfer => e._tag === "UnmatchedTransfer")
const now = () => new Date()

const SOURCES: ReadonlyArray<TonPaymentSource> = ["jetton-wallet", "notifications"]

for (const source of SOURCES) {
  const opts: TonScannerOptions = { ...fast, source }

  describe(`source "${source}": sandbox-executed jetton transfers served like toncenter v2`, () => {
    it.scopedLive(
      "genuine payment: observed, attributed by normalized memo, API key sent, wallet cached",
      () =>
        Effect.gen(function* () {
          const w = yield* world
          const m = raw(w.merchant.address)
          const txs = yield* Effect.promise(() =>
            w.pay(w.merchant.address, 25_000_000n, { inline: "  k7p2m9qx " }),
          )
          const scanner = yield* makeTonScanner(networkOf(w), opts)
          const watch = watchOf({ [m]: ["K7P2M9QX"] })
          const r = yield* scanner.scan({ cursor: null, watch, now: now() })

          expect(r.events).toHaveLength(1)
          const e = observed(r.events)[0]!
          const key = yield* keyTx(w, source, txs, w.merchant.address)
          expect(e).toMatchObject({
            network: "ton-sandbox",
            txHash: key.hash().toString("hex"),
            logIndex: 0,
            target: { kind: "memo", wallet: m, memo: "K7P2M9QX" },
            token: "USDT",
            tokenContract: w.genuine.address.toString(),
            decimals: 6,
            amount: 25_000_000n,
            sender: raw(w.payer.address),
            confirmations: 1,
            observedAt: new Date(key.now * 1000),
          })
          expect(r.caughtUp).toBe(true)
          expect(r.head).toBeGreaterThan(0n)

          const again = yield* scanner.scan({ cursor: r.cursor, watch, now: now() })
          expect(again.events).toEqual([])
          expect(w.server.calls("/api/v2/runGetMethod")).toHaveLength(1)
          expect(w.server.requests.every((q) => q.headers["x-api-key"] === "sandbox-key")).toBe(true)
          expect(scanner.stats().rpcCalls).toBe(w.server.requests.length)
          const jw = yield* scanner.jettonWalletOf(w.genuine.address.toString(), m)
          expect(jw).toBe(
            raw((yield* Effect.promise(() => w.walletOf(w.genuine, w.merchant.address))).address),
          )
        }),
    )

    it.scopedLive("a merchant wallet stored in user-friendly form is matched and reported in that form", () =>
      Effect.gen(function* () {
        const w = yield* world
        const friendly = w.merchant.address.toString({ bounceable: false })
        yield* Effect.promise(() => w.pay(w.merchant.address, 9_000_000n, { inline: "FR1ENDLY" }))
        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const r = yield* scanner.scan({
          cursor: null,
          watch: watchOf({ [friendly]: ["FR1ENDLY"] }),
          now: now(),
        })
        expect(observed(r.events).map((e) => e.target)).toEqual([
          { kind: "memo", wallet: friendly, memo: "FR1ENDLY" },
        ])
      }),
    )

    it.scopedLive("fake-master attack: the same comment and amount from a fake jetton never counts", () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = raw(w.merchant.address)
        const genuineJw = (yield* Effect.promise(() => w.walletOf(w.genuine, w.merchant.address))).address
        const fakeTxs = yield* Effect.promise(() =>
          w.payFake(w.merchant.address, 25_000_000n, { ref: "K7P2M9QX" }),
        )
        // The fake jetton really delivered a well-formed notification to the merchant wallet…
        const fakeNotif = txOn(fakeTxs, w.merchant.address)
        expect(fakeNotif.inMessage?.body.beginParse().loadUint(32)).toBe(0x7362d09c)
        // …and so does a notification forged by hand, and a forged internal_transfer to the genuine jetton
        // wallet (which the genuine code rejects: its transaction is aborted).
        yield* Effect.promise(() => w.forgeNotification(w.merchant.address, 25_000_000n, "K7P2M9QX"))
        const forged = yield* Effect.promise(() =>
          w.forgeInternalTransfer(genuineJw, 25_000_000n, "K7P2M9QX"),
        )
        const forgedTx = txOn(forged, genuineJw)
        expect(forgedTx.description.type === "generic" && forgedTx.description.aborted).toBe(true)

        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const watch = watchOf({ [m]: ["K7P2M9QX"] })
        const r = yield* scanner.scan({ cursor: null, watch, now: now() })
        expect(r.events).toEqual([])

        const txs = yield* Effect.promise(() => w.pay(w.merchant.address, 25_000_000n, { ref: "K7P2M9QX" }))
        const r2 = yield* scanner.scan({ cursor: r.cursor, watch, now: now() })
        const key = yield* keyTx(w, source, txs, w.merchant.address)
        expect(r2.events.map((e) => [e._tag, e.txHash])).toEqual([
          ["PaymentObserved", key.hash().toString("hex")],
        ])
      }),
    )

    it.scopedLive("missing comment and wrong comment are kept as unmatched transfers", () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = raw(w.merchant.address)
        const noComment = yield* Effect.promise(() => w.pay(w.merchant.address, 7_000_000n, null))
        const wrong = yield* Effect.promise(() => w.pay(w.merchant.address, 8_000_000n, { ref: "nope1234" }))
        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const r = yield* scanner.scan({ cursor: null, watch: watchOf({ [m]: ["K7P2M9QX"] }), now: now() })
        const k1 = yield* keyTx(w, source, noComment, w.merchant.address)
        const k2 = yield* keyTx(w, source, wrong, w.merchant.address)
        expect(observed(r.events)).toEqual([])
        expect(
          unmatched(r.events).map((e) => [e.txHash, e.amount, e.memo, e.reason, e.wallet, e.sender]),
        ).toEqual([
          [k1.hash().toString("hex"), 7_000_000n, null, "missing comment", m, raw(w.payer.address)],
          [k2.hash().toString("hex"), 8_000_000n, "nope1234", "unknown comment", m, raw(w.payer.address)],
        ])
      }),
    )

    it.scopedLive("top-up: two payments with the same memo are two payments", () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = raw(w.merchant.address)
        yield* Effect.promise(() => w.pay(w.merchant.address, 10_000_000n, { inline: "TOPUP777" }))
        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const watch = watchOf({ [m]: ["TOPUP777"] })
        const first = yield* scanner.scan({ cursor: null, watch, now: now() })
        yield* Effect.promise(() => w.pay(w.merchant.address, 15_000_000n, { ref: "topup777" }))
        const second = yield* scanner.scan({ cursor: first.cursor, watch, now: now() })
        const all = observed([...first.events, ...second.events])
        expect(all.map((e) => e.amount)).toEqual([10_000_000n, 15_000_000n])
        expect(new Set(all.map((e) => e.txHash)).size).toBe(2)
        expect(all.every((e) => e.target.kind === "memo" && e.target.memo === "TOPUP777")).toBe(true)
      }),
    )

    it.scopedLive("forward_ton_amount 0 (no notification) is seen too, and nothing is counted twice", () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = raw(w.merchant.address)
        const silent = yield* Effect.promise(() =>
          w.pay(w.merchant.address, 3_000_000n, { ref: "ZERO0001" }, 0n),
        )
        expect(silent.some((t) => t.inMessage?.body.beginParse().preloadUint(32) === 0x7362d09c)).toBe(false)
        const loud = yield* Effect.promise(() =>
          w.pay(w.merchant.address, 4_000_000n, { ref: "ZERO0001" }, 1n),
        )
        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const r = yield* scanner.scan({ cursor: null, watch: watchOf({ [m]: ["ZERO0001"] }), now: now() })
        const k0 = yield* keyTx(w, source, silent, w.merchant.address, 0n)
        const k1 = yield* keyTx(w, source, loud, w.merchant.address, 1n)
        expect(new Set(observed(r.events).map((e) => `${e.amount}@${e.txHash}`))).toEqual(
          new Set([`3000000@${k0.hash().toString("hex")}`, `4000000@${k1.hash().toString("hex")}`]),
        )
        expect(r.events).toHaveLength(2)
      }),
    )

    it.scopedLive("a payment to a never-deployed merchant wallet (aborted notification) counts", () =>
      Effect.gen(function* () {
        const w = yield* world
        const cold = raw(w.coldMerchant)
        const txs = yield* Effect.promise(() => w.pay(w.coldMerchant, 12_000_000n, { ref: "C0LDWALL" }))
        const notif = txOn(txs, w.coldMerchant)
        expect(notif.description.type === "generic" && notif.description.aborted).toBe(true)
        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const r = yield* scanner.scan({ cursor: null, watch: watchOf({ [cold]: ["C0LDWALL"] }), now: now() })
        const key = yield* keyTx(w, source, txs, w.coldMerchant)
        expect(observed(r.events).map((e) => [e.txHash, e.amount])).toEqual([
          [key.hash().toString("hex"), 12_000_000n],
        ])
      }),
    )

    it.scopedLive(
      "pages with lt/hash, resumes from the persisted cursor after a restart: no gap, no duplicate",
      () =>
        Effect.gen(function* () {
          const w = yield* world
          const m = raw(w.merchant.address)
          const memos = [
            "PAGE0001",
            "PAGE0002",
            "PAGE0003",
            "PAGE0004",
            "PAGE0005",
            "PAGE0006",
            "PAGE0007",
            "PAGE0008",
          ]
          const watch = watchOf({ [m]: memos })
          const expected: Array<string> = []
          const pay = (i: number) =>
            Effect.gen(function* () {
              const txs = yield* Effect.promise(() =>
                w.pay(w.merchant.address, BigInt(1_000_000 * (i + 1)), { ref: memos[i]! }),
              )
              expected.push((yield* keyTx(w, source, txs, w.merchant.address)).hash().toString("hex"))
            })
          for (let i = 0; i < 5; i++) yield* pay(i)

          const options = { ...opts, pageSize: 2, maxPagesPerAccount: 2 }
          let scanner = yield* makeTonScanner(networkOf(w), options)
          let cursor: string | null = null
          const seen: Array<ChainEvent> = []
          const caughtUpFlags: Array<boolean> = []
          for (let round = 0; round < 12; round++) {
            const r: ScanResult = yield* scanner.scan({ cursor, watch, now: now() })
            seen.push(...r.events)
            caughtUpFlags.push(r.caughtUp)
            cursor = r.cursor // persisted with the events, in one transaction, by the worker
            if (round === 0) for (let i = 5; i < 8; i++) yield* pay(i) // arrive while the scanner is catching up
            if (round === 1) scanner = yield* makeTonScanner(networkOf(w), options) // restart: only the cursor survives
          }
          expect(caughtUpFlags[0]).toBe(false)
          expect(caughtUpFlags.at(-1)).toBe(true)
          const hashes = observed(seen).map((e) => e.txHash)
          expect(seen).toHaveLength(8)
          expect(new Set(hashes)).toEqual(new Set(expected))
          expect(observed(seen).reduce((s, e) => s + e.amount, 0n)).toBe(36_000_000n)
          const pages = w.server.calls("/api/v2/getTransactions")
          expect(pages.some((q) => q.query.get("lt") && q.query.get("hash"))).toBe(true)
          expect(pages.every((q) => q.query.get("limit") === "2")).toBe(true)
        }),
    )
  })
}

describe("a rate-limited, lagging or failing toncenter; errors; verify; recheck", () => {
  it.scopedLive(
    "a 429 storm is ridden out with backoff and Retry-After; a longer one fails retryably, losing nothing",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = raw(w.merchant.address)
        const watch = watchOf({ [m]: ["STORM001"] })
        yield* Effect.promise(() => w.pay(w.merchant.address, 5_000_000n, { inline: "STORM001" }))

        w.server.rateLimit(6)
        const scanner = yield* makeTonScanner(networkOf(w), fast)
        const r = yield* scanner.scan({ cursor: null, watch, now: now() })
        expect(observed(r.events).map((e) => e.amount)).toEqual([5_000_000n])
        expect(w.server.requests.filter((q) => q.status === 429)).toHaveLength(6)
        expect(scanner.stats().rpcErrors).toBe(6)

        w.server.rateLimit(1, "1")
        const t0 = Date.now()
        yield* scanner.scan({ cursor: r.cursor, watch, now: now() })
        expect(Date.now() - t0).toBeGreaterThanOrEqual(950)

        yield* Effect.promise(() => w.pay(w.merchant.address, 6_000_000n, { inline: "STORM001" }))
        w.server.rateLimit(1000)
        const short = yield* makeTonScanner(networkOf(w), { ...fast, maxAttempts: 3 })
        const failed = yield* Effect.exit(short.scan({ cursor: r.cursor, watch, now: now() }))
        expect(Exit.isFailure(failed)).toBe(true)
        if (Exit.isFailure(failed)) {
          expect(failed.cause).toMatchObject({ _tag: "Fail", error: { _tag: "ChainError", retryable: true } })
        }
        w.server.rateLimit(0)
        const after = yield* short.scan({ cursor: r.cursor, watch, now: now() })
        expect(observed(after.events).map((e) => e.amount)).toEqual([6_000_000n])
      }),
  )

  it.scopedLive(
    "a page that fails after others were read: the scan returns what it read, the next one the rest",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = raw(w.merchant.address)
        const memos = ["PART0001", "PART0002", "PART0003", "PART0004", "PART0005"]
        const watch = watchOf({ [m]: memos })
        const first = yield* makeTonScanner(networkOf(w), fast)
        const start = yield* first.scan({ cursor: null, watch, now: now() })
        for (const [i, memo] of memos.entries())
          yield* Effect.promise(() =>
            w.pay(w.merchant.address, BigInt(1_000_000 * (i + 1)), { inline: memo }),
          )

        const scanner = yield* makeTonScanner(networkOf(w), { ...fast, pageSize: 2, maxAttempts: 2 })
        w.server.pagesBeforeFailure = 1 // the newest page is read, the next one fails until cleared
        const r = yield* scanner.scan({ cursor: start.cursor, watch, now: now() })
        expect(r.error).toMatchObject({ _tag: "ChainError", retryable: true })
        expect(r.caughtUp).toBe(false)
        const read = observed(r.events).map((e) => e.amount)
        expect(read).toEqual([4_000_000n, 5_000_000n])

        w.server.pagesBeforeFailure = null
        const rest = yield* scanner.scan({ cursor: r.cursor, watch, now: now() })
        expect(rest.error).toBeUndefined()
        const all = [...observed(r.events), ...observed(rest.events)]
        expect(all.map((e) => e.amount).sort((a, b) => Number(a - b))).toEqual(
          [1n, 2n, 3n, 4n, 5n].map((n) => n * 1_000_000n),
        )
        expect(new Set(all.map((e) => e.txHash)).size).toBe(5)
      }),
  )

  it.scopedLive("an account that fails after another was read: the read account's payments are kept", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = raw(w.merchant.address)
      const watch = watchOf({ [m]: ["ACCT0001"] })
      const options = { ...fast, source: "notifications" as const, maxAttempts: 2 }
      const scanner = yield* makeTonScanner(networkOf(w), options)
      const start = yield* scanner.scan({ cursor: null, watch, now: now() })
      yield* Effect.promise(() => w.pay(w.merchant.address, 7_000_000n, { inline: "ACCT0001" }))
      // "notifications": the merchant wallet is read first, then its jetton wallet, which fails.
      w.server.pagesBeforeFailure = 1
      const r = yield* scanner.scan({ cursor: start.cursor, watch, now: now() })
      expect(r.error).toMatchObject({ _tag: "ChainError" })
      expect(observed(r.events).map((e) => e.amount)).toEqual([7_000_000n])
      w.server.pagesBeforeFailure = null
      const rest = yield* scanner.scan({ cursor: r.cursor, watch, now: now() })
      expect(rest.error).toBeUndefined()
      expect(rest.events).toEqual([])
    }),
  )

  it.scopedLive("a memo created while the accounts were read is matched against a set loaded after", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = raw(w.merchant.address)
      const scanner = yield* makeTonScanner(networkOf(w), fast)
      const start = yield* scanner.scan({ cursor: null, watch: watchOf({ [m]: [] }), now: now() })
      // The first load knows no checkout; by the time the accounts are read one exists and is paid.
      let loads = 0
      const load = Effect.suspend(() => {
        loads++
        return loads === 1
          ? Effect.as(
              Effect.promise(() => w.pay(w.merchant.address, 3_000_000n, { inline: "LATE0001" })),
              watchOf({ [m]: [] }),
            )
          : Effect.succeed(watchOf({ [m]: ["LATE0001"] }))
      })
      const r = yield* scanner.scan({ cursor: start.cursor, watch: load, now: now() })
      expect(observed(r.events).map((e) => [e.amount, e.target])).toEqual([
        [3_000_000n, { kind: "memo", wallet: m, memo: "LATE0001" }],
      ])
      expect(unmatched(r.events)).toEqual([])
      expect(loads).toBe(2)
      // Nothing unknown: one load per scan.
      yield* scanner.scan({ cursor: r.cursor, watch: load, now: now() })
      expect(loads).toBe(3)
    }),
  )

  it.scopedLive("calls per scan do not depend on the number of open checkouts", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = raw(w.merchant.address)
      yield* Effect.promise(() => w.pay(w.merchant.address, 1_000_000n, { inline: "MEMO1999" }))
      const callsFor = (memos: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const scanner = yield* makeTonScanner(networkOf(w), fast)
          const r = yield* scanner.scan({ cursor: null, watch: watchOf({ [m]: memos }), now: now() })
          return { calls: scanner.stats().rpcCalls, observed: observed(r.events).length }
        })
      const few = yield* callsFor(["MEMO1999"])
      const many = yield* callsFor(
        Array.from({ length: 2000 }, (_, i) => `MEMO${String(i).padStart(4, "0")}`),
      )
      expect(few).toEqual({ calls: 2, observed: 1 })
      expect(many).toEqual(few)
    }),
  )

  it.scopedLive("minIntervalMs paces requests under toncenter's per-key rate", () =>
    Effect.gen(function* () {
      const w = yield* world
      const scanner = yield* makeTonScanner(networkOf(w), {
        ...fast,
        source: "notifications",
        minIntervalMs: 150,
      })
      const t0 = Date.now()
      yield* scanner.scan({ cursor: null, watch: watchOf({ [raw(w.merchant.address)]: [] }), now: now() })
      // get_wallet_address, the merchant wallet, its jetton wallet: three requests, two gaps.
      expect(scanner.stats().rpcCalls).toBe(3)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    }),
  )

  it.scopedLive("a lagging liteserver never moves the cursor back (no duplicate afterwards)", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = raw(w.merchant.address)
      const watch = watchOf({ [m]: ["LAG00001", "LAG00002"] })
      const first = yield* Effect.promise(() => w.pay(w.merchant.address, 1_000_000n, { inline: "LAG00001" }))
      const lagLt = txOn(first, w.merchant.address).lt
      yield* Effect.promise(() => w.pay(w.merchant.address, 2_000_000n, { inline: "LAG00002" }))
      const scanner = yield* makeTonScanner(networkOf(w), fast)
      const r1 = yield* scanner.scan({ cursor: null, watch, now: now() })
      expect(observed(r1.events).map((e) => e.amount)).toEqual([1_000_000n, 2_000_000n])

      w.server.laggingAt = lagLt
      const r2 = yield* scanner.scan({ cursor: r1.cursor, watch, now: now() })
      expect(r2.events).toEqual([])
      expect(JSON.parse(r2.cursor)).toEqual(JSON.parse(r1.cursor))

      w.server.laggingAt = null
      yield* Effect.promise(() => w.pay(w.merchant.address, 3_000_000n, { inline: "LAG00002" }))
      const r3 = yield* scanner.scan({ cursor: r2.cursor, watch, now: now() })
      expect(observed(r3.events).map((e) => e.amount)).toEqual([3_000_000n])
    }),
  )

  it.scopedLive("a cursor with a non-numeric lt is refused, not crashed on", () =>
    Effect.gen(function* () {
      const w = yield* world
      const scanner = yield* makeTonScanner(networkOf(w), fast)
      const cursor = JSON.stringify({
        v: 1,
        accounts: { [raw(w.merchant.address)]: { lt: "12x", hash: "" } },
      })
      const e = yield* Effect.flip(scanner.scan({ cursor, watch: watchOf({}), now: now() }))
      expect(e).toMatchObject({ _tag: "ChainError", retryable: false })
    }),
  )

  it.scopedLive("several URLs: a failing toncenter is skipped", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = raw(w.merchant.address)
      yield* Effect.promise(() => w.pay(w.merchant.address, 5_000_000n, { inline: "FAILOVER" }))
      const broken = yield* Effect.acquireRelease(
        Effect.promise(() => new FakeToncenter(w.ledger, w.getMethod).start()),
        (s) => Effect.promise(() => s.stop()),
      )
      broken.down = true
      const scanner = yield* makeTonScanner(networkOf(w, [broken.url, w.server.url]), fast)
      const r = yield* scanner.scan({ cursor: null, watch: watchOf({ [m]: ["FAILOVER"] }), now: now() })
      expect(observed(r.events)).toHaveLength(1)
      expect(broken.requests.length).toBeGreaterThanOrEqual(1)
      expect(broken.requests.every((q) => q.status === 502)).toBe(true)
    }),
  )

  it.scopedLive("errors leave as ChainError: bad API key (no retry), unreadable cursor, wrong family", () =>
    Effect.gen(function* () {
      const w = yield* world
      w.server.apiKey = "the-right-key"
      const scanner = yield* makeTonScanner(networkOf(w), fast)
      const watch = watchOf({ [raw(w.merchant.address)]: [] })
      const denied = yield* Effect.flip(scanner.scan({ cursor: null, watch, now: now() }))
      expect(denied).toMatchObject({ _tag: "ChainError", network: "ton-sandbox", retryable: false })
      expect(denied.message).toMatch(/401/)
      expect(w.server.requests).toHaveLength(1)
      w.server.apiKey = null

      const badCursor = yield* Effect.flip(scanner.scan({ cursor: "{nope", watch, now: now() }))
      expect(badCursor).toMatchObject({ _tag: "ChainError", retryable: false })
      const wrongFamily = yield* Effect.flip(makeTonScanner({ ...networkOf(w), family: "evm" }))
      expect(wrongFamily._tag).toBe("ChainError")
    }),
  )

  it.scopedLive("verify accepts the jetton master and refuses an address that is not one", () =>
    Effect.gen(function* () {
      const w = yield* world
      yield* (yield* makeTonScanner(networkOf(w), fast)).verify()
      const notMaster = {
        ...networkOf(w),
        tokens: [{ symbol: "USDT", contract: w.merchant.address.toString(), decimals: 6 }],
      }
      const e = yield* Effect.flip((yield* makeTonScanner(notMaster, fast)).verify())
      expect(e).toMatchObject({ _tag: "ChainError", retryable: false })
    }),
  )

  it.scopedLive(
    "finality: a TON payment is final once toncenter returns it; recheck confirms without a call",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const scanner = yield* makeTonScanner(networkOf(w), fast)
        const before = scanner.stats().rpcCalls
        const at = new Date("2026-01-01T00:00:00Z")
        const events = yield* scanner.recheck(
          [
            {
              network: "ton-sandbox",
              txHash: "ab".repeat(32),
              logIndex: 0,
              blockNumber: null,
              blockHash: null,
              confirmations: 1,
            },
          ],
          at,
        )
        expect(events).toEqual([
          {
            _tag: "PaymentConfirmed",
            network: "ton-sandbox",
            txHash: "ab".repeat(32),
            logIndex: 0,
            confirmations: 1,
            confirmedAt: at,
          },
        ])
        expect(scanner.stats().rpcCalls).toBe(before)
      }),
  )
})
