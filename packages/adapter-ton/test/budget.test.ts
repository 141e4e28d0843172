import { describe, expect, it } from "@effect/vitest"
import { type ChainEvent, makeWatchSet, type ScanResult, type WatchSet } from "@inzi/core"
import { Address } from "@ton/core"
import { Effect } from "effect"
import { makeTonScanner, type TonPaymentSource } from "../src/index.js"
import { fast, makeJettonWorld, networkOf } from "./support/jetton-world.js"

const world = Effect.acquireRelease(
  Effect.promise(() => makeJettonWorld()),
  (w) => Effect.promise(() => w.server.stop()),
)
const other = (i: number) => Address.parseRaw(`0:${i.toString(16).padStart(64, "0")}`)
const NOW = new Date("2026-01-01T00:00:00Z")

/** Open checkouts on `open` (one memo each, the first is the world's merchant), none on `idle`. */
const watchOf = (open: ReadonlyArray<Address>, idle: ReadonlyArray<Address>): WatchSet =>
  makeWatchSet({
    addresses: [],
    memos: open.map((a, i) => ({ wallet: a.toRawString(), memo: `OPEN${i}` })),
    wallets: [...open, ...idle].map((a) => a.toRawString()),
  })

const observedAmounts = (events: ReadonlyArray<ChainEvent>) =>
  events.flatMap((e) => (e._tag === "PaymentObserved" ? [e.amount] : []))

for (const source of ["jetton-wallet", "notifications"] as const satisfies ReadonlyArray<TonPaymentSource>) {
  describe(`source "${source}" under a requests-per-second budget`, () => {
    it.scopedLive(
      "reads wallets with open checkouts first, in turn, within the budget, and reports the delay",
      () =>
        Effect.gen(function* () {
          const w = yield* world
          const open = [w.merchant.address, other(1), other(2)]
          const idle = [other(3), other(4), other(5)]
          const watch = watchOf(open, idle)
          yield* Effect.promise(() => w.pay(w.merchant.address, 1_500_000n, { ref: "OPEN0" }))
          // 10 req/s and a 300 ms poll: 3 requests per scan, spaced ≥ 100 ms.
          const network = { ...networkOf(w), pollIntervalMs: 300 }
          const scanner = yield* makeTonScanner(network, { ...fast, source, requestsPerSecond: 10 })
          const perWallet = source === "notifications" ? 2 : 1
          const readAccounts = new Set<string>()
          let cursor: string | null = null
          let credited: Array<bigint> = []
          for (let i = 0; i < 6; i++) {
            const before = w.server.requests.length
            const t0 = Date.now()
            const r: ScanResult = yield* scanner.scan({ cursor, watch, now: NOW })
            cursor = r.cursor
            credited = [...credited, ...observedAmounts(r.events)]
            const made = w.server.requests.slice(before)
            // The per-scan budget (3), overshot by at most one wallet's first read (resolve + reads) − 1.
            expect(made.length).toBeLessThanOrEqual(3 + perWallet)
            expect(Date.now() - t0).toBeGreaterThanOrEqual((made.length - 1) * 100 - 5)
            for (const q of made)
              if (q.path === "/api/v2/getTransactions") readAccounts.add(q.query.get("address")!)
          }
          expect(credited).toEqual([1_500_000n])
          // Every wallet with an open checkout was read (its jetton wallet), none of the idle ones.
          const jettonWallets = yield* Effect.forEach([...open, ...idle], (a) =>
            scanner.jettonWalletOf(w.genuine.address.toString(), a.toRawString()),
          )
          for (const jw of jettonWallets.slice(0, 3)) expect(readAccounts.has(jw)).toBe(true)
          for (const jw of jettonWallets.slice(3)) expect(readAccounts.has(jw)).toBe(false)
          // 3 open wallets × perWallet calls at 3 per scan: each is read every ⌈3·perWallet/3⌉ scans of 300 ms.
          expect(scanner.detectionDelayMs()).toBe(Math.ceil((3 * perWallet) / 3) * 300)
        }),
    )

    it.scopedLive("wallets without open checkouts get the budget the open ones leave", () =>
      Effect.gen(function* () {
        const w = yield* world
        const idle = [other(6), other(7)]
        const watch = watchOf([w.merchant.address], idle)
        const network = { ...networkOf(w), pollIntervalMs: 1000 }
        // 20 req/s and a 1 s poll: 20 requests per scan, enough for every wallet.
        const scanner = yield* makeTonScanner(network, { ...fast, source, requestsPerSecond: 20 })
        const before = w.server.requests.length
        yield* scanner.scan({ cursor: null, watch, now: NOW })
        const read = new Set(
          w.server.requests
            .slice(before)
            .filter((q) => q.path === "/api/v2/getTransactions")
            .map((q) => q.query.get("address")),
        )
        for (const a of idle)
          expect(read.has(yield* scanner.jettonWalletOf(w.genuine.address.toString(), a.toRawString()))).toBe(
            true,
          )
        expect(scanner.detectionDelayMs()).toBe(1000)
      }),
    )
  })
}

describe("without a budget", () => {
  it.scopedLive("every wallet every scan, no delay reported (today's behaviour)", () =>
    Effect.gen(function* () {
      const w = yield* world
      const scanner = yield* makeTonScanner(networkOf(w), fast)
      yield* scanner.scan({ cursor: null, watch: watchOf([w.merchant.address], [other(8)]), now: NOW })
      expect(w.server.calls("/api/v2/getTransactions")).toHaveLength(2)
      expect(scanner.detectionDelayMs()).toBeNull()
    }),
  )
})
