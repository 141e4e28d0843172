/**
 * Child process: webhook receivers on N ports (N origins), answering 200 at once. Answers `count`
 * (deliveries received), `connections` (TCP connections accepted: keep-alive reuse) and `reset`.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { serveAsks, signalReady } from "../lib/proc.js"

const n = Number(process.argv[2] ?? 1)
let count = 0
let connections = 0
const urls: string[] = []
for (let i = 0; i < n; i++) {
  const s = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    req.on("data", () => {})
    req.on("end", () => {
      count++
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" })
      res.end("ok")
    })
  })
  s.on("connection", () => connections++)
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r))
  urls.push(`http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`)
}
serveAsks({
  count: () => count,
  connections: () => connections,
  reset: () => {
    count = 0
    connections = 0
    return true
  },
})
process.on("SIGTERM", () => process.exit(0))
signalReady({ urls })
