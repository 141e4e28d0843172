import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeEvmRpc } from "../src/rpc.js"

/** A real HTTP server answering each path its own way: what a wrong RPC URL gets from a real host. */
let server: Server
let base = ""
let hits = 0
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++
    req.resume()
    req.on("end", () => {
      if (req.url === "/jsonrpc") res.writeHead(404, { "content-type": "text/plain" }).end("Not Found")
      else if (req.url === "/page") res.writeHead(200, { "content-type": "text/html" }).end("<html></html>")
      else if (req.url === "/get-only")
        res.writeHead(405, { "content-type": "application/json" }).end('{"message":"Method Not Allowed"}')
      else if (req.url === "/busy") res.writeHead(503, { "content-type": "text/html" }).end("<h1>503</h1>")
      else
        res
          .writeHead(200, { "content-type": "application/json" })
          .end('{"jsonrpc":"2.0","id":1,"result":"0x7a69"}')
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const callAt = (paths: ReadonlyArray<string>) => {
  hits = 0
  const rpc = makeEvmRpc({
    network: "t",
    urls: paths.map((p) => base + p),
    options: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
  })
  return Effect.runPromise(Effect.flip(rpc.call("eth_chainId", [])))
}

describe("EVM RPC: an endpoint that answers but is not JSON-RPC", () => {
  it.each([
    ["/jsonrpc", /HTTP 404, not JSON; not a JSON-RPC endpoint/],
    ["/page", /HTTP 200, not JSON; not a JSON-RPC endpoint/],
    ["/get-only", /HTTP 405, no JSON-RPC reply; not a JSON-RPC endpoint/],
  ])("%s fails at once, not retryable (a configuration error)", async (path, message) => {
    const e = await callAt([path])
    expect(e._tag).toBe("ChainError")
    expect(e.message).toMatch(message)
    expect((e as { retryable: boolean }).retryable).toBe(false)
    expect(hits).toBe(1)
  })

  it("a 503 is retried and stays retryable (unreachable, not misconfigured)", async () => {
    const e = await callAt(["/busy"])
    expect(e.message).toMatch(/HTTP 503/)
    expect((e as { retryable: boolean }).retryable).toBe(true)
    expect(hits).toBe(4)
  })

  it("with a good URL beside a wrong one, the call succeeds on the good one", async () => {
    hits = 0
    const rpc = makeEvmRpc({
      network: "t",
      urls: [`${base}/jsonrpc`, `${base}/`],
      options: { baseDelayMs: 1 },
    })
    expect(await Effect.runPromise(rpc.call("eth_chainId", []))).toBe("0x7a69")
    expect(hits).toBe(2)
  })
})
