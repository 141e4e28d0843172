import { Effect } from "effect"
import type { LogoImage } from "../branding.js"
import type { ApiKeyRecord, Merchant, MerchantBranding, Mode } from "../domain.js"
import { hashApiKey, newApiKey, newApiKeyId, newMerchantId, newWebhookSecret } from "../ids.js"
import { type MerchantPatch, MerchantStore, type NewMerchant } from "../ports/MerchantStore.js"

/**
 * Registers a merchant with a fresh id and one webhook secret per mode (`whsec_…`, live and test distinct).
 * @example const m = yield* registerMerchant({ name: "Shop", payoutKeys: { evm: xpub }, networks: { live: [], test: [] } })
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
      payoutKeys: input.payoutKeys ?? {},
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

/**
 * A change to a merchant's page branding: an absent field is kept, null clears it, a value replaces it (already
 * checked: `displayNameProblem`, `accentColorProblem`, `logoUrlProblem`, `checkLogoImage`).
 */
export interface BrandingChange {
  readonly displayName?: string | null | undefined
  readonly accentColor?: string | null | undefined
  readonly logo?: null | { readonly kind: "url"; readonly url: string } | LogoImage | undefined
}

/** `was` with `change` applied (accent colour in lower case). */
export const nextBranding = (was: MerchantBranding | undefined, change: BrandingChange): MerchantBranding => {
  const b = was ?? { displayName: null, logo: null, accentColor: null }
  const logo = change.logo
  return {
    displayName: change.displayName === undefined ? b.displayName : change.displayName,
    accentColor:
      change.accentColor === undefined ? b.accentColor : (change.accentColor?.toLowerCase() ?? null),
    logo:
      logo === undefined
        ? b.logo
        : logo === null
          ? null
          : "kind" in logo
            ? logo
            : { kind: "image", sha256: logo.sha256, contentType: logo.contentType },
  }
}

/**
 * Applies a branding change to merchant `id` (storing an uploaded logo first), with any other `patch` in the
 * same update. The CLI's `merchant update` and the console's branding form both go through here.
 */
export const updateBranding = (
  id: Merchant["id"],
  change: BrandingChange,
  patch: Omit<MerchantPatch, "branding"> = {},
) =>
  Effect.gen(function* () {
    const store = yield* MerchantStore
    const rebrand =
      change.displayName !== undefined || change.accentColor !== undefined || change.logo !== undefined
    const branding = rebrand ? nextBranding((yield* store.getMerchant(id)).branding, change) : undefined
    if (change.logo != null && !("kind" in change.logo)) yield* store.saveLogo(change.logo)
    return yield* store.updateMerchant(id, { ...patch, ...(branding !== undefined ? { branding } : {}) })
  })
