import { Context, type Effect } from "effect"
import type { LogoImage } from "../branding.js"
import type { ApiKeyRecord, ChainFamily, Merchant, Mode } from "../domain.js"
import type { MerchantNotFound, StoreError } from "./errors.js"

/**
 * A merchant as created: everything but the creation time, which the store sets. Without `testWebhookSecret`
 * the store draws a strong random one (never the live secret); `registerMerchant` always passes one.
 */
export type NewMerchant = Omit<Merchant, "createdAt" | "testWebhookUrl" | "testWebhookSecret"> & {
  readonly testWebhookUrl?: string | null | undefined
  readonly testWebhookSecret?: string | undefined
}

/**
 * A change to a merchant: an absent field is kept. `payoutKeys` sets the keys of the families it names (a null
 * key removes that family's) and keeps the others.
 */
export type MerchantPatch = Partial<Omit<NewMerchant, "id" | "payoutKeys">> & {
  readonly payoutKeys?: Readonly<Partial<Record<ChainFamily, string | null>>> | undefined
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
      patch: MerchantPatch,
    ) => Effect.Effect<Merchant, StoreError | MerchantNotFound>
    readonly getMerchant: (id: string) => Effect.Effect<Merchant, StoreError | MerchantNotFound>
    readonly listMerchants: () => Effect.Effect<ReadonlyArray<Merchant>, StoreError>
    readonly createApiKey: (k: NewApiKey) => Effect.Effect<ApiKeyRecord, StoreError | MerchantNotFound>
    /** The active (not revoked) key with this hash, with its merchant; `null` when none. */
    readonly findActiveKeyByHash: (hash: string) => Effect.Effect<ActiveKey, StoreError>
    /** Revoke by key id or by visible prefix; returns the revoked record, `null` when unknown. */
    readonly revokeApiKey: (idOrPrefix: string, at: Date) => Effect.Effect<ApiKeyRecord | null, StoreError>
    readonly listApiKeys: (merchantId: string) => Effect.Effect<ReadonlyArray<ApiKeyRecord>, StoreError>
    /**
     * Keeps an uploaded logo under its SHA-256 (idempotent); a merchant then points at it with
     * `updateMerchant(id, { branding: { …, logo: { kind: "image", … } } })`, which drops the logos no merchant
     * points at any more, and fails (StoreError) when the logo it points at is not stored (dropped meanwhile by
     * another merchant's update: save it again).
     */
    readonly saveLogo: (image: LogoImage) => Effect.Effect<void, StoreError>
    /** A stored logo by its SHA-256, or null. */
    readonly getLogo: (sha256: string) => Effect.Effect<LogoImage | null, StoreError>
  }
>() {}
