import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: string; readonly body?: string }
  | { readonly kind: "rpc-error"; readonly code: number; readonly message: string }
  | { readonly kind: "drop" }
  /** Holds the request this long, then forwards it (longer than the client's timeout: a hung provider). */
  | { readonly kind: "delay"; readonly ms: number }

/**
 * A tiny JSON-RPC proxy in front of the devnet that injects what public providers do: range errors on large
 * `eth_getLogs`, 429s, 5xx, dropped connections, hung requests. Used by the EVM scanner's fault tests and the
 * chaos run (tooling/chaos).
 */
export interface FaultProxy {
  readonly url: string
  /** Faults applied to the next requests, one per request, in order. */
  readonly faults: Array<Fault>
  /** Refuse `eth_getLogs` spanning more blocks than this (null: no limit). */
  maxGetLogsSpan: number | null
  /** The error a refused `eth_getLogs` gets. */
  rangeError: { code: number; message: string }
  /** Requests received (including faulted ones). */
  hits: number
  /** Faults taken from `faults` and applied so far. */
  readonly applied: number
  /** When set, every request after this many further hits gets a 500 (the node "goes down"). */
  failAfterHits: number | null
  /** eth_getLogs spans (blocks) that were forwarded successfully. */
  readonly servedSpans: Array<number>
  readonly close: () => Promise<void>
}

interface JsonRpcRequest {
  id: unknown
  method: string
  params: Array<Record<string, string>>
}

export const startFaultProxy = async (upstream: string): Promise<FaultProxy> => {
  const state = {
    faults: [] as Array<Fault>,
    maxGetLogsSpan: null as number | null,
    rangeError: { code: -32005, message: "query returned more than 10000 results" },
    hits: 0,
    failAfterHits: null as number | null,
    servedSpans: [] as Array<number>,
    applied: 0,
  }
  const server: Server = createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString("utf8")
    state.hits++
    if (state.failAfterHits !== null && state.failAfterHits-- <= 0) {
      res.writeHead(500).end("down")
      return
    }
    const fault = state.faults.shift()
    if (fault !== undefined) state.applied++
    if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms))
    if (req.socket.destroyed) return
    if (fault?.kind === "drop") {
      req.socket.destroy()
      return
    }
    if (fault?.kind === "status") {
      res.writeHead(fault.status, {
        "content-type": "text/plain",
        ...(fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}),
      })
      res.end(fault.body ?? "upstream unavailable")
      return
    }
    const parsed = JSON.parse(body) as JsonRpcRequest | Array<JsonRpcRequest>
    const calls = Array.isArray(parsed) ? parsed : [parsed]
    let json: unknown
    try {
      const upstreamReply = await fetch(upstream, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      })
      json = await upstreamReply.json()
    } catch {
      if (!res.headersSent) res.writeHead(502).end("upstream unreachable")
      return
    }
    const replies = (Array.isArray(json) ? json : [json]) as Array<Record<string, unknown>>
    const out = replies.map((r) => {
      const call = calls.find((c) => c.id === r.id)
      if (fault?.kind === "rpc-error") {
        return { jsonrpc: "2.0", id: r.id, error: { code: fault.code, message: fault.message } }
      }
      if (call?.method === "eth_getLogs") {
        const span = Number(BigInt(call.params[0]!.toBlock!) - BigInt(call.params[0]!.fromBlock!) + 1n)
        if (state.maxGetLogsSpan !== null && span > state.maxGetLogsSpan) {
          return { jsonrpc: "2.0", id: r.id, error: state.rangeError }
        }
        if (r.error === undefined) state.servedSpans.push(span)
      }
      return r
    })
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(Array.isArray(json) ? out : out[0]))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    get faults() {
      return state.faults
    },
    get maxGetLogsSpan() {
      return state.maxGetLogsSpan
    },
    set maxGetLogsSpan(v) {
      state.maxGetLogsSpan = v
    },
    get rangeError() {
      return state.rangeError
    },
    set rangeError(v) {
      state.rangeError = v
    },
    get hits() {
      return state.hits
    },
    set hits(v) {
      state.hits = v
    },
    get failAfterHits() {
      return state.failAfterHits
    },
    set failAfterHits(v) {
      state.failAfterHits = v
    },
    get applied() {
      return state.applied
    },
    get servedSpans() {
      return state.servedSpans
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return proxy
}

/** A URL nothing listens on (connection refused). */
export const deadUrl = async (): Promise<string> => {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
