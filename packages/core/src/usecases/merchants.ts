import { Effect } from "effect"
import type { ApiKeyRecord, Merchant, Mode } from "../domain.js"
import { hashApiKey, newApiKey, newApiKeyId, newMerchantId, newWebhookSecret } from "../ids.js"
import { MerchantStore, type NewMerchant } from "../ports/MerchantStore.js"

/**
 * Registers a merchant with a fresh id and one webhook secret per mode (`whsec_…`, live and test distinct).
 * @example const m = yield* registerMerchant({ name: "Shop", evmXpub, networks: { live: [], test: [] } })
 */
export const registerMerchant = (
  input: Pick<NewMerchant, "name"> &
    Partial<Omit<NewMerchant, "id" | "name" | "webhookSecret" | "testWebhookSecret">>,
) =>
  Effect.gen(function* () {
    const store = yield* MerchantStore
    return yield* store.createMerchant({
      id: yield* newMerchantId,
      name: input.name,
      webhookUrl: input.webhookUrl ?? null,
      webhookSecret: yield* newWebhookSecret,
      testWebhookUrl: input.testWebhookUrl ?? null,
      testWebhookSecret: yield* newWebhookSecret,
      evmXpub: input.evmXpub ?? null,
      tronXpub: input.tronXpub ?? null,
      tonWallet: input.tonWallet ?? null,
      networks: input.networks ?? { live: [], test: [] },
    })
  })

/**
 * Issues an API key: the full key is returned once; only its SHA-256 hash and visible prefix are stored.
 * @example const { key } = yield* issueApiKey(merchant.id, "test")
 */
export const issueApiKey = (merchantId: Merchant["id"], mode: Mode) =>
  Effect.gen(function* () {
    const store = yield* MerchantStore
    const material = yield* newApiKey(mode)
    const record: ApiKeyRecord = yield* store.createApiKey({
      id: yield* newApiKeyId,
      merchantId,
      mode,
      prefix: material.prefix,
      hash: hashApiKey(material.key),
    })
    return { record, key: material.key }
  })
