import { createServer } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseRetryAfter } from "../src/index.js"
import { FakeChain, fakeTronNode } from "./fakeTronNode.js"
import { fakeAddress, fakeTxId, TL24, transferInfo, USDT } from "./fixtures.js"
import { API_KEY, chainErrorOf, observed, scannerFor, testNetwork, watchOf } from "./helpers.js"

const NOW = new Date("2026-11-24T08:00:00Z")
const WATCHED = fakeAddress("resilience")

const smallChain = () => {
  const chain = new FakeChain()
  chain.add(
    100,
    transferInfo({
      id: fakeTxId("r1"),
      blockNumber: 100,
      contract: USDT,
      from: TL24,
      to: WATCHED,
      value: 5_000_000n,
    }),
  )
  // block 101: someone else's transfer (a non-empty block, as on mainnet)
  chain.add(
    101,
    transferInfo({ id: fakeTxId("r2"), blockNumber: 101, contract: USDT, from: TL24, to: TL24, value: 1n }),
  )
  chain.solid = 90
  return chain
}

/** A port nobody listens on. */
const closedPort = Effect.async<number>((resume) => {
  const s = createServer()
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address() as { port: number }
    s.close(() => resume(Effect.succeed(port)))
  })
})

describe("Tron HTTP resilience", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("2", 0)).toBe(2000)
    expect(parseRetryAfter("0.5", 0)).toBe(500)
    expect(parseRetryAfter(null, 0)).toBeNull()
    expect(parseRetryAfter("Tue, 24 Nov 2026 08:00:10 GMT", Date.parse("2026-11-24T08:00:00Z"))).toBe(10_000)
    expect(parseRetryAfter("soon", 0)).toBeNull()
  })

  it.scopedLive("rides out a 429 storm, waiting at least Retry-After between attempts", () =>
    Effect.gen(function* () {
      const node = yield* fakeTronNode(smallChain())
      node.faults.push(
        { status: 429, headers: { "retry-after": "1" } },
        { status: 429, headers: { "retry-after": "1" } },
      )
      const scanner = yield* scannerFor(testNetwork([node.url], { startBlock: "100" }))
      const result = yield* scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW })
      expect(observed(result.events).map((e) => e.amount)).toEqual([5_000_000n])
      const [a, b, c] = node.requests
      expect(b!.at - a!.at).toBeGreaterThanOrEqual(950)
      expect(c!.at - b!.at).toBeGreaterThanOrEqual(950)
      // 2 refused attempts, then head, blocks 100 and 101, solid head (a match was found)
      expect(scanner.stats()).toEqual({ rpcCalls: 2 + 4, rpcErrors: 2 })
      expect(node.requests.every((r) => r.headers["tron-pro-api-key"] === API_KEY)).toBe(true)
    }),
  )

  it.scopedLive("gives up on an endless 429 storm with a retryable ChainError after maxAttempts", () =>
    Effect.gen(function* () {
      const node = yield* fakeTronNode(smallChain())
      node.alwaysFail = { status: 429, headers: { "retry-after": "0" } }
      const scanner = yield* scannerFor(testNetwork([node.url]), { baseDelayMs: 1, maxAttempts: 4 })
      const error = yield* chainErrorOf(scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW }))
      expect(error).toMatchObject({ _tag: "ChainError", network: "tron", retryable: true })
      expect(error.message).toMatch(/HTTP 429.*gave up after 4 attempts/)
      expect(node.count()).toBe(4)
      // A Retry-After beyond what we accept fails at once rather than blocking the worker…
      node.alwaysFail = { status: 429, headers: { "retry-after": "3600" } }
      const long = yield* chainErrorOf(scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW }))
      expect(long.message).toMatch(/HTTP 429 \(Retry-After 3600 s too long\)/)
      expect(long.retryable).toBe(true)
      expect(node.count()).toBe(5)
      // …and the server is not called again before its time is up.
      node.alwaysFail = null
      yield* chainErrorOf(scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW }))
      expect(node.count()).toBe(5)
    }),
  )

  it.scopedLive("rotates to the next URL on 5xx and stays on the healthy one", () =>
    Effect.gen(function* () {
      const chain = smallChain()
      const dead = yield* fakeTronNode(chain)
      const healthy = yield* fakeTronNode(chain)
      dead.alwaysFail = { status: 503, body: "Service Unavailable" }
      const scanner = yield* scannerFor(testNetwork([dead.url, healthy.url], { startBlock: "100" }))
      const result = yield* scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW })
      expect(observed(result.events)).toHaveLength(1)
      expect(dead.count()).toBe(1)
      expect(healthy.count()).toBe(1 + 2 + 1) // head, 2 blocks, solid head
      // The headers go to every URL.
      expect(
        [...dead.requests, ...healthy.requests].every((r) => r.headers["tron-pro-api-key"] === API_KEY),
      ).toBe(true)
      // Later calls keep using the healthy URL.
      yield* scanner.scan({ cursor: result.cursor, watch: watchOf([WATCHED]), now: NOW })
      expect(dead.count()).toBe(1)
    }),
  )

  it.scopedLive(
    "moves to another URL when one answers 429 with a long Retry-After, and avoids it afterwards",
    () =>
      Effect.gen(function* () {
        const chain = smallChain()
        const limited = yield* fakeTronNode(chain)
        const free = yield* fakeTronNode(chain)
        limited.faults.push({ status: 429, headers: { "retry-after": "3600" } })
        const scanner = yield* scannerFor(testNetwork([limited.url, free.url], { startBlock: "100" }))
        const r1 = yield* scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW })
        expect(observed(r1.events)).toHaveLength(1)
        expect(limited.count()).toBe(1)
        expect(free.count()).toBe(4)
      }),
  )

  it.scopedLive("alternates over all URLs when all fail, then fails with a retryable ChainError", () =>
    Effect.gen(function* () {
      const chain = smallChain()
      const a = yield* fakeTronNode(chain)
      const b = yield* fakeTronNode(chain)
      a.alwaysFail = { status: 502 }
      b.alwaysFail = { status: 500 }
      const scanner = yield* scannerFor(testNetwork([a.url, b.url]), { baseDelayMs: 1, maxAttempts: 5 })
      const error = yield* chainErrorOf(scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW }))
      expect(error.retryable).toBe(true)
      expect([a.count(), b.count()]).toEqual([3, 2])
      expect(scanner.stats()).toEqual({ rpcCalls: 5, rpcErrors: 5 })
    }),
  )

  it.scopedLive(
    "maps every transport failure to ChainError: 403, garbage, node Error, unreachable host",
    () =>
      Effect.gen(function* () {
        const node = yield* fakeTronNode(smallChain())
        const scanner = yield* scannerFor(testNetwork([node.url]), { baseDelayMs: 1, maxAttempts: 2 })
        const scan = scanner.scan({ cursor: null, watch: watchOf([WATCHED]), now: NOW })

        node.faults.push({ status: 403, body: "bad key" })
        const forbidden = yield* chainErrorOf(scan)
        expect(forbidden.retryable).toBe(false)
        expect(forbidden.message).toMatch(/HTTP 403 \(check the API key header\)/)
        expect(node.count()).toBe(1) // no retry on a client error

        node.faults.push(
          { status: 0 },
          { status: 200, body: "<html>gateway</html>" },
          { status: 200, body: "[" },
        )
        // getblock ok; the block call gets non-JSON twice → gives up after maxAttempts
        const garbage = yield* chainErrorOf(
          scanner.scan({ cursor: '{"v":1,"next":"100"}', watch: watchOf([]), now: NOW }),
        )
        expect(garbage.message).toMatch(/not JSON/)

        node.faults.push({
          status: 200,
          body: JSON.stringify({ Error: "class org.tron.core.exception.BadItemException" }),
        })
        const nodeError = yield* chainErrorOf(scan)
        expect(nodeError.message).toMatch(/node error: class org.tron/)

        const port = yield* closedPort
        const unreachable = yield* scannerFor(testNetwork([`http://127.0.0.1:${port}`]), {
          baseDelayMs: 1,
          maxAttempts: 2,
        })
        const refused = yield* chainErrorOf(unreachable.scan({ cursor: null, watch: watchOf([]), now: NOW }))
        expect(refused.retryable).toBe(true)
        expect(unreachable.stats()).toEqual({ rpcCalls: 2, rpcErrors: 2 })
      }),
  )
})
