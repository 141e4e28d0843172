import { describe, expect, it } from "@effect/vitest"
import { type ChainEvent, makeWatchSet, type PaymentObserved, type WatchSet } from "@inzi/core"
import type { Address } from "@ton/core"
import { Effect } from "effect"
import { makeTonScanner, type TonScannerOptions } from "../src/index.js"
import { fast, makeJettonWorld, networkOf, txOn } from "./support/jetton-world.js"

const world = Effect.acquireRelease(
  Effect.promise(() => makeJettonWorld()),
  (w) => Effect.promise(() => w.server.stop()),
)
const opts: TonScannerOptions = { ...fast, source: "jetton-transfers" }
const observed = (events: ReadonlyArray<ChainEvent>) =>
  events.filter((e): e is PaymentObserved => e._tag === "PaymentObserved")
const money = (events: ReadonlyArray<ChainEvent>) =>
  events.filter((e) => e._tag === "PaymentObserved" || e._tag === "UnmatchedTransfer").map((e) => e.txHash)
const NOW = new Date("2026-01-01T00:00:00Z")

/** `n` merchants: the world's merchant (memo `PAID…` open) plus n − 1 other wallets with one open memo each. */
const merchants = (merchant: Address, n: number, memo: string): WatchSet => {
  const memos = [{ wallet: merchant.toRawString(), memo }]
  for (let i = 1; i < n; i++)
    memos.push({ wallet: `0:${i.toString(16).padStart(64, "0")}`, memo: `OPEN${i}` })
  return makeWatchSet({ addresses: [], memos, wallets: memos.map((m) => m.wallet) })
}

describe('source "jetton-transfers": toncenter v3, one paged read per jetton master', () => {
  it.scopedLive("remote calls per scan are identical at 1, 1 000 and 10 000 merchants", () =>
    Effect.gen(function* () {
      const w = yield* world
      const start = yield* (yield* makeTonScanner(networkOf(w), opts)).scan({
        cursor: null,
        watch: merchants(w.merchant.address, 1, "X"),
        now: NOW,
      })
      // Ref comments (served in `forward_payload`) and inline ones (read back from the sender's transaction).
      yield* Effect.promise(() => w.pay(w.merchant.address, 1_000_001n, { ref: "PAID1" }))
      yield* Effect.promise(() => w.pay(w.merchant.address, 1_000_002n, { inline: "nope" }))
      yield* Effect.promise(() => w.pay(w.payer.address, 1_000_003n, { ref: "ELSEWHERE" }))
      const callsAt = (n: number) =>
        Effect.gen(function* () {
          const scanner = yield* makeTonScanner(networkOf(w), opts)
          const r = yield* scanner.scan({
            cursor: start.cursor,
            watch: merchants(w.merchant.address, n, "PAID1"),
            now: NOW,
          })
          return {
            calls: scanner.stats().rpcCalls,
            observed: observed(r.events).map((e) => e.amount),
            all: money(r.events),
          }
        })
      const one = yield* callsAt(1)
      const thousand = yield* callsAt(1_000)
      const tenThousand = yield* callsAt(10_000)
      expect(one.observed).toEqual([1_000_001n])
      expect(one.all).toHaveLength(2)
      // 1 page + 1 get_wallet_address (the payer, cached per process) + 1 v2 read (the inline comment).
      expect(one.calls).toBe(3)
      expect(thousand).toEqual(one)
      expect(tenThousand).toEqual(one)
    }),
  )

  it.scopedLive(
    "a look-alike jetton labelled with the genuine master (sender wallet not derived from it) is ignored",
    () =>
      Effect.gen(function* () {
        const w = yield* world
        const m = w.merchant.address
        const watch = merchants(m, 1, "LOOKALIKE")
        const scanner = yield* makeTonScanner(networkOf(w), opts)
        const start = yield* scanner.scan({ cursor: null, watch, now: NOW })
        // The attacker's jetton wallet, labelled as the genuine master's by a (hypothetically) wrong index.
        const fakeWallet = (yield* Effect.promise(() => w.walletOf(w.fake, w.attacker.address))).address
        w.server.v3Mislabel.set(fakeWallet.toRawString(), w.genuine.address)
        const fake = yield* Effect.promise(() => w.payFake(m, 9_000_000n, { ref: "LOOKALIKE" }))
        const served = yield* Effect.promise(async () => {
          const u = new URL(w.server.url.replace("/api/v2", "/api/v3/jetton/transfers"))
          u.searchParams.set("jetton_master", w.genuine.address.toString())
          u.searchParams.set("limit", "1000")
          return (
            (await (await fetch(u)).json()) as { jetton_transfers: Array<{ transaction_hash: string }> }
          ).jetton_transfers
        })
        const fakeTx = txOn(fake, fakeWallet)
        expect(served.map((t) => t.transaction_hash)).toContain(fakeTx.hash().toString("base64"))
        const genuine = yield* Effect.promise(() => w.pay(m, 2_000_000n, { ref: "LOOKALIKE" }))
        const r = yield* scanner.scan({ cursor: start.cursor, watch, now: NOW })
        const payerWallet = (yield* Effect.promise(() => w.walletOf(w.genuine, w.payer.address))).address
        expect(money(r.events)).toEqual([txOn(genuine, payerWallet).hash().toString("hex")])
      }),
  )

  it.scopedLive("an aborted transfer is ignored even when the index serves it", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = w.merchant.address
      const watch = merchants(m, 1, "ABORTED")
      const scanner = yield* makeTonScanner(networkOf(w), opts)
      const start = yield* scanner.scan({ cursor: null, watch, now: NOW })
      // More than the payer holds: its (genuine) jetton wallet throws, the transaction is aborted.
      const txs = yield* Effect.promise(() => w.pay(m, 10n ** 15n, { ref: "ABORTED" }))
      const payerWallet = (yield* Effect.promise(() => w.walletOf(w.genuine, w.payer.address))).address
      const tx = txOn(txs, payerWallet)
      expect(tx.description.type === "generic" && tx.description.aborted).toBe(true)
      w.server.v3ServeAborted = true
      const r = yield* scanner.scan({ cursor: start.cursor, watch, now: NOW })
      expect(r.events).toEqual([])
      const served = w.server.requests.filter((q) => q.path === "/api/v3/jetton/transfers").length
      expect(served).toBeGreaterThan(0)
    }),
  )

  it.scopedLive("a transfer the index adds late, below an lt already read, is credited once", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = w.merchant.address
      const watch = merchants(m, 1, "LATE")
      const scanner = yield* makeTonScanner(networkOf(w), opts)
      const start = yield* scanner.scan({ cursor: null, watch, now: NOW })
      const payerWallet = (yield* Effect.promise(() => w.walletOf(w.genuine, w.payer.address))).address
      const early = txOn(yield* Effect.promise(() => w.pay(m, 3_000_001n, { ref: "LATE" })), payerWallet)
      const later = txOn(yield* Effect.promise(() => w.pay(m, 3_000_002n, { ref: "LATE" })), payerWallet)
      w.server.v3Hidden.add(early.hash().toString("base64"))
      const a = yield* scanner.scan({ cursor: start.cursor, watch, now: NOW })
      expect(money(a.events)).toEqual([later.hash().toString("hex")])
      w.server.v3Hidden.clear()
      const b = yield* scanner.scan({ cursor: a.cursor, watch, now: NOW })
      expect(money(b.events)).toEqual([early.hash().toString("hex")])
      const c = yield* scanner.scan({ cursor: b.cursor, watch, now: NOW })
      expect(c.events).toEqual([])
      // Two minutes later (chain time), the first two are past the settle window: the floor moves up to the
      // new transfer and the cursor forgets the hashes below it.
      w.blockchain.now = Math.max(early.now, later.now) + 120
      const last = txOn(yield* Effect.promise(() => w.pay(m, 3_000_003n, { ref: "LATE" })), payerWallet)
      const d = yield* scanner.scan({ cursor: c.cursor, watch, now: NOW })
      expect(money(d.events)).toEqual([last.hash().toString("hex")])
      const master = JSON.parse(d.cursor).masters[w.genuine.address.toRawString()]
      expect(master.floor).toBe(last.lt.toString())
      expect(master.seen).toEqual([{ lt: last.lt.toString(), hash: last.hash().toString("hex") }])
      const e = yield* scanner.scan({ cursor: d.cursor, watch, now: NOW })
      expect(e.events).toEqual([])
    }),
  )

  it.scopedLive("a cursor left by a per-wallet source starts at the present: nothing counted twice", () =>
    Effect.gen(function* () {
      const w = yield* world
      const m = w.merchant.address
      const watch = merchants(m, 1, "SWITCH")
      yield* Effect.promise(() => w.pay(m, 4_000_001n, { ref: "SWITCH" }))
      const v2 = yield* makeTonScanner(networkOf(w), { ...fast, source: "jetton-wallet" })
      const before = yield* v2.scan({ cursor: null, watch, now: NOW })
      expect(observed(before.events)).toHaveLength(1)
      const v3 = yield* makeTonScanner(networkOf(w), opts)
      const after = yield* v3.scan({ cursor: before.cursor, watch, now: new Date(Date.now() + 5_000) })
      expect(after.events).toEqual([])
      // The per-wallet part of the cursor is kept.
      expect(Object.keys(JSON.parse(after.cursor).accounts).length).toBeGreaterThan(0)
    }),
  )
})
