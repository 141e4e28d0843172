import type {
  ApiCheckout,
  ApiCheckoutList,
  ApiPayment,
  ApiPaymentEntry,
  ApiPaymentOption,
  ApiPublicStatus,
  ApiWebhookEvent,
} from "./api.js"
import { formatTimestamp } from "./api.js"
import type { Checkout, Merchant, NetworkConfig, Payment, WebhookEventType } from "./domain.js"
import { depositTargetOf, type FamilyRegistry, payoutKeyOf } from "./family.js"
import { amountDueUnits, amountPaidCents, currentStatus } from "./machine.js"
import { centsToUnits, formatCents, formatUnits } from "./money.js"

/**
 * Domain → API objects. `toApiCheckout` builds the checkout object of API.md; `renderCheckoutJson` renders
 * it as JSON text with the metadata spliced in exactly as the merchant sent it (key order byte-for-byte).
 */

export interface PresentContext {
  /** Base URL of the server (`https://pay.example.com`); `checkout_url` is `<publicUrl>/p/<token>`. */
  readonly publicUrl: string
  /** The status read is always current: an overdue `pending` checkout reads `expired`. */
  readonly now: Date
  /** Enabled networks of the checkout's mode, with their tokens (order = order of `payment_options`). */
  readonly networks: ReadonlyArray<NetworkConfig>
  /** The checkout's merchant: its payout wallets are the addresses of memo-family options (`payoutKeyOf`). */
  readonly merchant: Merchant
  /** One module per chain family: how each network's options are written. */
  readonly families: FamilyRegistry
  /** Payment options' JSON kept per checkout between renders (`makePaymentOptionsCache`); absent: none kept. */
  readonly optionsCache?: PaymentOptionsCache | undefined
  /** Whole checkout JSON kept per checkout object (`makeCheckoutJsonCache`); absent: none kept. */
  readonly jsonCache?: CheckoutJsonCache | undefined
}

/**
 * The JSON of checkouts rendered lately, by the checkout object itself, for a process whose store hands back the
 * same object while the checkout is unchanged (adapter-postgres's GET read does). An entry answers only for the
 * same status (read at `now`), public URL, configured networks and families (by identity) and merchant display
 * name and payout keys; it lives as long as its checkout object. A `Checkout` is never mutated, so the object
 * stands for everything stored.
 */
export interface CheckoutJsonCache {
  readonly get: (checkout: Checkout, status: ApiCheckout["status"], ctx: PresentContext) => string | undefined
  readonly set: (checkout: Checkout, status: ApiCheckout["status"], ctx: PresentContext, json: string) => void
}

export const makeCheckoutJsonCache = (): CheckoutJsonCache => {
  const entries = new WeakMap<
    Checkout,
    {
      readonly status: ApiCheckout["status"]
      readonly publicUrl: string
      readonly networks: ReadonlyArray<NetworkConfig>
      readonly families: FamilyRegistry
      readonly merchant: Merchant
      readonly merchantStamp: string
      readonly json: string
    }
  >()
  return {
    get: (checkout, status, ctx) => {
      const e = entries.get(checkout)
      return e !== undefined &&
        e.status === status &&
        e.publicUrl === ctx.publicUrl &&
        e.networks === ctx.networks &&
        e.families === ctx.families &&
        (e.merchant === ctx.merchant || e.merchantStamp === merchantStamp(ctx.merchant))
        ? e.json
        : undefined
    },
    set: (checkout, status, ctx, json) => {
      entries.set(checkout, {
        status,
        publicUrl: ctx.publicUrl,
        networks: ctx.networks,
        families: ctx.families,
        merchant: ctx.merchant,
        merchantStamp: merchantStamp(ctx.merchant),
        json,
      })
    },
  }
}

/**
 * The payment options' JSON of recently rendered checkouts, by checkout id, for a process that renders the same
 * checkouts again from new objects (a merchant's list pages; a read handing back one object per unchanged
 * checkout has `CheckoutJsonCache`). A checkout's options are a function of what
 * is fixed at its creation (targets, amount, networks, mode, description), of the amount still due once it is
 * `underpaid`, of its merchant's payout keys and display name, and of the configured networks and families: an
 * entry answers only while all of these are what they were when it was written (`optionsStamp`). At most
 * `capacity` entries; the oldest written goes first.
 */
export interface PaymentOptionsCache {
  readonly get: (
    checkoutId: string,
    stamp: string,
    ctx: Pick<PresentContext, "networks" | "families">,
  ) => string | undefined
  readonly set: (
    checkoutId: string,
    stamp: string,
    ctx: Pick<PresentContext, "networks" | "families">,
    json: string,
  ) => void
}

export const makePaymentOptionsCache = (capacity = 10_000): PaymentOptionsCache => {
  const entries = new Map<
    string,
    {
      readonly stamp: string
      readonly networks: ReadonlyArray<NetworkConfig>
      readonly families: FamilyRegistry
      readonly json: string
    }
  >()
  return {
    get: (id, stamp, ctx) => {
      const e = entries.get(id)
      return e !== undefined &&
        e.stamp === stamp &&
        e.networks === ctx.networks &&
        e.families === ctx.families
        ? e.json
        : undefined
    },
    set: (id, stamp, ctx, json) => {
      if (!entries.delete(id) && entries.size >= capacity) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      entries.set(id, { stamp, networks: ctx.networks, families: ctx.families, json })
    },
  }
}

/** What a merchant contributes to its checkouts' options: display name and payout keys (one text per object). */
const MERCHANT_STAMPS = new WeakMap<Merchant, string>()
const merchantStamp = (m: Merchant): string => {
  let stamp = MERCHANT_STAMPS.get(m)
  if (stamp === undefined) {
    stamp = JSON.stringify([m.branding?.displayName ?? m.name, m.payoutKeys])
    MERCHANT_STAMPS.set(m, stamp)
  }
  return stamp
}

/**
 * Everything a checkout's options depend on beyond the configuration (see `PaymentOptionsCache`): what is fixed at
 * its creation is in it too, so an id that came back with other data (another database) never reads a kept entry.
 */
const optionsStamp = (checkout: Checkout, status: ApiCheckout["status"], merchant: Merchant): string =>
  JSON.stringify([
    status === "underpaid" ? String(amountPaidCents(checkout.payments)) : null,
    String(checkout.amountCents),
    checkout.mode,
    checkout.networks,
    checkout.targets.entries,
    checkout.description,
    merchantStamp(merchant),
  ])

/** The 24 random characters of a checkout id: the hosted page token. */
const tokenOf = (id: string): string => id.slice(id.lastIndexOf("_") + 1)

/** The latest counted payment (detected or confirmed), by detection time; null when none. */
export const latestCountedPayment = (payments: ReadonlyArray<Payment>): Payment | null => {
  let best: Payment | null = null
  for (const p of payments) {
    if (p.status !== "detected" && p.status !== "confirmed") continue
    if (best === null || p.detectedAt.getTime() >= best.detectedAt.getTime()) best = p
  }
  return best
}

const toApiPayment = (p: Payment): ApiPayment => ({
  amount_crypto: formatUnits(p.amount, p.decimals),
  crypto_currency: p.token,
  network: p.network,
  tx_hash: p.txHash,
  sender_address: p.sender,
  confirmed_at: p.confirmedAt === null ? null : formatTimestamp(p.confirmedAt),
})

/** A payment the API lists: all but a held re-mined copy (`duplicate`, the same money as a listed payment). */
const listed = (p: Payment): p is Payment & { readonly status: ApiPaymentEntry["status"] } =>
  p.status !== "duplicate"

const toApiPaymentEntry = (p: Payment & { readonly status: ApiPaymentEntry["status"] }): ApiPaymentEntry => ({
  amount_crypto: formatUnits(p.amount, p.decimals),
  crypto_currency: p.token,
  network: p.network,
  tx_hash: p.txHash,
  sender_address: p.sender,
  status: p.status,
  confirmations: p.confirmations,
  detected_at: formatTimestamp(p.detectedAt),
  confirmed_at: p.confirmedAt === null ? null : formatTimestamp(p.confirmedAt),
})

/**
 * What a payer needs on each enabled network/token of the checkout. Networks not enabled for the checkout
 * (not in `checkout.networks`) or without a deposit address (merchant has no xpub/wallet for that family)
 * are left out. The amount is the full amount, or what is still due once the checkout is `underpaid`.
 */
export const paymentOptions = (
  checkout: Checkout,
  ctx: Pick<PresentContext, "networks" | "merchant" | "families" | "now">,
): ReadonlyArray<ApiPaymentOption> => {
  const status = currentStatus(checkout, ctx.now)
  const payee = ctx.merchant.branding?.displayName ?? ctx.merchant.name
  const purpose = checkout.description
  const out: Array<ApiPaymentOption> = []
  for (const net of ctx.networks) {
    if (!checkout.networks.includes(net.id) || net.mode !== checkout.mode) continue
    const family = ctx.families[net.family]
    const payout = payoutKeyOf(ctx.merchant, net.family)
    const deposit = depositTargetOf(checkout.targets, net.family)
    for (const token of net.tokens) {
      const units =
        status === "underpaid"
          ? amountDueUnits(checkout, token.decimals)
          : centsToUnits(checkout.amountCents, token.decimals)
      const target = family.paymentTarget({
        network: net,
        token,
        units,
        target: deposit,
        payout,
        payee,
        purpose,
      })
      if (target === null) continue
      // One object literal shape (no spreads): this runs for every option of every checkout read.
      out.push({
        network: net.id,
        crypto_currency: token.symbol,
        amount_crypto: formatUnits(units, token.decimals),
        address: target.address,
        memo: target.memo,
        uri: target.uri,
      })
    }
  }
  return out
}

/** The fields of the API checkout object before `metadata`, in API.md's order. */
const headFields = (checkout: Checkout, status: ApiCheckout["status"]) => ({
  id: checkout.id,
  status,
  amount: formatCents(checkout.amountCents),
  currency: "USD" as const,
  description: checkout.description,
})

/** The fields after `metadata` up to `payments`, in API.md's order (the rest: `tailFields`). */
const middleFields = (checkout: Checkout, status: ApiCheckout["status"], ctx: PresentContext) => {
  const latest = latestCountedPayment(checkout.payments)
  return {
    customer_email: checkout.customerEmail,
    redirect_url: checkout.redirectUrl,
    checkout_url: `${trimSlashes(ctx.publicUrl)}/p/${tokenOf(checkout.id)}`,
    payment: status === "pending" || status === "expired" || latest === null ? null : toApiPayment(latest),
    amount_paid: formatCents(amountPaidCents(checkout.payments)),
    payments: checkout.payments.filter(listed).map(toApiPaymentEntry),
  }
}

/** The fields after `metadata`, in API.md's order. */
const tailFields = (checkout: Checkout, status: ApiCheckout["status"], ctx: PresentContext) => ({
  ...middleFields(checkout, status, ctx),
  payment_options: paymentOptions(checkout, ctx),
  expires_at: formatTimestamp(checkout.expiresAt),
  created_at: formatTimestamp(checkout.createdAt),
})

/** Printable ASCII but the quote and the backslash: a string of only these is its own JSON text in quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
const isPlain = (s: string | null): boolean => s === null || PLAIN.test(s)

/** Per networks list: every network id, token symbol and token contract is plain (see `optionInputsPlain`). */
const PLAIN_NETWORKS = new WeakMap<ReadonlyArray<NetworkConfig>, boolean>()
const networksPlain = (networks: ReadonlyArray<NetworkConfig>): boolean => {
  let plain = PLAIN_NETWORKS.get(networks)
  if (plain === undefined) {
    plain = networks.every(
      (n) => isPlain(n.id) && n.tokens.every((t) => isPlain(t.symbol) && isPlain(t.contract)),
    )
    PLAIN_NETWORKS.set(networks, plain)
  }
  return plain
}

/** Whether every string of the options is plain: network ids, symbols and amounts (`networksPlain`), the rest here. */
const optionsPlain = (options: ReadonlyArray<ApiPaymentOption>): boolean => {
  for (const o of options) if (!isPlain(o.address) || !isPlain(o.memo) || !isPlain(o.uri)) return false
  return true
}

/**
 * `JSON.stringify(options)`, written out when every string of the options is plain (no string needs escaping),
 * else that call. The payment options are most of a checkout's JSON (five objects of six fields in a typical
 * read). The property test over random checkouts, plain and not, holds the two texts equal.
 */
const writeOptionsJson = (checkout: Checkout, ctx: PresentContext): string => {
  const options = paymentOptions(checkout, ctx)
  if (!networksPlain(ctx.networks) || !optionsPlain(options)) return JSON.stringify(options)
  let out = "["
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!
    const memo = o.memo === null ? "null" : `"${o.memo}"`
    out += `${i === 0 ? "" : ","}{"network":"${o.network}","crypto_currency":"${o.crypto_currency}","amount_crypto":"${o.amount_crypto}","address":"${o.address}","memo":${memo},"uri":"${o.uri}"}`
  }
  return `${out}]`
}

/** `writeOptionsJson`, through `ctx.optionsCache` when there is one. */
const paymentOptionsJson = (
  checkout: Checkout,
  status: ApiCheckout["status"],
  ctx: PresentContext,
): string => {
  const cache = ctx.optionsCache
  if (cache === undefined) return writeOptionsJson(checkout, ctx)
  const stamp = optionsStamp(checkout, status, ctx.merchant)
  const kept = cache.get(checkout.id, stamp, ctx)
  if (kept !== undefined) return kept
  const json = writeOptionsJson(checkout, ctx)
  cache.set(checkout.id, stamp, ctx, json)
  return json
}

const trimSlashes = (url: string): string => (url.endsWith("/") ? url.replace(/\/+$/, "") : url)

/**
 * The API checkout object. `metadata` is `JSON.parse(metadataJson)` here (integer-like keys may be reordered
 * by JS); send `renderCheckoutJson` on the wire to keep the merchant's key order.
 */
export const toApiCheckout = (checkout: Checkout, ctx: PresentContext): ApiCheckout => {
  const status = currentStatus(checkout, ctx.now)
  return {
    ...headFields(checkout, status),
    metadata: JSON.parse(checkout.metadataJson ?? "{}") as Record<string, unknown>,
    ...tailFields(checkout, status, ctx),
  }
}

/**
 * The checkout object as JSON text, metadata byte-for-byte as sent: the one writer of the checkout's JSON (API
 * responses, idempotent replays, webhook bodies). The text of `toApiCheckout`'s object with the metadata spliced
 * in (a property test holds them equal), built from native `JSON.stringify` calls around the metadata text and
 * the payment options written out (`paymentOptionsJson`), without parsing the metadata (this runs on every read).
 * @example res.end(renderCheckoutJson(checkout, { publicUrl, now, networks, merchant, families }))
 */
export const renderCheckoutJson = (checkout: Checkout, ctx: PresentContext): string => {
  const status = currentStatus(checkout, ctx.now)
  const cache = ctx.jsonCache
  if (cache === undefined) return writeCheckoutJson(checkout, status, ctx)
  const kept = cache.get(checkout, status, ctx)
  if (kept !== undefined) return kept
  const json = writeCheckoutJson(checkout, status, ctx)
  cache.set(checkout, status, ctx, json)
  return json
}

const writeCheckoutJson = (
  checkout: Checkout,
  status: ApiCheckout["status"],
  ctx: PresentContext,
): string => {
  const head = JSON.stringify(headFields(checkout, status))
  const middle = JSON.stringify(middleFields(checkout, status, ctx))
  return `${head.slice(0, -1)},"metadata":${checkout.metadataJson ?? "{}"},${middle.slice(1, -1)},"payment_options":${paymentOptionsJson(checkout, status, ctx)},"expires_at":"${formatTimestamp(checkout.expiresAt)}","created_at":"${formatTimestamp(checkout.createdAt)}"}`
}

/** `GET /api/v1/checkouts` response as JSON text (each checkout's metadata verbatim). */
export const renderCheckoutListJson = (
  list: {
    readonly data: ReadonlyArray<Checkout>
    readonly total: number
    readonly limit: number
    readonly offset: number
  },
  ctx: PresentContext,
): string =>
  `{"data":[${list.data.map((c) => renderCheckoutJson(c, ctx)).join(",")}],"total":${list.total},"limit":${list.limit},"offset":${list.offset}}`

/** The list response as an object (metadata through JSON.parse; prefer `renderCheckoutListJson` on the wire). */
export const toApiCheckoutList = (
  list: {
    readonly data: ReadonlyArray<Checkout>
    readonly total: number
    readonly limit: number
    readonly offset: number
  },
  ctx: PresentContext,
): ApiCheckoutList => ({
  data: list.data.map((c) => toApiCheckout(c, ctx)),
  total: list.total,
  limit: list.limit,
  offset: list.offset,
})

export interface WebhookEventBodyInput {
  readonly id: string
  readonly type: WebhookEventType
  readonly createdAt: Date
  readonly livemode: boolean
  /** The event's number among its checkout's events (1, 2, …). */
  readonly sequence: number
  /** The checkout object as JSON text (`renderCheckoutJson`), embedded untouched. */
  readonly checkoutJson: string
  /** The payment a payment event is about (`checkout.payment_reverted`, `checkout.late_payment`). */
  readonly payment?: Payment | null | undefined
}

/**
 * The webhook event body (the exact bytes that are stored, signed and sent).
 * @example webhookEventBody({ id: "evt_…", type: "checkout.completed", createdAt: now, livemode: true, sequence: 2, checkoutJson })
 */
export const webhookEventBody = (e: WebhookEventBodyInput): string => {
  const payment =
    e.payment == null || !listed(e.payment)
      ? ""
      : `,"payment":${JSON.stringify(toApiPaymentEntry(e.payment))}`
  return `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"created_at":"${formatTimestamp(e.createdAt)}","livemode":${e.livemode},"sequence":${e.sequence},"data":{"object":${e.checkoutJson}${payment}}}`
}

/** The event as an object (for tests and typed consumers). */
export const parseWebhookEventBody = (body: string): ApiWebhookEvent => JSON.parse(body) as ApiWebhookEvent

/**
 * `GET /p/{token}/status`: the public status (never metadata, customer_email or webhook_url).
 * `required_confirmations` comes from the latest counted payment's network config (null when none).
 */
export const toPublicStatus = (
  checkout: Checkout,
  ctx: Pick<PresentContext, "now" | "networks">,
): ApiPublicStatus => {
  const latest = latestCountedPayment(checkout.payments)
  const net = latest === null ? undefined : ctx.networks.find((n) => n.id === latest.network)
  return {
    status: currentStatus(checkout, ctx.now),
    amount_paid: formatCents(amountPaidCents(checkout.payments)),
    confirmations: latest?.confirmations ?? null,
    required_confirmations: net?.confirmations ?? null,
    expires_at: formatTimestamp(checkout.expiresAt),
  }
}
