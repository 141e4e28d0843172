import { EvmAddressDeriver } from "@inzi/adapter-evm"
import { type DB, dropSchema, makeDatabase, makeStores, migrate } from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import { TronAddressDeriver } from "@inzi/adapter-tron"
import {
  type AddressDerivation,
  AddressPool,
  type Checkout,
  type CheckoutPorts,
  checkoutNetworks,
  checkoutPorts,
  createCheckout,
  depositTargetOf,
  Ids,
  type Merchant,
  type NetworkConfig,
  refillAddressPool,
  refillLowPools,
} from "@inzi/core"
import { Effect, Layer } from "effect"
import type { Kysely } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AddressDerivationLive, FAMILIES, PRESETS } from "../src/index.js"

// Account-level xpubs of the "test … junk" mnemonic: m/44'/60'/0'…2', m/44'/195'/0'…1'. Each merchant of a
// database needs xpubs of its own (deposit addresses are unique across merchants).
const EVM_XPUB =
  "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP"
const EVM_XPUB_2 =
  "xpub6Ce9NcJvTk372KjsGfWqbcex5DumjpNquQLApoeQUavSCjEc823BV1tb4rXUuPuht8h2hSxkg2EXUaKUJmniJvRZAELxypsCzBFdtosmV76"
const EVM_XPUB_3 =
  "xpub6Ce9NcJvTk374xmC966FRY8NvVzjBr7FGiEf1h8mWkSwvCkvZ7PsCWEJS3nMsKLtRwsuEWY6indWjZFCB7yTqMpAoU7Z8c8TEkanQrsMF6j"
const TRON_XPUB =
  "xpub6BuRy7ZmkGfP2RWhoor1kWB1w9DvrtmJbFBvnC1bQ4SB5NbCHTyQYCJSXZtxDbFyHTmC7wkU2he3nYYdpZ3Vf6qUAkXSnL6RPif4BDtDEKr"
const TRON_XPUB_2 =
  "xpub6BuRy7ZmkGfP4LfiwbWSuu7pRCfSbjyB59BHNudeJgwsJUu23Dzmz4fRKh7Bsfo1EgmmCxtCLsat66A3Fe28PGEzwkmiTChdjv5PDhyqh2Q"

const evmAt = (xpub: string, i: bigint) => Effect.runSync(EvmAddressDeriver.derive(xpub, i))
const tronAt = (xpub: string, i: bigint) => Effect.runSync(TronAddressDeriver.derive(xpub, i))

const networks: ReadonlyArray<NetworkConfig> = Object.values(PRESETS).filter(
  (n) => n.mode === "live" && (n.family === "evm" || n.family === "tron"),
)

type Services = CheckoutPorts | AddressPool | AddressDerivation | Ids

/**
 * The pool end to end with the real derivers and the real store: what a create hands out from the pool is
 * exactly what inline derivation would have given at that index.
 */
const suite = (name: string, open: () => Promise<{ db: Kysely<DB>; close: () => Promise<void> }>) =>
  describe(name, () => {
    let close: () => Promise<void> = async () => {}
    let layer: Layer.Layer<Services>
    let stores: ReturnType<typeof makeStores>
    let n = 0

    beforeAll(async () => {
      const database = await open()
      close = database.close
      stores = makeStores(database.db)
      layer = Layer.mergeAll(
        Layer.succeedContext(checkoutPorts(stores.checkouts)),
        Layer.succeed(AddressPool, stores.addressPool),
        AddressDerivationLive,
        Ids.Live,
      )
    })
    afterAll(() => close())

    const run = <A, E>(e: Effect.Effect<A, E, Services>) => Effect.runPromise(Effect.provide(e, layer))

    const newMerchant = (evmXpub: string, tronXpub: string) =>
      Effect.runPromise(
        stores.merchants.createMerchant({
          id: `mer_pool_${process.pid}_${++n}`,
          name: "Pool",
          webhookUrl: null,
          webhookSecret: "whsec_x",
          payoutKeys: { evm: evmXpub, tron: tronXpub },
          networks: { live: networks.map((x) => x.id), test: [] },
        }),
      )

    const addressOf = (c: Checkout, family: "evm" | "tron") => depositTargetOf(c.targets, family)?.address

    const create = (m: Merchant) =>
      run(
        createCheckout({
          merchant: m,
          mode: "live",
          command: {
            amountCents: 2500n,
            description: null,
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: null,
            expiresInSeconds: 1800,
          },
          networks: checkoutNetworks(m, "live", networks),
          families: FAMILIES,
          idempotency: null,
          now: new Date(),
        }),
      ).then((r) => {
        if (r._tag !== "Created") throw new Error("expected Created")
        return r.checkout
      })

    it("pooled addresses are the derivers' addresses at their index; pooled and inline indices never meet", async () => {
      const m = await newMerchant(EVM_XPUB, TRON_XPUB)
      expect(await run(refillAddressPool(m, FAMILIES, { target: 6, batch: 4 }))).toBe(6)
      const checkouts = []
      // 6 from the pool, then 3 inline (empty pool), then 2 more pooled after a refill.
      for (let i = 0; i < 6; i++) checkouts.push(await create(m))
      expect(await Effect.runPromise(stores.addressPool.poolSize(m.id))).toBe(0)
      for (let i = 0; i < 3; i++) checkouts.push(await create(m))
      expect(await run(refillAddressPool(m, FAMILIES, { target: 2 }))).toBe(2)
      for (let i = 0; i < 2; i++) checkouts.push(await create(m))
      const indices = checkouts.map((c) => c.targets.derivationIndex)
      // Pooled 0–5, then inline from a block of fresh indices drawn ahead (6, 7, 8, …); the refill's slots come
      // after the block: every index once, pooled and inline alike.
      expect(indices.slice(0, 9)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n])
      expect(indices[9]! > 8n && indices[10]! > indices[9]!).toBe(true)
      expect(new Set(indices).size).toBe(11)
      for (const c of checkouts) {
        expect(addressOf(c, "evm")).toBe(evmAt(EVM_XPUB, c.targets.derivationIndex))
        expect(addressOf(c, "tron")).toBe(tronAt(TRON_XPUB, c.targets.derivationIndex))
      }
      // And the stored rows say the same.
      const stored = await Promise.all(
        checkouts.map((c) =>
          Effect.runPromise(
            stores.checkouts.getCheckout({ id: c.id, merchantId: m.id, mode: "live", now: new Date() }),
          ),
        ),
      )
      expect(stored.map((c) => c.targets)).toEqual(checkouts.map((c) => c.targets))
      expect(new Set(checkouts.map((c) => addressOf(c, "evm"))).size).toBe(11)
    })

    it("after an xpub change creates derive from the new xpub; the upkeep drops the old slots", async () => {
      const m = await newMerchant(EVM_XPUB_2, TRON_XPUB_2)
      await run(refillAddressPool(m, FAMILIES, { target: 3 }))
      const changed = await Effect.runPromise(
        stores.merchants.updateMerchant(m.id, { payoutKeys: { evm: EVM_XPUB_3 } }),
      )
      const c = await create(changed)
      expect(c.targets.derivationIndex).toBe(3n)
      expect(addressOf(c, "evm")).toBe(evmAt(EVM_XPUB_3, 3n))
      // (Runs over every merchant of the database: the first test's one is refilled too.)
      const r = await run(refillLowPools({ families: FAMILIES, target: 2, lowWater: 1 }))
      expect(r.dropped).toBe(3)
      expect(r.failed).toEqual([])
      const pooled = await create(changed)
      const at = pooled.targets.derivationIndex
      expect(at > 3n).toBe(true)
      expect(await Effect.runPromise(stores.addressPool.poolSize(m.id))).toBe(1)
      expect(addressOf(pooled, "evm")).toBe(evmAt(EVM_XPUB_3, at))
      expect(addressOf(pooled, "tron")).toBe(tronAt(TRON_XPUB_2, at))
    })
  })

suite("address pool with the real derivers on PGlite", async () => {
  const database = await makeTestDatabase()
  return { db: database.db, close: database.close }
})

const url = process.env.TEST_DATABASE_URL
if (url !== undefined && url !== "")
  suite("address pool with the real derivers on PostgreSQL", async () => {
    const schema = `inzi_platpool_${process.pid}_${Date.now().toString(36)}`
    const database = await makeDatabase({ databaseUrl: url, schema })
    await migrate(database.db)
    return {
      db: database.db,
      close: async () => {
        await dropSchema(database.db, schema)
        await database.close()
      },
    }
  })
