import {
  type ChainEvent,
  type ChainScanner,
  makeWatchSet,
  type PaymentObserved,
  type PendingPayment,
  type TransferTarget,
  type WatchSet,
} from "@inzi/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/** A capability the family's local chain or stand-in cannot stage, and why. */
export interface Missing {
  readonly missing: string
}

/** What the harness knows about a transfer it sent, as the scanner must report it. */
export interface PaidTx {
  /** The transaction the scanner keys the payment by (`PaymentObserved.txHash`). */
  readonly txHash: string
  /** The payer, normalized the way the family reports `PaymentObserved.sender`. */
  readonly sender: string
}

/** The configured token the genuine payments use, as the scanner reports it. */
export interface ConformanceToken {
  readonly symbol: string
  /** Normalized the way the family reports `PaymentObserved.tokenContract`. */
  readonly contract: string
  readonly decimals: number
}

export interface ConformanceScannerOptions {
  /**
   * The smallest page or block range the family allows, so that `PAGING_TRANSFERS` transfers, each in its own
   * block or transaction, cannot be read by one scan.
   */
  readonly paging?: boolean | undefined
}

/**
 * What a chain family provides to run the conformance suite against its own local chain or stand-in. Every
 * method acts on the one chain started by `start`; targets are normalized as the family's `PaymentObserved`
 * reports them (the suite compares them with `toEqual`).
 */
export interface ConformanceHarness {
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
  readonly token: ConformanceToken
  /** A fresh watch target nobody has paid yet: a derived address, or the merchant wallet plus a new memo. */
  readonly makeTarget: () => Promise<TransferTarget>
  /** Pays `amount` base units of the genuine token to `target`; resolves once the chain holds the transfer. */
  readonly payGenuine: (target: TransferTarget, amount: bigint) => Promise<PaidTx>
  /** The same amount and symbol/decimals to `target` from a token at another contract. */
  readonly payLookAlike: (target: TransferTarget, amount: bigint) => Promise<PaidTx>
  /** A transfer of the genuine token to `target` whose transaction fails on chain. */
  readonly payFailed: ((target: TransferTarget, amount: bigint) => Promise<PaidTx>) | Missing
  /** Forks the last genuine payment away before it is final (the chain afterwards is longer without it). */
  readonly revertLast: (() => Promise<void>) | Missing
  /** A new scanner on the chain, as after a restart (nothing cached). */
  readonly makeScanner: (options?: ConformanceScannerOptions) => Promise<ChainScanner>
  /** Produces `n` more blocks (or lets `n` units of the family's time pass). */
  readonly advance: (n: number) => Promise<void>
}

/** Transfers the paging case sends, one by one. */
export const PAGING_TRANSFERS = 12

const NOW = new Date("2026-01-01T00:00:00Z")

const isMissing = (x: unknown): x is Missing => typeof x === "object" && x !== null && "missing" in x

/** Core's watch set holding exactly `targets`. */
export const watchOfTargets = (targets: ReadonlyArray<TransferTarget>): WatchSet =>
  makeWatchSet({
    addresses: targets.flatMap((t) => (t.kind === "address" ? [t.address] : [])),
    memos: targets.flatMap((t) => (t.kind === "memo" ? [{ wallet: t.wallet, memo: t.memo }] : [])),
  })

/** The payment a worker hands back to `recheck` after observing it. */
export const pendingOf = (e: PaymentObserved): PendingPayment => ({
  network: e.network,
  txHash: e.txHash,
  logIndex: e.logIndex,
  blockNumber: e.blockNumber,
  blockHash: e.blockHash,
  confirmations: e.confirmations,
})

/** Scans until caught up; returns every event, the last cursor and the number of scan calls. */
export const scanToHead = (scanner: ChainScanner, watch: WatchSet, cursor: string | null, now = new Date()) =>
  Effect.gen(function* () {
    const events: Array<ChainEvent> = []
    let current = cursor
    let scans = 0
    for (;;) {
      const result = yield* scanner.scan({ cursor: current, watch, now })
      scans++
      events.push(...result.events)
      current = result.cursor
      if (result.error !== undefined) throw new Error(`scan failed part-way: ${result.error.message}`)
      if (result.caughtUp) return { events, cursor: current, scans, last: result }
      if (scans > 10_000) throw new Error("scan does not terminate")
    }
  })

const observedOf = (events: ReadonlyArray<ChainEvent>) =>
  events.filter((e): e is PaymentObserved => e._tag === "PaymentObserved")
/** Events that credit or report money (scan output), as [tag, tx] pairs. */
const moneyOf = (events: ReadonlyArray<ChainEvent>) =>
  events
    .filter((e) => e._tag === "PaymentObserved" || e._tag === "UnmatchedTransfer")
    .map((e) => [e._tag, e.txHash])

/**
 * The shared scanner suite. A case the harness cannot stage is registered as skipped with the reason in its
 * title: it never passes silently.
 */
export const describeChainAdapter = (name: string, harness: ConformanceHarness): void => {
  const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
  /** Where a scanner that watches `targets` stands now: the cursor to scan the next payments from. */
  const cursorNow = async (targets: ReadonlyArray<TransferTarget>) => {
    const scanner = await harness.makeScanner()
    return (await run(scanToHead(scanner, watchOfTargets(targets), null, NOW))).cursor
  }
  const scan = async (scanner: ChainScanner, targets: ReadonlyArray<TransferTarget>, cursor: string) =>
    run(scanToHead(scanner, watchOfTargets(targets), cursor, NOW))
  const expectCredited = (
    e: PaymentObserved | undefined,
    network: string,
    paid: PaidTx,
    target: TransferTarget,
    amount: bigint,
  ) => {
    expect(e).toMatchObject({
      _tag: "PaymentObserved",
      network,
      txHash: paid.txHash,
      target,
      token: harness.token.symbol,
      tokenContract: harness.token.contract,
      decimals: harness.token.decimals,
      amount,
      sender: paid.sender,
      observedAt: expect.any(Date),
    })
    expect(typeof e?.amount).toBe("bigint")
  }
  /**
   * Pays `ignored` (a transfer that must not count) and then a genuine one into one target, and scans both:
   * only the genuine payment is credited. The genuine one after it proves the ignored one's range was read.
   */
  const onlyGenuineCredited = async (
    payIgnored: (target: TransferTarget, amount: bigint) => Promise<PaidTx>,
    genuineAmount: bigint,
  ) => {
    const target = await harness.makeTarget()
    const cursor = await cursorNow([target])
    const ignored = await payIgnored(target, 25_000_000n)
    const genuine = await harness.payGenuine(target, genuineAmount)
    await harness.advance(1)
    const scanner = await harness.makeScanner()
    const r = await scan(scanner, [target], cursor)
    expect(ignored.txHash).not.toBe(genuine.txHash)
    expect(moneyOf(r.events)).toEqual([["PaymentObserved", genuine.txHash]])
    expectCredited(observedOf(r.events)[0], scanner.network.id, genuine, target, genuineAmount)
  }
  const notApplicable = (title: string, m: Missing) =>
    it.skip(`${title} — not applicable: ${m.missing}`, () => {})

  describe(`conformance: ${name}`, () => {
    beforeAll(() => harness.start(), 120_000)
    afterAll(() => harness.stop())

    it("a genuine payment is credited with exact amount, sender, tx hash and target", async () => {
      const target = await harness.makeTarget()
      const cursor = await cursorNow([target])
      const amount = 12_345_679n
      const paid = await harness.payGenuine(target, amount)
      await harness.advance(1)
      const scanner = await harness.makeScanner()
      const r = await scan(scanner, [target], cursor)
      expect(moneyOf(r.events)).toEqual([["PaymentObserved", paid.txHash]])
      expectCredited(observedOf(r.events)[0], scanner.network.id, paid, target, amount)
    })

    it("a look-alike token (same symbol and decimals, other contract) is ignored", () =>
      onlyGenuineCredited(harness.payLookAlike, 1_000_001n))

    const failedTitle = "a failed transaction is ignored"
    const payFailed = harness.payFailed
    if (isMissing(payFailed)) notApplicable(failedTitle, payFailed)
    else it(failedTitle, () => onlyGenuineCredited(payFailed, 2_000_002n))

    const revertTitle = "a payment reverted before finality is rolled back (recheck and rescan)"
    const revertLast = harness.revertLast
    if (isMissing(revertLast)) notApplicable(revertTitle, revertLast)
    else
      it(revertTitle, async () => {
        const target = await harness.makeTarget()
        const cursor = await cursorNow([target])
        const paid = await harness.payGenuine(target, 3_000_003n)
        await harness.advance(1) // below the head, not final
        const scanner = await harness.makeScanner()
        const first = await scan(scanner, [target], cursor)
        const [seen] = observedOf(first.events)
        expectCredited(seen, scanner.network.id, paid, target, 3_000_003n)
        const pending = pendingOf(seen!)
        // Not final yet: a recheck neither confirms nor reverts it.
        const before = await run(scanner.recheck([pending], NOW))
        expect(before.filter((e) => e._tag !== "PaymentConfirmationsUpdated")).toEqual([])

        await revertLast()
        const out = await run(scanner.recheck([pending], NOW))
        expect(out).toHaveLength(1)
        expect(out[0]).toMatchObject({
          _tag: "PaymentReverted",
          network: scanner.network.id,
          txHash: paid.txHash,
          logIndex: seen!.logIndex,
          reason: expect.any(String),
        })
        // The scanner rewinds past the fork: the reverted payment is not credited again, a new one is.
        const after = await harness.payGenuine(target, 4_000_004n)
        await harness.advance(1)
        const second = await scan(scanner, [target], first.cursor)
        expect(moneyOf(second.events)).toEqual([["PaymentObserved", after.txHash]])
        // A restarted scanner from the same stored cursor agrees.
        const restarted = await scan(await harness.makeScanner(), [target], first.cursor)
        expect(moneyOf(restarted.events)).toEqual([["PaymentObserved", after.txHash]])
      })

    it("a restart from the stored cursor credits nothing twice", async () => {
      const target = await harness.makeTarget()
      const start = await cursorNow([target])
      const p1 = await harness.payGenuine(target, 5_000_005n)
      await harness.advance(1)
      const a = await scan(await harness.makeScanner(), [target], start)
      expect(moneyOf(a.events)).toEqual([["PaymentObserved", p1.txHash]])

      // Restart: a new scanner from the stored cursor sees only what came after it.
      const p2 = await harness.payGenuine(target, 6_000_006n)
      await harness.advance(1)
      const b = await scan(await harness.makeScanner(), [target], a.cursor)
      expect(moneyOf(b.events)).toEqual([["PaymentObserved", p2.txHash]])
      const [e2] = observedOf(b.events)
      expectCredited(e2, e2?.network ?? "", p2, target, 6_000_006n)
      const again = await scan(await harness.makeScanner(), [target], b.cursor)
      expect(moneyOf(again.events)).toEqual([])
      // A crash before `b.cursor` was stored: replaying from `a.cursor` yields the same payment, same key.
      const replay = await scan(await harness.makeScanner(), [target], a.cursor)
      expect(observedOf(replay.events).map((e) => [e.txHash, e.logIndex, e.amount])).toEqual([
        [e2!.txHash, e2!.logIndex, 6_000_006n],
      ])
    })

    it(`pages across ${PAGING_TRANSFERS} transfers: bounded scans, each transfer exactly once, also across restarts`, async () => {
      const target = await harness.makeTarget()
      const cursor = await cursorNow([target])
      const paid: Array<[string, bigint]> = []
      for (let i = 0; i < PAGING_TRANSFERS; i++) {
        const amount = 7_000_000n + BigInt(i)
        paid.push([(await harness.payGenuine(target, amount)).txHash, amount])
        await harness.advance(1)
      }
      const byTx = (x: [string, bigint], y: [string, bigint]) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)
      const expected = [...paid].sort(byTx)
      const credited = (events: ReadonlyArray<ChainEvent>) =>
        observedOf(events)
          .map((e): [string, bigint] => [e.txHash, e.amount])
          .sort(byTx)

      // One scanner, scan after scan.
      const scanner = await harness.makeScanner({ paging: true })
      const r = await scan(scanner, [target], cursor)
      expect(r.scans).toBeGreaterThan(1)
      expect(credited(r.events)).toEqual(expected)
      expect(moneyOf(r.events)).toHaveLength(PAGING_TRANSFERS)

      // A restart after every bounded scan: a new scanner from the cursor the previous one stored.
      const events: Array<ChainEvent> = []
      let current = cursor
      let scans = 0
      for (;;) {
        const fresh = await harness.makeScanner({ paging: true })
        const step = await run(fresh.scan({ cursor: current, watch: watchOfTargets([target]), now: NOW }))
        expect(step.error).toBeUndefined()
        events.push(...step.events)
        current = step.cursor
        scans++
        if (step.caughtUp || scans > 1_000) break
      }
      expect(scans).toBeGreaterThan(1)
      expect(credited(events)).toEqual(expected)
      expect(moneyOf(events)).toHaveLength(PAGING_TRANSFERS)
    })

    it("remote calls for one scan are the same with 1 and 1 000 open targets", async () => {
      const target = await harness.makeTarget()
      const stranger = await harness.makeTarget()
      const cursor = await cursorNow([target])
      const paid = [
        await harness.payGenuine(target, 8_000_001n),
        await harness.payGenuine(stranger, 8_000_002n),
        await harness.payGenuine(target, 8_000_003n),
      ]
      await harness.advance(1)
      const idle: Array<TransferTarget> = []
      for (let i = 0; i < 999; i++) idle.push(await harness.makeTarget())
      const callsFor = async (targets: ReadonlyArray<TransferTarget>) => {
        const scanner = await harness.makeScanner()
        const before = scanner.stats().rpcCalls
        // Loaded like the worker's watch set: after the scanner fixed the end of its range.
        const watch = Effect.sync(() => watchOfTargets(targets))
        const r = await run(scanner.scan({ cursor, watch, now: NOW }))
        expect(r.error).toBeUndefined()
        return {
          calls: scanner.stats().rpcCalls - before,
          observed: observedOf(r.events).map((e) => e.txHash),
        }
      }
      const one = await callsFor([target])
      const thousand = await callsFor([target, ...idle])
      expect(one.observed).toEqual([paid[0]!.txHash, paid[2]!.txHash])
      expect(thousand.observed).toEqual(one.observed)
      expect(one.calls).toBeGreaterThan(0)
      expect(thousand.calls).toBe(one.calls)
    })
  })
}
