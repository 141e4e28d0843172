import { createServer } from "node:http"
import type { IncomingHttpHeaders, Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { blockId, type TxInfo } from "./fixtures.js"

/**
 * A local HTTP server that answers the java-tron HTTP API like TronGrid / a full node does, from an in-memory
 * chain the test controls. Several servers can share one chain (URL rotation).
 */
export class FakeChain {
  head = 0
  solid = 0
  readonly blocks = new Map<number, Array<TxInfo>>()
  /** Fork generation per height: bumping it gives that block a new id (and its child a new parentHash). */
  readonly generation = new Map<number, number>()

  /** Replaces block `num` by a competing block holding `infos` (what a fork at that height looks like). */
  fork(num: number, ...infos: Array<TxInfo>): void {
    this.generation.set(num, (this.generation.get(num) ?? 0) + 1)
    this.blocks.set(num, [])
    this.add(num, ...infos)
  }

  id(num: number): string {
    return blockId(num, this.generation.get(num) ?? 0)
  }

  /** Puts infos in a block (their blockNumber is set to it). */
  add(blockNumber: number, ...infos: Array<TxInfo>): this {
    const list = this.blocks.get(blockNumber) ?? []
    for (const info of infos) list.push({ ...info, blockNumber })
    this.blocks.set(blockNumber, list)
    if (blockNumber > this.head) this.head = blockNumber
    return this
  }

  /** Drops a transaction from wherever it is (a fork that did not keep it). */
  remove(txId: string): void {
    for (const [n, list] of this.blocks) {
      this.blocks.set(
        n,
        list.filter((i) => i.id !== txId),
      )
    }
  }

  find(txId: string): TxInfo | undefined {
    for (const list of this.blocks.values()) {
      const hit = list.find((i) => i.id === txId)
      if (hit) return hit
    }
    return undefined
  }
}

export interface Recorded {
  readonly path: string
  readonly body: Record<string, unknown>
  readonly headers: IncomingHttpHeaders
  readonly at: number
}

/** A canned failure answered instead of the normal response (`status: 0`: answer normally this time). */
export interface Fault {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
}

export interface FakeTronNode {
  readonly url: string
  readonly requests: Array<Recorded>
  /** Answered in order before normal responses, one per request. */
  readonly faults: Array<Fault>
  /** When set, every request gets this failure (a dead node). */
  alwaysFail: Fault | null
  readonly count: (path?: string) => number
}

const block = (chain: FakeChain, num: number) => ({
  blockID: chain.id(num),
  block_header: {
    raw_data: {
      number: num,
      txTrieRoot: "0".repeat(64),
      witness_address: "41" + "ab".repeat(20),
      parentHash: chain.id(Math.max(0, num - 1)),
      version: 31,
      timestamp: 1738601505000 + (num % 1_000_000) * 3000,
    },
    witness_signature: "cd".repeat(65),
  },
})

/** Starts a fake node on an ephemeral port for the scope's lifetime. */
export const fakeTronNode = (
  chain: FakeChain,
  options: { readonly decimals?: Record<string, number> } = {},
) =>
  Effect.acquireRelease(
    Effect.async<{ node: FakeTronNode; server: Server }>((resume) => {
      const requests: Array<Recorded> = []
      const node: FakeTronNode = {
        url: "",
        requests,
        faults: [],
        alwaysFail: null,
        count: (path) =>
          path === undefined ? requests.length : requests.filter((r) => r.path === path).length,
      }
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const path = (req.url ?? "/").split("?")[0]!.replace(/^\//, "")
          let body: Record<string, unknown> = {}
          try {
            body = chunks.length
              ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>)
              : {}
          } catch {
            body = {}
          }
          requests.push({ path, body, headers: req.headers, at: Date.now() })
          const fault = node.alwaysFail ?? node.faults.shift()
          if (fault && fault.status !== 0) {
            res.writeHead(fault.status, { "content-type": "text/plain", ...(fault.headers ?? {}) })
            res.end(fault.body ?? "Too Many Requests")
            return
          }
          const json = (value: unknown) => {
            res.writeHead(200, { "content-type": "application/json" })
            res.end(JSON.stringify(value))
          }
          switch (path) {
            case "wallet/getblock":
            case "walletsolidity/getblock": {
              const top = path.startsWith("wallet/") ? chain.head : chain.solid
              if (body.id_or_num === undefined) return json(block(chain, top))
              const num = Number(body.id_or_num)
              if (num > top) return json({})
              const txs =
                body.detail === true ? (chain.blocks.get(num) ?? []).map((i) => ({ txID: i.id })) : []
              // java-tron omits `transactions` for an empty block
              return json(txs.length > 0 ? { ...block(chain, num), transactions: txs } : block(chain, num))
            }
            case "wallet/gettransactioninfobyblocknum":
            case "walletsolidity/gettransactioninfobyblocknum": {
              const num = Number(body.num)
              if (num > (path.startsWith("wallet/") ? chain.head : chain.solid)) return json({})
              const infos = chain.blocks.get(num) ?? []
              return json(infos.length === 0 ? {} : infos)
            }
            case "wallet/gettransactioninfobyid":
            case "walletsolidity/gettransactioninfobyid": {
              const info = chain.find(String(body.value))
              const visible =
                info !== undefined &&
                (path.startsWith("wallet/")
                  ? info.blockNumber <= chain.head
                  : info.blockNumber <= chain.solid)
              return json(visible ? info : {})
            }
            case "wallet/triggerconstantcontract": {
              const contract = String(body.contract_address)
              const decimals = options.decimals?.[contract]
              if (decimals === undefined) {
                return json({
                  result: {
                    code: "CONTRACT_VALIDATE_ERROR",
                    message: "636f6e7472616374206e6f7420657869737473",
                  },
                })
              }
              return json({
                result: { result: true },
                energy_used: 276,
                constant_result: [decimals.toString(16).padStart(64, "0")],
              })
            }
            default:
              res.writeHead(404, { "content-type": "text/plain" })
              res.end("Not Found")
          }
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        ;(node as { url: string }).url = `http://127.0.0.1:${port}`
        resume(Effect.succeed({ node, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      }),
  ).pipe(Effect.map(({ node }) => node))
