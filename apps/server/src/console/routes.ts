/**
 * The operator console: server-rendered pages under /console, a session cookie, a CSRF token in every form,
 * and an audit line for every action. It reads and writes through core's ports and use cases only (no SQL here).
 * A merchant user (an account scoped to one merchant) sees that merchant alone: anything else is a 404.
 */
import {
  accentColorProblem,
  type ChainFamily,
  type DepositTarget,
  type FamilyRegistry,
  familyModules,
  type PayoutKeys,
  payoutKeyOf,
  type AddressDerivation,
  afterLogin,
  BRANDING_LIMITS,
  type BrandingChange,
  checkLogoImage,
  displayNameProblem,
  logoUrlProblem,
  type Merchant,
  CHECKOUT_STATUSES,
  type CheckoutStatus,
  Checkouts,
  ConsoleStore,
  csvRow,
  formatCents,
  formatTimestamp,
  formatUnits,
  isLockedOut,
  issueApiKey,
  MerchantStore,
  type Mode,
  newWebhookSecret,
  normalizeEmail,
  Outbox,
  payoutKeysProblem,
  registerMerchant,
  updateBranding,
  urlProblem,
  type WatcherSample,
  UnmatchedPayments,
} from "@inzi/core"
import { DUMMY_PASSWORD_HASH, verifyPassword } from "@inzi/platform/password"
import { Effect } from "effect"
import { ServerContext } from "../context.js"
import { clientAddress } from "../http/client-address.js"
import { type Handler, type HttpRequest, HttpResponse } from "../http/response.js"
import { sha256Hex } from "@inzi/core"
import { jsonForScript } from "../page/escape.js"
import { explorerLink } from "../routes/page.js"
import { ASSETS } from "./assets.js"
import { controlId, csrfField, Html, html, htmlResponse, page } from "./html.js"
import {
  type ConsoleUser,
  csrfOk,
  currentUser,
  formOf,
  newSessionToken,
  redirect,
  SESSION_TTL_MS,
  sameOrigin,
  sessionCookie,
} from "./session.js"

type R =
  | ConsoleStore
  | Checkouts
  | UnmatchedPayments
  | Outbox
  | MerchantStore
  | AddressDerivation
  | ServerContext
  | Effect.Effect.Context<ReturnType<typeof registerMerchant>>
  | Effect.Effect.Context<ReturnType<typeof issueApiKey>>
  | Effect.Effect.Context<typeof newWebhookSecret>
  | Effect.Effect.Context<ReturnType<typeof updateBranding>>
type Page = Effect.Effect<HttpResponse, unknown, R>

const enabled = Effect.map(ServerContext, (c) => c.env.console !== false)

const notFoundResponse = () =>
  new HttpResponse(
    404,
    JSON.stringify({ error: { type: "invalid_request_error", code: "not_found", message: "Not found" } }),
    {
      "content-type": "application/json",
      "cache-control": "no-store",
    },
  )

const nav = (u: ConsoleUser) => ({ email: u.operator.email, merchantId: u.operator.merchantId, csrf: u.csrf })

const notFoundPage = (u: ConsoleUser) =>
  htmlResponse(page("Not found", nav(u), html`<p>There is nothing here.</p>`), 404)

/** May `u` see merchant `merchantId`'s data? */
const sees = (u: ConsoleUser, merchantId: string) =>
  u.operator.merchantId === null || u.operator.merchantId === merchantId

const audit = (
  u: { readonly operator: { readonly id: string; readonly email: string } | null; readonly email?: string },
  address: string,
  action: string,
  fields: { target?: string | null; merchantId?: string | null; detail?: string | null } = {},
) =>
  Effect.flatMap(ConsoleStore, (s) =>
    s.appendAudit({
      at: new Date(),
      operatorId: u.operator?.id ?? null,
      operatorEmail: (u.operator?.email ?? u.email ?? "").slice(0, 254),
      merchantId: fields.merchantId ?? null,
      action,
      target: fields.target ?? null,
      detail: fields.detail ?? null,
      address,
    }),
  )

const act = (u: ConsoleUser, action: string, fields: Parameters<typeof audit>[3] = {}) =>
  audit(u, u.address, action, fields)

/**
 * A console route: off when INZI_CONSOLE=off; without a session a GET goes to the login page and a POST is
 * refused; a POST without the session's CSRF token (or from another origin) is refused (403) and audited.
 */
const guarded =
  (
    body: (req: HttpRequest, u: ConsoleUser, form: Record<string, string>) => Page,
    opts: { readonly operatorOnly?: boolean } = {},
  ): Handler<R> =>
  (req) =>
    Effect.gen(function* () {
      if (!(yield* enabled)) return notFoundResponse()
      const u = yield* currentUser(req)
      if (u === null) {
        if (req.method !== "POST") {
          const path = req.url.split("?")[0] ?? "/console"
          return redirect(
            `/console/login?next=${encodeURIComponent(req.url.startsWith("/console/") ? req.url : path)}`,
          )
        }
        return htmlResponse(
          page("Signed out", null, html`<p><a href="/console/login">Sign in</a> again.</p>`),
          401,
        )
      }
      if (opts.operatorOnly && u.operator.merchantId !== null) return notFoundPage(u)
      if (req.method === "POST" && req.body?._tag === "TooLarge")
        return htmlResponse(
          page(
            "Too large",
            nav(u),
            html`<p class="error" role="alert">The form is too large (an uploaded logo is at most ${BRANDING_LIMITS.logoMaxBytes / 1024} KiB). Nothing was changed.</p>`,
          ),
          413,
        )
      const form = req.method === "POST" ? formOf(req) : {}
      if (req.method === "POST" && !csrfOk(req, u, form)) {
        yield* act(u, "csrf.refused", { target: req.url.split("?")[0] ?? null })
        return htmlResponse(
          page(
            "Refused",
            nav(u),
            html`<p class="error">This form is out of date or did not come from the console. Reload the page and try again.</p>`,
          ),
          403,
        )
      }
      return yield* body(req, u, form)
    })

const queryOf = (req: HttpRequest) => new URL(req.url, "http://x").searchParams

/** Only a console path (no scheme, no `//host`): never an open redirect. */
const safeNext = (next: string | null): string =>
  next !== null && /^\/console\/[^/\\]/.test(next) && !next.includes("//") ? next : "/console/overview"

// ------------------------------------------------------------------------------------------------ login

const loginPage = (next: string, message: Html | null, status = 200) => {
  const e = controlId()
  const p = controlId()
  return htmlResponse(
    page(
      "Sign in",
      null,
      html`<div class="login">${message}
<form method="post" action="/console/login"><input type="hidden" name="next" value="${next}">
<label for="${e}">Email<input id="${e}" name="email" type="email" autocomplete="username" required></label>
<label for="${p}">Password<input id="${p}" name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></div>`,
    ),
    status,
  )
}

const loginForm: Handler<R> = (req) =>
  Effect.gen(function* () {
    if (!(yield* enabled)) return notFoundResponse()
    return loginPage(safeNext(queryOf(req).get("next")), null)
  })

const WRONG = html`<p class="error" role="alert">Wrong email or password, or the account is locked for a while after too many failed attempts.</p>`

const login: Handler<R> = (req) =>
  Effect.gen(function* () {
    if (!(yield* enabled)) return notFoundResponse()
    const ctx = yield* ServerContext
    const store = yield* ConsoleStore
    const form = formOf(req)
    const next = safeNext(form.next ?? null)
    if (!sameOrigin(req))
      return loginPage(next, html`<p class="error">Sign in from the console's own page.</p>`, 403)
    const address = clientAddress(req.incoming, ctx.trustedProxies)
    if (ctx.authFailures.peek(address, Date.now()) > 0) return loginPage(next, WRONG, 429)
    const email = normalizeEmail(form.email ?? "")
    const password = form.password ?? ""
    const now = new Date()
    const found = email === "" ? null : yield* store.findOperatorByEmail(email)
    const failed = (why: string) =>
      Effect.gen(function* () {
        ctx.authFailures.take(address, Date.now())
        yield* audit({ operator: found, email }, address, "login.failed", {
          detail: why,
          merchantId: found?.merchantId ?? null,
        })
        return loginPage(next, WRONG, 401)
      })
    if (found === null) {
      // The same work as for a real account: the answer's timing does not tell which emails exist.
      yield* Effect.promise(() => verifyPassword(password, DUMMY_PASSWORD_HASH))
      return yield* failed("unknown account")
    }
    if (isLockedOut(found, now)) return yield* failed("locked")
    const ok = yield* Effect.promise(() => verifyPassword(password, found.passwordHash))
    const state = afterLogin(found, ok, now)
    yield* store.setLoginState(found.id, state)
    if (!ok)
      return yield* failed(state.lockedUntil !== null ? "wrong password; account locked" : "wrong password")
    const token = newSessionToken()
    yield* store.createSession({
      hash: sha256Hex(token),
      operatorId: found.id,
      now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    })
    yield* audit({ operator: found }, address, "login", { merchantId: found.merchantId })
    return redirect(next, {
      "set-cookie": sessionCookie(token, ctx.env.publicUrl.startsWith("https:"), SESSION_TTL_MS / 1000),
    })
  })

const logout = guarded((_req, u) =>
  Effect.gen(function* () {
    yield* (yield* ConsoleStore).deleteSession(sha256Hex(u.token))
    yield* act(u, "logout", { merchantId: u.operator.merchantId })
    const ctx = yield* ServerContext
    return redirect("/console/login", {
      "set-cookie": sessionCookie("", ctx.env.publicUrl.startsWith("https:"), 0),
    })
  }),
)

const home: Handler<R> = (req) =>
  Effect.gen(function* () {
    if (!(yield* enabled)) return notFoundResponse()
    return (yield* currentUser(req)) === null ? redirect("/console/login") : redirect("/console/overview")
  })

// ------------------------------------------------------------------------------------------------ overview

const modeOf = (s: string | null): Mode => (s === "live" ? "live" : "test")

const modeSwitch = (path: string, mode: Mode) =>
  html`<p>Mode: ${(["test", "live"] as const).map((m) =>
    m === mode ? html`<strong>${m}</strong> ` : html`<a href="${path}?mode=${m}">${m}</a> `,
  )}</p>`

const overview = guarded((req, u) =>
  Effect.gen(function* () {
    const mode = modeOf(queryOf(req).get("mode"))
    const now = new Date()
    const since = new Date(now.getTime() - 30 * 86_400_000)
    const o = yield* (yield* ConsoleStore).overview({ merchantId: u.operator.merchantId, mode, since, now })
    const created = o.days.reduce((a, d) => a + d.created, 0)
    const completed = o.days.reduce((a, d) => a + d.completed, 0)
    const conversion = created === 0 ? "-" : `${((completed * 100) / created).toFixed(1)} %`
    const amountRows = (rows: typeof o.volume, caption: string) =>
      html`<table><caption>${caption}</caption><thead><tr><th scope="col">Network</th><th scope="col">Token</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Payments</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="4">None</td></tr>` : rows.map((r) => html`<tr><td>${r.network}</td><td>${r.token}</td><td class="num">${formatUnits(r.amount, r.decimals)}</td><td class="num">${r.payments}</td></tr>`)}
</tbody></table>`
    const data = jsonForScript({
      days: o.days,
      from: since.toISOString().slice(0, 10),
      to: now.toISOString().slice(0, 10),
    })
    return htmlResponse(
      page(
        "Overview",
        nav(u),
        html`${modeSwitch("/console/overview", mode)}
<div class="stats"><div class="stat">Checkouts (30 days)<strong>${created}</strong></div>
<div class="stat">Completed<strong>${completed}</strong></div>
<div class="stat">Conversion<strong>${conversion}</strong></div></div>
<h2>Checkouts per day</h2>
<div class="chart" id="chart-days" role="img" aria-label="Checkouts created, completed, expired and underpaid per day (the table below has the figures)"></div>
<script type="application/json" id="overview-data">${new Html(data)}</script>
<table><caption>Checkouts per day (UTC, by creation day and current status)</caption><thead><tr><th scope="col">Day</th><th scope="col" class="num">Created</th><th scope="col" class="num">Completed</th><th scope="col" class="num">Expired</th><th scope="col" class="num">Underpaid</th></tr></thead><tbody>
${o.days.length === 0 ? html`<tr><td colspan="5">No checkouts in the last 30 days</td></tr>` : o.days.map((d) => html`<tr><td>${d.day}</td><td class="num">${d.created}</td><td class="num">${d.completed}</td><td class="num">${d.expired}</td><td class="num">${d.underpaid}</td></tr>`)}
</tbody></table>
<h2>Volume (confirmed, 30 days)</h2>${amountRows(o.volume, "Confirmed payments by network and token")}
<h2>Awaiting confirmation</h2>${amountRows(o.awaiting, "Payments seen, not yet confirmed")}`,
        { scripts: true },
      ),
    )
  }),
)

// ------------------------------------------------------------------------------------------------ checkouts

interface Filters {
  readonly mode: Mode | undefined
  readonly status: CheckoutStatus | undefined
  readonly createdAfter: Date | undefined
  readonly createdBefore: Date | undefined
  readonly q: string | undefined
  readonly merchant: string | undefined
  readonly page: number
}

const dateParam = (s: string | null): Date | undefined => {
  if (s === null || s === "") return undefined
  const d = new Date(s)
  return Number.isNaN(d.getTime()) ? undefined : d
}

const filtersOf = (req: HttpRequest): Filters => {
  const q = queryOf(req)
  const m = q.get("mode")
  const st = q.get("status")
  return {
    mode: m === "live" || m === "test" ? m : undefined,
    status: CHECKOUT_STATUSES.includes(st as CheckoutStatus) ? (st as CheckoutStatus) : undefined,
    createdAfter: dateParam(q.get("created_after")),
    createdBefore: dateParam(q.get("created_before")),
    q: q.get("q")?.trim().slice(0, 200) || undefined,
    merchant: q.get("merchant")?.trim() || undefined,
    page: Math.max(1, Math.min(10_000, Number.parseInt(q.get("page") ?? "1", 10) || 1)),
  }
}

const filterQuery = (f: Filters, extra: Record<string, string> = {}) => {
  const p = new URLSearchParams()
  if (f.mode) p.set("mode", f.mode)
  if (f.status) p.set("status", f.status)
  if (f.createdAfter) p.set("created_after", f.createdAfter.toISOString())
  if (f.createdBefore) p.set("created_before", f.createdBefore.toISOString())
  if (f.q) p.set("q", f.q)
  if (f.merchant) p.set("merchant", f.merchant)
  for (const [k, v] of Object.entries(extra)) p.set(k, v)
  return p.toString()
}

const PAGE_SIZE = 50

const storeQuery = (u: ConsoleUser, f: Filters, limit: number, offset: number) => ({
  // A merchant user's own merchant, whatever the URL says; the operator may narrow to one.
  merchantId: u.operator.merchantId ?? f.merchant ?? null,
  mode: f.mode,
  status: f.status,
  createdAfter: f.createdAfter,
  createdBefore: f.createdBefore,
  search: f.q,
  limit,
  offset,
  now: new Date(),
})

const checkouts = guarded((req, u) =>
  Effect.gen(function* () {
    const f = filtersOf(req)
    const r = yield* (yield* ConsoleStore).listCheckouts(
      storeQuery(u, f, PAGE_SIZE, (f.page - 1) * PAGE_SIZE),
    )
    const id = {
      q: controlId(),
      mode: controlId(),
      status: controlId(),
      a: controlId(),
      b: controlId(),
      m: controlId(),
    }
    const pages = Math.max(1, Math.ceil(r.total / PAGE_SIZE))
    return htmlResponse(
      page(
        "Checkouts",
        nav(u),
        html`<form class="filters" method="get" action="/console/checkouts">
<label for="${id.q}">Search (id, tx hash, address, metadata value)<input id="${id.q}" name="q" value="${f.q ?? ""}"></label>
<label for="${id.mode}">Mode<select id="${id.mode}" name="mode"><option value="">any</option>${(["live", "test"] as const).map((m) => html`<option value="${m}"${f.mode === m ? html` selected` : ""}>${m}</option>`)}</select></label>
<label for="${id.status}">Status<select id="${id.status}" name="status"><option value="">any</option>${CHECKOUT_STATUSES.map((s) => html`<option value="${s}"${f.status === s ? html` selected` : ""}>${s}</option>`)}</select></label>
<label for="${id.a}">Created after<input id="${id.a}" name="created_after" type="datetime-local" value="${f.createdAfter?.toISOString().slice(0, 16) ?? ""}"></label>
<label for="${id.b}">Created before<input id="${id.b}" name="created_before" type="datetime-local" value="${f.createdBefore?.toISOString().slice(0, 16) ?? ""}"></label>
${u.operator.merchantId === null ? html`<label for="${id.m}">Merchant id<input id="${id.m}" name="merchant" value="${f.merchant ?? ""}"></label>` : ""}
<button type="submit">Filter</button></form>
<p>${r.total} checkout(s). <a href="/console/checkouts.csv?${filterQuery(f)}">Export this view as CSV</a></p>
<table><caption>Checkouts, newest first (page ${f.page} of ${pages})</caption><thead><tr><th scope="col">Id</th><th scope="col">Merchant</th><th scope="col">Mode</th><th scope="col">Status</th><th scope="col" class="num">Amount (USD)</th><th scope="col">Description</th><th scope="col">Created</th></tr></thead><tbody>
${r.data.length === 0 ? html`<tr><td colspan="7">No checkouts match</td></tr>` : r.data.map((c) => html`<tr><td class="mono"><a href="/console/checkouts/${encodeURIComponent(c.id)}">${c.id}</a></td><td class="mono">${c.merchantId}</td><td>${c.mode}</td><td>${c.status}</td><td class="num">${formatCents(c.amountCents)}</td><td>${c.description ?? ""}</td><td>${formatTimestamp(c.createdAt)}</td></tr>`)}
</tbody></table>
<nav aria-label="Pages">${f.page > 1 ? html`<a href="/console/checkouts?${filterQuery(f, { page: String(f.page - 1) })}">Previous page</a> ` : ""}${f.page < pages ? html`<a href="/console/checkouts?${filterQuery(f, { page: String(f.page + 1) })}">Next page</a>` : ""}</nav>`,
      ),
    )
  }),
)

/** Rows the CSV export writes at most (one request; narrow the filters for more). */
const CSV_LIMIT = 10_000

const checkoutsCsv = guarded((req, u) =>
  Effect.gen(function* () {
    const f = filtersOf(req)
    const r = yield* (yield* ConsoleStore).listCheckouts(storeQuery(u, f, CSV_LIMIT, 0))
    yield* act(u, "checkouts.export", {
      detail: `${r.data.length} rows; ${filterQuery(f)}`,
      merchantId: u.operator.merchantId,
    })
    const lines = [
      csvRow([
        "id",
        "merchant_id",
        "mode",
        "status",
        "amount_usd",
        "created_at",
        "expires_at",
        "description",
        "metadata",
      ]),
      ...r.data.map((c) =>
        csvRow([
          c.id,
          c.merchantId,
          c.mode,
          c.status,
          formatCents(c.amountCents),
          formatTimestamp(c.createdAt),
          formatTimestamp(c.expiresAt),
          c.description ?? "",
          c.metadataJson ?? "",
        ]),
      ),
    ]
    return new HttpResponse(200, lines.join(""), {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": 'attachment; filename="checkouts.csv"',
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    })
  }),
)

/** The checkout `id` if `u` may see it, else null (unknown and foreign read the same). */
const visibleCheckout = (u: ConsoleUser, id: string) =>
  Effect.gen(function* () {
    const owner = yield* (yield* ConsoleStore).checkoutOwner(id)
    if (owner === null || !sees(u, owner.merchantId)) return null
    return yield* (yield* Checkouts)
      .getCheckout({ id, merchantId: owner.merchantId, mode: owner.mode, now: new Date() })
      .pipe(Effect.catchTag("CheckoutNotFound", () => Effect.succeed(null)))
  })

const checkoutDetail = guarded((req, u) =>
  Effect.gen(function* () {
    const id = req.params.id ?? ""
    const c = yield* visibleCheckout(u, id)
    if (c === null) return notFoundPage(u)
    const ctx = yield* ServerContext
    const outbox = yield* Outbox
    const byId = new Map(ctx.networks.map((n) => [n.id, n]))
    const events = yield* outbox.listEvents({ checkoutId: c.id, limit: 200 })
    const attempts = yield* Effect.forEach(events, (e) => outbox.listAttempts(e.eventId))
    const notice = queryOf(req).get("notice")
    return htmlResponse(
      page(
        `Checkout ${c.id}`,
        nav(u),
        html`${notice === "resent" ? html`<p class="notice" role="status">The event is queued for delivery.</p>` : notice === "assigned" ? html`<p class="notice" role="status">The payment was assigned to this checkout.</p>` : ""}
<dl class="facts"><dt>Status</dt><dd id="checkout-status">${c.status}</dd><dt>Merchant</dt><dd class="mono">${c.merchantId}</dd><dt>Mode</dt><dd>${c.mode}</dd>
<dt>Amount</dt><dd>${formatCents(c.amountCents)} USD</dd><dt>Description</dt><dd>${c.description ?? "-"}</dd>
<dt>Metadata</dt><dd class="mono">${c.metadataJson ?? "-"}</dd><dt>Created</dt><dd>${formatTimestamp(c.createdAt)}</dd><dt>Expires</dt><dd>${formatTimestamp(c.expiresAt)}</dd>
${c.targets.entries.map((t) => html`<dt>${targetLabel(ctx.families, t)}</dt><dd class="mono">${t.address ?? t.memo ?? "-"}</dd>`)}</dl>
<h2>Payments</h2>
<table><caption>Transfers seen for this checkout</caption><thead><tr><th scope="col">Network</th><th scope="col">Token</th><th scope="col" class="num">Amount</th><th scope="col">Transaction</th><th scope="col">Status</th><th scope="col" class="num">Confirmations</th><th scope="col">Detected</th></tr></thead><tbody>
${
  c.payments.length === 0
    ? html`<tr><td colspan="7">No payment yet</td></tr>`
    : c.payments.map((p) => {
        const link = explorerLink(ctx.families, byId.get(p.network), p.txHash)
        return html`<tr><td>${p.network}</td><td>${p.token}</td><td class="num">${formatUnits(p.amount, p.decimals)}</td><td class="mono">${link === null ? p.txHash : html`<a href="${link}" rel="noopener noreferrer">${p.txHash}</a>`}:${p.logIndex}</td><td>${p.status}</td><td class="num">${p.confirmations}</td><td>${formatTimestamp(p.detectedAt)}</td></tr>`
      })
}
</tbody></table>
<h2>Webhook events</h2>
<table><caption>Events and their delivery attempts</caption><thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Attempts (status, latency, error)</th><th scope="col">Next attempt</th><th scope="col">Action</th></tr></thead><tbody>
${
  events.length === 0
    ? html`<tr><td colspan="6">No events</td></tr>`
    : events.map(
        (
          e,
          i,
        ) => html`<tr><td class="mono">${e.eventId}</td><td>${e.type}</td><td>${e.status}</td><td><ul>${(attempts[i] ?? []).map((a) => html`<li>${formatTimestamp(a.at)}: ${a.statusCode ?? "no answer"}, ${a.latencyMs} ms${a.error ? html`, ${a.error}` : ""}</li>`)}</ul>${(attempts[i] ?? []).length === 0 ? "none" : ""}</td><td>${e.nextAttemptAt === null ? "-" : formatTimestamp(e.nextAttemptAt)}</td>
<td><form class="inline" method="post" action="/console/checkouts/${encodeURIComponent(c.id)}/events/${encodeURIComponent(e.eventId)}/resend">${csrfField(u.csrf)}<button type="submit">Resend ${e.type}</button></form></td></tr>`,
      )
}
</tbody></table>`,
      ),
    )
  }),
)

const resend = guarded((req, u) =>
  Effect.gen(function* () {
    const c = yield* visibleCheckout(u, req.params.id ?? "")
    if (c === null) return notFoundPage(u)
    const outbox = yield* Outbox
    // The event is looked up among its checkout's: the checkout decides who may resend it.
    const e = (yield* outbox.listEvents({ checkoutId: c.id, limit: 200 })).find(
      (x) => x.eventId === req.params.event,
    )
    if (e === undefined) return notFoundPage(u)
    yield* outbox.resend(e.eventId, new Date())
    yield* act(u, "event.resend", { target: e.eventId, merchantId: c.merchantId, detail: c.id })
    return redirect(
      queryOf(req).get("back") === "watchers"
        ? "/console/watchers?notice=resent"
        : `/console/checkouts/${encodeURIComponent(c.id)}?notice=resent`,
    )
  }),
)

// ------------------------------------------------------------------------------------------------ unmatched

const unmatched = guarded(
  (req, u) =>
    Effect.gen(function* () {
      const rows = yield* (yield* UnmatchedPayments).listUnmatched()
      const notice = queryOf(req).get("notice")
      return htmlResponse(
        page(
          "Unmatched payments",
          nav(u),
          html`${notice === "assigned" ? html`<p class="notice" role="status">Assigned.</p>` : ""}
<p>Money that reached a deposit address or wallet without an open checkout to match. Assign one to a checkout: it then counts as a payment of that checkout.</p>
<table><caption>Unmatched payments</caption><thead><tr><th scope="col">Id</th><th scope="col">Observed</th><th scope="col">Network</th><th scope="col" class="num">Amount</th><th scope="col">Token</th><th scope="col">Transaction</th><th scope="col">Memo</th><th scope="col">Reason</th><th scope="col">Assign</th></tr></thead><tbody>
${
  rows.length === 0
    ? html`<tr><td colspan="9">No unmatched payments</td></tr>`
    : rows.map((r) => {
        const cid = controlId()
        return html`<tr><td class="mono">${r.id}</td><td>${formatTimestamp(r.observedAt)}</td><td>${r.network}</td><td class="num">${formatUnits(r.amount, r.decimals)}</td><td>${r.token}</td><td class="mono">${r.txHash}:${r.logIndex}</td><td>${r.memo ?? "-"}</td><td>${r.reason}</td>
<td>${r.assignedCheckoutId !== null ? html`assigned to <a class="mono" href="/console/checkouts/${encodeURIComponent(r.assignedCheckoutId)}">${r.assignedCheckoutId}</a>` : html`<form class="inline" method="get" action="/console/unmatched/${encodeURIComponent(r.id)}/assign"><label for="${cid}">Checkout id<input id="${cid}" name="checkout" required></label><button type="submit">Review</button></form>`}</td></tr>`
      })
}
</tbody></table>`,
        ),
      )
    }),
  { operatorOnly: true },
)

/** The unmatched payment and the checkout it would go to, for the confirmation step (null: either unknown). */
const assignment = (u: ConsoleUser, unmatchedId: string, checkoutId: string) =>
  Effect.gen(function* () {
    const row = (yield* (yield* UnmatchedPayments).listUnmatched()).find((r) => r.id === unmatchedId)
    if (row === undefined || row.assignedCheckoutId !== null) return null
    const c = yield* visibleCheckout(u, checkoutId)
    return c === null ? null : { row, c }
  })

const assignConfirm = guarded(
  (req, u) =>
    Effect.gen(function* () {
      const a = yield* assignment(u, req.params.id ?? "", queryOf(req).get("checkout")?.trim() ?? "")
      if (a === null)
        return htmlResponse(
          page(
            "Assign",
            nav(u),
            html`<p class="error" role="alert">No such open unmatched payment, or no such checkout.</p><p><a href="/console/unmatched">Back</a></p>`,
          ),
          404,
        )
      return htmlResponse(
        page(
          "Confirm assignment",
          nav(u),
          html`<p>Assign <strong>${formatUnits(a.row.amount, a.row.decimals)} ${a.row.token}</strong> on ${a.row.network} (transaction <span class="mono">${a.row.txHash}</span>) to checkout <span class="mono">${a.c.id}</span> of merchant <span class="mono">${a.c.merchantId}</span> (${formatCents(a.c.amountCents)} USD, ${a.c.status})?</p>
<p>This cannot be undone: the payment counts for that checkout and its webhook events are sent.</p>
<form method="post" action="/console/unmatched/${encodeURIComponent(a.row.id)}/assign">${csrfField(u.csrf)}<input type="hidden" name="checkout" value="${a.c.id}">
<button type="submit" class="danger">Assign the payment</button> <a href="/console/unmatched">Cancel</a></form>`,
        ),
      )
    }),
  { operatorOnly: true },
)

const assign = guarded(
  (req, u, form) =>
    Effect.gen(function* () {
      const a = yield* assignment(u, req.params.id ?? "", form.checkout ?? "")
      if (a === null) return notFoundPage(u)
      const r = yield* (yield* UnmatchedPayments).assignUnmatched(a.row.id, a.c.id, new Date())
      yield* act(u, "unmatched.assign", {
        target: a.row.id,
        merchantId: a.c.merchantId,
        detail: `${a.c.id}; ${r.emitted} event(s)`,
      })
      return redirect(`/console/checkouts/${encodeURIComponent(a.c.id)}?notice=assigned`)
    }),
  { operatorOnly: true },
)

// ------------------------------------------------------------------------------------------------ watchers

/**
 * The watchers' chart columns per network: minutes (epoch seconds), lag in blocks, and RPC calls and errors per
 * minute from the cumulative counts (a drop is a new scanner counting from zero; the first minute has no delta).
 */
export const watcherSeries = (samples: ReadonlyArray<WatcherSample>) => {
  const byNetwork = new Map<string, WatcherSample[]>()
  for (const x of samples) byNetwork.set(x.network, [...(byNetwork.get(x.network) ?? []), x])
  const delta = (cur: number, prev: number | undefined) =>
    prev === undefined ? null : cur >= prev ? cur - prev : cur
  return [...byNetwork].map(([network, xs]) => ({
    network,
    t: xs.map((x) => x.minute.getTime() / 1000),
    lag: xs.map((x) => (x.head !== null && x.scannedTo !== null ? Number(x.head - x.scannedTo) : null)),
    calls: xs.map((x, i) => delta(x.rpcCalls, xs[i - 1]?.rpcCalls)),
    errors: xs.map((x, i) => delta(x.rpcErrors, xs[i - 1]?.rpcErrors)),
  }))
}

const watchers = guarded(
  (req, u) =>
    Effect.gen(function* () {
      const store = yield* ConsoleStore
      const ws = yield* store.watchers()
      const hoursAsked = Number(queryOf(req).get("hours") ?? "6")
      const hours = Number.isInteger(hoursAsked) && hoursAsked >= 1 && hoursAsked <= 48 ? hoursAsked : 6
      const now = Date.now()
      const since = new Date(now - hours * 3_600_000)
      const series = watcherSeries(yield* store.watcherHistory(since))
      const outbox = yield* Outbox
      const stats = yield* outbox.stats(new Date())
      const failed = yield* outbox.listEvents({ status: "failed", limit: 100 })
      const notice = queryOf(req).get("notice")
      return htmlResponse(
        page(
          "Watchers and webhooks",
          nav(u),
          html`${notice === "resent" ? html`<p class="notice" role="status">The event is queued for delivery.</p>` : ""}
<table><caption>Chain watchers</caption><thead><tr><th scope="col">Network</th><th scope="col" class="num">Head</th><th scope="col" class="num">Scanned to</th><th scope="col" class="num">Lag (blocks)</th><th scope="col" class="num">RPC calls / errors</th><th scope="col">Lease holder</th><th scope="col">Updated</th><th scope="col">Last error</th></tr></thead><tbody>
${ws.length === 0 ? html`<tr><td colspan="8">No watcher has reported yet</td></tr>` : ws.map((w) => html`<tr><td>${w.network}</td><td class="num">${w.head ?? "-"}</td><td class="num">${w.scannedTo ?? "-"}</td><td class="num">${w.head !== null && w.scannedTo !== null ? w.head - w.scannedTo : "-"}</td><td class="num">${w.rpcCalls} / ${w.rpcErrors}</td><td class="mono">${w.leaseHolder ?? "none"}</td><td>${formatTimestamp(w.updatedAt)}</td><td>${w.lastError ?? ""}</td></tr>`)}
</tbody></table>
<h2>Over the last ${hours} hours</h2>
<p>Window: ${[1, 6, 24, 48].map((h) => (h === hours ? html`<strong>${h} h</strong> ` : html`<a href="/console/watchers?hours=${h}">${h} h</a> `))}</p>
${
  series.length === 0
    ? html`<p>No samples in this window</p>`
    : series.map(
        (n, i) => html`<h3>${n.network}</h3>
<div class="chart" id="chart-lag-${i}" role="img" aria-label="${n.network}: lag in blocks per minute"></div>
<div class="chart" id="chart-rpc-${i}" role="img" aria-label="${n.network}: RPC calls and errors per minute"></div>`,
      )
}
<script type="application/json" id="watchers-data">${new Html(jsonForScript({ from: Math.floor(since.getTime() / 1000), to: Math.ceil(now / 1000), networks: series }))}</script>
<h2>Webhook backlog</h2>
<div class="stats"><div class="stat">Pending<strong>${stats.pending}</strong></div><div class="stat">Oldest pending<strong>${stats.oldestPendingAgeSeconds} s</strong></div><div class="stat">Failed<strong>${stats.failed}</strong></div></div>
<table><caption>Failed events (newest 100)</caption><thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Checkout</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th><th scope="col">Action</th></tr></thead><tbody>
${
  failed.length === 0
    ? html`<tr><td colspan="6">No failed events</td></tr>`
    : failed.map(
        (
          e,
        ) => html`<tr><td class="mono">${e.eventId}</td><td>${e.type}</td><td class="mono"><a href="/console/checkouts/${encodeURIComponent(e.checkoutId)}">${e.checkoutId}</a></td><td class="num">${e.attempts}</td><td>${e.lastError ?? ""}</td>
<td><form class="inline" method="post" action="/console/checkouts/${encodeURIComponent(e.checkoutId)}/events/${encodeURIComponent(e.eventId)}/resend?back=watchers">${csrfField(u.csrf)}<button type="submit">Resend</button></form></td></tr>`,
      )
}
</tbody></table>`,
          { scripts: true },
        ),
      )
    }),
  { operatorOnly: true },
)

// ------------------------------------------------------------------------------------------------ audit

const auditLog = guarded((_req, u) =>
  Effect.gen(function* () {
    const rows = yield* (yield* ConsoleStore).listAudit({ merchantId: u.operator.merchantId, limit: 500 })
    return htmlResponse(
      page(
        "Audit log",
        nav(u),
        html`<table><caption>Every console action, newest first (last 500)</caption><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Merchant</th><th scope="col">Detail</th><th scope="col">From</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${formatTimestamp(r.at)}</td><td>${r.operatorEmail}</td><td>${r.action}</td><td class="mono">${r.target ?? ""}</td><td class="mono">${r.merchantId ?? ""}</td><td>${r.detail ?? ""}</td><td class="mono">${r.address ?? ""}</td></tr>`)}
</tbody></table>`,
      ),
    )
  }),
)

// ------------------------------------------------------------------------------------------------ merchants

const merchants = guarded((req, u) =>
  Effect.gen(function* () {
    const all = yield* (yield* MerchantStore).listMerchants()
    const visible = all.filter((m) => sees(u, m.id))
    const ctx = yield* ServerContext
    const id = { name: controlId(), hook: controlId() }
    const error = queryOf(req).get("error")
    return htmlResponse(
      page(
        "Merchants and keys",
        nav(u),
        html`${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<table><caption>Merchants</caption><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Payout keys</th><th scope="col">Live webhooks</th><th scope="col">Created</th></tr></thead><tbody>
${visible.map(
  (m) =>
    html`<tr><td class="mono"><a href="/console/merchants/${encodeURIComponent(m.id)}">${m.id}</a></td><td>${m.name}</td><td>${familyModules(
      ctx.families,
    )
      .filter((f) => payoutKeyOf(m, f.family) !== null)
      .map((f) => f.label)
      .join(", ")}</td><td>${m.webhookUrl ?? "-"}</td><td>${formatTimestamp(m.createdAt)}</td></tr>`,
)}
</tbody></table>
${
  u.operator.merchantId !== null
    ? ""
    : html`<h2>New merchant</h2>
<form method="post" action="/console/merchants" class="filters">${csrfField(u.csrf)}
<label for="${id.name}">Name<input id="${id.name}" name="name" required maxlength="200"></label>
<label for="${id.hook}">Live webhook URL<input id="${id.hook}" name="webhook_url" type="url"></label>
${familyModules(ctx.families).map((f) => {
  const key = controlId()
  return html`<label for="${key}">${f.label} ${f.payoutKeyLabel}<input id="${key}" name="payout_${f.family}"></label>`
})}
<button type="submit">Create merchant</button></form>`
}`,
      ),
    )
  }),
)

/** Why the payout keys of a new merchant are refused (core's checks, as the CLI's `merchant create`), or null. */
const payoutProblem = (keys: PayoutKeys, families: FamilyRegistry) =>
  Effect.map(payoutKeysProblem(keys, families), (p) =>
    p === null
      ? null
      : p.family === null
        ? `Payout keys: ${p.message}.`
        : families[p.family].deposit.kind === "derived-address"
          ? `${families[p.family].label} ${families[p.family].payoutKeyLabel}: ${p.message}.`
          : `The ${families[p.family].label} ${families[p.family].payoutKeyLabel} ${p.message}.`,
  )

/** The console's name of a checkout's deposit target: "EVM address", "TON comment" … */
const targetLabel = (families: FamilyRegistry, t: DepositTarget): string => {
  const m = families[t.family]
  return `${m.label} ${m.deposit.kind === "wallet-memo" ? m.deposit.memoName : "address"}`
}

const createMerchant = guarded(
  (_req, u, form) =>
    Effect.gen(function* () {
      const opt = (k: string) => (form[k]?.trim() ? form[k].trim() : null)
      const name = opt("name")
      const webhookUrl = opt("webhook_url")
      const { families } = yield* ServerContext
      const keys: Partial<Record<ChainFamily, string>> = {}
      for (const f of familyModules(families)) {
        const key = opt(`payout_${f.family}`)
        if (key !== null) keys[f.family] = key
      }
      const problem =
        name === null
          ? "A merchant needs a name."
          : displayNameProblem(name) !== null
            ? `The name ${displayNameProblem(name)} (it is shown to shoppers on the payment page).`
            : webhookUrl !== null && urlProblem(webhookUrl, "live") !== null
              ? `Live webhook URL ${urlProblem(webhookUrl, "live")}.`
              : yield* payoutProblem(keys, families)
      if (problem !== null) return redirect(`/console/merchants?error=${encodeURIComponent(problem)}`)
      const m = yield* registerMerchant({
        name: name ?? "",
        webhookUrl,
        payoutKeys: keys,
      })
      yield* act(u, "merchant.create", { target: m.id, merchantId: m.id, detail: m.name })
      return htmlResponse(
        page(
          "Merchant created",
          nav(u),
          html`<p>Merchant <a class="mono" href="/console/merchants/${encodeURIComponent(m.id)}">${m.id}</a> (${m.name}) is created.</p>
<p>Its webhook signing secrets, shown once here (each mode signs with its own):</p>
<p>Live: <span class="secret">${m.webhookSecret}</span></p><p>Test: <span class="secret">${m.testWebhookSecret}</span></p>`,
        ),
      )
    }),
  { operatorOnly: true },
)

const visibleMerchant = (u: ConsoleUser, id: string) =>
  Effect.gen(function* () {
    if (!sees(u, id)) return null
    return yield* (yield* MerchantStore)
      .getMerchant(id)
      .pipe(Effect.catchTag("MerchantNotFound", () => Effect.succeed(null)))
  })

const merchantDetail = guarded((req, u) =>
  Effect.gen(function* () {
    const m = yield* visibleMerchant(u, req.params.id ?? "")
    if (m === null) return notFoundPage(u)
    const ctx = yield* ServerContext
    const keys = yield* (yield* MerchantStore).listApiKeys(m.id)
    const modeId = controlId()
    const rotId = controlId()
    const error = queryOf(req).get("error")
    const notice = queryOf(req).get("notice")
    return htmlResponse(
      page(
        `Merchant ${m.name}`,
        nav(u),
        html`${error ? html`<p class="error" role="alert">${error}</p>` : ""}${notice === "branded" ? html`<p class="notice" role="status">The page branding is saved.</p>` : ""}
<dl class="facts"><dt>Id</dt><dd class="mono">${m.id}</dd><dt>Live webhook URL</dt><dd>${m.webhookUrl ?? "-"}</dd><dt>Test webhook URL</dt><dd>${m.testWebhookUrl ?? "-"}</dd>
${familyModules(ctx.families).map((f) => html`<dt>${f.label} ${f.payoutKeyLabel}</dt><dd class="mono">${payoutKeyOf(m, f.family) ?? "-"}</dd>`)}</dl>
<h2>API keys</h2>
<table><caption>API keys (only their prefix is stored in clear)</caption><thead><tr><th scope="col">Id</th><th scope="col">Prefix</th><th scope="col">Mode</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Action</th></tr></thead><tbody>
${
  keys.length === 0
    ? html`<tr><td colspan="6">No keys</td></tr>`
    : keys.map(
        (
          k,
        ) => html`<tr><td class="mono">${k.id}</td><td class="mono">${k.prefix}…</td><td>${k.mode}</td><td>${k.revokedAt ? `revoked ${formatTimestamp(k.revokedAt)}` : "active"}</td><td>${formatTimestamp(k.createdAt)}</td>
<td>${k.revokedAt ? "" : html`<form class="inline" method="post" action="/console/merchants/${encodeURIComponent(m.id)}/keys/${encodeURIComponent(k.id)}/revoke">${csrfField(u.csrf)}<button type="submit" class="danger">Revoke</button></form>`}</td></tr>`,
      )
}
</tbody></table>
<form method="post" action="/console/merchants/${encodeURIComponent(m.id)}/keys" class="filters">${csrfField(u.csrf)}
<label for="${modeId}">Mode<select id="${modeId}" name="mode"><option value="test">test</option><option value="live">live</option></select></label>
<button type="submit">Create an API key</button></form>
<h2>Webhook secret</h2>
<form method="post" action="/console/merchants/${encodeURIComponent(m.id)}/rotate-secret" class="filters">${csrfField(u.csrf)}
<label for="${rotId}">Mode<select id="${rotId}" name="mode"><option value="test">test</option><option value="live">live</option></select></label>
<button type="submit" class="danger">Rotate the webhook secret</button></form>
<p>The old secret stops signing at once: accept both at your endpoint while you switch.</p>
${brandingForm(u, m)}`,
      ),
    )
  }),
)

const brandingForm = (u: ConsoleUser, m: Merchant) => {
  const b = m.branding
  const logo = b?.logo ?? null
  const id = {
    name: controlId(),
    url: controlId(),
    file: controlId(),
    accent: controlId(),
    drop: controlId(),
  }
  return html`<h2>Page branding</h2>
<dl class="facts"><dt>Display name</dt><dd>${b?.displayName ?? "-"}</dd><dt>Logo</dt><dd>${logo === null ? "-" : logo.kind === "url" ? logo.url : `uploaded ${logo.contentType}, sha256 ${logo.sha256}`}</dd><dt>Accent colour</dt><dd class="mono">${b?.accentColor ?? "-"}</dd></dl>
<form method="post" action="/console/merchants/${encodeURIComponent(m.id)}/branding" class="filters">${csrfField(u.csrf)}
<label for="${id.name}">Display name (empty: the merchant's name)<input id="${id.name}" name="display_name" maxlength="${BRANDING_LIMITS.displayNameMaxChars * 2}" value="${b?.displayName ?? ""}"></label>
<label for="${id.url}">Logo URL (https; empty: none)<input id="${id.url}" name="logo_url" type="url" value="${logo?.kind === "url" ? logo.url : ""}"></label>
<label for="${id.file}">Or an uploaded logo: PNG, JPEG or WebP, at most ${BRANDING_LIMITS.logoMaxBytes / 1024} KiB, as base64 (<code>base64 -w0 logo.png</code>)<textarea id="${id.file}" name="logo_base64" rows="2"></textarea></label>
<label for="${id.accent}">Accent colour (#rrggbb; empty: the page's own)<input id="${id.accent}" name="accent_color" pattern="#[0-9a-fA-F]{6}" value="${b?.accentColor ?? ""}"></label>
<label for="${id.drop}"><input id="${id.drop}" name="remove_logo" type="checkbox" value="1"> Remove the logo</label>
<button type="submit">Save the branding</button></form>`
}

/**
 * The branding form as a change (core's rules, as `inzi merchant update`), or why it is refused. An empty field
 * clears its value; an empty logo URL keeps an uploaded logo (only "remove the logo" drops that).
 */
const brandingChangeOf = (
  form: Record<string, string>,
  current: Merchant,
): BrandingChange | { readonly problem: string } => {
  const text = (k: string) => (form[k] ?? "").trim()
  const name = text("display_name")
  const url = text("logo_url")
  const accent = text("accent_color")
  const b64 = (form.logo_base64 ?? "").replace(/\s+/g, "")
  const p = name === "" ? null : displayNameProblem(name)
  if (p !== null) return { problem: `Display name ${p}.` }
  const a = accent === "" ? null : accentColorProblem(accent)
  if (a !== null) return { problem: `Accent colour ${a}.` }
  if (url !== "" && b64 !== "") return { problem: "Give a logo URL or an uploaded logo, not both." }
  const change = { displayName: name === "" ? null : name, accentColor: accent === "" ? null : accent }
  if (form.remove_logo === "1") return { ...change, logo: null }
  if (b64 !== "") {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0)
      return { problem: "The uploaded logo is not valid base64." }
    const image = checkLogoImage(new Uint8Array(Buffer.from(b64, "base64")))
    if ("problem" in image) return { problem: `The uploaded logo ${image.problem}.` }
    return { ...change, logo: image }
  }
  if (url !== "") {
    const u = logoUrlProblem(url)
    return u !== null ? { problem: `Logo URL ${u}.` } : { ...change, logo: { kind: "url", url } }
  }
  return current.branding?.logo?.kind === "url" ? { ...change, logo: null } : change
}

const saveBranding = guarded((req, u, form) =>
  Effect.gen(function* () {
    const m = yield* visibleMerchant(u, req.params.id ?? "")
    if (m === null) return notFoundPage(u)
    const back = `/console/merchants/${encodeURIComponent(m.id)}`
    const change = brandingChangeOf(form, m)
    if ("problem" in change) return redirect(`${back}?error=${encodeURIComponent(change.problem)}`)
    const after = yield* updateBranding(m.id, change)
    const b = after.branding
    const logo = b?.logo ?? null
    yield* act(u, "merchant.branding", {
      target: m.id,
      merchantId: m.id,
      detail: `display name ${b?.displayName ?? "-"}; logo ${logo === null ? "-" : logo.kind === "url" ? logo.url : `uploaded ${logo.sha256.slice(0, 16)}`}; accent ${b?.accentColor ?? "-"}`,
    })
    return redirect(`${back}?notice=branded`)
  }),
)

const createKey = guarded((req, u, form) =>
  Effect.gen(function* () {
    const m = yield* visibleMerchant(u, req.params.id ?? "")
    if (m === null) return notFoundPage(u)
    const mode: Mode = form.mode === "live" ? "live" : "test"
    const { record, key } = yield* issueApiKey(m.id, mode)
    yield* act(u, "key.create", { target: record.id, merchantId: m.id, detail: `${mode} ${record.prefix}` })
    return htmlResponse(
      page(
        "API key created",
        nav(u),
        html`<p>The new ${mode} key of <span class="mono">${m.id}</span>, shown once (Inzi keeps only its hash):</p>
<p class="secret" id="new-key">${key}</p><p><a href="/console/merchants/${encodeURIComponent(m.id)}">Back to the merchant</a></p>`,
      ),
    )
  }),
)

const revokeKey = guarded((req, u) =>
  Effect.gen(function* () {
    const m = yield* visibleMerchant(u, req.params.id ?? "")
    if (m === null) return notFoundPage(u)
    const store = yield* MerchantStore
    const k = (yield* store.listApiKeys(m.id)).find((x) => x.id === req.params.key)
    if (k === undefined) return notFoundPage(u)
    yield* store.revokeApiKey(k.id, new Date())
    yield* act(u, "key.revoke", { target: k.id, merchantId: m.id, detail: k.prefix })
    return redirect(`/console/merchants/${encodeURIComponent(m.id)}`)
  }),
)

const rotateSecret = guarded((req, u, form) =>
  Effect.gen(function* () {
    const m = yield* visibleMerchant(u, req.params.id ?? "")
    if (m === null) return notFoundPage(u)
    const mode: Mode = form.mode === "live" ? "live" : "test"
    const secret = yield* newWebhookSecret
    yield* (yield* MerchantStore).updateMerchant(
      m.id,
      mode === "live" ? { webhookSecret: secret } : { testWebhookSecret: secret },
    )
    yield* act(u, "webhook_secret.rotate", { target: m.id, merchantId: m.id, detail: mode })
    return htmlResponse(
      page(
        "Webhook secret rotated",
        nav(u),
        html`<p>The new ${mode} webhook secret of <span class="mono">${m.id}</span>, shown once:</p><p class="secret">${secret}</p>
<p><a href="/console/merchants/${encodeURIComponent(m.id)}">Back to the merchant</a></p>`,
      ),
    )
  }),
)

// ------------------------------------------------------------------------------------------------ assets

const asset: Handler<R> = (req) =>
  Effect.gen(function* () {
    if (!(yield* enabled)) return notFoundResponse()
    const a = ASSETS[req.params.file ?? ""]
    if (a === undefined) return notFoundResponse()
    return new HttpResponse(200, a.body, {
      "content-type": a.type,
      "cache-control": "public, max-age=3600",
      "x-content-type-options": "nosniff",
    })
  })

/** The console's routes: [method, path, name, handler]. */
export const CONSOLE_ROUTES: ReadonlyArray<readonly [string, string, string, Handler<R>, number?]> = [
  ["GET", "/console", "console", home],
  ["GET", "/console/login", "console.login", loginForm],
  ["POST", "/console/login", "console.login", login],
  ["POST", "/console/logout", "console.logout", logout],
  ["GET", "/console/overview", "console.overview", overview],
  ["GET", "/console/checkouts", "console.checkouts", checkouts],
  ["GET", "/console/checkouts.csv", "console.checkouts.csv", checkoutsCsv],
  ["GET", "/console/checkouts/:id", "console.checkout", checkoutDetail],
  ["POST", "/console/checkouts/:id/events/:event/resend", "console.resend", resend],
  ["GET", "/console/unmatched", "console.unmatched", unmatched],
  ["GET", "/console/unmatched/:id/assign", "console.assign", assignConfirm],
  ["POST", "/console/unmatched/:id/assign", "console.assign", assign],
  ["GET", "/console/watchers", "console.watchers", watchers],
  ["GET", "/console/audit", "console.audit", auditLog],
  ["GET", "/console/merchants", "console.merchants", merchants],
  ["POST", "/console/merchants", "console.merchants.create", createMerchant],
  ["GET", "/console/merchants/:id", "console.merchant", merchantDetail],
  ["POST", "/console/merchants/:id/keys", "console.key.create", createKey],
  ["POST", "/console/merchants/:id/keys/:key/revoke", "console.key.revoke", revokeKey],
  ["POST", "/console/merchants/:id/rotate-secret", "console.secret.rotate", rotateSecret],
  // A base64 logo of at most 32 KiB, URL-encoded, outgrows the default body limit.
  ["POST", "/console/merchants/:id/branding", "console.merchant.branding", saveBranding, 160 * 1024],
  ["GET", "/console/assets/:file", "console.asset", asset],
]

export type ConsoleRequirements = R
