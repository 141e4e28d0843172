import type { NetworkConfig, PaymentObserved } from "@inzi/core"
import { type Devnet, payTo, startDevnet } from "@inzi/devnet"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeCursor, EVM_PRESETS, type EvmScanner, encodeCursor, makeEvmScanner } from "../src/index.js"
import { depositAddress, observed, pendingOf, randomAddresses, watchOf } from "./helpers.js"

const run = <A, E>(eff: Effect.Effect<A, E>) => Effect.runPromise(eff)
const NOW = new Date("2026-01-01T00:00:00Z")

describe("EVM scanner against a real local node", () => {
  let devnet: Devnet
  let network: NetworkConfig
  let counter = 0
  /** A fresh deposit address per test, derived from the merchant's xpub. */
  const nextAddress = () => depositAddress(counter++)
  const scanner = (options = {}): Promise<EvmScanner> => run(makeEvmScanner(network, options))
  /** A cursor that starts at the next block. */
  const cursorAtNextBlock = async () =>
    encodeCursor({
      next: (await devnet.blockNumber()) + 1n,
      base: (await devnet.blockNumber()) + 1n,
      recent: [],
    })
  const pay = (token: keyof Devnet["tokens"], to: string, amount: bigint) =>
    payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens[token], to, amount })

  beforeAll(async () => {
    devnet = await startDevnet()
    network = { ...EVM_PRESETS.devnet, rpcUrls: [devnet.rpcUrl] }
  })
  afterAll(() => devnet?.stop())

  it("verify() accepts the configured decimals and refuses a mismatch, a missing contract or a wrong chain", async () => {
    const ok = await scanner()
    await run(ok.verify())
    const wrongDecimals = await run(
      makeEvmScanner({
        ...network,
        tokens: [{ symbol: "USDT", contract: devnet.tokens.USDT.address, decimals: 18 }],
      }),
    )
    const e1 = await Effect.runPromise(Effect.flip(wrongDecimals.verify()))
    expect(e1._tag).toBe("ChainError")
    expect(e1.message).toMatch(/6 decimals on chain, configured 18/)
    expect(e1.retryable).toBe(false)
    const noContract = await run(
      makeEvmScanner({
        ...network,
        tokens: [{ symbol: "USDT", contract: `0x${"12".repeat(20)}`, decimals: 6 }],
      }),
    )
    expect((await Effect.runPromise(Effect.flip(noContract.verify()))).message).toMatch(
      /decimals\(\) gave no answer/,
    )
    const wrongChain = await run(makeEvmScanner({ ...network, chainId: 1 }))
    expect((await Effect.runPromise(Effect.flip(wrongChain.verify()))).message).toMatch(/chain id 31337/)
  })

  it("starts at the head without a cursor", async () => {
    const s = await scanner()
    const head = await devnet.blockNumber()
    const r = await run(s.scan({ cursor: null, watch: watchOf([]), now: NOW }))
    expect(r.head).toBe(head)
    expect(r.scannedTo).toBe(head)
    expect(r.caughtUp).toBe(true)
    expect(decodeCursor(r.cursor)?.next).toBe(head + 1n)
  })

  it("starts at the configured startBlock without a cursor and catches up in bounded steps", async () => {
    const to = nextAddress()
    const from = (await devnet.blockNumber()) + 1n
    const paid = await pay("USDT", to, 9n)
    await devnet.mine(10)
    const s = await run(
      makeEvmScanner(
        { ...network, startBlock: from.toString() },
        { initialBlockRange: 4, maxRangesPerScan: 2 },
      ),
    )
    const first = await run(s.scan({ cursor: null, watch: watchOf([to]), now: NOW }))
    expect(first.caughtUp).toBe(false)
    expect(first.scannedTo).toBeLessThan(first.head)
    expect(observed(first.events).map((e) => e.txHash)).toEqual([paid.txHash])
    const second = await run(s.scan({ cursor: first.cursor, watch: watchOf([to]), now: NOW }))
    expect(second.caughtUp).toBe(true)
    expect(second.events).toEqual([])
  })

  it("detects an exact payment, then confirms it after N mined blocks", async () => {
    const s = await scanner()
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const paid = await pay("USDT", to, 25_000_000n)
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(r.events).toHaveLength(1)
    const ev = r.events[0] as PaymentObserved
    expect(ev).toEqual({
      _tag: "PaymentObserved",
      network: "devnet",
      txHash: paid.txHash,
      logIndex: 0,
      target: { kind: "address", address: to },
      token: "USDT",
      tokenContract: devnet.tokens.USDT.address.toLowerCase(),
      decimals: 6,
      amount: 25_000_000n,
      sender: devnet.payer.address.toLowerCase(),
      blockNumber: paid.blockNumber,
      blockHash: paid.blockHash,
      confirmations: 1,
      observedAt: NOW,
    })
    let pending = pendingOf(ev)
    expect(await run(s.recheck([pending], NOW))).toEqual([]) // nothing changed yet
    await devnet.mine(1)
    const progress = await run(s.recheck([pending], NOW))
    expect(progress).toEqual([
      {
        _tag: "PaymentConfirmationsUpdated",
        network: "devnet",
        txHash: paid.txHash,
        logIndex: 0,
        confirmations: 2,
      },
    ])
    pending = { ...pending, confirmations: 2 }
    await devnet.mine(network.confirmations - 2)
    const done = await run(s.recheck([pending], NOW))
    expect(done).toEqual([
      {
        _tag: "PaymentConfirmed",
        network: "devnet",
        txHash: paid.txHash,
        logIndex: 0,
        confirmations: network.confirmations,
        confirmedAt: NOW,
      },
    ])
  })

  it("with a finality tag, a block at or below the tagged block confirms before the depth is reached", async () => {
    // On Hardhat `finalized` is the head, so the tag alone confirms at depth 1 (depth would need 100).
    const s = await run(makeEvmScanner({ ...network, finalityTag: "finalized", confirmations: 100 }))
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const paid = await pay("USDT", to, 2n)
    const [ev] = observed((await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))).events)
    expect(ev!.confirmations).toBe(1)
    expect(await run(s.recheck([pendingOf(ev!)], NOW))).toEqual([
      {
        _tag: "PaymentConfirmed",
        network: "devnet",
        txHash: paid.txHash,
        logIndex: 0,
        confirmations: 1,
        confirmedAt: NOW,
      },
    ])
    // Without the tag the same payment only progresses.
    const plain = await run(makeEvmScanner({ ...network, confirmations: 100 }))
    await devnet.mine(1)
    expect((await run(plain.recheck([pendingOf(ev!)], NOW)))[0]?._tag).toBe("PaymentConfirmationsUpdated")
  })

  it("emits a payment already deep enough as observed with its confirmations (confirmed at once)", async () => {
    const s = await scanner()
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    await pay("USDC", to, 1_000_000n)
    await devnet.mine(5)
    const [ev] = observed((await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))).events)
    expect(ev!.token).toBe("USDC")
    expect(ev!.confirmations).toBe(6)
    expect(ev!.confirmations).toBeGreaterThanOrEqual(network.confirmations)
  })

  it("reports two payments in one block with distinct log indexes", async () => {
    const s = await scanner()
    const a = nextAddress()
    const b = nextAddress()
    const cursor = await cursorAtNextBlock()
    await devnet.setAutomine(false)
    try {
      await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: a,
        amount: 10_000_000n,
        wait: false,
      })
      await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: b,
        amount: 15_000_000n,
        wait: false,
      })
      await devnet.mine(1)
    } finally {
      await devnet.setAutomine(true)
    }
    const events = observed((await run(s.scan({ cursor, watch: watchOf([a, b]), now: NOW }))).events)
    expect(events).toHaveLength(2)
    expect(events[0]!.blockNumber).toBe(events[1]!.blockNumber)
    expect(events[0]!.blockHash).toBe(events[1]!.blockHash)
    expect(events[0]!.txHash).not.toBe(events[1]!.txHash)
    expect(new Set(events.map((e) => e.logIndex)).size).toBe(2)
    expect(events.map((e) => [e.target, e.amount])).toEqual([
      [{ kind: "address", address: a }, 10_000_000n],
      [{ kind: "address", address: b }, 15_000_000n],
    ])
  })

  it("handles an 18-decimal token exactly", async () => {
    const s = await scanner()
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const amount = 25n * 10n ** 18n + 1n // 25.000000000000000001
    await pay("USDT18", to, amount)
    const [ev] = observed((await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))).events)
    expect(ev).toMatchObject({ token: "USDT18", decimals: 18, amount })
  })

  it("ignores the look-alike USDT and transfers to unknown addresses", async () => {
    const s = await scanner()
    const to = nextAddress()
    const stranger = randomAddresses(1)[0]!
    const cursor = await cursorAtNextBlock()
    await pay("FAKE_USDT", to, 25_000_000n) // same symbol and decimals, other contract
    await pay("USDT", stranger, 25_000_000n) // genuine token, nobody's deposit address
    const genuine = await pay("USDT", to, 3_000_000n)
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({
      txHash: genuine.txHash,
      amount: 3_000_000n,
      tokenContract: devnet.tokens.USDT.address.toLowerCase(),
    })
  })

  it("a reorg (evm_snapshot/evm_revert) makes recheck emit PaymentReverted and the scan rewind", async () => {
    const s = await scanner()
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const snap = await devnet.snapshot()
    const paid = await pay("USDT", to, 25_000_000n)
    const first = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    const [ev] = observed(first.events)
    expect(ev!.txHash).toBe(paid.txHash)
    expect(await devnet.revert(snap)).toBe(true)
    await devnet.mine(3) // a longer chain without the payment
    const rechecked = await run(s.recheck([pendingOf(ev!)], NOW))
    expect(rechecked).toHaveLength(1)
    expect(rechecked[0]).toMatchObject({
      _tag: "PaymentReverted",
      txHash: paid.txHash,
      logIndex: ev!.logIndex,
    })
    // The scanner notices its last checkpoint is gone, rewinds, and sees the new chain (no payment; a new one is found).
    const after = await pay("USDT", to, 4_000_000n)
    const reorgsBefore = s.stats().reorgs
    const second = await run(s.scan({ cursor: first.cursor, watch: watchOf([to]), now: NOW }))
    expect(s.stats().reorgs).toBe(reorgsBefore + 1)
    expect(observed(second.events).map((e) => e.txHash)).toEqual([after.txHash])
    expect(second.caughtUp).toBe(true)
  })

  it("recheck reverts a payment whose block was replaced even before it is deep enough", async () => {
    const s = await scanner()
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const snap = await devnet.snapshot()
    await pay("USDC", to, 5n)
    const [ev] = observed((await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))).events)
    await devnet.revert(snap)
    await devnet.mine(1) // same height, other block
    const out = await run(s.recheck([pendingOf(ev!)], NOW))
    expect(out[0]?._tag).toBe("PaymentReverted")
    expect((out[0] as { reason: string }).reason).toMatch(/replaced|no longer/)
  })

  it("a reorg deeper than the confirmations reverts an already confirmed payment; a canonical one costs no receipt", async () => {
    const s = await scanner({ deepReorgDepth: 20 })
    expect(s.deepReorgWindowMs).toBe(3_600_000)
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const snap = await devnet.snapshot()
    const paid = await pay("USDT", to, 25_000_000n)
    const first = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    const [ev] = observed(first.events)
    await devnet.mine(network.confirmations + 2)
    const waiting = await run(s.recheck([pendingOf(ev!)], NOW))
    expect(waiting.map((e) => e._tag)).toEqual(["PaymentConfirmed"])
    // Confirmed and still canonical: no event, one batch of head + header, no receipt.
    const confirmed = { ...pendingOf(ev!), confirmed: true }
    const callsBefore = s.stats().rpcCalls
    expect(await run(s.recheck([confirmed], NOW))).toEqual([])
    expect(s.stats().rpcCalls - callsBefore).toBe(2)

    // The chain is replaced from before the payment, deeper than the confirmations.
    expect(await devnet.revert(snap)).toBe(true)
    await devnet.mine(network.confirmations + 4)
    const out = await run(s.recheck([confirmed], NOW))
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({ _tag: "PaymentReverted", txHash: paid.txHash, logIndex: ev!.logIndex })
    expect((out[0] as { reason: string }).reason).toMatch(/deep reorg|deeper than the confirmations/)
    // The scan rewinds too and the chain now holds no such payment.
    const second = await run(s.scan({ cursor: first.cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(second.events)).toEqual([])

    // Beyond the depth window a confirmed payment costs no request at all.
    const deep = await scanner({ deepReorgDepth: 2 })
    await run(deep.scan({ cursor: null, watch: watchOf([]), now: NOW })) // learns the head
    const calls = deep.stats().rpcCalls
    expect(await run(deep.recheck([confirmed], NOW))).toEqual([])
    expect(deep.stats().rpcCalls).toBe(calls)
  })

  it("a rescan after a revert whose result was never committed is done again from the stored cursor", async () => {
    const s = await scanner({ deepReorgDepth: 20 })
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    const paid = await pay("USDT", to, 7_000_000n)
    await devnet.mine(2)
    const first = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    const [ev] = observed(first.events)
    expect(ev!.txHash).toBe(paid.txHash)
    // Recorded with a block hash the chain no longer has: the recheck reverts it and hints a rescan.
    const stale = { ...pendingOf(ev!), blockHash: `0x${"ab".repeat(32)}`, confirmed: true }
    expect((await run(s.recheck([stale], NOW))).map((e) => e._tag)).toEqual(["PaymentReverted"])
    const uncommitted = await run(s.scan({ cursor: first.cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(uncommitted.events).map((e) => e.txHash)).toEqual([paid.txHash])
    // Its commit failed (database down, lease lost): the store still holds `first.cursor`. (A new block, so
    // that the retried rescan returns a cursor of its own: one equal to its start never spends the hint.)
    await devnet.mine(1)
    const retried = await run(s.scan({ cursor: first.cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(retried.events).map((e) => e.txHash)).toEqual([paid.txHash])
    // Started from the cursor the rescan returned (committed): the hint is spent.
    const next = await run(s.scan({ cursor: retried.cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(next.events)).toEqual([])
  })

  it("resumes from a saved cursor without gaps or duplicates, also mid-range", async () => {
    const to = nextAddress()
    const watch = watchOf([to])
    const start = await cursorAtNextBlock()
    const hashes: Array<string> = []
    for (let i = 0; i < 6; i++) {
      hashes.push((await pay("USDT", to, BigInt(1_000 + i))).txHash)
      await devnet.mine(1) // empty blocks between payments
    }
    // A worker that restarts after every small range: each scan handles 1 range of 2 blocks.
    const seen: Array<string> = []
    let cursor = start
    let rounds = 0
    for (;;) {
      const s = await scanner({ initialBlockRange: 2, maxRangesPerScan: 1, growAfterSuccesses: 1_000 })
      const r = await run(s.scan({ cursor, watch, now: NOW }))
      seen.push(...observed(r.events).map((e) => e.txHash))
      cursor = r.cursor
      rounds++
      if (r.caughtUp) break
    }
    expect(rounds).toBeGreaterThanOrEqual(6)
    expect(seen).toEqual(hashes)
    // Scanning again from the last cursor yields nothing new.
    const s = await scanner()
    const again = await run(s.scan({ cursor, watch, now: NOW }))
    expect(again.events).toEqual([])
    // Replaying from the start (a crash before the cursor was saved) gives exactly the same events again.
    const replay = await run(s.scan({ cursor: start, watch, now: NOW }))
    expect(observed(replay.events).map((e) => e.txHash)).toEqual(hashes)
  })

  it("makes the same number of RPC calls with 1 and 10 000 watched addresses", async () => {
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    for (let i = 0; i < 3; i++) await pay("USDT", to, 7n)
    await pay("USDC", randomAddresses(1)[0]!, 7n)
    const small = watchOf([to])
    const big = watchOf([...randomAddresses(9_999), to])
    expect(big.size).toBe(10_000)
    const s1 = await scanner({ initialBlockRange: 2 })
    const s2 = await scanner({ initialBlockRange: 2 })
    const r1 = await run(s1.scan({ cursor, watch: small, now: NOW }))
    const r2 = await run(s2.scan({ cursor, watch: big, now: NOW }))
    expect(r1.events).toHaveLength(3)
    expect(r2.events).toEqual(r1.events)
    expect(s1.stats().rpcCalls).toBe(s2.stats().rpcCalls)
    expect(s1.stats().httpRequests).toBe(s2.stats().httpRequests)
    // 4 blocks in ranges of 2 then 4: head + 2 × (getLogs + header) = 5 calls in 3 HTTP requests.
    expect(s1.stats().rpcCalls).toBe(5)
    expect(s1.stats().httpRequests).toBe(3)
  })

  it("rechecks many pending payments in a bounded number of requests", async () => {
    const to = nextAddress()
    const cursor = await cursorAtNextBlock()
    for (let i = 0; i < 5; i++) await pay("USDT", to, 1n)
    const s = await scanner({ maxBatchSize: 50 })
    const evs = observed((await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))).events)
    expect(evs).toHaveLength(5)
    await devnet.mine(network.confirmations)
    const before = s.stats().httpRequests
    const out = await run(s.recheck(evs.map(pendingOf), NOW))
    expect(out.map((e) => e._tag)).toEqual(Array(5).fill("PaymentConfirmed"))
    // One request for head + block hashes, one for the receipts.
    expect(s.stats().httpRequests - before).toBe(2)
  })

  it("an unreadable cursor fails with a non-retryable ChainError", async () => {
    const s = await scanner()
    const exit = await Effect.runPromiseExit(s.scan({ cursor: "not a cursor", watch: watchOf([]), now: NOW }))
    expect(Exit.isFailure(exit)).toBe(true)
    const err = await Effect.runPromise(Effect.flip(s.scan({ cursor: "{}", watch: watchOf([]), now: NOW })))
    expect(err).toMatchObject({ _tag: "ChainError", network: "devnet", retryable: false })
  })
})
