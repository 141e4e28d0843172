import { type Database, makeStores } from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import { AddressPool, Leases } from "@inzi/core"
import { AddressDerivationLive, FAMILIES } from "@inzi/platform"
import { Effect, Fiber, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runAddressPoolJob } from "../../src/address-pool.js"

// m/44'/60'/0' of the "test … junk" mnemonic.
const EVM_XPUB =
  "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP"

describe("address pool job", () => {
  // Set up outside the test's own time: loading PGlite is slow on a busy machine.
  let database: Database
  beforeAll(async () => {
    database = await makeTestDatabase()
  })
  afterAll(() => database?.close())

  it("fills a merchant's pool to the target, refills below half, and only the lease holder works", async () => {
    const s = makeStores(database.db)
    const layer = Layer.mergeAll(
      Layer.succeed(AddressPool, s.addressPool),
      Layer.succeed(Leases, s.leases),
      AddressDerivationLive,
    )
    const m = await Effect.runPromise(
      s.merchants.createMerchant({
        id: "mer_job",
        name: "Job",
        webhookUrl: null,
        webhookSecret: "whsec_x",
        payoutKeys: { evm: EVM_XPUB },
        networks: { live: [], test: [] },
      }),
    )
    const size = () => Effect.runPromise(s.addressPool.poolSize(m.id))
    const passes: Array<string> = []
    // Until the pool has `n` slots: derivation is CPU work, slow on a busy machine.
    const untilSize = async (n: number) => {
      const end = Date.now() + 30_000
      while ((await size()) < n) {
        if (Date.now() > end)
          throw new Error(`pool size ${await size()}, not ${n}; passes by ${passes.join(",") || "none"}`)
        await new Promise((r) => setTimeout(r, 25))
      }
      expect(await size()).toBe(n)
    }
    const job = (holder: string) =>
      Effect.runFork(
        runAddressPoolJob({
          holder,
          families: FAMILIES,
          target: 8,
          everyMs: 20,
          batch: 3,
          onPass: () => passes.push(holder),
        }).pipe(Effect.provide(layer)),
      )
    const a = job("worker-a")
    const b = job("worker-b")
    await untilSize(8)
    // Take 4: at half (4 of 8) nothing happens; one more and the pool is refilled to 8.
    const xpubs = { evm: EVM_XPUB }
    for (let i = 0; i < 4; i++) await Effect.runPromise(s.addressPool.takeSlot(m.id, xpubs))
    await new Promise((r) => setTimeout(r, 100))
    expect(await size()).toBe(4)
    await Effect.runPromise(s.addressPool.takeSlot(m.id, xpubs))
    await untilSize(8)
    // Only one of the two workers ever ran a pass (the other never got the lease).
    expect(new Set(passes).size).toBe(1)
    const rows = await database.db
      .selectFrom("address_pool")
      .select(["derivation_index", "targets"])
      .orderBy("derivation_index")
      .execute()
    expect(rows.map((r) => Number(r.derivation_index))).toEqual([5, 6, 7, 8, 9, 10, 11, 12])
    await Effect.runPromise(Fiber.interrupt(a))
    await Effect.runPromise(Fiber.interrupt(b))
  })
})
