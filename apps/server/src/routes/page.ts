import {
  type ApiCheckout,
  type Checkout,
  Checkouts,
  type FamilyRegistry,
  centsToUnits,
  formatUnits,
  logoPath,
  type Merchant,
  MerchantStore,
  type NetworkConfig,
  parseLogoFile,
  toApiCheckout,
} from "@inzi/core"
import { Effect, Runtime } from "effect"
import { ServerContext } from "../context.js"
import { tooManyRequests } from "../http/auth.js"
import { clientAddress } from "../http/client-address.js"
import { jsonText } from "../http/errors.js"
import { type HttpRequest, StreamResponse, textResponse } from "../http/response.js"
import { pageCspFor } from "../page/brand.js"
import { generateNonce, PAGE_CONTENT_TYPE, pageSecurityHeaders } from "../page/headers.js"
import { localeForRequest } from "../page/i18n.js"
import { renderCheckoutPage, renderNotFoundPage } from "../page/render.js"
import type { PagePayment, PageStatusJson, PageStatusPayment, PageView } from "../page/view.js"
import { makeStreamHub, type StreamHub } from "./page-streams.js"

const TOKEN_RE = /^[a-z0-9]{24}$/

export const explorerLink = (
  families: FamilyRegistry,
  n: NetworkConfig | undefined,
  txHash: string,
): string | null => (n === undefined ? null : families[n.family].explorerTxUrl(n, txHash))

const labelOf = (families: FamilyRegistry, n: NetworkConfig | undefined, id: string): string =>
  `${n?.name ?? id} (${n ? families[n.family].tokenStandard(n) : "token"})`

/** The network's own icon, else its family module's; a neutral one for a network no longer configured. */
export const iconOf = (families: FamilyRegistry, n: NetworkConfig | undefined): string =>
  n === undefined ? "any" : (n.icon ?? families[n.family].icon)

/** Maps the API checkout object to what the page renders (no money arithmetic here: core computed it). */
export const toPageView = (
  api: ApiCheckout,
  checkout: Checkout,
  merchant: Merchant,
  networks: ReadonlyArray<NetworkConfig>,
  token: string,
  families: FamilyRegistry,
): PageView => {
  const byId = new Map(networks.map((n) => [n.id, n]))
  const current = checkout.payments.filter((p) => p.status === "detected").at(-1)
  const required = current ? (byId.get(current.network)?.confirmations ?? 0) : undefined
  const payments: Array<PagePayment> = checkout.payments.flatMap((p) => {
    // A reverted payment, or a held re-mined copy of one that still stands, is not money received.
    if (p.status === "reverted" || p.status === "duplicate") return []
    const n = byId.get(p.network)
    return [
      {
        network: p.network,
        networkLabel: labelOf(families, n, p.network),
        token: p.token,
        amount: formatUnits(p.amount, p.decimals),
        txHash: p.txHash,
        explorerUrl: explorerLink(families, n, p.txHash),
        status: p.status,
        confirmations: p.confirmations,
        confirmationsRequired: n?.confirmations ?? 0,
        at: (p.confirmedAt ?? p.detectedAt).toISOString(),
      },
    ]
  })
  const brand = merchant.branding
  return {
    merchantName: brand?.displayName ?? merchant.name,
    logoUrl: brand?.logo == null ? null : brand.logo.kind === "url" ? brand.logo.url : logoPath(brand.logo),
    accentColor: brand?.accentColor ?? null,
    testMode: checkout.mode === "test",
    checkoutId: checkout.id,
    payments,
    description: checkout.description,
    amount: api.amount,
    status: api.status,
    amountPaid: api.amount_paid,
    expiresAt: api.expires_at,
    redirectUrl: checkout.redirectUrl,
    statusUrl: `/p/${token}/status`,
    eventsUrl: `/p/${token}/events`,
    confirmations: current?.confirmations ?? 0,
    confirmationsRequired: required,
    options: api.payment_options.map((o) => {
      const n = byId.get(o.network)
      // `amount_crypto` is what is still due once underpaid; the page also shows the full amount then.
      const decimals = n?.tokens.find((t) => t.symbol === o.crypto_currency)?.decimals
      return {
        network: o.network,
        networkLabel: labelOf(families, n, o.network),
        icon: iconOf(families, n),
        token: o.crypto_currency,
        amountCrypto:
          decimals === undefined
            ? o.amount_crypto
            : formatUnits(centsToUnits(checkout.amountCents, decimals), decimals),
        amountDue: o.amount_crypto,
        address: o.address,
        memo: o.memo,
        uri: o.uri,
        confirmationsRequired: n?.confirmations ?? 0,
      }
    }),
  }
}

/** The option the latest payment used (a partly paid USDC checkout reopens on USDC), else the first. */
export const lastPaidOption = (checkout: Checkout, view: PageView): number => {
  const last = checkout.payments.filter((p) => p.status !== "reverted").at(-1)
  if (last === undefined) return 0
  const i = view.options.findIndex((o) => o.network === last.network && o.token === last.token)
  return Math.max(i, 0)
}

const load = (token: string) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const store = yield* Checkouts
    const merchants = yield* MerchantStore
    const now = new Date()
    if (!TOKEN_RE.test(token)) return null
    const checkout = yield* store
      .getCheckoutByToken(token, now)
      .pipe(Effect.catchTag("CheckoutNotFound", () => Effect.succeed(null)))
    if (checkout === null) return null
    const merchant = yield* merchants.getMerchant(checkout.merchantId)
    const networks = ctx.networks.filter((n) => checkout.networks.includes(n.id))
    const api = toApiCheckout(checkout, {
      publicUrl: ctx.env.publicUrl,
      now,
      networks,
      merchant,
      families: ctx.families,
    })
    const view = toPageView(api, checkout, merchant, networks, token, ctx.families)
    return { checkout, merchant, networks, api, view }
  })

/** The 429 for a client address past its page requests (INZI_PAGE_RATE_LIMIT), or null. */
const pageLimited = (req: HttpRequest, ctx: ServerContext["Type"]) => {
  const wait = ctx.pageLimiter.take(clientAddress(req.incoming, ctx.trustedProxies), Date.now())
  return wait > 0 ? tooManyRequests("Too many page requests from this address", wait) : null
}

export const pageRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const limited = pageLimited(req, ctx)
    if (limited !== null) return limited
    const { token = "" } = req.params
    const { locale, setCookie } = localeForRequest({
      url: req.url,
      cookie: req.headers.cookie,
      acceptLanguage: req.headers["accept-language"],
      secure: ctx.env.publicUrl.startsWith("https:"),
    })
    const nonce = generateNonce()
    const found = yield* load(token)
    const headers = {
      ...pageSecurityHeaders(nonce, found === null ? undefined : pageCspFor(found.view)),
      ...(setCookie === null ? {} : { "set-cookie": setCookie }),
    }
    if (found === null)
      return textResponse(renderNotFoundPage(locale), {
        status: 404,
        contentType: PAGE_CONTENT_TYPE,
        headers,
      })
    const html = renderCheckoutPage(found.view, {
      locale,
      nonce,
      publicUrl: ctx.env.publicUrl,
      selectedOption: lastPaidOption(found.checkout, found.view),
    })
    return textResponse(html, { status: 200, contentType: PAGE_CONTENT_TYPE, headers })
  })

/**
 * `GET /p/logo/<sha256>.<ext>`: a merchant's uploaded logo (type-sniffed raster, at most 32 KiB when stored),
 * named by its content, so cached for good. Served so it cannot act as a document: nosniff, its stored type, and a
 * CSP that allows nothing and sandboxes it.
 */
export const pageLogoRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const limited = pageLimited(req, yield* ServerContext)
    if (limited !== null) return limited
    const file = parseLogoFile(req.params.file ?? "")
    const logo = file === null ? null : yield* (yield* MerchantStore).getLogo(file.sha256)
    if (logo === null || file === null || logo.contentType !== file.contentType)
      return jsonText(NOT_FOUND_LOGO_JSON, 404)
    const body = Buffer.from(logo.bytes)
    return new StreamResponse(
      200,
      {
        "content-type": logo.contentType,
        "content-length": String(body.length),
        "cache-control": "public, max-age=31536000, immutable",
        "content-security-policy": "default-src 'none'; sandbox",
        "x-content-type-options": "nosniff",
        "cross-origin-resource-policy": "same-origin",
      },
      (res) => res.end(req.method === "HEAD" ? undefined : body),
    )
  })

const NOT_FOUND_LOGO_JSON =
  '{"error":{"type":"not_found_error","code":"resource_missing","message":"No such logo"}}'

/** The payments part of the status JSON (snake_case, like the API). */
export const statusPayments = (view: PageView): ReadonlyArray<PageStatusPayment> =>
  (view.payments ?? []).map((p) => ({
    network: p.network,
    network_label: p.networkLabel,
    crypto_currency: p.token,
    amount: p.amount,
    tx_hash: p.txHash,
    explorer_url: p.explorerUrl,
    status: p.status,
    confirmations: p.confirmations,
    confirmations_required: p.confirmationsRequired,
  }))

type Found = NonNullable<Effect.Effect.Success<ReturnType<typeof load>>>

/** The status JSON of `/p/<token>/status` and of each `/p/<token>/events` event. */
const statusBody = (found: Found): string => {
  const body: PageStatusJson & { payment_options: ReadonlyArray<unknown> } = {
    status: found.view.status,
    amount_paid: found.view.amountPaid,
    confirmations: found.view.confirmations,
    confirmations_required: found.view.confirmationsRequired ?? 0,
    expires_at: found.view.expiresAt,
    payments: statusPayments(found.view),
    // What the page shows anyway (public): lets wallets, white-label pages and `inzi pay` read the targets.
    payment_options: found.api.payment_options.map((o) => ({
      network: o.network,
      crypto_currency: o.crypto_currency,
      amount_crypto: o.amount_crypto,
      address: o.address,
      memo: o.memo,
      uri: o.uri,
    })),
  }
  return JSON.stringify(body)
}

const NOT_FOUND_JSON =
  '{"error":{"type":"not_found_error","code":"resource_missing","message":"No such checkout"}}'

/** Public status JSON for the page: never metadata, customer_email or webhook_url. */
export const pageStatusRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const limited = pageLimited(req, yield* ServerContext)
    if (limited !== null) return limited
    const { token = "" } = req.params
    const found = yield* load(token)
    if (found === null) return jsonText(NOT_FOUND_JSON, 404)
    return jsonText(statusBody(found))
  })

/** Limits and timings of `/p/<token>/events`. */
export const PAGE_EVENTS = {
  /** Open streams per client address; more get 429 (the page then polls). */
  perAddress: 4,
  /** Open streams in all. */
  total: 2_000,
  /**
   * How often the server asks which streamed checkouts changed (one query for all of its streams; a changed one is
   * then read): shorter than any state lasts in practice.
   */
  tickMs: 1_000,
  /** A comment line that keeps proxies from closing an idle stream. */
  heartbeatMs: 15_000,
  /** A stream ends after this long; the browser's EventSource reconnects by itself. */
  lifetimeMs: 10 * 60_000,
}

const streams = { total: 0, byAddress: new Map<string, number>() }

/** Each server's stream hub (by its context: one per server, also with several servers in one process). */
const HUBS = new WeakMap<object, StreamHub>()
const hubOf = (
  ctx: ServerContext["Type"],
  runtime: Runtime.Runtime<Checkouts | MerchantStore | ServerContext>,
  checkouts: Checkouts["Type"],
): StreamHub => {
  let hub = HUBS.get(ctx)
  if (hub === undefined) {
    const runPromise = Runtime.runPromise(runtime)
    hub = makeStreamHub((ids) => runPromise(checkouts.checkoutVersions(ids)), PAGE_EVENTS.tickMs)
    HUBS.set(ctx, hub)
  }
  return hub
}

/**
 * Server-sent events for the hosted page: an `event: status` with the status JSON at once and whenever it
 * changes (read again when the server's hub finds its version changed, or its deadline passed), heartbeats, and
 * the end of the stream once the checkout is completed or expired. Unknown token → 404; too many open streams
 * from one address → 429.
 */
export const pageEventsRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const limited = pageLimited(req, ctx) // opening a stream counts as a page request
    if (limited !== null) return limited
    const { token = "" } = req.params
    const found = yield* load(token)
    if (found === null) return jsonText(NOT_FOUND_JSON, 404)
    const address = clientAddress(req.incoming, ctx.trustedProxies)
    if ((streams.byAddress.get(address) ?? 0) >= PAGE_EVENTS.perAddress || streams.total >= PAGE_EVENTS.total)
      return tooManyRequests("Too many open event streams from this address", 30)
    const runtime = yield* Effect.runtime<Checkouts | MerchantStore | ServerContext>()
    const run = Runtime.runCallback(runtime)
    const hub = hubOf(ctx, runtime, yield* Checkouts)
    return new StreamResponse(
      200,
      {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        "x-content-type-options": "nosniff",
      },
      (res) => {
        streams.total++
        streams.byAddress.set(address, (streams.byAddress.get(address) ?? 0) + 1)
        let last = ""
        let closed = false
        let unwatch = () => {}
        // The checkout is read again when the hub's version of it changed (null: not known yet, so the first tick
        // reads it), or when a pending one's deadline passed (it reads expired: a status of time, not of storage).
        let shown = found
        let version: string | null = null
        let reading = false
        const finish = () => {
          if (closed) return
          closed = true
          unwatch()
          clearInterval(heartbeat)
          clearTimeout(lifetime)
          streams.total--
          const n = (streams.byAddress.get(address) ?? 1) - 1
          if (n <= 0) streams.byAddress.delete(address)
          else streams.byAddress.set(address, n)
          if (!res.writableEnded) res.end()
        }
        const push = (f: Found) => {
          const body = statusBody(f)
          if (body !== last) res.write(`event: status\ndata: ${body}\n\n`)
          last = body
          shown = f
          const status = f.view.status
          if (status === "completed" || status === "expired") finish()
        }
        const onTick = (v: string | undefined | Error) => {
          if (closed || reading) return
          if (v === undefined || v instanceof Error) return finish() // gone or failing: the page falls back to polling
          const overdue =
            shown.checkout.status === "pending" && Date.now() >= shown.checkout.expiresAt.getTime()
          if (v === version && !overdue) return
          reading = true
          run(load(token), {
            onExit: (exit) => {
              reading = false
              if (closed) return
              if (exit._tag === "Success" && exit.value !== null) {
                version = v
                push(exit.value)
              } else finish()
            },
          })
        }
        const heartbeat = setInterval(() => res.write(":\n\n"), PAGE_EVENTS.heartbeatMs)
        const lifetime = setTimeout(finish, PAGE_EVENTS.lifetimeMs)
        res.on("close", finish)
        res.write(`retry: 3000\n\n`)
        push(found)
        if (!closed) unwatch = hub.watch(found.checkout.id, onTick)
      },
    )
  })
