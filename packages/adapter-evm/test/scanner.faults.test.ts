import type { NetworkConfig } from "@inzi/core"
import { type Devnet, deadUrl, type FaultProxy, payTo, startDevnet, startFaultProxy } from "@inzi/devnet"
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  classifyRpcError,
  EVM_PRESETS,
  decodeCursor,
  type EvmScannerOptions,
  encodeCursor,
  makeEvmScanner,
} from "../src/index.js"
import { depositAddress, observed, watchOf } from "./helpers.js"

const run = <A, E>(eff: Effect.Effect<A, E>) => Effect.runPromise(eff)
const NOW = new Date("2026-01-01T00:00:00Z")
const FAST: EvmScannerOptions = { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 5_000 }

describe("EVM scanner under RPC faults (a local proxy injecting provider errors)", () => {
  let devnet: Devnet
  let proxy: FaultProxy
  let second: FaultProxy
  let to: string
  const network = (urls: ReadonlyArray<string>, extra: Partial<NetworkConfig> = {}): NetworkConfig => ({
    ...EVM_PRESETS.devnet,
    rpcUrls: urls,
    ...extra,
  })

  beforeAll(async () => {
    devnet = await startDevnet()
    proxy = await startFaultProxy(devnet.rpcUrl)
    second = await startFaultProxy(devnet.rpcUrl)
    to = depositAddress(500)
  })
  afterEach(() => {
    for (const p of [proxy, second]) {
      p.faults.length = 0
      p.maxGetLogsSpan = null
      p.failAfterHits = null
      p.servedSpans.length = 0
    }
  })
  afterAll(async () => {
    await proxy?.close()
    await second?.close()
    await devnet?.stop()
  })

  /** Payments spread over `blocks` new blocks; returns the cursor before them and the tx hashes. */
  const spreadPayments = async (blocks: number, every: number) => {
    const start = (await devnet.blockNumber()) + 1n
    const hashes: Array<string> = []
    for (let i = 0; i < blocks; i++) {
      if (i % every === 0) {
        hashes.push(
          (await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT, to, amount: BigInt(i + 1) }))
            .txHash,
        )
      } else {
        await devnet.mine(1)
      }
    }
    return { cursor: encodeCursor({ next: start, base: start, recent: [] }), hashes }
  }

  it("halves the range on 'more than 10000 results' until the node accepts it, then grows it back", async () => {
    const { cursor, hashes } = await spreadPayments(100, 9)
    proxy.maxGetLogsSpan = 8
    const s = await run(
      makeEvmScanner(network([proxy.url], { maxBlockRange: 64 }), {
        ...FAST,
        initialBlockRange: 64,
        maxRangesPerScan: 1_000,
      }),
    )
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(r.caughtUp).toBe(true)
    expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes)
    expect(s.stats().rangeReductions).toBeGreaterThanOrEqual(3) // 64 → 32 → 16 → 8
    expect(Math.max(...proxy.servedSpans)).toBeLessThanOrEqual(8)
    // The provider lifts its limit: the range grows back after successes.
    proxy.maxGetLogsSpan = null
    proxy.servedSpans.length = 0
    await devnet.mine(200)
    const r2 = await run(s.scan({ cursor: r.cursor, watch: watchOf([to]), now: NOW }))
    expect(r2.caughtUp).toBe(true)
    expect(Math.max(...proxy.servedSpans)).toBeGreaterThan(8)
    expect(s.stats().blockRange).toBeGreaterThan(8)
  })

  it.each([
    [-32005, "query returned more than 10000 results"],
    [-32602, "eth_getLogs is limited to a 10,000 range"],
    [-32000, "exceed maximum block range: 5000"],
    [-32600, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"],
    [-32062, "block range is too wide"],
    [-32000, "Block range too large"],
  ])("treats %i %s as 'range too large'", async (code, message) => {
    expect(classifyRpcError(code, message, "eth_getLogs")).toBe("range")
    const { cursor, hashes } = await spreadPayments(12, 5)
    proxy.maxGetLogsSpan = 3
    proxy.rangeError = { code, message }
    const s = await run(
      makeEvmScanner(network([proxy.url]), { ...FAST, initialBlockRange: 16, maxRangesPerScan: 100 }),
    )
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes)
    expect(s.stats().rangeReductions).toBeGreaterThanOrEqual(2) // 16 → 8 → 4 → 2
    expect(Math.max(...proxy.servedSpans)).toBeLessThanOrEqual(3)
  })

  it("classifies rate limits apart from range errors and from fatal errors", () => {
    expect(
      classifyRpcError(-32005, "daily request count exceeded, request rate limited", "eth_getLogs"),
    ).toBe("rate")
    expect(classifyRpcError(429, "Too Many Requests")).toBe("rate")
    expect(classifyRpcError(-32601, "the method eth_foo does not exist")).toBe("fatal")
    expect(classifyRpcError(-32000, "header not found", "eth_getBlockByNumber")).toBe("transient")
  })

  it("backs off on HTTP 429 (honouring Retry-After) and then succeeds", async () => {
    const { cursor, hashes } = await spreadPayments(3, 1)
    proxy.faults.push(
      { kind: "status", status: 429, retryAfter: "0.2" },
      { kind: "status", status: 429, retryAfter: "0.2" },
    )
    const s = await run(makeEvmScanner(network([proxy.url]), FAST))
    const started = performance.now()
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    const elapsed = performance.now() - started
    expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes)
    expect(s.stats().backoffs).toBe(2)
    expect(s.stats().rpcErrors).toBe(2)
    expect(elapsed).toBeGreaterThanOrEqual(380)
  })

  it("backs off on a JSON-RPC rate-limit reply too", async () => {
    const { cursor, hashes } = await spreadPayments(2, 1)
    proxy.faults.push({ kind: "rpc-error", code: -32005, message: "rate limit exceeded, retry later" })
    const s = await run(makeEvmScanner(network([proxy.url]), FAST))
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes)
    expect(s.stats().backoffs).toBe(1)
  })

  it("rotates to the next RPC URL on 500, a dropped connection and a refused connection", async () => {
    const { cursor, hashes } = await spreadPayments(4, 2)
    const dead = await deadUrl()
    proxy.faults.push({ kind: "status", status: 500 }, { kind: "drop" }, { kind: "status", status: 502 })
    second.hits = 0
    const s = await run(makeEvmScanner(network([dead, proxy.url, second.url]), FAST))
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes)
    expect(s.stats().urlRotations).toBeGreaterThanOrEqual(2)
    expect(s.stats().rpcErrors).toBeGreaterThanOrEqual(2)
    expect(second.hits).toBeGreaterThan(0)
  })

  it("fails with a retryable ChainError (never a thrown fetch error) when every URL keeps failing", async () => {
    const dead = await deadUrl()
    for (let i = 0; i < 20; i++) proxy.faults.push({ kind: "status", status: 503 })
    const s = await run(makeEvmScanner(network([dead, proxy.url]), { ...FAST, maxAttempts: 4 }))
    const err = await run(Effect.flip(s.scan({ cursor: null, watch: watchOf([]), now: NOW })))
    expect(err).toMatchObject({ _tag: "ChainError", network: "devnet", retryable: true })
    expect(err.message).toMatch(/HTTP 503|ECONNREFUSED/)
    expect(s.stats().rpcErrors).toBe(4)
    const verifyErr = await run(Effect.flip(s.verify()))
    expect(verifyErr._tag).toBe("ChainError")
  })

  it("times out a node that never answers and moves on", async () => {
    const { createServer } = await import("node:http")
    const silent = createServer(() => undefined) // accepts, never replies
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const port = (silent.address() as { port: number }).port
    try {
      const { cursor, hashes } = await spreadPayments(2, 1)
      const s = await run(
        makeEvmScanner(network([`http://127.0.0.1:${port}`, proxy.url]), { ...FAST, timeoutMs: 200 }),
      )
      const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
      expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes)
      expect(s.stats().urlRotations).toBeGreaterThanOrEqual(1)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  it("keeps the progress made before a failure instead of losing it", async () => {
    const { cursor, hashes } = await spreadPayments(6, 1)
    const s = await run(
      makeEvmScanner(network([proxy.url]), { ...FAST, initialBlockRange: 2, maxAttempts: 2 }),
    )
    // Request 1: head; requests 2 and 3: two ranges of 2 blocks; then the node goes down.
    proxy.failAfterHits = 3
    const r = await run(s.scan({ cursor, watch: watchOf([to]), now: NOW }))
    expect(r.caughtUp).toBe(false)
    expect(observed(r.events).map((e) => e.txHash)).toEqual(hashes.slice(0, 4))
    // The cursor covers exactly the two ranges read; the error makes the worker commit them, then back off.
    const start = decodeCursor(cursor)!.next
    expect(decodeCursor(r.cursor)!.next).toBe(start + 4n)
    expect(r.scannedTo).toBe(start + 3n)
    expect(r.error).toMatchObject({ _tag: "ChainError", retryable: true })
    expect(r.error?.message).toMatch(new RegExp(`scan stopped at block ${start + 4n}: .*HTTP 500`))
    proxy.failAfterHits = null
    // Before any progress, a failure is an error (nothing to persist).
    proxy.failAfterHits = 0
    expect((await run(Effect.flip(s.scan({ cursor: r.cursor, watch: watchOf([to]), now: NOW }))))._tag).toBe(
      "ChainError",
    )
    proxy.failAfterHits = null
    const rest = await run(s.scan({ cursor: r.cursor, watch: watchOf([to]), now: NOW }))
    expect([...observed(r.events), ...observed(rest.events)].map((e) => e.txHash)).toEqual(hashes)
  })
})
