import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import type { NetworkConfig } from "@inzi/core"
import { Address, beginCell } from "@ton/core"
import { Effect } from "effect"
import { makeTonScanner, USDT_MAINNET_MASTER } from "../src/index.js"
import { FakeToncenter, Ledger } from "@inzi/devnet-ton"
import type { ToncenterTx } from "@inzi/devnet-ton"

const fixture = JSON.parse(
  readFileSync(
    new URL(
      "../../../tooling/fixtures/ton/toncenter_v2_getTransactions_item_jetton_transfer_notification.json",
      import.meta.url,
    ),
    "utf8",
  ),
) as ToncenterTx

const OWNER = "0:417aa856918d9289f3482511bbfee985a91ea48d3a7aa1221dc955cd0138b1b9"
const FIXTURE_JETTON_WALLET = Address.parse(fixture.in_msg!.source)
const MEMO = "7ADE4478EBE27E4272DE295952B307F1B1AFFE6A070FA8ACCF594C14D75F1DF4"

/**
 * The recorded transaction served as toncenter would. Its jetton master is not known (PROVENANCE.md), so
 * the master's `get_wallet_address` answer is stipulated: either the fixture's sender (the genuine case) or
 * another wallet (then the recorded notification must not count).
 */
const serve = (genuineWallet: Address) =>
  Effect.acquireRelease(
    Effect.promise(() => {
      const ledger = new Ledger()
      ledger.publish(Address.parseRaw(OWNER), fixture)
      return new FakeToncenter(ledger, async (address, method, stack) => {
        if (!address.equals(Address.parse(USDT_MAINNET_MASTER)) || method !== "get_wallet_address")
          return undefined
        const owner = stack[0]?.type === "slice" ? stack[0].cell.beginParse().loadAddress() : null
        if (owner === null || owner.toRawString() !== OWNER) return { exitCode: 9, stack: [] }
        return {
          exitCode: 0,
          stack: [{ type: "slice", cell: beginCell().storeAddress(genuineWallet).endCell() }],
        }
      }).start()
    }),
    (s) => Effect.promise(() => s.stop()),
  )

const network = (url: string): NetworkConfig => ({
  id: "ton",
  family: "ton",
  mode: "live",
  name: "TON",
  rpcUrls: [url],
  tokens: [{ symbol: "USDT", contract: USDT_MAINNET_MASTER, decimals: 6 }],
  confirmations: 1,
  pollIntervalMs: 1000,
  startBlock: "0",
})
const watch = {
  wallets: [OWNER],
  hasAddress: () => false,
  hasMemo: (w: string, m: string) => w === OWNER && m === MEMO,
}

describe('the recorded toncenter v2 transaction through the scanner (source "notifications")', () => {
  it.scopedLive("counts when the notification comes from the genuine jetton wallet (aborted or not)", () =>
    Effect.gen(function* () {
      const server = yield* serve(FIXTURE_JETTON_WALLET)
      const scanner = yield* makeTonScanner(network(server.url), { source: "notifications" })
      const r = yield* scanner.scan({ cursor: null, watch, now: new Date("2024-06-21T05:00:00Z") })
      expect(r.events).toEqual([
        {
          _tag: "PaymentObserved",
          network: "ton",
          txHash: Buffer.from(fixture.transaction_id.hash, "base64").toString("hex"),
          logIndex: 0,
          target: { kind: "memo", wallet: OWNER, memo: MEMO },
          token: "USDT",
          tokenContract: USDT_MAINNET_MASTER,
          decimals: 6,
          amount: 10000000000n,
          sender: "0:9bd705c0ef158165067a082fcbb34a406e975f47fffec8c62a490ba74cf0b4d8",
          blockNumber: null,
          blockHash: null,
          confirmations: 1,
          observedAt: new Date(1718942823 * 1000),
        },
      ])
      expect(JSON.parse(r.cursor)).toEqual({
        v: 1,
        accounts: {
          [OWNER]: { lt: "22838801000001", hash: fixture.transaction_id.hash },
          [FIXTURE_JETTON_WALLET.toRawString()]: { lt: "0", hash: "", since: 0 },
        },
      })
      expect(r.head).toBe(22838801000001n)
    }),
  )

  it.scopedLive("does not count when the master names another jetton wallet", () =>
    Effect.gen(function* () {
      const other = Address.parseRaw(`0:${"11".repeat(32)}`)
      const server = yield* serve(other)
      const scanner = yield* makeTonScanner(network(server.url), { source: "notifications" })
      const r = yield* scanner.scan({ cursor: null, watch, now: new Date("2024-06-21T05:00:00Z") })
      expect(r.events).toEqual([])
    }),
  )

  it.scopedLive("a wallet seen for the first time is scanned back only over the lookback window", () =>
    Effect.gen(function* () {
      const server = yield* serve(FIXTURE_JETTON_WALLET)
      const scanner = yield* makeTonScanner(
        { ...network(server.url), startBlock: undefined },
        {
          source: "notifications",
          newAccountLookbackSeconds: 3600,
        },
      )
      const late = yield* scanner.scan({ cursor: null, watch, now: new Date("2024-06-21T06:00:00Z") })
      expect(late.events).toEqual([])
      // The old transaction is now behind the cursor: it will never be reported later either.
      expect(JSON.parse(late.cursor).accounts[OWNER].lt).toBe("22838801000001")
      const inWindow = yield* scanner.scan({ cursor: null, watch, now: new Date("2024-06-21T04:30:00Z") })
      expect(inWindow.events).toHaveLength(1)
    }),
  )
})
