import { Context, type Effect } from "effect"
import type { LogoImage } from "../branding.js"
import type { ApiKeyRecord, Merchant, Mode } from "../domain.js"
import type { MerchantNotFound, StoreError } from "./errors.js"

/**
 * A merchant as created: everything but the creation time, which the store sets. Without `testWebhookSecret`
 * the store draws a strong random one (never the live secret); `registerMerchant` always passes one.
 */
export type NewMerchant = Omit<Merchant, "createdAt" | "testWebhookUrl" | "testWebhookSecret"> & {
  readonly testWebhookUrl?: string | null | undefined
  readonly testWebhookSecret?: string | undefined
}

export interface NewApiKey {
  readonly id: string
  readonly merchantId: string
  readonly mode: Mode
  readonly prefix: string
  /** SHA-256 hex of the full key (`hashApiKey`); the key itself is never stored. */
  readonly hash: string
}

/** What an active-key lookup finds: the key and its merchant, or `null` for no active key with that hash. */
export type ActiveKey = { readonly key: ApiKeyRecord; readonly merchant: Merchant } | null

/** Merchants and their API keys. */
export class MerchantStore extends Context.Tag("@inzi/core/MerchantStore")<
  MerchantStore,
  {
    readonly createMerchant: (m: NewMerchant) => Effect.Effect<Merchant, StoreError>
    readonly updateMerchant: (
      id: string,
      patch: Partial<Omit<NewMerchant, "id">>,
    ) => Effect.Effect<Merchant, StoreError | MerchantNotFound>
    readonly getMerchant: (id: string) => Effect.Effect<Merchant, StoreError | MerchantNotFound>
    readonly listMerchants: () => Effect.Effect<ReadonlyArray<Merchant>, StoreError>
    readonly createApiKey: (k: NewApiKey) => Effect.Effect<ApiKeyRecord, StoreError | MerchantNotFound>
    /** The active (not revoked) key with this hash, with its merchant; `null` when none. */
    readonly findActiveKeyByHash: (hash: string) => Effect.Effect<ActiveKey, StoreError>
    /**
     * Optional: what `findActiveKeyByHash` would answer, from memory only — `undefined` when that takes a lookup
     * or when `findActiveKeyByHash` should be called for another reason (`withKeyCache`: to start a refresh).
     * `withKeyCache` provides it, so a caller that runs no fiber (the server's GET path) can resolve a cached key.
     */
    readonly cachedActiveKey?: ((hash: string) => ActiveKey | undefined) | undefined
    /** Revoke by key id or by visible prefix; returns the revoked record, `null` when unknown. */
    readonly revokeApiKey: (idOrPrefix: string, at: Date) => Effect.Effect<ApiKeyRecord | null, StoreError>
    readonly listApiKeys: (merchantId: string) => Effect.Effect<ReadonlyArray<ApiKeyRecord>, StoreError>
    /**
     * Keeps an uploaded logo under its SHA-256 (idempotent); a merchant then points at it with
     * `updateMerchant(id, { branding: { …, logo: { kind: "image", … } } })`, which drops the logos no merchant
     * points at any more.
     */
    readonly saveLogo: (image: LogoImage) => Effect.Effect<void, StoreError>
    /** A stored logo by its SHA-256, or null. */
    readonly getLogo: (sha256: string) => Effect.Effect<LogoImage | null, StoreError>
  }
>() {}
