import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Address, beginCell, Cell, loadTransaction, type TupleItem } from "@ton/core"
import {
  accountOf,
  rawUpper,
  stackFromToncenter,
  stackToToncenter,
  type ToncenterTx,
  type ToncenterV3JettonTransfer,
  toToncenterV3JettonTransfer,
} from "./toncenter-shape.js"

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

  /** Every transaction of every account, in no particular order. */
  all(): ReadonlyArray<ToncenterTx> {
    return [...this.byAccount.values()].flat()
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
 * e.g. the sandbox TVM); and like toncenter v3's `GET /api/v3/jetton/transfers` (the ledger's `transfer`
 * transactions on jetton wallets, attributed to a master the way the indexer does: the wallet's
 * `get_wallet_data` names it and the master's `get_wallet_address` confirms it). `rateLimit(n)` answers the
 * next n requests with toncenter's 429; `down` makes it answer 502 to everything, `pagesBeforeFailure` to
 * every page after the next n.
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
  /** Indexer mislabels: jetton wallets (raw) whose transfers are served under this master anyway. */
  readonly v3Mislabel = new Map<string, Address>()
  /** Serve aborted transfers too (toncenter v3 filters them out; the scanner must not rely on that). */
  v3ServeAborted = false
  /** Transactions (v2 base64 hash) the v3 index has not added yet: an index that adds a transfer late. */
  readonly v3Hidden = new Set<string>()
  private readonly masterOf = new Map<string, Address | null>()
  private readonly v3Records = new Map<string, ToncenterV3JettonTransfer | null>()
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
        const v3 = url.pathname.startsWith("/api/v3/")
        const fail = (code: number, error: string) => (v3 ? { error } : { ok: false, error, code })
        if (this.down) return reply(502, fail(502, "bad gateway"))
        if (url.pathname === "/api/v2/getTransactions" && this.pagesBeforeFailure !== null) {
          if (this.pagesBeforeFailure <= 0) return reply(502, { ok: false, error: "bad gateway", code: 502 })
          this.pagesBeforeFailure--
        }
        if (this.apiKey !== null && req.headers["x-api-key"] !== this.apiKey) {
          return reply(401, fail(401, "API key does not exist"))
        }
        if (this.limited > 0) {
          this.limited--
          return reply(
            429,
            v3 ? { error: "Ratelimit exceed" } : { ok: false, result: "Ratelimit exceed", code: 429 },
            this.retryAfter === null ? {} : { "retry-after": this.retryAfter },
          )
        }
        this.handle(url, Buffer.concat(chunks).toString("utf8")).then(
          ([status, body]) => reply(status, body),
          (e) => reply(500, fail(500, String(e))),
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
    if (url.pathname === "/api/v3/jetton/transfers") return this.jettonTransfers(url.searchParams)
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

  /** The master a jetton wallet belongs to, checked against the master as toncenter's indexer does. */
  private async masterOfWallet(wallet: Address): Promise<Address | null> {
    const key = wallet.toRawString()
    const mislabel = this.v3Mislabel.get(key)
    if (mislabel !== undefined) return mislabel
    if (this.masterOf.has(key)) return this.masterOf.get(key)!
    let master: Address | null = null
    const data = await this.getMethod(wallet, "get_wallet_data", [])
    if (data !== undefined && data.exitCode === 0 && data.stack.length >= 3) {
      const [, owner, claimed] = data.stack
      if (
        (owner?.type === "slice" || owner?.type === "cell") &&
        (claimed?.type === "slice" || claimed?.type === "cell")
      ) {
        const ownerAddress = owner.cell.beginParse().loadAddress()
        const masterAddress = claimed.cell.beginParse().loadAddress()
        const check = await this.getMethod(masterAddress, "get_wallet_address", [
          { type: "slice", cell: beginCell().storeAddress(ownerAddress).endCell() },
        ])
        const answered = check?.stack[0]
        if (
          check?.exitCode === 0 &&
          (answered?.type === "slice" || answered?.type === "cell") &&
          answered.cell.beginParse().loadAddress().equals(wallet)
        )
          master = masterAddress
      }
    }
    this.masterOf.set(key, master)
    return master
  }

  private async jettonTransfers(q: URLSearchParams): Promise<[number, unknown]> {
    const int = (name: string): bigint | null => {
      const v = q.get(name)
      return v === null || v === "" ? null : /^\d+$/.test(v) ? BigInt(v) : -1n
    }
    const [startLt, endLt, startUtime, endUtime, limitQ, offsetQ] = [
      "start_lt",
      "end_lt",
      "start_utime",
      "end_utime",
      "limit",
      "offset",
    ].map(int)
    if ([startLt, endLt, startUtime, endUtime, limitQ, offsetQ].some((v) => v === -1n))
      return [422, { error: "failed to decode: schema: error converting value" }]
    const limit = Number(limitQ ?? 10n)
    if (limit < 1 || limit > 1000) return [422, { error: "limit is not in range [1, 1000]" }]
    const sort = q.get("sort") ?? "desc"
    if (sort !== "asc" && sort !== "desc") return [422, { error: "wrong value for sort parameter" }]
    let master: Address | null = null
    if (q.get("jetton_master") !== null) {
      try {
        master = Address.parse(q.get("jetton_master")!)
      } catch {
        return [422, { error: 'failed to decode: schema: error converting value for "jetton_master"' }]
      }
    }
    const rows: Array<ToncenterV3JettonTransfer> = []
    for (const item of this.ledger.all()) {
      const hash = item.transaction_id.hash
      if (this.v3Hidden.has(hash)) continue
      let record = this.v3Records.get(hash)
      if (record === undefined) {
        const tx = loadTransaction(Cell.fromBase64(item.data).beginParse())
        const owner = await this.masterOfWallet(accountOf(tx))
        record = owner === null ? null : toToncenterV3JettonTransfer(tx, owner)
        this.v3Records.set(hash, record)
      }
      if (record === null || (record.transaction_aborted && !this.v3ServeAborted)) continue
      if (master !== null && record.jetton_master !== rawUpper(master)) continue
      const lt = BigInt(record.transaction_lt)
      const now = BigInt(record.transaction_now)
      if (startLt !== null && lt < startLt) continue
      if (endLt !== null && lt > endLt) continue
      if (startUtime !== null && now < startUtime) continue
      if (endUtime !== null && now > endUtime) continue
      rows.push(record)
    }
    // The indexer orders by lt, or by time when a time bound is given; ties stay in no particular order.
    const byTime = startUtime !== null || endUtime !== null
    const key = (r: ToncenterV3JettonTransfer) =>
      byTime ? BigInt(r.transaction_now) : BigInt(r.transaction_lt)
    rows.sort((a, b) => {
      const d = key(a) - key(b)
      return (d < 0n ? -1 : d > 0n ? 1 : 0) * (sort === "asc" ? 1 : -1)
    })
    const offset = Number(offsetQ ?? 0n)
    const page = rows.slice(offset, offset + limit)
    const book: Record<string, { user_friendly: string; domain: null; interfaces: null }> = {}
    for (const r of page)
      for (const a of [r.source, r.destination, r.source_wallet, r.jetton_master])
        book[a] = {
          user_friendly: Address.parse(a).toString({ bounceable: false }),
          domain: null,
          interfaces: null,
        }
    return [200, { jetton_transfers: page, address_book: book, metadata: {} }]
  }
}
