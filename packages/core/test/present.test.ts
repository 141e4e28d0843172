import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { ApiCheckout, ApiCheckoutList, ApiPublicStatus, ApiWebhookEvent } from "../src/api.js"
import type { Payment } from "../src/domain.js"
import {
  latestCountedPayment,
  makeCheckoutJsonCache,
  makePaymentOptionsCache,
  parseWebhookEventBody,
  renderCheckoutJson,
  renderCheckoutListJson,
  toApiCheckout,
  toApiCheckoutList,
  toPublicStatus,
  webhookEventBody,
} from "../src/present.js"
import { FAMILIES } from "./families.js"
import { at, checkout, EXPIRES, merchantWith, NETWORKS } from "./helpers.js"

/** The test's oracle: an API checkout object as JSON text, generically, with the metadata text spliced in. */
const oracleJson = (obj: ApiCheckout, metadataJson: string | null): string =>
  `{${Object.entries(obj)
    .map(([k, v]) => `${JSON.stringify(k)}:${k === "metadata" ? (metadataJson ?? "{}") : JSON.stringify(v)}`)
    .join(",")}}`

const ctx = {
  publicUrl: "https://pay.example.com/",
  now: at(1),
  networks: NETWORKS,
  merchant: merchantWith("UQmerchantWallet"),
  families: FAMILIES,
}

const payment = (over: Partial<Payment> = {}): Payment => ({
  network: "ton",
  txHash: "abc",
  logIndex: 0,
  token: "USDT",
  tokenContract: "EQjetton",
  decimals: 6,
  amount: 25_000_000n,
  sender: "UQsender",
  recipient: "UQmerchantWallet",
  blockNumber: 1n,
  blockHash: "h",
  status: "confirmed",
  confirmations: 1,
  detectedAt: new Date("2026-04-04T12:04:40.500Z"),
  confirmedAt: new Date("2026-04-04T12:05:00Z"),
  ...over,
})

describe("toApiCheckout", () => {
  it("lists no held re-mined copy (status duplicate): it is the same money as a listed payment", () => {
    const held = payment({ logIndex: 4, blockHash: "h2", status: "duplicate", confirmedAt: null })
    const o = toApiCheckout(checkout({ status: "completed", payments: [payment(), held] }), ctx)
    expect(o.payments.map((p) => p.status)).toEqual(["confirmed"])
    expect(o.amount_paid).toBe("25.00")
  })

  it("renders a pending checkout with payment options for every enabled network of its mode", () => {
    const o = toApiCheckout(checkout(), ctx)
    expect(Schema.is(ApiCheckout)(o)).toBe(true)
    expect(o).toMatchObject({
      id: "chk_live_k3j9x2m1q8w7e5r4t6y0u2i9",
      status: "pending",
      amount: "25.00",
      currency: "USD",
      checkout_url: "https://pay.example.com/p/k3j9x2m1q8w7e5r4t6y0u2i9",
      payment: null,
      amount_paid: "0.00",
      payments: [],
      expires_at: "2026-04-04T12:30:00Z",
      created_at: "2026-04-04T12:00:00Z",
    })
    expect(o.payment_options).toEqual([
      {
        network: "ton",
        crypto_currency: "USDT",
        amount_crypto: "25.000000",
        address: "UQmerchantWallet",
        memo: "K7P2M9QX",
        uri: "ton://transfer/UQmerchantWallet?jetton=EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs&amount=25000000&text=K7P2M9QX",
      },
      {
        network: "tron",
        crypto_currency: "USDT",
        amount_crypto: "25.000000",
        address: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
        memo: null,
        uri: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
      },
      {
        network: "bsc",
        crypto_currency: "USDT",
        amount_crypto: "25.000000000000000000",
        address: "0x00000000000000000000000000000000000000aa",
        memo: null,
        uri: "ethereum:0x55d398326f99059fF775485246999027B3197955@56/transfer?address=0x00000000000000000000000000000000000000aa&uint256=25000000000000000000",
      },
    ])
  })

  it("leaves out networks without a deposit target or not enabled for the checkout", () => {
    const o = toApiCheckout(
      checkout({
        networks: ["ton", "bsc", "sepolia"],
        targets: {
          ...checkout().targets,
          entries: checkout().targets.entries.filter((t) => t.family !== "evm"),
        },
      }),
      { ...ctx, merchant: merchantWith(null) },
    )
    expect(o.payment_options).toEqual([])
  })

  it("reads an overdue pending checkout as expired", () => {
    expect(toApiCheckout(checkout(), { ...ctx, now: EXPIRES }).status).toBe("expired")
  })

  it("completed: payment is the latest counted one, amount_paid sums counted payments, late ones listed", () => {
    const c = checkout({
      status: "completed",
      payments: [
        payment(),
        payment({
          txHash: "late",
          status: "late",
          amount: 5_000_000n,
          confirmedAt: null,
          detectedAt: at(40),
        }),
      ],
    })
    const o = toApiCheckout(c, { ...ctx, now: at(41) })
    expect(o.payment).toEqual({
      amount_crypto: "25.000000",
      crypto_currency: "USDT",
      network: "ton",
      tx_hash: "abc",
      sender_address: "UQsender",
      confirmed_at: "2026-04-04T12:05:00Z",
    })
    expect(o.amount_paid).toBe("25.00")
    expect(o.payments.map((p) => [p.tx_hash, p.status, p.detected_at])).toEqual([
      ["abc", "confirmed", "2026-04-04T12:04:40Z"],
      ["late", "late", "2026-04-04T12:40:00Z"],
    ])
  })

  it("underpaid: payment options ask for what is still due", () => {
    const c = checkout({ status: "underpaid", payments: [payment({ amount: 10_000_000n })] })
    const o = toApiCheckout(c, ctx)
    expect(o.payment_options.map((p) => p.amount_crypto)).toEqual([
      "15.000000",
      "15.000000",
      "15.000000000000000000",
    ])
    expect(o.payment_options[0]?.uri).toContain("amount=15000000&")
    expect(o.amount_paid).toBe("10.00")
  })

  it("processing: payment has confirmed_at null", () => {
    const c = checkout({
      status: "processing",
      payments: [payment({ status: "detected", confirmedAt: null, confirmations: 0 })],
    })
    expect(toApiCheckout(c, ctx).payment?.confirmed_at).toBeNull()
  })

  it("latest counted payment ignores late and reverted ones", () => {
    expect(latestCountedPayment([payment({ status: "reverted" }), payment({ status: "late" })])).toBeNull()
    const a = payment({ txHash: "a", detectedAt: at(1) })
    const b = payment({ txHash: "b", detectedAt: at(2), status: "detected" })
    expect(latestCountedPayment([b, a])?.txHash).toBe("b")
  })
})

const SHARED_CACHE = makePaymentOptionsCache(4)

describe("renderCheckoutJson", () => {
  it("an options cache answers a checkout read again, until its options change; the oldest entry goes first", () => {
    const writes: Array<string> = []
    const inner = makePaymentOptionsCache(2)
    const cache = {
      get: inner.get,
      set: (id: string, stamp: string, c: Parameters<typeof inner.set>[2], json: string) => {
        writes.push(id)
        inner.set(id, stamp, c, json)
      },
    }
    const c = checkout()
    const first = renderCheckoutJson(c, { ...ctx, optionsCache: cache })
    expect(renderCheckoutJson(c, { ...ctx, optionsCache: cache })).toBe(first)
    expect(writes).toEqual([c.id])
    // Another payout wallet: other options, written again.
    const moved = { ...ctx, merchant: merchantWith("UQotherWallet"), optionsCache: cache }
    const other = renderCheckoutJson(c, moved)
    expect(other).not.toBe(first)
    expect(other).toBe(renderCheckoutJson(c, { ...ctx, merchant: merchantWith("UQotherWallet") }))
    expect(writes).toEqual([c.id, c.id])
    // Underpaid: the amount still due, written again for each amount paid.
    const part = checkout({ status: "underpaid", payments: [payment({ amount: 5_000_000n })] })
    const due = renderCheckoutJson(part, moved)
    expect(JSON.parse(due).payment_options[0].amount_crypto).toBe("20.000000")
    expect(writes).toHaveLength(3)
    // Capacity 2: a third checkout drops the oldest.
    renderCheckoutJson({ ...c, id: "chk_live_bbbbbbbbbbbbbbbbbbbbbbbb" }, moved)
    renderCheckoutJson({ ...c, id: "chk_live_cccccccccccccccccccccccc" }, moved)
    renderCheckoutJson(part, moved)
    expect(writes).toHaveLength(6)
  })

  it("a JSON cache answers the same checkout object again, until what it renders with changes", () => {
    const cache = makeCheckoutJsonCache()
    let writes = 0
    const counted = {
      get: cache.get,
      set: (...args: Parameters<typeof cache.set>) => {
        writes++
        cache.set(...args)
      },
    }
    const c = checkout()
    const plain = renderCheckoutJson(c, ctx)
    expect(renderCheckoutJson(c, { ...ctx, jsonCache: counted })).toBe(plain)
    expect(renderCheckoutJson(c, { ...ctx, jsonCache: counted })).toBe(plain)
    expect(writes).toBe(1)
    // An equal merchant read again (another object, as after a key-cache refresh): still answered.
    const again = { ...ctx.merchant, payoutKeys: { ...ctx.merchant.payoutKeys } }
    expect(renderCheckoutJson(c, { ...ctx, merchant: again, jsonCache: counted })).toBe(plain)
    expect(writes).toBe(1)
    // Each of these renders anew, and renders what an uncached render does.
    // (A new name is the payee of options that carry one, none here; other networks by identity: the
    // configuration was read again, to the same text here. Both render anew all the same.)
    const others: ReadonlyArray<readonly [typeof ctx, boolean]> = [
      [{ ...ctx, merchant: merchantWith("UQotherWallet") }, true],
      [{ ...ctx, merchant: { ...ctx.merchant, name: "Renamed" } }, false],
      [{ ...ctx, publicUrl: "https://other.example" }, true],
      [{ ...ctx, now: new Date(c.expiresAt.getTime() + 1) }, true],
      [{ ...ctx, networks: [...ctx.networks] }, false],
    ]
    for (const [o, changes] of others) {
      const text = renderCheckoutJson(c, { ...o, jsonCache: counted })
      expect(text).toBe(renderCheckoutJson(c, o))
      expect(text !== plain).toBe(changes)
    }
    expect(writes).toBe(others.length + 1)
    // The same data in another object is another entry: the store hands back one object per unchanged checkout.
    expect(renderCheckoutJson({ ...c, description: "other" }, { ...ctx, jsonCache: counted })).toBe(
      renderCheckoutJson({ ...c, description: "other" }, ctx),
    )
  })

  it("is the API object as JSON with the metadata text spliced in verbatim", () => {
    const c = checkout()
    const json = renderCheckoutJson(c, ctx)
    expect(json).toContain(`"metadata":{"order_id":"uuid-xxx","2":1,"1":"a"},`)
    expect(JSON.parse(json)).toEqual(toApiCheckout(c, ctx))
    expect(Object.keys(JSON.parse(json))).toEqual(Object.keys(ApiCheckout.fields))
  })

  it("renders {} when no metadata was sent", () => {
    const json = renderCheckoutJson(checkout({ metadataJson: null }), ctx)
    expect(json).toContain('"metadata":{},')
    expect(toApiCheckout(checkout({ metadataJson: null }), ctx).metadata).toEqual({})
  })

  it("renders the list response", () => {
    const list = {
      data: [checkout(), checkout({ id: "chk_live_aaaaaaaaaaaaaaaaaaaaaaaa" })],
      total: 7,
      limit: 2,
      offset: 0,
    }
    const json = renderCheckoutListJson(list, ctx)
    expect(JSON.parse(json)).toEqual(toApiCheckoutList(list, ctx))
    expect(Schema.is(ApiCheckoutList)(JSON.parse(json))).toBe(true)
    expect(json.split('"metadata":{"order_id":"uuid-xxx","2":1,"1":"a"}')).toHaveLength(3)
  })
})

describe("webhookEventBody", () => {
  it("wraps the checkout JSON untouched", () => {
    const checkoutJson = renderCheckoutJson(checkout(), ctx)
    const body = webhookEventBody({
      id: "evt_k3j9x2m1q8w7e5r4t6y0u2i9",
      type: "checkout.completed",
      createdAt: new Date("2026-04-04T12:05:01.250Z"),
      livemode: true,
      sequence: 2,
      checkoutJson,
    })
    expect(
      body.startsWith(
        '{"id":"evt_k3j9x2m1q8w7e5r4t6y0u2i9","type":"checkout.completed","created_at":"2026-04-04T12:05:01Z","livemode":true,"sequence":2,"data":{"object":{',
      ),
    ).toBe(true)
    expect(body.endsWith(`${checkoutJson}}}`)).toBe(true)
    const parsed = parseWebhookEventBody(body)
    expect(Schema.is(ApiWebhookEvent)(parsed)).toBe(true)
    expect(parsed.data.object.id).toBe("chk_live_k3j9x2m1q8w7e5r4t6y0u2i9")
    expect(parsed.sequence).toBe(2)
    expect(parsed.data.payment).toBeUndefined()
  })

  it("a payment event names its payment after the checkout (checkout.payment_reverted)", () => {
    const gone = payment({ status: "reverted", confirmedAt: null })
    const c = checkout({ status: "pending", payments: [gone] })
    const checkoutJson = renderCheckoutJson(c, ctx)
    const body = webhookEventBody({
      id: "evt_k3j9x2m1q8w7e5r4t6y0u2i9",
      type: "checkout.payment_reverted",
      createdAt: new Date("2026-04-04T12:05:01Z"),
      livemode: false,
      sequence: 3,
      checkoutJson,
      payment: gone,
    })
    expect(body).toContain(`"data":{"object":${checkoutJson},"payment":{`)
    const parsed = parseWebhookEventBody(body)
    expect(Schema.is(ApiWebhookEvent)(parsed)).toBe(true)
    expect(parsed.data.payment).toEqual(parsed.data.object.payments[0])
    expect(parsed.data.payment?.status).toBe("reverted")
    expect(parsed.data.object.status).toBe("pending")
    // an event stored before `sequence` existed still decodes; a sequence below 1 does not
    expect(Schema.is(ApiWebhookEvent)({ ...parsed, sequence: undefined })).toBe(true)
    expect(Schema.is(ApiWebhookEvent)({ ...parsed, sequence: 0 })).toBe(false)
  })
})

describe("toPublicStatus", () => {
  it("shows status, amount paid and confirmations x/N, never merchant data", () => {
    const c = checkout({
      status: "processing",
      payments: [payment({ status: "detected", confirmations: 0, confirmedAt: null, network: "tron" })],
    })
    const s = toPublicStatus(c, ctx)
    expect(s).toEqual({
      status: "processing",
      amount_paid: "25.00",
      confirmations: 0,
      required_confirmations: 19,
      expires_at: "2026-04-04T12:30:00Z",
    })
    expect(Schema.is(ApiPublicStatus)(s)).toBe(true)
    expect(toPublicStatus(checkout(), ctx)).toMatchObject({
      confirmations: null,
      required_confirmations: null,
    })
  })
})

describe("presenters over random checkouts", () => {
  const paymentArb = fc.record({
    txHash: fc.stringMatching(/^[0-9a-f]{4,8}$/),
    network: fc.constantFrom("ton", "tron", "bsc"),
    decimals: fc.constantFrom(6, 18),
    amount: fc.bigInt({ min: 0n, max: 10n ** 24n }),
    status: fc.constantFrom("detected" as const, "confirmed" as const, "late" as const, "reverted" as const),
    confirmations: fc.nat(50),
    detectedMin: fc.nat(100),
    confirmed: fc.boolean(),
  })
  const oddText = fc.oneof(fc.string(), fc.constantFrom('a"b', "c\\d", "é€😀", "\n\t", "x\u2028", "\u007f"))
  const checkoutArb = fc.record({
    status: fc.constantFrom(
      "pending" as const,
      "processing" as const,
      "completed" as const,
      "expired" as const,
      "underpaid" as const,
    ),
    amountCents: fc.bigInt({ min: 100n, max: 100_000_000n }),
    payments: fc.array(paymentArb, { maxLength: 4 }),
    metadata: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: null }),
    now: fc.nat(120),
    description: fc.option(fc.string(), { nil: null }),
    email: fc.option(fc.string(), { nil: null }),
    publicUrl: fc.constantFrom("https://pay.example.com", "https://pay.example.com/", "http://h:8080/x//"),
    // Deposit targets, TON wallet and a token symbol that need JSON escaping (quotes, backslashes, controls,
    // non-ASCII): the payment options then take JSON.stringify instead of the written-out text.
    odd: fc.option(
      fc.record({
        wallet: oddText,
        comment: oddText,
        evm: oddText,
        tron: oddText,
        symbol: oddText,
      }),
      { nil: null },
    ),
  })

  it("the rendered JSON is the API object, decodes with the ApiCheckout Schema, amounts are well-formed", () => {
    fc.assert(
      fc.property(checkoutArb, (g) => {
        let c = checkout({
          status: g.status,
          amountCents: g.amountCents,
          metadataJson: g.metadata === null ? null : JSON.stringify(g.metadata),
          description: g.description,
          customerEmail: g.email,
          payments: g.payments.map((p, i) =>
            payment({
              txHash: p.txHash,
              logIndex: i,
              network: p.network,
              decimals: p.decimals,
              amount: p.amount,
              status: p.status,
              confirmations: p.confirmations,
              detectedAt: at(p.detectedMin),
              confirmedAt: p.confirmed ? at(p.detectedMin + 1) : null,
            }),
          ),
        })
        const odd = g.odd
        if (odd !== null) {
          c = {
            ...c,
            targets: {
              ...c.targets,
              entries: [
                { family: "evm", address: odd.evm, memo: null },
                { family: "ton", address: null, memo: odd.comment },
                { family: "tron", address: odd.tron, memo: null },
              ],
            },
          }
        }
        const c2 = {
          ...ctx,
          now: at(g.now),
          publicUrl: g.publicUrl,
          ...(odd === null
            ? {}
            : {
                merchant: merchantWith(odd.wallet),
                networks: NETWORKS.map((n) =>
                  n.id === "ton" ? { ...n, tokens: n.tokens.map((t) => ({ ...t, symbol: odd.symbol })) } : n,
                ),
              }),
        }
        const json = renderCheckoutJson(c, c2)
        // The renderer writes exactly the text of a generic writer over the API object.
        expect(json).toBe(oracleJson(toApiCheckout(c, c2), c.metadataJson))
        // Through an options cache shared by every run (one checkout id, ever other data): the same text, kept
        // entries of other states never answer.
        expect(renderCheckoutJson(c, { ...c2, optionsCache: SHARED_CACHE })).toBe(json)
        expect(renderCheckoutJson(c, { ...c2, optionsCache: SHARED_CACHE })).toBe(json)
        const moved = {
          ...c,
          targets: {
            ...c.targets,
            entries: c.targets.entries.map((e) =>
              e.address === null ? e : { ...e, address: `${e.address}0` },
            ),
          },
        }
        expect(renderCheckoutJson(moved, { ...c2, optionsCache: SHARED_CACHE })).toBe(
          renderCheckoutJson(moved, c2),
        )
        // Through a JSON cache: the same object renders the same text, also once read at another time.
        const jsonCache = makeCheckoutJsonCache()
        expect(renderCheckoutJson(c, { ...c2, jsonCache })).toBe(json)
        expect(renderCheckoutJson(c, { ...c2, jsonCache })).toBe(json)
        const later = { ...c2, now: new Date(c.expiresAt.getTime() + 1) }
        expect(renderCheckoutJson(c, { ...later, jsonCache })).toBe(renderCheckoutJson(c, later))
        expect(renderCheckoutJson(c, { ...c2, jsonCache })).toBe(json)
        const parsed = JSON.parse(json)
        expect(parsed).toEqual(toApiCheckout(c, c2))
        if (odd === null) expect(Schema.decodeUnknownEither(ApiCheckout)(parsed)._tag).toBe("Right")
        if (c.metadataJson !== null) expect(json).toContain(`"metadata":${c.metadataJson},"customer_email"`)
        if (parsed.status === "pending" || parsed.status === "expired") expect(parsed.payment).toBeNull()
        expect(parsed.payments).toHaveLength(g.payments.length)
        expect(parsed.payment_options).toHaveLength(3)
      }),
      { numRuns: 400 },
    )
  })
})
