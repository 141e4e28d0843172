import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { makeWatchSet, type NetworkConfig } from "@inzi/core"
import { Address, beginCell } from "@ton/core"
import { Effect, Either, Schema } from "effect"
import { JettonTransfersV3, makeTonScanner } from "../src/index.js"
import { makeJettonWorld } from "./support/jetton-world.js"

const fixtures = new URL("../../../tooling/fixtures/ton/", import.meta.url)
const recorded = JSON.parse(
  readFileSync(new URL("toncenter_v3_jetton_transfers_testnet_custom_payload.json", fixtures), "utf8"),
) as { jetton_transfers: Array<Record<string, unknown>> }
const model = JSON.parse(
  readFileSync(new URL("toncenter_v3_jetton_transfers_model_ton-indexer.json", fixtures), "utf8"),
) as { JettonTransfer: Array<[string, string]> }
const record = recorded.jetton_transfers[0]!
const MASTER = record.jetton_master as string
const DESTINATION = record.destination as string
const jsonType = (v: unknown) => (v === null ? "null" : typeof v)

/**
 * The recorded v3 answer served as toncenter would (every page: it is the only transfer), with the master's
 * `get_wallet_address(source)` answer stipulated (the master's code is not recorded) and no v2 transaction.
 */
const serve = (genuineWallet: Address) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const paths: Array<string> = []
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x")
        paths.push(url.pathname)
        res.writeHead(200, { "content-type": "application/json" })
        if (url.pathname === "/api/v3/jetton/transfers") {
          // The probe for a fresh start (before the start time) finds nothing.
          const probe = url.searchParams.get("end_utime") !== null
          return res.end(JSON.stringify(probe ? { jetton_transfers: [] } : recorded))
        }
        if (url.pathname === "/api/v2/runGetMethod") {
          const boc = beginCell().storeAddress(genuineWallet).endCell().toBoc().toString("base64")
          return res.end(
            JSON.stringify({ ok: true, result: { exit_code: 0, stack: [["cell", { bytes: boc }]] } }),
          )
        }
        if (url.pathname === "/api/v2/getTransactions")
          return res.end(JSON.stringify({ ok: true, result: [] }))
        res.end(JSON.stringify({ ok: false, error: "not found", code: 404 }))
      })
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
      return { server, paths, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2` }
    }),
    ({ server }) => Effect.promise(() => new Promise<void>((r) => server.close(() => r()))),
  )

const network = (url: string): NetworkConfig => ({
  id: "ton-testnet",
  family: "ton",
  mode: "test",
  name: "TON testnet",
  rpcUrls: [url],
  tokens: [{ symbol: "USDT", contract: MASTER, decimals: 6 }],
  confirmations: 1,
  pollIntervalMs: 1000,
})
const watch = makeWatchSet({ addresses: [], memos: [], wallets: [DESTINATION.toLowerCase()] })

describe("the recorded toncenter v3 jetton/transfers answer", () => {
  it("decodes with the scanner's schema: exact amount, lt, base64 hash, and no aborted flag read as false", () => {
    const d = Schema.decodeUnknownEither(JettonTransfersV3)(recorded)
    expect(Either.isRight(d)).toBe(true)
    const t = Either.getOrThrow(d).jetton_transfers[0]!
    expect(BigInt(t.amount)).toBe(22_000_000n)
    expect(t.transaction_lt).toBe("23694319000003")
    expect(Buffer.from(t.transaction_hash, "base64")).toHaveLength(32)
    expect(t.transaction_aborted).toBe(false)
    expect(t.forward_payload).toBeNull()
    expect(Address.parse(t.source_wallet).toRawString()).toBe((t.source_wallet as string).toLowerCase())
  })

  it("the stand-in answers in the same shape, plus exactly the fields the current indexer adds", async () => {
    const w = await makeJettonWorld()
    try {
      await w.pay(w.merchant.address, 1_000_000n, { ref: "SHAPE" })
      const u = new URL(w.server.url.replace("/api/v2", "/api/v3/jetton/transfers"))
      u.searchParams.set("jetton_master", w.genuine.address.toString())
      const body = (await (await fetch(u)).json()) as {
        jetton_transfers: Array<Record<string, unknown>>
        address_book: object
        metadata: object
      }
      const item = body.jetton_transfers[0]!
      expect(Object.keys(item)).toEqual(model.JettonTransfer.map(([k]) => k))
      for (const [k, v] of Object.entries(record)) {
        const types = model.JettonTransfer.find(([name]) => name === k)![1]
        expect(types.split(" | ")).toContain(jsonType(v))
        expect(types.split(" | ")).toContain(jsonType(item[k]))
        if (typeof v === "string" && /^0:[0-9A-F]{64}$/.test(v)) expect(item[k]).toMatch(/^0:[0-9A-F]{64}$/)
      }
      expect(typeof body.address_book).toBe("object")
      expect(typeof body.metadata).toBe("object")
      const bad = await fetch(`${u}&limit=5000`)
      expect(bad.status).toBe(422)
      expect(Object.keys((await bad.json()) as object)).toEqual(["error"])
    } finally {
      await w.server.stop()
    }
  })
})

describe('the recorded answer through the "jetton-transfers" source', () => {
  const now = new Date((1721068303 - 60) * 1000)

  it.scopedLive("a source wallet the master does not name is ignored before anything else is read", () =>
    Effect.gen(function* () {
      const s = yield* serve(Address.parseRaw(`0:${"11".repeat(32)}`))
      const scanner = yield* makeTonScanner(network(s.url), { source: "jetton-transfers", maxAttempts: 1 })
      const r = yield* scanner.scan({ cursor: null, watch, now })
      expect(r.events).toEqual([])
      expect(s.paths).not.toContain("/api/v2/getTransactions")
      expect(r.caughtUp).toBe(true)
    }),
  )

  it.scopedLive(
    "the genuine one has no forward payload in the record: its transaction must be read first",
    () =>
      Effect.gen(function* () {
        const s = yield* serve(Address.parse(record.source_wallet as string))
        const scanner = yield* makeTonScanner(network(s.url), { source: "jetton-transfers", maxAttempts: 1 })
        const r = yield* Effect.either(scanner.scan({ cursor: null, watch, now }))
        // toncenter v2 does not serve it (not recorded): the scan fails retryably and credits nothing.
        expect(Either.isLeft(r) && r.left.retryable).toBe(true)
        expect(s.paths).toContain("/api/v2/getTransactions")
      }),
  )
})
