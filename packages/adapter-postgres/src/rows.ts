import type {
  ApiKeyRecord,
  ChainFamily,
  LogoContentType,
  Merchant,
  MerchantBranding,
  MerchantLogo,
  Mode,
  Payment,
  PaymentStatus,
  PayoutKeys,
} from "@inzi/core"
import { type Selectable, sql } from "kysely"
import type { ApiKeysTable, MerchantsTable, PaymentsTable } from "./schema.js"
import { openSecret, type SecretBox } from "./secrets.js"

/** int8/numeric come back as string (pg), number or bigint (PGlite). */
export const toBigInt = (v: unknown): bigint => {
  if (typeof v === "bigint") return v
  if (typeof v === "number") return BigInt(v)
  if (typeof v === "string") return BigInt(v)
  throw new Error(`not an integer: ${typeof v}`)
}

export const toBigIntOrNull = (v: unknown): bigint | null =>
  v === null || v === undefined ? null : toBigInt(v)

/** jsonb comes back parsed from both drivers; be lenient with text. */
export const fromJson = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)

export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)))
export const toDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : toDate(v))

const stringArray = (v: unknown): ReadonlyArray<string> =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []

export const networksOfMerchant = (v: unknown): Record<Mode, ReadonlyArray<string>> => {
  const o = (fromJson(v) ?? {}) as Record<string, unknown>
  return { live: stringArray(o.live), test: stringArray(o.test) }
}

export const networksOfCheckout = (v: unknown): ReadonlyArray<string> => stringArray(fromJson(v))

const stringOrNull = (v: unknown): string | null => (typeof v === "string" ? v : null)
const LOGO_TYPES: ReadonlyArray<string> = ["image/png", "image/jpeg", "image/webp"]

const logoOf = (v: unknown): MerchantLogo | null => {
  const o = (v ?? {}) as Record<string, unknown>
  if (o.kind === "url" && typeof o.url === "string") return { kind: "url", url: o.url }
  if (o.kind === "image" && typeof o.sha256 === "string" && LOGO_TYPES.includes(String(o.contentType)))
    return { kind: "image", sha256: o.sha256, contentType: o.contentType as LogoContentType }
  return null
}

/** The `branding` column as `MerchantBranding` (anything unexpected reads as the default). */
export const brandingOf = (v: unknown): MerchantBranding => {
  const o = (fromJson(v) ?? {}) as Record<string, unknown>
  return {
    displayName: stringOrNull(o.displayName),
    logo: logoOf(o.logo),
    accentColor: stringOrNull(o.accentColor),
  }
}

/**
 * A merchant's payout keys as one JSON object column `{ "<family>": key }` (null when none), for a query over
 * `merchants` aliased `m`: read with the row, decoded by `merchantFromRow`.
 */
export const payoutKeysColumn = sql<unknown>`(SELECT json_object_agg(k.family, k.key)
  FROM merchant_payout_keys k WHERE k.merchant_id = m.id)`.as("payout_keys")

/** A merchants row with its payout keys (`payoutKeysColumn`). */
export type MerchantRow = Selectable<MerchantsTable> & { readonly payout_keys: unknown }

const payoutKeysOf = (v: unknown): PayoutKeys => {
  const o = fromJson(v)
  if (o === null || typeof o !== "object") return {}
  const keys: Partial<Record<ChainFamily, string>> = {}
  for (const [family, key] of Object.entries(o as Record<string, unknown>))
    if (typeof key === "string") keys[family as ChainFamily] = key
  return keys
}

/** A merchants row as a `Merchant`, its webhook secrets opened with `box` (see secrets.ts). */
export const merchantFromRow = (r: MerchantRow, box: SecretBox | null | undefined): Merchant => ({
  id: r.id,
  name: r.name,
  webhookUrl: r.webhook_url,
  webhookSecret: openSecret(box, r.webhook_secret, { merchantId: r.id, column: "webhook_secret" }),
  testWebhookUrl: r.test_webhook_url,
  testWebhookSecret: openSecret(box, r.test_webhook_secret, {
    merchantId: r.id,
    column: "test_webhook_secret",
  }),
  allowedRedirectHosts: stringArray(fromJson(r.allowed_redirect_hosts)),
  allowedWebhookHosts: stringArray(fromJson(r.allowed_webhook_hosts)),
  payoutKeys: payoutKeysOf(r.payout_keys),
  networks: networksOfMerchant(r.networks),
  branding: brandingOf(r.branding),
  createdAt: toDate(r.created_at),
})

export const apiKeyFromRow = (r: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: r.id,
  merchantId: r.merchant_id,
  mode: r.mode as Mode,
  prefix: r.prefix,
  createdAt: toDate(r.created_at),
  revokedAt: toDateOrNull(r.revoked_at),
})

export const paymentFromRow = (r: Selectable<PaymentsTable>): Payment => ({
  network: r.network,
  txHash: r.tx_hash,
  logIndex: Number(r.log_index),
  token: r.token,
  tokenContract: r.token_contract,
  decimals: Number(r.decimals),
  amount: toBigInt(r.amount),
  sender: r.sender,
  recipient: r.recipient,
  blockNumber: toBigIntOrNull(r.block_number),
  blockHash: r.block_hash,
  status: r.status as PaymentStatus,
  confirmations: Number(r.confirmations),
  detectedAt: toDate(r.detected_at),
  confirmedAt: toDateOrNull(r.confirmed_at),
})

export const paymentToRow = (checkoutId: string, p: Payment, now: Date) => ({
  network: p.network,
  tx_hash: p.txHash,
  log_index: p.logIndex,
  checkout_id: checkoutId,
  token: p.token,
  token_contract: p.tokenContract,
  decimals: p.decimals,
  amount: p.amount.toString(),
  sender: p.sender,
  recipient: p.recipient,
  block_number: p.blockNumber === null ? null : p.blockNumber.toString(),
  block_hash: p.blockHash,
  status: p.status,
  confirmations: p.confirmations,
  detected_at: p.detectedAt,
  confirmed_at: p.confirmedAt,
  updated_at: now,
})
