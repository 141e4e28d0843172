/**
 * One bad chain event never stalls a watcher, end to end: a real TON world (@ton/sandbox) served like toncenter
 * v2, the real TON scanner, the worker's watcher cycle and a real store (PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set). Anyone can send a merchant's public wallet a cent with a comment holding a NUL
 * byte; before, Postgres refused it (22021), the whole batch rolled back and the watcher rescanned the same
 * range forever, the genuine payment beside it never recorded.
 */
import {
  type Database,
  dropSchema,
  listQuarantined,
  makeDatabase,
  makeStores,
  migrate,
} from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import { makeTonScanner } from "@inzi/adapter-ton"
import { Leases, type NetworkConfig, PaymentLedger, WatchTargets } from "@inzi/core"
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { makeJettonWorld } from "@inzi/devnet-ton"
import { watcherCycle } from "../../src/watcher.js"

const url = process.env.TEST_DATABASE_URL
const backends: Array<[string, () => Promise<{ database: Database; drop: () => Promise<void> }>]> = [
  ["PGlite", async () => ({ database: await makeTestDatabase(), drop: async () => {} })],
]
if (url) {
  backends.push([
    "PostgreSQL",
    async () => {
      const schema = `ton_poison_${process.pid}_${Date.now().toString(36)}`
      const database = await makeDatabase({ databaseUrl: url, schema })
      await migrate(database.db)
      return { database, drop: () => dropSchema(database.db, schema) }
    },
  ])
} else if (process.env.INZI_REQUIRE_PG === "1") {
  it("the PostgreSQL run needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () =>
    expect.fail("TEST_DATABASE_URL unset"))
}

const COMMENT = "K7P2M9QX"

for (const [name, open] of backends) {
  describe(`a poisoned TON transfer beside a genuine one, on ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = []
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c()
    })

    it("the genuine payment completes its checkout; the poisoned one is kept as unmatched money, sanitised", async () => {
      const w = await makeJettonWorld()
      cleanups.push(() => w.server.stop())
      const { database, drop } = await open()
      cleanups.push(async () => {
        await drop()
        await database.close()
      })
      const stores = makeStores(database.db)
      const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

      const wallet = w.merchant.address.toRawString()
      const network: NetworkConfig = {
        id: "ton-sandbox",
        family: "ton",
        mode: "test",
        name: "TON sandbox",
        rpcUrls: [w.server.url],
        tokens: [{ symbol: "USDT", contract: w.genuine.address.toString(), decimals: 6 }],
        confirmations: 1,
        pollIntervalMs: 1000,
      }
      const merchant = await run(
        stores.merchants.createMerchant({
          id: `mer_ton_poison_${Date.now().toString(36)}`,
          name: "Shop",
          webhookUrl: "https://shop.example/hook",
          webhookSecret: "whsec_ton_poison",
          payoutKeys: { ton: wallet },
          networks: { live: [], test: [network.id] },
        }),
      )
      const now = new Date()
      const created = await run(
        stores.checkouts.createCheckout(
          {
            id: `chk_test_${"p".repeat(16)}${Date.now().toString(36).slice(-8)}`,
            merchantId: merchant.id,
            mode: "test",
            amountCents: 2500n,
            description: null,
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: null,
            networks: [network.id],
            targets: {
              derivationIndex: await run(stores.checkouts.allocateDerivationIndex(merchant.id)),
              entries: [{ family: "ton", address: null, memo: COMMENT, lookup: `${merchant.id}:${COMMENT}` }],
            },
            expiresAt: new Date(now.getTime() + 30 * 60_000),
            createdAt: now,
          },
          null,
        ),
      )
      if (created._tag !== "Created") throw new Error("expected a new checkout")
      const checkout = created.checkout

      // The poisoned one first: a cent whose comment is the checkout's own with a NUL inside. Stripping the
      // NUL would make it name the checkout; it must not.
      await w.pay(w.merchant.address, 10_000n, { inline: `${COMMENT.slice(0, 4)}\u0000${COMMENT.slice(4)}` })
      await w.pay(w.merchant.address, 25_000_000n, { inline: COMMENT })

      const scanner = await run(makeTonScanner(network, { baseDelayMs: 2, maxDelayMs: 20 }))
      const layer = Layer.mergeAll(
        Layer.succeed(PaymentLedger, stores.checkouts),
        Layer.succeed(WatchTargets, stores.checkouts),
        Layer.succeed(Leases, stores.leases),
      )
      const cycle = await run(
        watcherCycle(scanner, { holder: "w1", lookbackMs: 3_600_000, leaseMs: 30_000 }).pipe(
          Effect.provide(layer),
        ),
      )
      expect(cycle.held).toBe(true)
      expect(cycle.scan?.events.map((e) => e._tag).sort()).toEqual(["PaymentObserved", "UnmatchedTransfer"])
      expect(cycle.applied).toBe(2)

      const after = await run(
        stores.checkouts.getCheckout({
          id: checkout.id,
          merchantId: merchant.id,
          mode: "test",
          now: new Date(),
        }),
      )
      expect(after.status).toBe("completed")
      expect(after.payments.map((p) => [p.amount, p.status])).toEqual([[25_000_000n, "confirmed"]])
      expect(
        (await run(stores.outbox.listEvents({ checkoutId: checkout.id, limit: 10 }))).map((e) => e.type),
      ).toEqual(["checkout.completed"])
      // The cursor moved past both: the next cycle does not meet them again.
      expect(await run(stores.checkouts.getCursor(network.id))).toBe(cycle.scan?.cursor)

      const unmatched = await run(stores.checkouts.listUnmatched(network.id))
      expect(unmatched.map((u) => [u.memo, u.amount, u.wallet, u.assignedCheckoutId])).toEqual([
        [`${COMMENT.slice(0, 4)}\uFFFD${COMMENT.slice(4)}`, 10_000n, wallet, null],
      ])
      expect(await run(listQuarantined(database.db))).toEqual([])

      const next = await run(
        watcherCycle(scanner, { holder: "w1", lookbackMs: 3_600_000, leaseMs: 30_000 }).pipe(
          Effect.provide(layer),
        ),
      )
      expect(next.scan?.events).toEqual([])
      expect(next.applied).toBe(0)
    }, 120_000)
  })
}
