/**
 * A create on an empty address pool (`INZI_ADDRESS_POOL=0`, or a burst past the refill) on the real server and a
 * real database: with a cached key and no Idempotency-Key it runs without a fiber (core's `createCheckoutWith`:
 * the take, the family modules' `deriveSync`, the insert), so the use case's `AddressDerivation` — which the
 * Effect route derives with — is never asked; its addresses are those of the merchant's account at the index.
 */
import { AddressDerivation, type ChainFamily } from "@inzi/core"
import { AddressDerivationLive, appLayer } from "@inzi/platform"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type ApiServer,
  type BackendName,
  client,
  evmAddressAt,
  NETWORKS,
  PG_REQUIRED,
  startApiServer,
  TEST_DATABASE_URL,
  tronAddressAt,
} from "./harness.js"

const BASE = "/api/v1"
const minimal = { amount: "25.00", currency: "USD" }

/** The platform's derivation, counting the addresses the Effect route derives. */
const counting = () => {
  const calls: Array<ChainFamily> = []
  const live = Effect.runSync(Effect.provide(AddressDerivation, AddressDerivationLive))
  const layer = Layer.succeed(AddressDerivation, {
    ...live,
    derive: (family, xpub, index) => {
      calls.push(family)
      return live.derive(family, xpub, index)
    },
  })
  return { calls, layer }
}

const suite = (backend: BackendName) =>
  describe(`inline create on ${backend}`, () => {
    let server: ApiServer
    let api: ReturnType<typeof client>
    const derivation = counting()
    beforeAll(async () => {
      server = await startApiServer(backend, {
        // A key cache entry that outlives the test: a refresh would send one create down the Effect route.
        env: { INZI_ADDRESS_POOL: "0", INZI_KEY_CACHE_MS: "60000" },
        base: (env) => Layer.merge(appLayer(env, NETWORKS), derivation.layer),
      })
      api = client(server.url)
    }, 120_000)
    afterAll(async () => {
      await server?.close()
    })

    /** Each checkout's derivation index and addresses, as stored. */
    const stored = async (id: string) => {
      const rows = await (await server.db())
        .selectFrom("deposit_targets")
        .select(["derivation_index", "family", "address"])
        .where("checkout_id", "=", id)
        .execute()
      return {
        index: Number(rows[0]?.derivation_index),
        evm: rows.find((r) => r.family === "evm")?.address ?? null,
        tron: rows.find((r) => r.family === "tron")?.address ?? null,
      }
    }

    it("answers without a fiber: nothing asked of AddressDerivation, the account's addresses at distinct indices", async () => {
      const m = await server.merchant()
      // A key's first request misses the key cache and takes the Effect route (which fills the cache).
      expect((await api.get(`${BASE}/checkouts`, { key: m.test })).status).toBe(200)
      const before = derivation.calls.length
      const rs = await Promise.all(
        Array.from({ length: 12 }, () => api.post(`${BASE}/checkouts`, { key: m.test, body: minimal })),
      )
      expect(rs.map((r) => r.status)).toEqual(Array(12).fill(201))
      expect(derivation.calls.length).toBe(before)
      const targets = await Promise.all(rs.map((r) => stored(r.json().id)))
      expect(new Set(targets.map((t) => t.index)).size).toBe(12)
      for (const [i, t] of targets.entries()) {
        expect(t.evm?.toLowerCase()).toBe(evmAddressAt(m.account, t.index))
        expect(t.tron).toBe(tronAddressAt(m.account, t.index))
        const options = rs[i]!.json().payment_options as Array<{ network: string; address: string }>
        expect(options.find((o) => o.network === "tron-nile")?.address).toBe(t.tron)
      }
      // GET answers the very bytes the create did.
      expect((await api.get(`${BASE}/checkouts/${rs[0]!.json().id}`, { key: m.test })).text).toBe(rs[0]!.text)
      // The counter does count: a create with an Idempotency-Key takes the Effect route and derives there.
      const keyed = await api.post(`${BASE}/checkouts`, {
        key: m.test,
        body: minimal,
        headers: { "idempotency-key": "inline-1" },
      })
      expect(keyed.status).toBe(201)
      expect(derivation.calls.slice(before)).toEqual(["evm", "tron"])
      const k = await stored(keyed.json().id)
      expect(targets.map((t) => t.index)).not.toContain(k.index)
      expect(k.evm?.toLowerCase()).toBe(evmAddressAt(m.account, k.index))
    })
  })

suite("pglite")
if (TEST_DATABASE_URL !== null) suite("postgres")
else if (PG_REQUIRED)
  describe("inline create on postgres", () => {
    it("needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () => {
      throw new Error("INZI_REQUIRE_PG=1 but TEST_DATABASE_URL is not set")
    })
  })
