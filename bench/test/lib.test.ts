import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LoadResult } from "../src/lib/load-child.js"
import { startChild } from "../src/lib/proc.js"
import { machineFacts, quantile, table } from "../src/lib/results.js"

// The benchmarks themselves are not tests (nothing here gates on performance); these check the harness.
describe("bench harness", () => {
  it("quantile picks the nearest-rank value", () => {
    const xs = [5, 1, 4, 2, 3]
    expect(quantile(xs, 0.5)).toBe(3)
    expect(quantile(xs, 0.95)).toBe(5)
    expect(quantile(xs, 0)).toBe(1)
    expect(Number.isNaN(quantile([], 0.5))).toBe(true)
  })

  it("table renders a markdown table", () => {
    expect(table(["a", "b"], [[1, "x"]])).toBe("| a | b |\n|---|---|\n| 1 | x |")
  })

  it("machine facts name the commit, the CPUs, node and the load average", () => {
    const f = machineFacts()
    expect(f).toMatch(/^commit `[0-9a-f?]+/)
    expect(f).toContain(`node ${process.version}`)
    expect(f).toMatch(/load average \d+\.\d+ \d+\.\d+ \d+\.\d+/)
  })

  describe("load child (autocannon in a second process)", () => {
    let hits = 0
    const paths: string[] = []
    const server = createServer((req, res) => {
      hits++
      paths.push(req.url ?? "")
      res.writeHead(req.url === "/b" ? 404 : 200).end("ok")
    })
    let url = ""
    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(() => new Promise<void>((r) => server.close(() => r())))

    it("reports what the server saw, rotating the paths", async () => {
      const c = await startChild<LoadResult>("lib/load-child.ts", [
        JSON.stringify({ url, method: "GET", paths: ["/a", "/b"], headers: {}, connections: 2, seconds: 1 }),
      ])
      await c.stop()
      const r = c.ready
      expect(r.requests).toBeGreaterThan(10)
      expect(hits).toBeGreaterThanOrEqual(r.requests)
      expect(new Set(paths)).toEqual(new Set(["/a", "/b"]))
      // every other request went to /b (404)
      expect(Math.abs(r.non2xx - r.requests / 2)).toBeLessThanOrEqual(2)
      expect(r.p50).toBeGreaterThanOrEqual(0)
      expect(r.p99).toBeGreaterThanOrEqual(r.p50)
    })
  })
})
