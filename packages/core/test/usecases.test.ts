import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Merchant } from "../src/domain.js"
import { AddressDerivation } from "../src/ports/AddressDerivation.js"
import type { CheckoutStore, NewCheckout } from "../src/ports/CheckoutStore.js"
import { hashApiKey } from "../src/ids.js"
import { Ids } from "../src/ports/Ids.js"
import { MerchantStore, type NewApiKey, type NewMerchant } from "../src/ports/MerchantStore.js"
import { issueApiKey, registerMerchant } from "../src/usecases/merchants.js"
import { checkoutNetworks, createCheckout } from "../src/usecases/create-checkout.js"
import { makeWatchSet } from "../src/watch-set.js"
import { createPorts, NETWORKS } from "./helpers.js"
import { FAMILIES } from "./families.js"

const merchant: Merchant = {
  id: "mer_1",
  name: "Shop",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  testWebhookUrl: null,
  testWebhookSecret: "whsec_y",
  payoutKeys: { evm: "xpub-evm", ton: "UQwallet" },
  networks: { live: [], test: ["sepolia"] },
  createdAt: new Date(0),
}

/** A store stub: only what the use case needs; anything else dies (keeps the test honest). */
const storeStub = (inserted: Array<NewCheckout>) =>
  createPorts(
    new Proxy(
      {
        allocateDerivationIndex: () => Effect.succeed(41n),
        createCheckout: (input: NewCheckout) =>
          Effect.sync(() => {
            inserted.push(input)
            return { _tag: "Created" as const, checkout: {} as never, response: null }
          }),
      },
      {
        get: (t, k) => (k in t ? t[k as keyof typeof t] : () => Effect.dieMessage(`unexpected ${String(k)}`)),
      },
    ) as unknown as CheckoutStore["Type"],
  )

const derivation = Layer.succeed(AddressDerivation, {
  derive: (family, xpub, index) => Effect.succeed(`${family}:${xpub}:${index}`),
  validateXpub: () => Effect.void,
})

describe("createCheckout use case", () => {
  it("networks: the mode's configured ones the merchant enabled and can receive on", () => {
    expect(checkoutNetworks(merchant, "live", NETWORKS).map((n) => n.id)).toEqual(["ton", "bsc"])
    expect(checkoutNetworks(merchant, "test", NETWORKS).map((n) => n.id)).toEqual(["sepolia"])
    expect(checkoutNetworks({ ...merchant, payoutKeys: {} }, "live", NETWORKS)).toEqual([])
  })

  it.effect("allocates an index, derives addresses for the enabled families, draws id and comment", () =>
    Effect.gen(function* () {
      const inserted: Array<NewCheckout> = []
      const now = new Date("2026-04-04T12:00:00.750Z")
      const r = yield* createCheckout({
        merchant,
        mode: "live",
        command: {
          amountCents: 2500n,
          description: null,
          metadataJson: '{"2":1,"a":2}',
          customerEmail: null,
          redirectUrl: null,
          webhookUrl: null,
          expiresInSeconds: 1800,
        },
        networks: checkoutNetworks(merchant, "live", NETWORKS),
        families: FAMILIES,
        idempotency: null,
        now,
      }).pipe(Effect.provide(Layer.mergeAll(storeStub(inserted), derivation, Ids.Test(3))))
      expect(r._tag).toBe("Created")
      const c = inserted[0]!
      expect(c.id).toMatch(/^chk_live_[a-z0-9]{24}$/)
      // One target per family of the checkout's networks: the EVM address derived at the index (its lookup
      // in lower case), the TON comment drawn by the TON module (its lookup the merchant's id + the comment).
      expect(c.targets.derivationIndex).toBe(41n)
      expect(c.targets.entries.map((t) => t.family)).toEqual(["evm", "ton"])
      expect(c.targets.entries[0]).toEqual({
        family: "evm",
        address: "evm:xpub-evm:41",
        memo: null,
        lookup: "evm:xpub-evm:41",
      })
      const comment = c.targets.entries[1]!.memo!
      expect(comment).toMatch(/^[2-9A-HJKMNP-Z]{8}$/)
      expect(c.targets.entries[1]).toEqual({
        family: "ton",
        address: null,
        memo: comment,
        lookup: `mer_1:${comment}`,
      })
      expect(c.networks).toEqual(["ton", "bsc"])
      expect(c.metadataJson).toBe('{"2":1,"a":2}')
      expect(c.createdAt.toISOString()).toBe("2026-04-04T12:00:00.000Z")
      expect(c.expiresAt.toISOString()).toBe("2026-04-04T12:30:00.000Z")
    }),
  )
})

describe("makeWatchSet", () => {
  it("answers address and memo membership in O(1); memos case-insensitively", () => {
    const w = makeWatchSet({
      addresses: ["0xabc"],
      memos: [{ wallet: "0:w1", memo: "K7P2M9QX" }],
      wallets: ["0:w2"],
    })
    expect(w.hasAddress("0xabc")).toBe(true)
    expect(w.hasAddress("0xabd")).toBe(false)
    expect(w.hasMemo("0:w1", "k7p2m9qx")).toBe(true)
    expect(w.hasMemo("0:w2", "K7P2M9QX")).toBe(false)
    expect([...w.wallets].sort()).toEqual(["0:w1", "0:w2"])
    // Only the wallet with an open memo target counts as open (per-wallet TON reads ration by it).
    expect(w.openWallets).toEqual(["0:w1"])
  })
})

describe("merchant registration and key issuance", () => {
  const merchantStoreStub = (created: { merchants: Array<NewMerchant>; keys: Array<NewApiKey> }) =>
    Layer.succeed(
      MerchantStore,
      new Proxy(
        {
          createMerchant: (m: NewMerchant) =>
            Effect.sync(() => {
              created.merchants.push(m)
              return { ...m, createdAt: new Date(0) }
            }),
          createApiKey: (k: NewApiKey) =>
            Effect.sync(() => {
              created.keys.push(k)
              return {
                id: k.id,
                merchantId: k.merchantId,
                mode: k.mode,
                prefix: k.prefix,
                createdAt: new Date(0),
                revokedAt: null,
              }
            }),
        },
        {
          get: (t, k) =>
            k in t ? t[k as keyof typeof t] : () => Effect.dieMessage(`unexpected ${String(k)}`),
        },
      ) as unknown as MerchantStore["Type"],
    )

  it.effect("registers a merchant with fresh id and webhook secret, defaults for what is not given", () =>
    Effect.gen(function* () {
      const created = { merchants: [] as NewMerchant[], keys: [] as NewApiKey[] }
      const m = yield* registerMerchant({ name: "Shop", payoutKeys: { evm: "xpub-evm" } }).pipe(
        Effect.provide(Layer.merge(merchantStoreStub(created), Ids.Test(7))),
      )
      expect(m.id).toMatch(/^mer_[a-z0-9]+$/)
      expect(m.webhookSecret).toMatch(/^whsec_[A-Za-z0-9]+$/)
      // Each mode signs with its own secret: a test event never verifies against the live secret.
      expect(created.merchants[0]!.testWebhookSecret).toMatch(/^whsec_[A-Za-z0-9]{40}$/)
      expect(created.merchants[0]!.testWebhookSecret).not.toBe(m.webhookSecret)
      expect(created.merchants[0]).toMatchObject({
        name: "Shop",
        payoutKeys: { evm: "xpub-evm" },
        webhookUrl: null,
        testWebhookUrl: null,
        networks: { live: [], test: [] },
      })
    }),
  )

  it.effect("issues a key shown once and stores only its hash and visible prefix", () =>
    Effect.gen(function* () {
      const created = { merchants: [] as NewMerchant[], keys: [] as NewApiKey[] }
      const { key, record } = yield* issueApiKey("mer_1", "live").pipe(
        Effect.provide(Layer.merge(merchantStoreStub(created), Ids.Test(3))),
      )
      expect(key).toMatch(/^sk_live_[A-Za-z0-9]{40}$/)
      expect(record.prefix).toBe(key.slice(0, 12))
      const stored = created.keys[0]!
      expect(stored.hash).toBe(hashApiKey(key))
      expect(JSON.stringify(stored)).not.toContain(key)
    }),
  )
})
