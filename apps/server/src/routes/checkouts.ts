import {
  type Checkout,
  type CheckoutNotFound,
  CheckoutStore,
  checkoutNetworks,
  createCheckout,
  type GetCheckoutQuery,
  isCheckoutId,
  type Merchant,
  MerchantStore,
  renderCheckoutJson,
  type StoreError,
  validateCreateCheckout,
  validateListQuery,
} from "@inzi/core"
import { Context, Effect, Either } from "effect"
import { ServerContext } from "../context.js"
import { admit, bearerKeyHash, type Principal, principalWith } from "../http/auth.js"
import { errorResponse, jsonText, notFound } from "../http/errors.js"
import { type DirectRoute, type HttpRequest, HttpResponse } from "../http/response.js"
import { sha256Hex } from "../http/sha256.js"

const invalid = (code: string, message: string, param?: string) =>
  errorResponse({ type: "invalid_request_error", code, message, param })

/** Auth + per-key rate limit, shared by every /api/v1 route (see `principalWith`). */
const principal = (req: HttpRequest, ctx: ServerContext["Type"]) =>
  Effect.flatMap(MerchantStore, (keys) => principalWith(req, keys, ctx.rateLimiter))

export const createCheckoutRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const p: Principal = yield* principal(req, ctx)
    // Read by the dispatcher before this route runs (every POST route reads its body).
    const body = req.body ?? (yield* Effect.dieMessage("POST /checkouts dispatched without its body"))
    if (body._tag === "TooLarge")
      return errorResponse(
        {
          type: "invalid_request_error",
          code: "body_too_large",
          message: "Request body is larger than 16 KiB",
        },
        { status: 413 },
      )
    if (body._tag === "Aborted") return invalid("invalid_json", "The request body could not be read")
    let parsed: unknown
    try {
      parsed = JSON.parse(body.text)
    } catch {
      return invalid("invalid_json", "The request body is not valid JSON")
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return invalid("invalid_json", "The request body must be a JSON object")
    // rawBody: metadata is cut from the body text verbatim (key order, tokens), its size limit applies to that
    // text, and a repeated key is refused (it could not come back exactly as sent).
    const validated = validateCreateCheckout(parsed, {
      mode: p.mode,
      minCents: ctx.env.minAmountCents,
      maxCents: ctx.env.maxAmountCents,
      rawBody: body.text,
    })
    if (validated._tag === "Left") {
      const e = validated.left
      return invalid(e.code, e.message, e.param ?? undefined)
    }
    const command = validated.right
    const idemKey = req.headers["idempotency-key"]
    if (idemKey !== undefined && (idemKey.length === 0 || idemKey.length > 255))
      return invalid(
        "idempotency_key_invalid",
        "Idempotency-Key must be 1 to 255 characters",
        "Idempotency-Key",
      )
    const networks = checkoutNetworks(p.merchant, p.mode, ctx.networks)
    if (networks.length === 0)
      return invalid(
        "no_networks",
        `No payment network is enabled for this merchant in ${p.mode} mode; ask the operator to configure one`,
      )
    const now = new Date()
    const render = (c: Checkout) => ({ status: 201, body: renderCheckoutJsonSync(c, p.merchant, now, ctx) })
    const result = yield* createCheckout({
      merchant: p.merchant,
      mode: p.mode,
      command,
      networks,
      idempotency:
        idemKey === undefined
          ? null
          : { key: idemKey, requestHash: sha256Hex(`POST /checkouts\n${body.text}`), render },
      now,
    }).pipe(
      Effect.catchTag("IdempotencyConflict", () =>
        Effect.fail(
          errorResponse({
            type: "idempotency_error",
            code: "idempotency_key_reused",
            message: "This Idempotency-Key was already used with a different request",
          }),
        ),
      ),
    )
    if (result._tag === "Replayed")
      return jsonText(result.response.body, result.response.status, { "idempotent-replayed": "true" })
    const text = result.response?.body ?? render(result.checkout).body
    ctx.logger.info("checkout created", {
      request_id: req.id,
      checkout_id: result.checkout.id,
      merchant_id: p.merchant.id,
      mode: p.mode,
    })
    return jsonText(text, 201)
  })

/**
 * The checkout as JSON, rendered with the networks it was created with, as configured now (the presenter
 * leaves out every configured network not in `c.networks` or of the other mode).
 */
const renderCheckoutJsonSync = (c: Checkout, merchant: Merchant, now: Date, ctx: ServerContext["Type"]) =>
  renderCheckoutJson(c, {
    publicUrl: ctx.env.publicUrl,
    now,
    networks: ctx.networks,
    tonWallet: merchant.tonWallet,
  })

type GetServices = ServerContext | MerchantStore | CheckoutStore

/**
 * GET one checkout's read for principal `p`, or its 404 when the path's id is not a checkout id at all (e.g. a NUL
 * byte, which Postgres refuses in text): then the store is not asked.
 */
const retrieveQuery = (req: HttpRequest, p: Principal): GetCheckoutQuery | HttpResponse => {
  const id = req.params.id ?? ""
  if (!isCheckoutId(id)) return notFound("checkout")
  return { id, merchantId: p.merchant.id, mode: p.mode, now: new Date() }
}

/**
 * The response to GET one checkout's read: the checkout as the API object, or 404; a store error stays an error
 * (the dispatcher's 500). Both GET paths answer through this.
 */
const retrieved = (
  result: Either.Either<Checkout, StoreError | CheckoutNotFound>,
  q: GetCheckoutQuery,
  p: Principal,
  ctx: ServerContext["Type"],
): HttpResponse | StoreError =>
  Either.isRight(result)
    ? jsonText(renderCheckoutJsonSync(result.right, p.merchant, q.now, ctx))
    : result.left._tag === "CheckoutNotFound"
      ? notFound("checkout")
      : result.left

/**
 * GET one checkout as an Effect: the route's full path (a key not in the key cache is looked up in the store), and
 * the fallback of `getCheckoutDirect`. Services from ONE read of the fiber's context, auth and rate limit as one
 * continuation, then the read and its response.
 */
export const getCheckoutRoute = (req: HttpRequest) =>
  Effect.contextWithEffect((services: Context.Context<GetServices>) => {
    const ctx = Context.get(services, ServerContext)
    const keys = Context.get(services, MerchantStore)
    return Effect.flatMap(
      principalWith(req, keys, ctx.rateLimiter),
      (p): Effect.Effect<HttpResponse, StoreError> => {
        const q = retrieveQuery(req, p)
        if (q instanceof HttpResponse) return Effect.succeed(q)
        return Effect.flatMap(
          Effect.either(Context.get(services, CheckoutStore).getCheckout(q)),
          (result) => {
            const out = retrieved(result, q, p, ctx)
            return out instanceof HttpResponse ? Effect.succeed(out) : Effect.fail(out)
          },
        )
      },
    )
  })

/**
 * GET one checkout without a fiber — the API's hottest request (bench/RESULTS.md, api): when the key is in the
 * key cache (`cachedActiveKey`) the request is answered by plain code and the store's callback read
 * (`getCheckoutDirect`), with the same responses as `getCheckoutRoute`; a key the cache does not hold falls back
 * to that route. `undefined` (the route alone) when the key cache is off or the store has no callback read.
 */
export const getCheckoutDirect: DirectRoute<GetServices> = (services) => {
  const ctx = Context.get(services, ServerContext)
  const cachedKey = Context.get(services, MerchantStore).cachedActiveKey
  const read = Context.get(services, CheckoutStore).getCheckoutDirect
  if (cachedKey === undefined || read === undefined) return undefined
  return (req, respond, fail) => {
    const hash = bearerKeyHash(req)
    if (typeof hash !== "string") {
      respond(hash)
      return true
    }
    const found = cachedKey(hash)
    if (found === undefined) return false
    const p = admit(found, ctx.rateLimiter)
    if (p instanceof HttpResponse) {
      respond(p)
      return true
    }
    const q = retrieveQuery(req, p)
    if (q instanceof HttpResponse) {
      respond(q)
      return true
    }
    read(q, (result) => {
      // Called from the driver's callback: nothing may be thrown back into it.
      try {
        const out = retrieved(result, q, p, ctx)
        if (out instanceof HttpResponse) respond(out)
        else fail(out, false)
      } catch (e) {
        fail(e, true)
      }
    })
    return true
  }
}

export const listCheckoutsRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const p = yield* principal(req, ctx)
    const store = yield* CheckoutStore
    const url = new URL(req.url, "http://x")
    // The URLSearchParams themselves: a repeated parameter is refused, not silently last-one-wins.
    const q = validateListQuery(url.searchParams)
    if (q._tag === "Left") return invalid(q.left.code, q.left.message, q.left.param ?? undefined)
    const now = new Date()
    const r = yield* store.listCheckouts({
      merchantId: p.merchant.id,
      mode: p.mode,
      now,
      status: q.right.status ?? undefined,
      createdAfter: q.right.createdAfter ?? undefined,
      createdBefore: q.right.createdBefore ?? undefined,
      limit: q.right.limit,
      offset: q.right.offset,
    })
    const data = r.data.map((c) => renderCheckoutJsonSync(c, p.merchant, now, ctx)).join(",")
    return jsonText(
      `{"data":[${data}],"total":${r.total},"limit":${q.right.limit},"offset":${q.right.offset}}`,
    )
  })
