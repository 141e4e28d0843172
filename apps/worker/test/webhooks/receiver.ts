/**
 * A real HTTP webhook receiver on an ephemeral loopback port, recording what it gets.
 * The reply is decided per request by `respond` (status, or "hang" to never answer).
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export type Reply =
  | number
  | "hang"
  | { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> }

export interface Receiver {
  readonly port: number
  readonly host: string
  /** `http://<host>:<port>` (IPv6 hosts in brackets). */
  readonly origin: string
  readonly requests: ReceivedRequest[]
  /** Requests currently being handled (hanging ones included). */
  inFlight: number
  maxInFlight: number
  /** Changes the reply for the next requests. */
  respond: (req: ReceivedRequest) => Reply | Promise<Reply>
  /** Answers every hanging request with `status` and lets new ones through with it. */
  releaseHanging: (status?: number) => void
  /** Resolves once `n` requests have arrived in total. */
  waitFor: (n: number, timeoutMs?: number) => Promise<void>
  close: () => Promise<void>
}

export const startReceiver = async (
  respond: Receiver["respond"] = () => 200,
  options: { readonly host?: string; readonly port?: number } = {},
): Promise<Receiver> => {
  const host = options.host ?? "127.0.0.1"
  const hanging: http.ServerResponse[] = []
  const waiters: Array<{ n: number; resolve: () => void }> = []
  const sockets = new Set<import("node:net").Socket>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", async () => {
      const rec: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      }
      receiver.requests.push(rec)
      receiver.inFlight++
      receiver.maxInFlight = Math.max(receiver.maxInFlight, receiver.inFlight)
      for (const w of waiters.splice(0)) {
        if (receiver.requests.length >= w.n) w.resolve()
        else waiters.push(w)
      }
      res.on("close", () => {
        receiver.inFlight--
      })
      const reply = await receiver.respond(rec)
      if (reply === "hang") {
        hanging.push(res)
        return
      }
      const r = typeof reply === "number" ? { status: reply } : reply
      res.writeHead(r.status, { "content-type": "text/plain", ...(r.headers ?? {}) })
      res.end(r.body ?? "ok")
    })
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const receiver: Receiver = {
    port,
    host,
    origin: host.includes(":") ? `http://[${host}]:${port}` : `http://${host}:${port}`,
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    respond,
    releaseHanging: (status = 200) => {
      receiver.respond = () => status
      for (const res of hanging.splice(0)) {
        if (!res.destroyed) {
          res.writeHead(status)
          res.end("late")
        }
      }
    },
    waitFor: (n, timeoutMs = 10_000) =>
      receiver.requests.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(
              () => reject(new Error(`receiver got ${receiver.requests.length}/${n} requests`)),
              timeoutMs,
            )
            waiters.push({
              n,
              resolve: () => {
                clearTimeout(t)
                resolve()
              },
            })
          }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging.splice(0)) res.destroy()
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
  return receiver
}
