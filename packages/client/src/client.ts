import {
  ApiCheckout,
  ApiCheckoutList,
  type CheckoutStatus,
  type CreateCheckoutRequest,
  type ListCheckoutsQueryParams,
} from "@inzi/wire"
import { Cause, Context, Effect, Exit, Layer, type Schema } from "effect"
import type { InziError } from "./errors.js"
import { type HttpRequest, type InziClientOptions, request, resolveConfig } from "./http.js"

/** The checkout object (API.md "The checkout object"), as decoded by the wire's `ApiCheckout` Schema. */
export type Checkout = ApiCheckout
/** `GET /api/v1/checkouts`: `{ data, total, limit, offset }`. */
export type CheckoutList = ApiCheckoutList

/**
 * The body of `POST /api/v1/checkouts` (the wire's `CreateCheckoutRequest`): `amount` is a decimal
 * string (`"25"`, `"25.00"`), never a number. The server validates it and answers 400 with `param` otherwise.
 */
export type CreateCheckoutParams = typeof CreateCheckoutRequest.Encoded

export interface CreateCheckoutOptions {
  /**
   * Same key + same body within 24 h returns the first checkout again and creates nothing; the same key with
   * another body fails with a 409 `idempotency_error`. Use your order id. At most 255 characters.
   */
  readonly idempotencyKey?: string | undefined
}

/** The query of `GET /api/v1/checkouts`; numbers and dates are accepted and sent in the wire form. */
export interface ListCheckoutsParams {
  readonly status?: CheckoutStatus | ListCheckoutsQueryParams["status"]
  /** 1..100, default 20. */
  readonly limit?: number | string | undefined
  /** ≥ 0, default 0. */
  readonly offset?: number | string | undefined
  /** Exclusive bounds on `created_at`: a `Date` or an ISO 8601 string. */
  readonly created_after?: Date | string | undefined
  readonly created_before?: Date | string | undefined
}

/** The client with Effect return types; every method fails with `InziError` (a tagged union). */
export interface InziEffectClient {
  readonly checkouts: {
    /** `POST /api/v1/checkouts` → the new checkout (201), or the first one again under a replayed key. */
    readonly create: (
      params: CreateCheckoutParams,
      options?: CreateCheckoutOptions,
    ) => Effect.Effect<Checkout, InziError>
    /** `GET /api/v1/checkouts/{id}`; a checkout of another merchant or mode is a 404 `InziApiError`. */
    readonly retrieve: (id: string) => Effect.Effect<Checkout, InziError>
    /** `GET /api/v1/checkouts`: one page, newest first. */
    readonly list: (query?: ListCheckoutsParams) => Effect.Effect<CheckoutList, InziError>
  }
}

const queryString = (q: ListCheckoutsParams): string => {
  const params = new URLSearchParams()
  const put = (k: string, v: unknown) => {
    if (v === undefined || v === null) return
    params.set(k, v instanceof Date ? v.toISOString() : String(v))
  }
  put("status", q.status)
  put("limit", q.limit)
  put("offset", q.offset)
  put("created_after", q.created_after)
  put("created_before", q.created_before)
  const s = params.toString()
  return s === "" ? "" : `?${s}`
}

/**
 * The Effect-flavoured client: the same calls as `InziClient`, returning `Effect`s.
 * @example
 * const inzi = makeInziClient({ apiKey: process.env.INZI_KEY!, baseUrl: "https://pay.example.com" })
 * const checkout = yield* inzi.checkouts.create({ amount: "25.00", currency: "USD" }, { idempotencyKey: orderId })
 */
export const makeInziClient = (options: InziClientOptions): InziEffectClient => {
  const cfg = resolveConfig(options)
  const send = <A, I>(req: HttpRequest, schema: Schema.Schema<A, I>) =>
    Effect.map(request(cfg, req, schema), (r) => r.value)
  return {
    checkouts: {
      create: (params, opts = {}) => {
        const key =
          opts.idempotencyKey ??
          (cfg.maxRetries > 0 ? `inzi-client-${globalThis.crypto.randomUUID()}` : undefined)
        return send(
          {
            method: "POST",
            path: "/checkouts",
            body: params,
            headers: key === undefined ? {} : { "idempotency-key": key },
            retryable: key !== undefined,
          },
          ApiCheckout,
        )
      },
      retrieve: (id) =>
        typeof id !== "string" || id === ""
          ? Effect.die(new TypeError("checkouts.retrieve: id must be a non-empty string"))
          : send(
              { method: "GET", path: `/checkouts/${encodeURIComponent(id)}`, retryable: true },
              ApiCheckout,
            ),
      list: (query = {}) =>
        send({ method: "GET", path: `/checkouts${queryString(query)}`, retryable: true }, ApiCheckoutList),
    },
  }
}

/** The Effect client as a service, for programs that wire dependencies with layers. */
export class Inzi extends Context.Tag("@inzi/client/Inzi")<Inzi, InziEffectClient>() {
  static readonly layer = (options: InziClientOptions): Layer.Layer<Inzi> =>
    Layer.sync(Inzi, () => makeInziClient(options))
}

/** Runs an Effect and rejects with its own error (an `InziError`), not a wrapper. */
const run = <A>(eff: Effect.Effect<A, InziError>): Promise<A> =>
  Effect.runPromiseExit(eff).then((exit) =>
    Exit.isSuccess(exit) ? exit.value : Promise.reject(Cause.squash(exit.cause)),
  )

/**
 * The Inzi API for merchants' backends, with plain Promises. Responses are decoded with the wire's Schemas; a
 * failure rejects with `InziApiError` (the server's `{ type, code, message, param }`, plus `status` and
 * `retryAfter`), `InziConnectionError` or `InziResponseError`.
 * @example
 * const inzi = new InziClient({ apiKey: process.env.INZI_API_KEY!, baseUrl: "https://pay.example.com" })
 * const checkout = await inzi.checkouts.create(
 *   { amount: "25.00", currency: "USD", metadata: { order_id: "1234" } },
 *   { idempotencyKey: "order-1234" },
 * )
 * redirect(checkout.checkout_url)
 */
export class InziClient {
  /** The same client returning `Effect`s. */
  readonly effect: InziEffectClient
  readonly checkouts: {
    readonly create: (params: CreateCheckoutParams, options?: CreateCheckoutOptions) => Promise<Checkout>
    readonly retrieve: (id: string) => Promise<Checkout>
    readonly list: (query?: ListCheckoutsParams) => Promise<CheckoutList>
    /**
     * Every checkout matching `query` (its `limit` is the page size), page by page, newest first. An offset
     * list: a checkout created meanwhile shifts the pages; ids already yielded are skipped.
     */
    readonly iterate: (query?: ListCheckoutsParams) => AsyncIterable<Checkout>
  }

  constructor(options: InziClientOptions) {
    const e = makeInziClient(options)
    this.effect = e
    this.checkouts = {
      create: (params, opts) => run(e.checkouts.create(params, opts)),
      retrieve: (id) => run(e.checkouts.retrieve(id)),
      list: (query) => run(e.checkouts.list(query)),
      iterate: (query = {}) => ({
        async *[Symbol.asyncIterator]() {
          const seen = new Set<string>()
          let offset = Number(query.offset ?? 0)
          for (;;) {
            const page = await run(e.checkouts.list({ ...query, offset }))
            for (const c of page.data) {
              if (seen.has(c.id)) continue
              seen.add(c.id)
              yield c
            }
            offset += page.data.length
            if (page.data.length === 0 || offset >= page.total) return
          }
        },
      }),
    }
  }
}
