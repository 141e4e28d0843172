import {
  type Checkout,
  type CheckoutNotFound,
  Checkouts,
  type CreateCheckoutArgs,
  checkoutNetworks,
  createCheckout,
  createCheckoutWith,
  type GetCheckoutQuery,
  isCheckoutId,
  type Merchant,
  MerchantStore,
  renderCheckoutJson,
  renderCheckoutListJson,
  sha256Hex,
  type StoreError,
  syncDeriver,
  validateCreateCheckout,
  validateListQuery,
} from "@inzi/core"
import { Context, Effect, Either, Option, Runtime } from "effect"
import { ServerContext } from "../context.js"
import { FastPath } from "../fast-path.js"
import { behindCachedKey, type Principal, principalWith } from "../http/auth.js"
import { isJsonContentType } from "../http/body.js"
import { errorResponse, jsonText, notFound } from "../http/errors.js"
import { answerWith, type DirectRoute, type HttpRequest, HttpResponse } from "../http/response.js"

const invalid = (code: string, message: string, param?: string) =>
  errorResponse({ type: "invalid_request_error", code, message, param })

/** Auth + per-key rate limit, shared by every /api/v1 route (see `principalWith`). */
const principal = (req: HttpRequest, ctx: ServerContext["Type"]) =>
  Effect.flatMap(MerchantStore, (keys) => principalWith(req, keys, ctx))

/** A create request past its plain checks: what the use case is asked, the body text and the Idempotency-Key. */
interface PreparedCreate {
  readonly args: CreateCheckoutArgs
  readonly body: string
  readonly idemKey: string | undefined
}

/**
 * The plain part of a create for principal `p`: the body (read by the dispatcher), its JSON, the fields' validation,
 * the Idempotency-Key's form and the merchant's networks — each refusal as its 4xx response.
 */
const prepareCreate = (
  req: HttpRequest,
  p: Principal,
  ctx: ServerContext["Type"],
): PreparedCreate | HttpResponse => {
  const body = req.body
  if (body === null) throw new Error("POST /checkouts dispatched without its body")
  if (!isJsonContentType(req.headers["content-type"]))
    return errorResponse(
      {
        type: "invalid_request_error",
        code: "unsupported_media_type",
        message: "Content-Type must be application/json (charset utf-8, if given)",
      },
      { status: 415 },
    )
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
  if (body._tag === "InvalidUtf8") return invalid("invalid_json", "The request body is not valid UTF-8")
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
    merchant: p.merchant,
  })
  if (validated._tag === "Left") {
    const e = validated.left
    return invalid(e.code, e.message, e.param ?? undefined)
  }
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
  const args = {
    merchant: p.merchant,
    mode: p.mode,
    command: validated.right,
    networks,
    now: new Date(),
    families: ctx.families,
  }
  return { args, body: body.text, idemKey }
}

/** A create's 201 (logged): `text` is the checkout as rendered for an idempotency record, if one was written. */
const createdResponse = (
  req: HttpRequest,
  p: Principal,
  ctx: ServerContext["Type"],
  checkout: Checkout,
  now: Date,
  text?: string,
): HttpResponse => {
  const body = text ?? renderCheckoutJsonSync(checkout, p.merchant, now, ctx)
  ctx.logger.info("checkout created", {
    request_id: req.id,
    checkout_id: checkout.id,
    merchant_id: p.merchant.id,
    mode: p.mode,
  })
  return jsonText(body, 201)
}

/** The create use case as an Effect, for every case (with an Idempotency-Key: replay, conflict, record). */
const runCreate = (req: HttpRequest, p: Principal, ctx: ServerContext["Type"], c: PreparedCreate) => {
  const now = c.args.now
  const render = (checkout: Checkout) => ({
    status: 201,
    body: renderCheckoutJsonSync(checkout, p.merchant, now, ctx),
  })
  return createCheckout({
    ...c.args,
    idempotency:
      c.idemKey === undefined
        ? null
        : { key: c.idemKey, requestHash: sha256Hex(`POST /checkouts\n${c.body}`), render },
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
    Effect.map((result) =>
      result._tag === "Replayed"
        ? jsonText(result.response.body, result.response.status, { "idempotent-replayed": "true" })
        : createdResponse(req, p, ctx, result.checkout, now, result.response?.body),
    ),
  )
}

export const createCheckoutRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const p: Principal = yield* principal(req, ctx)
    const prepared = prepareCreate(req, p, ctx)
    if (prepared instanceof HttpResponse) return prepared
    return yield* runCreate(req, p, ctx, prepared)
  })

type CreateServices = Effect.Effect.Context<ReturnType<typeof createCheckoutRoute>>

/** The server's fast path (fast-path.ts) from a route's services, if it was wired. */
const fastPathOf = <R>(services: Context.Context<R>) =>
  Context.getOption(services as Context.Context<R | FastPath>, FastPath)

/**
 * POST /checkouts without a fiber for its common case — a cached key, no Idempotency-Key: the plain checks, then
 * core's `createCheckoutWith` over the fast path's callback statements (answered from the driver's callback) —
 * the pooled statement, or on an empty pool the take of a fresh index, the addresses derived inline (the
 * family modules' `deriveSync`) and the insert —, render, write. Every other case past the key check (an
 * Idempotency-Key, a TON-only checkout) runs `runCreate` on the server's runtime, with the principal already
 * admitted (one rate-limit token per request). A key the cache does not hold falls back to
 * `createCheckoutRoute`. `undefined` (the route alone) without a key cache or a fast path.
 */
export const createCheckoutDirect: DirectRoute<CreateServices> = (runtime) => {
  const services = runtime.context
  const ctx = Context.get(services, ServerContext)
  const fast = fastPathOf(services)
  if (ctx.cachedKey === null || Option.isNone(fast)) return undefined
  const store = fast.value.store
  const direct = {
    statements: {
      createPooled: store.createPooledCheckout,
      takeSlot: store.takeSlot,
      insert: store.createCheckout,
    },
    randomBytes: fast.value.randomBytes,
    derive: syncDeriver(ctx.families),
  }
  const run = Runtime.runCallback(runtime)
  return behindCachedKey(ctx.cachedKey, ctx, (req, p, respond, fail) => {
    const prepared = prepareCreate(req, p, ctx)
    if (prepared instanceof HttpResponse) {
      respond(prepared)
      return
    }
    const viaEffect = () => answerWith(run, runCreate(req, p, ctx, prepared), respond, fail)
    if (prepared.idemKey !== undefined) {
      viaEffect()
      return
    }
    createCheckoutWith(prepared.args, direct, (result) => {
      // Called from the driver's callback: nothing may be thrown back into it.
      try {
        if (Either.isLeft(result)) fail(result.left, false)
        else if (result.right === null) viaEffect()
        else respond(createdResponse(req, p, ctx, result.right.checkout, prepared.args.now))
      } catch (e) {
        fail(e, true)
      }
    })
  })
}

/**
 * The checkout as JSON, rendered with the networks it was created with, as configured now (the presenter
 * leaves out every configured network not in `c.networks` or of the other mode).
 */
const renderCheckoutJsonSync = (
  c: Checkout,
  merchant: Merchant,
  now: Date,
  ctx: ServerContext["Type"],
  caches?: ReadCaches,
) => renderCheckoutJson(c, presentContext(merchant, now, ctx, caches))

/** The presenter's caches a read passes (`presentContext`). */
type ReadCaches = Partial<Pick<ServerContext["Type"], "optionsCache" | "jsonCache">>

/**
 * What the presenter needs to render a checkout of `merchant` at `now` (see `renderCheckoutJsonSync`); reads pass
 * one of the server's caches (a checkout is read again and again): GET one checkout the JSON cache (its read hands
 * back the same object while the checkout is unchanged), the list the options cache (its checkouts are new objects
 * on every read); a create passes none (it renders once).
 */
const presentContext = (merchant: Merchant, now: Date, ctx: ServerContext["Type"], caches?: ReadCaches) => ({
  publicUrl: ctx.env.publicUrl,
  now,
  networks: ctx.networks,
  merchant,
  families: ctx.families,
  optionsCache: caches?.optionsCache,
  jsonCache: caches?.jsonCache,
})

type GetServices = ServerContext | MerchantStore | Checkouts

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
    ? jsonText(renderCheckoutJsonSync(result.right, p.merchant, q.now, ctx, { jsonCache: ctx.jsonCache }))
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
    return Effect.flatMap(principalWith(req, keys, ctx), (p): Effect.Effect<HttpResponse, StoreError> => {
      const q = retrieveQuery(req, p)
      if (q instanceof HttpResponse) return Effect.succeed(q)
      return Effect.flatMap(Effect.either(Context.get(services, Checkouts).getCheckout(q)), (result) => {
        const out = retrieved(result, q, p, ctx)
        return out instanceof HttpResponse ? Effect.succeed(out) : Effect.fail(out)
      })
    })
  })

/**
 * GET one checkout without a fiber — the API's hottest request (bench/RESULTS.md, api): when the key is in the
 * key cache (`ServerContext.cachedKey`) the request is answered by plain code and the fast path's callback read,
 * with the same responses as `getCheckoutRoute`; a key the cache does not hold falls back to that route.
 * `undefined` (the route alone) without a key cache or a fast path.
 */
export const getCheckoutDirect: DirectRoute<GetServices> = ({ context: services }) => {
  const ctx = Context.get(services, ServerContext)
  const fast = fastPathOf(services)
  if (ctx.cachedKey === null || Option.isNone(fast)) return undefined
  const read = fast.value.store.getCheckout
  return behindCachedKey(ctx.cachedKey, ctx, (req, p, respond, fail) => {
    const q = retrieveQuery(req, p)
    if (q instanceof HttpResponse) {
      respond(q)
      return
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
  })
}

export const listCheckoutsRoute = (req: HttpRequest) =>
  Effect.gen(function* () {
    const ctx = yield* ServerContext
    const p = yield* principal(req, ctx)
    const store = yield* Checkouts
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
    return jsonText(
      renderCheckoutListJson(
        { data: r.data, total: r.total, limit: q.right.limit, offset: q.right.offset },
        presentContext(p.merchant, now, ctx, { optionsCache: ctx.optionsCache }),
      ),
    )
  })
