import { makeStores } from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import type { UnmatchedTransfer } from "@inzi/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { clusterGauges } from "../src/index.js"

const unmatched = (txHash: string): UnmatchedTransfer => ({
  _tag: "UnmatchedTransfer",
  network: "ton",
  txHash,
  logIndex: 0,
  wallet: "0:wallet",
  memo: null,
  token: "USDT",
  tokenContract: "EQjetton",
  decimals: 6,
  amount: 1n,
  sender: null,
  observedAt: new Date("2026-04-04T12:00:00Z"),
  reason: "unknown comment",
})

describe("cluster gauges", () => {
  it("inzi_quarantined_events counts the chain events set aside, per network", async () => {
    const database = await makeTestDatabase()
    try {
      const stores = makeStores(database.db)
      const gauge = async () =>
        (await clusterGauges(database)).find((g) => g.name === "inzi_quarantined_events")?.samples
      expect(await gauge()).toEqual([])
      const r = await Effect.runPromise(
        stores.checkouts.applyChainEvents({
          network: "ton",
          mode: "live",
          requiredConfirmations: 1,
          // A transaction hash with a NUL cannot be stored (22021): set aside, the other one recorded.
          events: [unmatched("bad\u0000"), unmatched("good"), unmatched("bad2\u0000")],
          cursor: "c1",
          now: new Date("2026-04-04T12:00:01Z"),
        }),
      )
      expect(r).toEqual({ applied: 1, emitted: 0, quarantined: 2 })
      expect(await gauge()).toEqual([[{ network: "ton" }, 2]])
    } finally {
      await database.close()
    }
  })
})
