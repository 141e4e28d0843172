import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Address, Cell, type TupleItem } from "@ton/core"
import { stackFromToncenter, stackToToncenter, type ToncenterTx } from "./toncenter-shape.js"

export interface GetMethodAnswer {
  readonly exitCode: number
  readonly stack: ReadonlyArray<TupleItem>
}
export type GetMethodHandler = (
  address: Address,
  method: string,
  stack: ReadonlyArray<TupleItem>,
) => Promise<GetMethodAnswer | undefined>

/** The transactions a fake toncenter serves, per account (raw form), newest first like the real one. */
export class Ledger {
  private readonly byAccount = new Map<string, Array<ToncenterTx>>()

  publish(account: Address, tx: ToncenterTx): void {
    const key = account.toRawString()
    const list = this.byAccount.get(key) ?? []
    if (list.some((t) => t.transaction_id.lt === tx.transaction_id.lt)) return
    list.push(tx)
    list.sort((a, b) => (BigInt(b.transaction_id.lt) > BigInt(a.transaction_id.lt) ? 1 : -1))
    this.byAccount.set(key, list)
  }

  of(account: Address): ReadonlyArray<ToncenterTx> {
    return this.byAccount.get(account.toRawString()) ?? []
  }
}

/** More routes beside toncenter's (e.g. the devnet's own); `undefined` for a path it does not serve. */
export type ExtraRoute = (path: string, body: string) => Promise<[number, unknown]> | undefined

export interface RecordedRequest {
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingMessage["headers"]
  readonly status: number
}

/**
 * A node:http server answering like toncenter v2: `GET /api/v2/getTransactions` (lt/hash inclusive start,
 * `to_lt` exclusive, newest first, `limit`) and `POST /api/v2/runGetMethod` (executed by the given handler,
 * e.g. the sandbox TVM). `rateLimit(n)` answers the next n requests with toncenter's 429; `down` makes it
 * answer 502 to everything, `pagesBeforeFailure` to every page after the next n.
 */
export class FakeToncenter {
  readonly requests: Array<RecordedRequest> = []
  down = false
  /** A lagging liteserver: transactions above this lt are not known yet, and `to_lt` is ignored. */
  laggingAt: bigint | null = null
  /** When set, requests without this `X-API-Key` get toncenter's 401. */
  apiKey: string | null = null
  /** When set, `getTransactions` answers this many more pages, then 502 to every further one. */
  pagesBeforeFailure: number | null = null
  private limited = 0
  private retryAfter: string | null = null
  private server: Server | null = null

  constructor(
    readonly ledger: Ledger,
    private readonly getMethod: GetMethodHandler,
    private readonly routes?: ExtraRoute,
  ) {}

  rateLimit(requests: number, retryAfter: string | null = null): void {
    this.limited = requests
    this.retryAfter = retryAfter
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo
    return `http://127.0.0.1:${a.port}/api/v2`
  }

  calls(path: string): ReadonlyArray<RecordedRequest> {
    return this.requests.filter((r) => r.path === path)
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://x")
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          this.requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers, status })
          res.writeHead(status, { "content-type": "application/json", ...headers })
          res.end(JSON.stringify(body))
        }
        if (this.down) return reply(502, { ok: false, error: "bad gateway", code: 502 })
        if (url.pathname === "/api/v2/getTransactions" && this.pagesBeforeFailure !== null) {
          if (this.pagesBeforeFailure <= 0) return reply(502, { ok: false, error: "bad gateway", code: 502 })
          this.pagesBeforeFailure--
        }
        if (this.apiKey !== null && req.headers["x-api-key"] !== this.apiKey) {
          return reply(401, { ok: false, error: "API key does not exist", code: 401 })
        }
        if (this.limited > 0) {
          this.limited--
          return reply(
            429,
            { ok: false, result: "Ratelimit exceed", code: 429 },
            this.retryAfter === null ? {} : { "retry-after": this.retryAfter },
          )
        }
        this.handle(url, Buffer.concat(chunks).toString("utf8")).then(
          ([status, body]) => reply(status, body),
          (e) => reply(500, { ok: false, error: String(e), code: 500 }),
        )
      })
    })
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject)
      this.server!.listen(port, "127.0.0.1", resolve)
    })
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }

  private async handle(url: URL, body: string): Promise<[number, unknown]> {
    const extra = this.routes?.(url.pathname, body)
    if (extra !== undefined) return extra
    if (url.pathname === "/api/v2/getTransactions") return this.getTransactions(url.searchParams)
    if (url.pathname === "/api/v2/runGetMethod") {
      const req = JSON.parse(body) as { address: string; method: string; stack: Array<[string, unknown]> }
      const answer = await this.getMethod(
        Address.parse(req.address),
        req.method,
        stackFromToncenter(req.stack, (b) => Cell.fromBase64(b)),
      )
      if (answer === undefined)
        return [
          200,
          { ok: true, result: { "@type": "smc.runResult", gas_used: 0, stack: [], exit_code: -13 } },
        ]
      return [
        200,
        {
          ok: true,
          result: {
            "@type": "smc.runResult",
            gas_used: 1000,
            stack: stackToToncenter(answer.stack),
            exit_code: answer.exitCode,
          },
        },
      ]
    }
    return [404, { ok: false, error: "Not Found", code: 404 }]
  }

  private getTransactions(q: URLSearchParams): [number, unknown] {
    let account: Address
    try {
      account = Address.parse(q.get("address") ?? "")
    } catch {
      return [416, { ok: false, error: "Incorrect address", code: 416 }]
    }
    const limit = Number(q.get("limit") ?? "10")
    if (!(limit >= 1 && limit <= 100)) return [416, { ok: false, error: "limit out of range", code: 416 }]
    const lag = this.laggingAt
    const all = this.ledger.of(account).filter((t) => lag === null || BigInt(t.transaction_id.lt) <= lag)
    let from = 0
    const lt = q.get("lt")
    const hash = q.get("hash")
    if (lt !== null || hash !== null) {
      from = all.findIndex((t) => t.transaction_id.lt === lt)
      const wanted =
        hash === null ? "" : hash.length === 64 ? Buffer.from(hash, "hex").toString("base64") : hash
      if (from < 0 || all[from]!.transaction_id.hash !== wanted) {
        return [500, { ok: false, error: "LITE_SERVER_UNKNOWN: cannot find transaction", code: 500 }]
      }
    }
    const toLt = lag === null ? BigInt(q.get("to_lt") ?? "0") : 0n
    const out: Array<ToncenterTx> = []
    for (const t of all.slice(from)) {
      if (out.length >= limit || BigInt(t.transaction_id.lt) <= toLt) break
      out.push(t)
    }
    return [200, { ok: true, result: out }]
  }
}
