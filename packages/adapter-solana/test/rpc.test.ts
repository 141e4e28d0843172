import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeSolanaRpc } from "../src/index.js"
import { serveSvmRpc, SvmLedger, type SvmRpcServer } from "@inzi/devnet-solana"

let server: SvmRpcServer
beforeAll(async () => {
  server = await serveSvmRpc(new SvmLedger())
})
afterAll(() => server.stop())
const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const rpcOf = (urls: ReadonlyArray<string>, maxAttempts = 4) =>
  makeSolanaRpc({
    network: "solana-local",
    urls,
    options: { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2_000, maxAttempts },
  })

describe("Solana JSON-RPC transport", () => {
  it("retries 429 (honouring Retry-After) and 5xx, then answers; every failed attempt is counted", async () => {
    const rpc = rpcOf([server.url])
    server.faults.push({ status: 429, retryAfter: "0" }, { status: 503 })
    const started = Date.now()
    expect(await run(rpc.call("getSlot", [{ commitment: "confirmed" }]))).toEqual(expect.any(Number))
    expect(Date.now() - started).toBeLessThan(1_500)
    expect(rpc.stats()).toMatchObject({ rpcCalls: 3, rpcErrors: 2 })
  })

  it("rotates to the next URL when one is down, and keeps using it", async () => {
    const rpc = rpcOf(["http://127.0.0.1:9/", server.url])
    expect(await run(rpc.call("getSlot", []))).toEqual(expect.any(Number))
    expect(await run(rpc.call("getSlot", []))).toEqual(expect.any(Number))
    expect(rpc.stats()).toMatchObject({ rpcCalls: 3, rpcErrors: 1 })
  })

  it("gives up with a retryable ChainError naming no URL path, and fails at once on a refused call", async () => {
    const down = rpcOf(["http://127.0.0.1:9/secret-key-path"], 3)
    const e = await run(Effect.flip(down.call("getSlot", [])))
    expect(e).toMatchObject({ _tag: "ChainError", network: "solana-local", retryable: true })
    expect(e.message).not.toContain("secret-key-path")
    expect(down.stats().rpcErrors).toBe(3)
    const rpc = rpcOf([server.url])
    const refused = await run(Effect.flip(rpc.call("getSignaturesForAddress", ["x", { limit: 5000 }])))
    expect(refused).toMatchObject({ retryable: false, message: expect.stringContaining("code -32602") })
    expect(rpc.stats().rpcCalls).toBe(1)
  })

  it("batches calls into one request per batchSize and returns the results in order", async () => {
    const rpc = makeSolanaRpc({ network: "solana-local", urls: [server.url], options: { batchSize: 2 } })
    const out = await run(rpc.batch(Array.from({ length: 5 }, () => ({ method: "getSlot", params: [] }))))
    expect(out).toHaveLength(5)
    expect(rpc.stats()).toMatchObject({ rpcCalls: 5, httpRequests: 3 })
  })
})
