import { describe, expect, it } from "@effect/vitest"
import type { NetworkConfig } from "@inzi/core"
import { Address, beginCell } from "@ton/core"
import { Effect } from "effect"
import type { MasterCursor } from "../src/cursor.js"
import { makeJettonWalletResolver } from "../src/jetton-wallet.js"
import type { GetJettonTransfersParameters, ToncenterClient } from "../src/toncenter.js"
import { scanMaster } from "../src/transfers-source.js"
import type { JettonTransferV3 } from "../src/v3.js"

const MASTER = Address.parseRaw(`0:${"aa".repeat(32)}`)
const MERCHANT = Address.parseRaw(`0:${"bb".repeat(32)}`)
const PAYER = Address.parseRaw(`0:${"cc".repeat(32)}`)
const PAYER_WALLET = Address.parseRaw(`0:${"dd".repeat(32)}`)
const upper = (a: Address) => `0:${a.hash.toString("hex").toUpperCase()}`
const comment = (text: string) =>
  beginCell()
    .storeUint(0, 32)
    .storeStringTail(text)
    .endCell()
    .toBoc({ idx: false, crc32: true })
    .toString("base64")

/** Transfers in the recorded v3 shape; several share one lt (lt is per account, not global). */
const LTS = [10, 20, 20, 20, 20, 20, 30]
const rows: Array<JettonTransferV3> = LTS.map((lt, i) => ({
  query_id: String(i),
  source: upper(PAYER),
  destination: upper(MERCHANT),
  amount: String(1_000_000 + i),
  source_wallet: upper(PAYER_WALLET),
  jetton_master: upper(MASTER),
  transaction_hash: Buffer.alloc(32, i + 1).toString("base64"),
  transaction_lt: String(lt),
  transaction_now: 1_700_000_000,
  transaction_aborted: false,
  forward_ton_amount: "1",
  forward_payload: comment(`T${i}`),
}))

/** toncenter v3's paging over `rows`: lt ≥ start_lt, ordered by lt (ties in stored order), limit/offset. */
const client = (calls: Array<GetJettonTransfersParameters>): ToncenterClient => ({
  getJettonTransfers: (p) =>
    Effect.sync(() => {
      calls.push(p)
      const list = rows
        .filter((r) => p.startLt === undefined || BigInt(r.transaction_lt) >= p.startLt)
        .sort((a, b) => Number(BigInt(a.transaction_lt) - BigInt(b.transaction_lt)))
      const offset = p.offset ?? 0
      return { jetton_transfers: list.slice(offset, offset + p.limit) }
    }),
  runGetMethod: () =>
    Effect.succeed({
      exitCode: 0,
      stack: [
        ["cell", { bytes: beginCell().storeAddress(PAYER_WALLET).endCell().toBoc().toString("base64") }],
      ],
    }),
  getTransactions: () => Effect.die("not needed: every payload is in the record"),
  stats: () => ({ rpcCalls: 0, rpcErrors: 0 }),
})

const network = { id: "ton" } as NetworkConfig
const token = { config: { symbol: "USDT", contract: MASTER.toString(), decimals: 6 }, master: MASTER }
const wallets = new Map([[MERCHANT.toRawString(), MERCHANT.toRawString()]])
const start: MasterCursor = { floor: "0", seen: [] }

describe('"jetton-transfers" paging over transfers that share an lt', () => {
  it.effect("pages of 2 across five transfers of one lt: each once, within one scan and across scans", () =>
    Effect.gen(function* () {
      const calls: Array<GetJettonTransfersParameters> = []
      const c = client(calls)
      const settings = (maxPages: number) => ({
        network,
        client: c,
        resolver: makeJettonWalletResolver(c, "ton"),
        pageSize: 2,
        maxPages,
        settleSeconds: 60,
      })
      const one = yield* scanMaster(settings(10), token, start, wallets)
      expect(one.arrivals.map((a) => a.amount)).toEqual(rows.map((r) => BigInt(r.amount)))
      expect(one.caughtUp).toBe(true)
      // The pages restart at the last lt, past the transfers of it already read.
      expect(calls.map((p) => [p.startLt, p.offset])).toEqual([
        [0n, 0],
        [20n, 1],
        [20n, 3],
        [20n, 5],
      ])
      // One page per scan, from the cursor each time (as after a restart).
      let state = start
      const amounts: Array<bigint> = []
      for (let i = 0; i < 20; i++) {
        const r = yield* scanMaster(settings(1), token, state, wallets)
        amounts.push(...r.arrivals.map((a) => a.amount))
        state = r.state
        if (r.caughtUp) break
      }
      expect(amounts).toEqual(rows.map((r) => BigInt(r.amount)))
      // Scanning again from the end reads the settle window again and reports nothing.
      const again = yield* scanMaster(settings(10), token, state, wallets)
      expect(again.arrivals).toEqual([])
    }),
  )

  it.effect("a sender the master names no wallet for is skipped, not a scan failure", () =>
    Effect.gen(function* () {
      const base = client([])
      const c: ToncenterClient = { ...base, runGetMethod: () => Effect.succeed({ exitCode: 9, stack: [] }) }
      const r = yield* scanMaster(
        {
          network,
          client: c,
          resolver: makeJettonWalletResolver(c, "ton"),
          pageSize: 100,
          maxPages: 1,
          settleSeconds: 60,
        },
        token,
        start,
        wallets,
      )
      expect(r.arrivals).toEqual([])
      expect(r.caughtUp).toBe(true)
    }),
  )
})
