import { describe, expect, it } from "@effect/vitest"
import { Either, JSONSchema, Schema } from "effect"
import fc from "fast-check"
import {
  ApiCheckout,
  ApiCheckoutList,
  ApiErrorBody,
  ApiPublicStatus,
  ApiValidationError,
  ApiWebhookEvent,
  apiErrorBody,
  CreateCheckoutRequest,
  codePointLength,
  formatTimestamp,
  hostAllowed,
  hostPatternProblem,
  isPlausibleEmail,
  ListCheckoutsQuery,
  metadataByteLength,
  parseIsoTimestamp,
  validateCreateCheckout,
  validateListQuery,
  VALIDATION_CODES,
  validationErrorBody,
} from "../src/api.js"
import { formatCents } from "../src/money.js"

const LIVE = { mode: "live" as const, minCents: 100n, maxCents: 100_000_000n }
const TEST = { mode: "test" as const, minCents: 100n, maxCents: 100_000_000n }
const base = { amount: "25.00", currency: "USD" }

const err = (body: unknown, ctx: Parameters<typeof validateCreateCheckout>[1] = TEST) => {
  const r = validateCreateCheckout(body, ctx)
  if (Either.isRight(r)) return null
  return { code: r.left.code, param: r.left.param }
}
const ok = (body: unknown, ctx: Parameters<typeof validateCreateCheckout>[1] = TEST) => {
  const r = validateCreateCheckout(body, ctx)
  if (Either.isLeft(r)) throw new Error(`${r.left.code}: ${r.left.message}`)
  return r.right
}

describe("validateCreateCheckout", () => {
  it("accepts a minimal request with defaults", () => {
    expect(ok({ amount: "25", currency: "usd" })).toEqual({
      amountCents: 2500n,
      currency: "USD",
      description: null,
      metadataJson: null,
      customerEmail: null,
      redirectUrl: null,
      webhookUrl: null,
      expiresInSeconds: 1800,
    })
  })

  it("accepts a full request", () => {
    const r = ok(
      {
        ...base,
        description: "Order #12345",
        metadata: { order_id: "uuid-xxx", n: [1, { a: null }] },
        customer_email: "jane.doe+shop@example.co.uk",
        redirect_url: "https://yoursite.com/thank-you?x=1",
        webhook_url: "https://yoursite.com/hooks",
        expires_in: 3600,
      },
      LIVE,
    )
    expect(r.metadataJson).toBe('{"order_id":"uuid-xxx","n":[1,{"a":null}]}')
    expect(r.expiresInSeconds).toBe(3600)
    expect(r.redirectUrl).toBe("https://yoursite.com/thank-you?x=1")
  })

  it("body must be an object", () => {
    for (const b of [null, [], "x", 1, true]) expect(err(b)).toEqual({ code: "invalid_json", param: null })
  })

  it("unknown top-level fields → parameter_unknown (before anything else)", () => {
    expect(err({ amount: 25, currency: "USD", foo: 1 })).toEqual({ code: "parameter_unknown", param: "foo" })
    expect(err(JSON.parse('{"amount":"1","currency":"USD","__proto__":{}}'))).toEqual({
      code: "parameter_unknown",
      param: "__proto__",
    })
  })

  it("missing required fields → parameter_missing", () => {
    expect(err({ currency: "USD" })).toEqual({ code: "parameter_missing", param: "amount" })
    expect(err({ amount: "1" })).toEqual({ code: "parameter_missing", param: "currency" })
  })

  it.each([
    ["0.99", "amount_too_small"],
    ["1", null],
    ["1.00", null],
    ["1000000.00", null],
    ["1000000.01", "amount_too_large"],
    ["1.005", "amount_invalid"],
    ["-1", "amount_invalid"],
    ["1e3", "amount_invalid"],
    [" 5", "amount_invalid"],
    ["05", "amount_invalid"],
    ["", "amount_invalid"],
  ])("amount %j → %s", (amount, code) => {
    expect(err({ ...base, amount })?.code ?? null).toBe(code)
  })

  it("a JSON number (or anything not a string) for amount is rejected", () => {
    expect(err({ ...base, amount: 25 })).toEqual({ code: "amount_invalid", param: "amount" })
    expect(err({ ...base, amount: null })).toEqual({ code: "amount_invalid", param: "amount" })
  })

  it("honours the operator's minimum and maximum", () => {
    const ctx = { mode: "test" as const, minCents: 500n, maxCents: 1000n }
    expect(err({ ...base, amount: "4.99" }, ctx)?.code).toBe("amount_too_small")
    expect(err({ ...base, amount: "10.01" }, ctx)?.code).toBe("amount_too_large")
    expect(err({ ...base, amount: "10" }, ctx)).toBeNull()
  })

  it("currency: USD in any letter case only", () => {
    expect(ok({ ...base, currency: "uSd" }).currency).toBe("USD")
    for (const c of ["EUR", "USDT", "", 1, "uſd"])
      expect(err({ ...base, currency: c })).toEqual({ code: "currency_unsupported", param: "currency" })
  })

  it("description: 256 code points ok, 257 too long (astral characters count once)", () => {
    expect(err({ ...base, description: "a".repeat(256) })).toBeNull()
    expect(err({ ...base, description: "a".repeat(257) })?.code).toBe("description_too_long")
    const emoji = "😀".repeat(256) // 512 UTF-16 units, 256 code points
    expect(codePointLength(emoji)).toBe(256)
    expect(err({ ...base, description: emoji })).toBeNull()
    expect(err({ ...base, description: `${emoji}x` })?.code).toBe("description_too_long")
    expect(err({ ...base, description: 5 })?.code).toBe("description_invalid")
    expect(ok({ ...base, description: null }).description).toBeNull()
  })

  it("metadata: 4096 bytes ok, 4097 too large (compact UTF-8 JSON)", () => {
    // {"k":"…"} is 8 bytes of framing
    const meta = (n: number) => ({ k: "x".repeat(n - 8) })
    expect(JSON.stringify(meta(4096)).length).toBe(4096)
    expect(err({ ...base, metadata: meta(4096) })).toBeNull()
    expect(err({ ...base, metadata: meta(4097) })).toEqual({ code: "metadata_too_large", param: "metadata" })
    // multi-byte characters count in bytes: "é" is 2 bytes
    expect(err({ ...base, metadata: { k: "é".repeat(2044) } })).toBeNull() // 8 + 4088
    expect(err({ ...base, metadata: { k: `${"é".repeat(2044)}x` } })?.code).toBe("metadata_too_large")
  })

  it("metadata must be an object: not array, string, number or null", () => {
    for (const m of [[], "x", 1, null, true])
      expect(err({ ...base, metadata: m })).toEqual({ code: "metadata_invalid", param: "metadata" })
  })

  it("with the raw body, metadata is kept byte-for-byte (integer-like keys keep their place)", () => {
    const raw = '{"amount":"25.00","currency":"USD","metadata":{ "b" : 1, "2": [1.50, "\\u00e9"], "1": {} }}'
    const r = ok(JSON.parse(raw), { ...TEST, rawBody: raw })
    expect(r.metadataJson).toBe('{"b":1,"2":[1.50,"\\u00e9"],"1":{}}')
    expect(JSON.stringify(JSON.parse(raw).metadata)).toBe('{"1":{},"2":[1.5,"é"],"b":1}')
  })

  it("with the raw body, repeated metadata keys are refused", () => {
    const raw = '{"amount":"25.00","currency":"USD","metadata":{"a":1,"a":2}}'
    expect(err(JSON.parse(raw), { ...TEST, rawBody: raw })).toEqual({
      code: "metadata_invalid",
      param: "metadata",
    })
  })

  it("with a raw body that disagrees with the parsed one, metadata is refused", () => {
    expect(err({ ...base, metadata: {} }, { ...TEST, rawBody: '{"metadata":[]}' })?.code).toBe(
      "metadata_invalid",
    )
    expect(err({ ...base, metadata: {} }, { ...TEST, rawBody: "not json" })?.code).toBe("metadata_invalid")
    const deep = `{"amount":"5","currency":"USD","metadata":{"a":${"[".repeat(100)}${"]".repeat(100)}}}`
    expect(err(JSON.parse(deep), { ...TEST, rawBody: deep })?.code).toBe("metadata_invalid")
  })

  it("metadata's limit counts decoded characters: escaped and raw non-ASCII count the same bytes", () => {
    // {"k":"…"} is 8 bytes of framing; é is 2 bytes of UTF-8, 6 bytes as the escape \u00e9
    const body = (value: string) => `{"amount":"25.00","currency":"USD","metadata":{"k":"${value}"}}`
    const check = (raw: string) => err(JSON.parse(raw), { ...TEST, rawBody: raw })
    expect(check(body("\\u00e9".repeat(700)))).toBeNull()
    expect(check(body("\\u00e9".repeat(2044)))).toBeNull() // 12 264 bytes as sent, 4096 counted
    expect(check(body("\\u00e9".repeat(2045)))).toEqual({ code: "metadata_too_large", param: "metadata" })
    expect(check(body("é".repeat(2044)))).toBeNull()
    expect(check(body(`${"é".repeat(2044)}x`))?.code).toBe("metadata_too_large")
    // numbers count as sent (not as JSON.stringify would re-write 1e9), escapes JSON requires as JSON.stringify writes them
    expect(metadataByteLength(`{"k":[${Array(1022).fill("1e9").join(",")}]}`)).toBe(4095)
    expect(metadataByteLength('{"k":"\\u000a\\n\\u0001\\"\\/\\ud83d\\ude00\\ud800"}')).toBe(
      '{"k":"\\n\\n\\u0001\\"/😀\\ud800"}'.length + 2, // 😀: 2 UTF-16 units, 4 bytes
    )
    // the stored text stays as sent
    expect(ok(JSON.parse(body("\\u00e9")), { ...TEST, rawBody: body("\\u00e9") }).metadataJson).toBe(
      '{"k":"\\u00e9"}',
    )
  })

  it("a repeated top-level parameter is refused, like a repeated metadata key", () => {
    const raw = '{"amount":"25.00","currency":"USD","amount":"1000.00"}'
    expect(err(JSON.parse(raw), { ...TEST, rawBody: raw })).toEqual({
      code: "parameter_duplicate",
      param: "amount",
    })
    // an escaped spelling of the same name is the same name
    const escaped = '{"amount":"25.00","currency":"USD","descr\\u0069ption":"a","description":"b"}'
    expect(err(JSON.parse(escaped), { ...TEST, rawBody: escaped })?.param).toBe("description")
    // the same name in different objects is no repeat
    const nested = '{"amount":"25.00","currency":"USD","metadata":{"amount":"1"}}'
    expect(err(JSON.parse(nested), { ...TEST, rawBody: nested })).toBeNull()
  })

  it("description refuses control and bidirectional formatting characters; metadata keeps them", () => {
    for (const bad of [
      "a\u001b[31mb",
      "a\rb",
      "a\nb",
      "a\tb",
      "a\u007fb",
      "a\u0085b",
      "pay \u202egnp.exe",
      "\u2066x\u2069",
    ])
      expect(err({ ...base, description: bad }), JSON.stringify(bad)).toEqual({
        code: "description_invalid",
        param: "description",
      })
    expect(err({ ...base, description: "Café — 注文 #1 👍 \u200d ok" })).toBeNull()
    expect(err({ ...base, metadata: { note: "a\u001b\r\n\u202e" } })).toBeNull()
    expect(err({ ...base, customer_email: "a\u202eb@example.com" })?.code).toBe("customer_email_invalid")
  })

  it("customer_email: plausible, at most 254", () => {
    const long = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com` // 254
    expect(long.length).toBe(254)
    expect(err({ ...base, customer_email: long })).toBeNull()
    expect(err({ ...base, customer_email: `a${long}` })?.code).toBe("customer_email_invalid")
    for (const e of [
      "plain",
      "a@b",
      "a@@b.com",
      "a b@c.com",
      "@b.com",
      "a@.com",
      "a@b..com",
      ".a@b.com",
      "a..b@c.com",
      "a@-b.com",
      "a@b.c",
      42,
    ])
      expect(err({ ...base, customer_email: e })).toEqual({
        code: "customer_email_invalid",
        param: "customer_email",
      })
    for (const e of ["a@b.co", "first.last@sub.example.org", "x@xn--bcher-kva.example", "ü@bücher.de"])
      expect(isPlausibleEmail(e)).toBe(true)
  })

  it("redirect_url / webhook_url: absolute http(s), ≤ 2048, https in live mode", () => {
    for (const k of ["redirect_url", "webhook_url"]) {
      const code = `${k}_invalid`
      expect(err({ ...base, [k]: "http://localhost:3000/x" }, TEST)).toBeNull()
      expect(err({ ...base, [k]: "http://shop.example/x" }, LIVE)).toEqual({ code, param: k })
      expect(err({ ...base, [k]: "https://shop.example/x" }, LIVE)).toBeNull()
      const url2048 = `https://shop.example/${"a".repeat(2048 - 21)}`
      expect(url2048.length).toBe(2048)
      expect(err({ ...base, [k]: url2048 }, LIVE)).toBeNull()
      expect(err({ ...base, [k]: `${url2048}a` }, LIVE)).toEqual({ code, param: k })
      for (const bad of [
        "ftp://x.example",
        "/relative",
        "javascript:alert(1)",
        "https://",
        "http:x.example",
        "https://a b.example",
        "https://u:p@x.example",
        " https://x.example",
        7,
      ])
        expect(err({ ...base, [k]: bad }, TEST)).toEqual({ code, param: k })
    }
  })

  it("redirect_url / webhook_url: the merchant's host allow-lists (exact or *.suffix; empty = any)", () => {
    const merchant = {
      allowedRedirectHosts: ["shop.example", "*.pay.example"],
      allowedWebhookHosts: ["hooks.example"],
    }
    const ctx = { ...LIVE, merchant }
    const full = (body: unknown) => {
      const r = validateCreateCheckout(body, ctx)
      return Either.isLeft(r) ? r.left : null
    }
    expect(full({ ...base, redirect_url: "https://shop.example/thanks" })).toBeNull()
    expect(full({ ...base, redirect_url: "https://a.b.pay.example/x" })).toBeNull()
    expect(full({ ...base, redirect_url: "https://SHOP.example/x" })).toBeNull()
    for (const bad of [
      "https://evil.example/",
      "https://pay.example/",
      "https://shop.example.evil.example/",
      "https://evilpay.example/",
    ])
      expect(full({ ...base, redirect_url: bad })).toMatchObject({
        code: "redirect_url_invalid",
        param: "redirect_url",
        message: expect.stringContaining("restricts redirect hosts to shop.example, *.pay.example"),
      })
    expect(full({ ...base, webhook_url: "https://hooks.example/in" })).toBeNull()
    expect(full({ ...base, webhook_url: "https://shop.example/in" })).toMatchObject({
      code: "webhook_url_invalid",
      message: expect.stringContaining("restricts webhook hosts to hooks.example"),
    })
    // Empty lists (and merchants without the fields) allow any host, as before.
    const open = { ...LIVE, merchant: { allowedRedirectHosts: [], allowedWebhookHosts: [] } }
    expect(
      Either.isRight(validateCreateCheckout({ ...base, redirect_url: "https://any.example/" }, open)),
    ).toBe(true)
    expect(hostAllowed("https://any.example/", undefined)).toBe(true)
    for (const ok of ["shop.example", "*.example.com", "localhost", "xn--bcher-kva.example"])
      expect(hostPatternProblem(ok)).toBeNull()
    for (const bad of [
      "",
      "*.",
      "Shop.example",
      "*",
      "a..b",
      "https://x.example",
      "x.example/",
      "*x.example",
      "-a.example",
    ])
      expect(hostPatternProblem(bad)).not.toBeNull()
  })

  it.each([
    [299, "expires_in_invalid"],
    [300, null],
    [86400, null],
    [86401, "expires_in_invalid"],
    [1800.5, "expires_in_invalid"],
    ["1800", "expires_in_invalid"],
  ])("expires_in %j → %s", (v, code) => {
    expect(err({ ...base, expires_in: v })?.code ?? null).toBe(code)
  })

  it("the first violation wins, in the documented order", () => {
    expect(err({ amount: "x", currency: "EUR", description: "a".repeat(300) })?.code).toBe("amount_invalid")
    expect(err({ amount: "5", currency: "EUR", description: "a".repeat(300) })?.code).toBe(
      "currency_unsupported",
    )
  })

  it("errors serialize to the API error shape", () => {
    const e = new ApiValidationError({ code: "amount_invalid", param: "amount", message: "m" })
    const body = validationErrorBody(e)
    expect(body).toEqual({
      error: { type: "invalid_request_error", code: "amount_invalid", message: "m", param: "amount" },
    })
    expect(Schema.is(ApiErrorBody)(body)).toBe(true)
    expect(
      validationErrorBody(new ApiValidationError({ code: "invalid_json", param: null, message: "m" })).error,
    ).not.toHaveProperty("param")
    expect(apiErrorBody("not_found_error", "resource_missing", "No such checkout")).toEqual({
      error: { type: "not_found_error", code: "resource_missing", message: "No such checkout" },
    })
  })

  it("the CreateCheckoutRequest Schema agrees with the validator on valid and invalid bodies", () => {
    const is = Schema.is(CreateCheckoutRequest)
    expect(is({ amount: "25", currency: "usd", expires_in: 300, metadata: { a: 1 } })).toBe(true)
    expect(is({ amount: 25, currency: "USD" })).toBe(false)
    expect(is({ amount: "25", currency: "EUR" })).toBe(false)
    expect(is({ amount: "25", currency: "USD", expires_in: 299 })).toBe(false)
    expect(is({ amount: "25", currency: "USD", description: "a".repeat(257) })).toBe(false)
    expect(is({ amount: "25", currency: "USD", redirect_url: "ftp://x" })).toBe(false)
  })
})

describe("validateListQuery", () => {
  const ok = (q: Parameters<typeof validateListQuery>[0]) => {
    const r = validateListQuery(q)
    if (Either.isLeft(r)) throw new Error(r.left.code)
    return r.right
  }
  const code = (q: Parameters<typeof validateListQuery>[0]) => {
    const r = validateListQuery(q)
    return Either.isLeft(r) ? [r.left.code, r.left.param] : null
  }

  it("defaults", () => {
    expect(ok({})).toEqual({ status: null, limit: 20, offset: 0, createdAfter: null, createdBefore: null })
  })

  it("parses every parameter (URLSearchParams or a record)", () => {
    expect(
      ok(
        new URLSearchParams(
          "status=underpaid&limit=100&offset=40&created_after=2026-04-04T12:00:00Z&created_before=2026-04-05",
        ),
      ),
    ).toEqual({
      status: "underpaid",
      limit: 100,
      offset: 40,
      createdAfter: new Date("2026-04-04T12:00:00Z"),
      createdBefore: new Date("2026-04-05T00:00:00Z"),
    })
    expect(ok({ limit: "1", status: undefined }).limit).toBe(1)
  })

  it("refuses bad values, naming the parameter", () => {
    expect(code({ status: "paid" })).toEqual(["status_invalid", "status"])
    expect(code({ limit: "0" })).toEqual(["limit_invalid", "limit"])
    expect(code({ limit: "101" })).toEqual(["limit_invalid", "limit"])
    expect(code({ limit: "1.5" })).toEqual(["limit_invalid", "limit"])
    expect(code({ limit: "-1" })).toEqual(["limit_invalid", "limit"])
    expect(code({ limit: ["5", "6"] })).toEqual(["limit_invalid", "limit"])
    expect(code({ offset: "-1" })).toEqual(["offset_invalid", "offset"])
    expect(code({ offset: "abc" })).toEqual(["offset_invalid", "offset"])
    expect(code({ created_after: "yesterday" })).toEqual(["created_after_invalid", "created_after"])
    expect(code({ created_before: "2026-02-30" })).toEqual(["created_before_invalid", "created_before"])
    expect(code({ page: "2" })).toEqual(["parameter_unknown", "page"])
  })

  it("parses ISO 8601 timestamps with offsets, fractions and dates", () => {
    expect(parseIsoTimestamp("2026-04-04T14:00:00+02:00")?.toISOString()).toBe("2026-04-04T12:00:00.000Z")
    expect(parseIsoTimestamp("2026-04-04T12:00:00.123456Z")?.toISOString()).toBe("2026-04-04T12:00:00.123Z")
    expect(parseIsoTimestamp("2026-04-04T12:00-0530")?.toISOString()).toBe("2026-04-04T17:30:00.000Z")
    expect(parseIsoTimestamp("2026-04-04T12:00:00")?.toISOString()).toBe("2026-04-04T12:00:00.000Z")
    expect(parseIsoTimestamp("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z")
    expect(parseIsoTimestamp("0050-01-01T00:00:00Z")?.getUTCFullYear()).toBe(50)
    for (const bad of [
      "2025-02-29",
      "2026-13-01",
      "2026-04-04T24:00:00Z",
      "2026-04-04T12:60Z",
      "2026-04-04T12:00:00+25:00",
      "1712232000",
      "",
    ])
      expect(parseIsoTimestamp(bad)).toBeNull()
  })

  it("the ListCheckoutsQuery Schema describes the wire strings", () => {
    expect(Schema.is(ListCheckoutsQuery)({ status: "pending", limit: "20" })).toBe(true)
    expect(Schema.is(ListCheckoutsQuery)({ status: "paid" })).toBe(false)
  })
})

describe("response Schemas", () => {
  it("format timestamps at second precision with Z", () => {
    expect(formatTimestamp(new Date("2026-04-04T12:05:00.999Z"))).toBe("2026-04-04T12:05:00Z")
    expect(formatTimestamp(new Date("0999-12-31T23:59:59Z"))).toBe("0999-12-31T23:59:59Z")
    expect(() => formatTimestamp(new Date(Number.NaN))).toThrow(RangeError)
  })

  it("format every date as toISOString does, without its milliseconds", () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => {
        expect(formatTimestamp(d)).toBe(`${d.toISOString().slice(0, 19)}Z`)
      }),
      { numRuns: 2000 },
    )
  })

  it("generate a JSON Schema (for the OpenAPI document) with identifiers", () => {
    for (const [s, id] of [
      [ApiCheckout, "Checkout"],
      [ApiCheckoutList, "CheckoutList"],
      [ApiErrorBody, "Error"],
      [ApiWebhookEvent, "WebhookEvent"],
      [CreateCheckoutRequest, "CreateCheckoutRequest"],
      [ApiPublicStatus, "PublicCheckoutStatus"],
    ] as const) {
      const js = JSONSchema.make(s as Schema.Schema<unknown, unknown>) as { $defs?: Record<string, unknown> }
      expect(Object.keys(js.$defs ?? {})).toContain(id)
      // duplicate `$id`s (Schema.Unknown's default) make JSON Schema validators refuse the OpenAPI document
      expect(JSON.stringify(js)).not.toContain("/schemas/unknown")
    }
  })
})

describe("validators never throw", () => {
  it("on any JSON-ish input, create and list validation return a value or a coded error", () => {
    fc.assert(
      fc.property(fc.anything(), fc.option(fc.string(), { nil: undefined }), (body, rawBody) => {
        const r = validateCreateCheckout(body, { mode: "live", rawBody })
        if (Either.isLeft(r)) expect(VALIDATION_CODES).toContain(r.left.code)
      }),
    )
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("status", "limit", "offset", "created_after", "created_before", "x"),
          fc.string(),
        ),
        (q) => {
          const r = validateListQuery(q)
          if (Either.isLeft(r)) expect(VALIDATION_CODES).toContain(r.left.code)
        },
      ),
    )
  })

  it("every amount between min and max round trips to cents, with 0, 1 or 2 decimals", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 100n, max: 100_000_000n }), (c) => {
        const two = formatCents(c)
        const variants = [
          two,
          ...(c % 10n === 0n ? [two.slice(0, -1)] : []),
          ...(c % 100n === 0n ? [two.slice(0, -3)] : []),
        ]
        for (const amount of variants) {
          const r = validateCreateCheckout({ amount, currency: "USD" }, TEST)
          expect(Either.isRight(r) && r.right.amountCents).toBe(c)
        }
        expect(err({ amount: `${two}0`, currency: "USD" })?.code).toBe("amount_invalid")
      }),
    )
  })
})
