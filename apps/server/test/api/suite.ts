/**
 * The HTTP API contract (docs/API.md), black-box over real HTTP, run against one backend.
 * One server per file (PGlite/Postgres start is the slow part); a fresh merchant wherever counts matter.
 */
import { EVM_PRESETS } from "@inzi/adapter-evm"
import { TRON_MAINNET, TRON_NILE } from "@inzi/adapter-tron"
import { ApiCheckout, ApiCheckoutList, type ChainEvent, CheckoutStore, MerchantStore } from "@inzi/core"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type ApiServer,
  type BackendName,
  CHECKOUT_ID_RE,
  CHECKOUT_KEYS,
  client,
  evmAddressAt,
  expectError,
  PUBLIC_URL,
  rawRequest,
  type Res,
  startApiServer,
  TIMESTAMP_RE,
  TON_TESTNET_MASTER,
  TON_WALLET,
  type TestMerchant,
  tronAddressAt,
} from "./harness.js"

const decodeCheckout = Schema.decodeUnknownSync(ApiCheckout)
const decodeList = Schema.decodeUnknownSync(ApiCheckoutList)
const BASE = "/api/v1"

export interface SuiteOptions {
  /** Run the tests that need concurrent transactions (real Postgres only; PGlite is one session). */
  readonly concurrency: boolean
}

export const apiSuite = (backend: BackendName, opts: SuiteOptions) =>
  describe(`HTTP API on ${backend}`, () => {
    let server: ApiServer
    let api: ReturnType<typeof client>
    beforeAll(async () => {
      server = await startApiServer(backend)
      api = client(server.url)
    }, 60_000)
    afterAll(async () => {
      await server?.close()
    })

    // ----------------------------------------------------------------------------------------- helpers

    const create = (key: string, body: unknown, headers?: Record<string, string>, path = BASE) =>
      api.post(`${path}/checkouts`, { key, body, ...(headers ? { headers } : {}) })
    const created = (r: Res) => {
      expect(r.status, r.text).toBe(201)
      const body = r.json()
      decodeCheckout(body)
      return body
    }
    const minimal = { amount: "25", currency: "USD" }
    const setRow = async (id: string, set: { expires_at?: Date; created_at?: Date }) => {
      const db = await server.db()
      const r = await db.updateTable("checkouts").set(set).where("id", "=", id).executeTakeFirst()
      expect(Number(r.numUpdatedRows)).toBe(1)
    }
    const apply = (network: string, mode: "live" | "test", required: number, events: ChainEvent[]) =>
      server.runtime.runPromise(
        Effect.flatMap(CheckoutStore, (s) =>
          s.applyChainEvents({
            network,
            mode,
            requiredConfirmations: required,
            events,
            cursor: null,
            now: new Date(),
          }),
        ),
      )
    let tx = 0
    const observed = (
      address: string,
      units: bigint,
      confirmations: number,
    ): ChainEvent & { _tag: "PaymentObserved" } => ({
      _tag: "PaymentObserved",
      network: "devnet",
      txHash: `0x${(++tx).toString(16).padStart(64, "0")}`,
      logIndex: 0,
      target: { kind: "address", address },
      token: "USDT",
      tokenContract: EVM_PRESETS.devnet.tokens[0].contract,
      decimals: 6,
      amount: units,
      sender: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      blockNumber: 100n + BigInt(tx),
      blockHash: `0x${"b".repeat(64)}`,
      confirmations,
      observedAt: new Date(),
    })

    // ------------------------------------------------------------------------------ create: validation

    describe("POST /checkouts validation (each rule at its boundary)", () => {
      let m: TestMerchant
      beforeAll(async () => {
        m = await server.merchant()
      })

      const bad = async (body: unknown, code: string, param?: string | null, key?: string) =>
        expectError(await create(key ?? m.test, body), 400, "invalid_request_error", code, param)

      it("amount: a decimal string with ≤ 2 decimals between 1.00 and 1000000.00", async () => {
        const accepted: Array<[string, string]> = [
          ["1", "1.00"],
          ["1.00", "1.00"],
          ["25", "25.00"],
          ["25.5", "25.50"],
          ["1000000.00", "1000000.00"],
          ["1000000", "1000000.00"],
        ]
        for (const [sent, returned] of accepted) {
          const c = created(await create(m.test, { amount: sent, currency: "USD" }))
          expect(c.amount, sent).toBe(returned)
        }
        await bad({ amount: "0.99", currency: "USD" }, "amount_too_small", "amount")
        await bad({ amount: "0", currency: "USD" }, "amount_too_small", "amount")
        await bad({ amount: "1000000.01", currency: "USD" }, "amount_too_large", "amount")
        for (const v of [
          "1.005",
          "-1",
          "01",
          "1.",
          ".5",
          "1e2",
          " 1",
          "1 ",
          "",
          "1,00",
          "+1",
          "0x10",
          "２５",
        ])
          await bad({ amount: v, currency: "USD" }, "amount_invalid", "amount")
        // a JSON number (even a valid amount) is rejected; so are other non-strings
        for (const v of [25, 25.5, true, null, ["25"], { v: "25" }])
          await bad({ amount: v, currency: "USD" }, "amount_invalid", "amount")
      })

      it("amount and currency are required", async () => {
        await bad({ currency: "USD" }, "parameter_missing", "amount")
        await bad({ amount: "25" }, "parameter_missing", "currency")
        await bad({}, "parameter_missing", "amount")
      })

      it("currency: USD in any letter case, returned upper-case; anything else is currency_unsupported", async () => {
        for (const v of ["usd", "Usd", "USD", "uSd"])
          expect(created(await create(m.test, { amount: "25", currency: v })).currency).toBe("USD")
        for (const v of ["EUR", "usdt", "US", "", " USD", "uſd", 840, null])
          await bad({ amount: "25", currency: v }, "currency_unsupported", "currency")
      })

      it("description: at most 256 characters (code points, not bytes or UTF-16 units)", async () => {
        const d256 = "d".repeat(256)
        expect(created(await create(m.test, { ...minimal, description: d256 })).description).toBe(d256)
        await bad({ ...minimal, description: "d".repeat(257) }, "description_too_long", "description")
        // 256 astral characters = 512 UTF-16 units = 1024 bytes: still 256 characters
        const e256 = "😀".repeat(256)
        expect(created(await create(m.test, { ...minimal, description: e256 })).description).toBe(e256)
        await bad({ ...minimal, description: "😀".repeat(257) }, "description_too_long", "description")
        await bad({ ...minimal, description: 5 }, "description_invalid", "description")
        // null means omitted
        expect(created(await create(m.test, { ...minimal, description: null })).description).toBeNull()
      })

      it("metadata: a JSON object of at most 4096 bytes as compact UTF-8 JSON", async () => {
        // {"k":"…"} is 8 bytes + the string
        const at = (n: number, ch = "x") => `{"k":"${ch.repeat(n)}"}`
        const body = (meta: string) => `{"amount":"25","currency":"USD","metadata":${meta}}`
        let r = await create(m.test, body(at(4088)))
        expect(created(r).metadata.k.length).toBe(4088)
        await bad(body(at(4089)), "metadata_too_large", "metadata")
        // bytes, not characters: é is 2 bytes in UTF-8
        created(await create(m.test, body(at(2044, "é"))))
        await bad(body(`{"k":"${"é".repeat(2044)}x"}`), "metadata_too_large", "metadata")
        // whitespace does not count (compact form): 4096 compact bytes with lots of blanks around
        r = await create(m.test, body(`{   "k"  :\n  "${"x".repeat(4088)}"   }`))
        expect(r.text).toContain(`"metadata":${at(4088)}`)
        created(r)
        for (const v of ["[]", '"x"', "null", "1", "true", '[{"a":1}]'])
          await bad(body(v), "metadata_invalid", "metadata")
        expect(created(await create(m.test, { ...minimal, metadata: {} })).metadata).toEqual({})
        // omitted metadata reads {}
        expect(created(await create(m.test, minimal)).metadata).toEqual({})
      })

      it("metadata: the size limit counts characters unescaped, numbers as sent (API.md)", async () => {
        // 700 × "\u00e9" is 4208 bytes as sent (and as returned, verbatim), 1408 counted: a client that escapes
        // non-ASCII (Python's json.dumps) gets the same room as one that does not
        const escaped = (n: number) => `{"k":"${"\\u00e9".repeat(n)}"}`
        const r = await create(m.test, `{"amount":"25","currency":"USD","metadata":${escaped(700)}}`)
        expect(r.status, r.text).toBe(201)
        expect(r.text).toContain(`"metadata":${escaped(700)}`)
        created(await create(m.test, `{"amount":"25","currency":"USD","metadata":${escaped(2044)}}`))
        await bad(
          `{"amount":"25","currency":"USD","metadata":${escaped(2045)}}`,
          "metadata_too_large",
          "metadata",
        )
        // 1e9 is 3 bytes as sent (4095 in all), counted as sent (not as the 10 bytes of a re-serialisation)
        const nums = `{"k":[${Array(1022).fill("1e9").join(",")}]}`
        expect(Buffer.byteLength(nums)).toBe(4095)
        const n = await create(m.test, `{"amount":"25","currency":"USD","metadata":${nums}}`)
        expect(n.status, n.text).toBe(201)
        expect(n.text).toContain(`"metadata":${nums}`)
      })

      it("a repeated top-level parameter is refused, like a repeated metadata key", async () => {
        await bad('{"amount":"25","currency":"USD","amount":"999"}', "parameter_duplicate", "amount")
        await bad(
          '{"amount":"25","currency":"USD","description":"a","descr\\u0069ption":"b"}',
          "parameter_duplicate",
          "description",
        )
      })

      it("description: control and bidirectional formatting characters are refused; metadata keeps them", async () => {
        for (const d of [
          "a\u001b[2Jb",
          "line\r\nbreak",
          "tab\there",
          "\u0085",
          "\u202eexe.pdf",
          "\u2067x\u2069",
        ])
          await bad({ ...minimal, description: d }, "description_invalid", "description")
        const meta = { note: "\u001b[31m\r\n\u202e" }
        expect(created(await create(m.test, { ...minimal, metadata: meta })).metadata).toEqual(meta)
      })

      it("the body must be sent as application/json (415 otherwise) and be valid UTF-8", async () => {
        const body = JSON.stringify(minimal)
        for (const type of [
          "application/json",
          "application/json; charset=utf-8",
          "Application/JSON;charset=UTF-8",
        ])
          created(
            await api.post(`${BASE}/checkouts`, { key: m.test, body, headers: { "content-type": type } }),
          )
        for (const type of [
          "text/plain",
          "application/x-www-form-urlencoded",
          "application/json; charset=latin1",
          "application/jsonx",
        ])
          expectError(
            await api.post(`${BASE}/checkouts`, { key: m.test, body, headers: { "content-type": type } }),
            415,
            "invalid_request_error",
            "unsupported_media_type",
          )
        // no Content-Type at all
        const none = await rawRequest(
          server.url,
          `POST ${BASE}/checkouts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${m.test}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        )
        expectError(none, 415, "invalid_request_error", "unsupported_media_type")
        // invalid UTF-8 (a lone continuation byte, an overlong encoding) is refused, not replaced by U+FFFD
        for (const bytes of [Buffer.from([0x80]), Buffer.from([0xc0, 0xaf])]) {
          const raw = Buffer.concat([
            Buffer.from('{"amount":"25","currency":"USD","description":"'),
            bytes,
            Buffer.from('"}'),
          ])
          const r = await rawRequest(
            server.url,
            Buffer.concat([
              Buffer.from(
                `POST ${BASE}/checkouts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${m.test}\r\nContent-Type: application/json\r\nContent-Length: ${raw.length}\r\nConnection: close\r\n\r\n`,
              ),
              raw,
            ]),
          )
          expectError(r, 400, "invalid_request_error", "invalid_json")
        }
      })

      it("metadata: a repeated key is refused (it could not come back exactly as sent)", async () => {
        await bad('{"amount":"25","currency":"USD","metadata":{"a":1,"a":2}}', "metadata_invalid", "metadata")
        await bad(
          '{"amount":"25","currency":"USD","metadata":{"o":{"x":1,"x":1}}}',
          "metadata_invalid",
          "metadata",
        )
      })

      it("customer_email: a plausible address of at most 254 characters", async () => {
        expect(
          created(await create(m.test, { ...minimal, customer_email: "buyer@example.com" })).customer_email,
        ).toBe("buyer@example.com")
        const local = "a".repeat(64)
        const email = (last: number) => `${local}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(last)}.com`
        expect(email(57).length).toBe(254)
        expect(created(await create(m.test, { ...minimal, customer_email: email(57) })).customer_email).toBe(
          email(57),
        )
        await bad({ ...minimal, customer_email: email(58) }, "customer_email_invalid", "customer_email")
        for (const v of [
          "not-an-email",
          "a@b",
          "@example.com",
          "a@@example.com",
          "a b@example.com",
          "a@example.com ",
          5,
        ])
          await bad({ ...minimal, customer_email: v }, "customer_email_invalid", "customer_email")
        expect(created(await create(m.test, { ...minimal, customer_email: null })).customer_email).toBeNull()
      })

      it("redirect_url / webhook_url: absolute http(s), ≤ 2048 characters, https in live mode", async () => {
        for (const field of ["redirect_url", "webhook_url"] as const) {
          const code = `${field}_invalid`
          // test mode allows http (local development)
          created(await create(m.test, { ...minimal, [field]: "http://localhost:3000/thanks" }))
          // live mode requires https
          await bad({ ...minimal, [field]: "http://shop.example/thanks" }, code, field, m.live)
          created(await create(m.live, { ...minimal, [field]: "https://shop.example/thanks" }))
          const u2048 = `https://shop.example/${"a".repeat(2048 - 21)}`
          expect(u2048.length).toBe(2048)
          created(await create(m.live, { ...minimal, [field]: u2048 }))
          await bad({ ...minimal, [field]: `${u2048}a` }, code, field, m.live)
          await bad({ ...minimal, [field]: `${u2048}a` }, code, field)
          for (const v of [
            "/thanks",
            "shop.example/thanks",
            "ftp://shop.example/x",
            "javascript:alert(1)",
            "https://",
            "https://exa mple.com/",
            7,
          ])
            await bad({ ...minimal, [field]: v }, code, field)
        }
        const c = created(
          await create(m.live, { ...minimal, redirect_url: "https://shop.example/thank-you?o=1" }),
        )
        expect(c.redirect_url).toBe("https://shop.example/thank-you?o=1")
        // webhook_url is accepted but not part of the checkout object
        expect(Object.keys(c)).not.toContain("webhook_url")
      })

      it("expires_in: integer seconds 300..86400, default 1800", async () => {
        const span = (c: { expires_at: string; created_at: string }) =>
          (Date.parse(c.expires_at) - Date.parse(c.created_at)) / 1000
        await bad({ ...minimal, expires_in: 299 }, "expires_in_invalid", "expires_in")
        expect(span(created(await create(m.test, { ...minimal, expires_in: 300 })))).toBe(300)
        expect(span(created(await create(m.test, { ...minimal, expires_in: 86400 })))).toBe(86400)
        await bad({ ...minimal, expires_in: 86401 }, "expires_in_invalid", "expires_in")
        expect(span(created(await create(m.test, minimal)))).toBe(1800)
        for (const v of ["300", 300.5, -300, 0, true, [300]])
          await bad({ ...minimal, expires_in: v }, "expires_in_invalid", "expires_in")
      })

      it("an unknown top-level field is parameter_unknown, naming it", async () => {
        await bad({ ...minimal, foo: 1 }, "parameter_unknown", "foo")
        await bad({ ...minimal, Amount: "25" }, "parameter_unknown", "Amount")
        await bad({ ...minimal, metadata: {}, livemode: true }, "parameter_unknown", "livemode")
        // unknown fields are found before anything else is checked
        await bad({ amount: 25, extra: null }, "parameter_unknown", "extra")
        // nested unknown keys are metadata, not parameters
        created(await create(m.test, { ...minimal, metadata: { foo: 1 } }))
      })

      it("a body that is not JSON, or not a JSON object, is 400 invalid_json (without param)", async () => {
        for (const raw of [
          "{",
          "",
          "amount=25&currency=USD",
          '{"amount":"25",}',
          "[]",
          '[{"amount":"25","currency":"USD"}]',
          '"x"',
          "null",
          "25",
          "true",
          `${JSON.stringify(minimal)}x`,
        ])
          await bad(raw, "invalid_json", null)
      })

      it("a body over 16 KiB is 413 body_too_large; exactly 16 KiB is accepted", async () => {
        const json = JSON.stringify(minimal)
        const padded = (n: number) => json + " ".repeat(n - json.length)
        created(await create(m.test, padded(16 * 1024)))
        expectError(
          await create(m.test, padded(16 * 1024 + 1)),
          413,
          "invalid_request_error",
          "body_too_large",
        )
        // chunked (no Content-Length): counted while reading
        expectError(
          await api.post(`${BASE}/checkouts`, { key: m.test, body: padded(20_000), chunked: true }),
          413,
          "invalid_request_error",
          "body_too_large",
        )
        created(await api.post(`${BASE}/checkouts`, { key: m.test, body: padded(16 * 1024), chunked: true }))
        // a large body is refused without reading it all
        const t0 = performance.now()
        expectError(
          await create(m.test, padded(8 * 1024 * 1024)),
          413,
          "invalid_request_error",
          "body_too_large",
        )
        expect(performance.now() - t0).toBeLessThan(10_000)
        // the connection (keep-alive) still serves the next request
        created(await create(m.test, minimal))
      })

      it("a merchant without any usable network gets a 400 in the error shape", async () => {
        const bare = await server.merchant({ evm: false, tron: false, ton: false })
        expectError(await create(bare.test, minimal), 400, "invalid_request_error")
      })

      it("Idempotency-Key: at most 255 characters", async () => {
        created(await create(m.test, minimal, { "idempotency-key": "k".repeat(255) }))
        expectError(
          await create(m.test, minimal, { "idempotency-key": "k".repeat(256) }),
          400,
          "invalid_request_error",
        )
      })
    })

    // --------------------------------------------------------------------------------- checkout object

    describe("the checkout object", () => {
      it("test mode: id, amount, currency, urls, timestamps, options for every enabled network", async () => {
        const m = await server.merchant()
        const before = Math.floor(Date.now() / 1000) * 1000
        const r = await create(m.test, {
          amount: "25",
          currency: "usd",
          description: "Order #12345",
          metadata: { order_id: "uuid-xxx", user_id: "uuid-yyy" },
          customer_email: "buyer@example.com",
          redirect_url: "http://localhost:5173/thanks",
        })
        const c = created(r)
        const after = Date.now()
        expect(Object.keys(c)).toEqual(CHECKOUT_KEYS)
        expect(c.id).toMatch(CHECKOUT_ID_RE)
        expect(c.id.startsWith("chk_test_")).toBe(true)
        expect(c.status).toBe("pending")
        expect(c.amount).toBe("25.00")
        expect(c.currency).toBe("USD")
        expect(c.description).toBe("Order #12345")
        expect(c.metadata).toEqual({ order_id: "uuid-xxx", user_id: "uuid-yyy" })
        expect(c.customer_email).toBe("buyer@example.com")
        expect(c.redirect_url).toBe("http://localhost:5173/thanks")
        expect(c.checkout_url).toBe(`${PUBLIC_URL}/p/${c.id.slice("chk_test_".length)}`)
        expect(c.checkout_url).toMatch(/\/p\/[a-z0-9]{24}$/)
        expect(c.payment).toBeNull()
        expect(c.amount_paid).toBe("0.00")
        expect(c.payments).toEqual([])
        expect(c.created_at).toMatch(TIMESTAMP_RE)
        expect(c.expires_at).toMatch(TIMESTAMP_RE)
        expect(Date.parse(c.created_at)).toBeGreaterThanOrEqual(before)
        expect(Date.parse(c.created_at)).toBeLessThanOrEqual(after)
        expect(Date.parse(c.expires_at) - Date.parse(c.created_at)).toBe(1800_000)
        expect(String(r.headers["content-type"])).toMatch(/^application\/json/)
        expect(r.headers["idempotent-replayed"]).toBeUndefined()

        // deposit addresses: derived from the merchant's account xpubs at one index i
        const evm = c.payment_options[0].address as string
        expect(evm).toMatch(/^0x[0-9a-fA-F]{40}$/)
        const i = [...Array(8).keys()].find((n) => evmAddressAt(m.account, n) === evm.toLowerCase())
        expect(i, `${evm} is not derived from account ${m.account}`).toBeDefined()
        const tron = tronAddressAt(m.account, i!)
        const memo = c.payment_options[4].memo as string
        expect(memo).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8,10}$/)
        const [usdt, usdc, usdt18] = EVM_PRESETS.devnet.tokens
        expect(c.payment_options).toEqual([
          {
            network: "devnet",
            crypto_currency: "USDT",
            amount_crypto: "25.000000",
            address: evm,
            memo: null,
            uri: `ethereum:${usdt.contract}@31337/transfer?address=${evm}&uint256=25000000`,
          },
          {
            network: "devnet",
            crypto_currency: "USDC",
            amount_crypto: "25.000000",
            address: evm,
            memo: null,
            uri: `ethereum:${usdc.contract}@31337/transfer?address=${evm}&uint256=25000000`,
          },
          {
            network: "devnet",
            crypto_currency: "USDT18",
            amount_crypto: `25.${"0".repeat(18)}`,
            address: evm,
            memo: null,
            uri: `ethereum:${usdt18.contract}@31337/transfer?address=${evm}&uint256=25${"0".repeat(18)}`,
          },
          {
            network: "tron-nile",
            crypto_currency: "USDT",
            amount_crypto: "25.000000",
            address: tron,
            memo: null,
            uri: tron,
          },
          {
            network: "ton-testnet",
            crypto_currency: "USDT",
            amount_crypto: "25.000000",
            address: TON_WALLET,
            memo,
            uri: `ton://transfer/${TON_WALLET}?jetton=${TON_TESTNET_MASTER}&amount=25000000&text=${memo}`,
          },
        ])
        expect(TRON_NILE.tokens[0]!.symbol).toBe("USDT")

        // GET returns the very same bytes
        const g = await api.get(`${BASE}/checkouts/${c.id}`, { key: m.test })
        expect(g.status).toBe(200)
        expect(g.text).toBe(r.text)

        // the next checkout gets the next addresses and another memo
        const c2 = created(await create(m.test, minimal))
        expect(c2.id).not.toBe(c.id)
        const evm2 = c2.payment_options[0].address
        expect(evm2).not.toBe(evm)
        const j = [...Array(16).keys()].find((n) => evmAddressAt(m.account, n) === evm2.toLowerCase())
        expect(j).toBeDefined()
        expect(j).not.toBe(i)
        expect(c2.payment_options[3].address).toBe(tronAddressAt(m.account, j!))
        expect(c2.payment_options[4].memo).not.toBe(memo)
      })

      it("live mode: chk_live_ ids, options of the live networks only (EIP-681 with the chain id)", async () => {
        const m = await server.merchant()
        const c = created(await create(m.live, { amount: "1000000", currency: "USD" }))
        expect(c.id).toMatch(/^chk_live_[a-z0-9]{24}$/)
        expect(c.checkout_url).toBe(`${PUBLIC_URL}/p/${c.id.slice(9)}`)
        expect(c.amount).toBe("1000000.00")
        const evm = c.payment_options[0].address
        expect(
          c.payment_options.map(
            (o: { network: string; crypto_currency: string }) => `${o.network}/${o.crypto_currency}`,
          ),
        ).toEqual(["base/USDC", "tron/USDT", "ton/USDT"])
        expect(c.payment_options[0].uri).toBe(
          `ethereum:${EVM_PRESETS.base.tokens[0].contract}@8453/transfer?address=${evm}&uint256=1000000000000`,
        )
        expect(c.payment_options[1].network).toBe(TRON_MAINNET.id)
        expect(c.payment_options[2].uri).toMatch(
          new RegExp(
            `^ton://transfer/${TON_WALLET}\\?jetton=[^&]+&amount=1000000000000&text=[A-Z0-9]{8,10}$`,
          ),
        )
      })

      it("payment_options follow the merchant's enabled networks and given keys", async () => {
        const onlyDevnet = await server.merchant({ networks: { live: [], test: ["devnet"] } })
        const a = created(await create(onlyDevnet.test, minimal))
        expect([...new Set(a.payment_options.map((o: { network: string }) => o.network))]).toEqual(["devnet"])
        const noTon = await server.merchant({ ton: false })
        const b = created(await create(noTon.test, minimal))
        expect(b.payment_options.map((o: { network: string }) => o.network)).toEqual([
          "devnet",
          "devnet",
          "devnet",
          "tron-nile",
        ])
        const tonOnly = await server.merchant({ evm: false, tron: false })
        const t = created(await create(tonOnly.live, minimal))
        expect(t.payment_options).toHaveLength(1)
        expect(t.payment_options[0]).toMatchObject({ network: "ton", address: TON_WALLET })
      })

      it("metadata comes back byte-for-byte, in key order (create, get and list)", async () => {
        const m = await server.merchant()
        const meta = '{"z":1,"2":"x","a":{"k":[1,2]}}'
        const r = await create(m.test, `{"amount":"25","currency":"USD","metadata":${meta}}`)
        expect(r.status, r.text).toBe(201)
        expect(r.text).toContain(`"metadata":${meta}`)
        const id = r.json().id
        expect((await api.get(`${BASE}/checkouts/${id}`, { key: m.test })).text).toContain(
          `"metadata":${meta}`,
        )
        expect((await api.get(`${BASE}/checkouts`, { key: m.test })).text).toContain(`"metadata":${meta}`)

        // tokens kept verbatim (number spellings, escapes, unicode), whitespace removed
        const tokens =
          '{"n":1.50,"e":1E+2,"neg":-0,"u":"\\u00e9\\n\\/","emoji":"😀","t":true,"f":false,"nil":null,"deep":{"b":[{},[]],"a":""}}'
        const spaced = tokens.replace(/,/g, " ,\n ").replace(/:/g, " : ")
        const r2 = await create(m.test, `{ "amount" : "25",\n "metadata" : ${spaced} ,\t"currency":"USD" }`)
        expect(r2.status, r2.text).toBe(201)
        expect(r2.text).toContain(`"metadata":${tokens},`)
        const g2 = await api.get(`${BASE}/checkouts/${r2.json().id}`, { key: m.test })
        expect(g2.text).toContain(`"metadata":${tokens},`)
      })
    })

    // -------------------------------------------------------------------------------------------- auth

    describe("authentication", () => {
      it("missing, malformed, unknown or revoked keys are 401 authentication_error on every route", async () => {
        const m = await server.merchant()
        const revoked = await m.newKey("test")
        const c = created(await create(revoked, minimal))
        await server.revoke(revoked)
        const unknown = `sk_test_${"A".repeat(40)}`
        const headers: Array<string | undefined> = [
          undefined,
          "",
          "Bearer",
          "Bearer ",
          `Basic ${Buffer.from(`${m.test}:`).toString("base64")}`,
          m.test, // no scheme
          `Token ${m.test}`,
          `Bearer ${m.test} extra`,
          `Bearer ${m.test.slice(0, -20)}`, // too short (sk_test_ + 20)
          `Bearer ${m.test.replace("sk_test_", "sk_prod_")}`,
          `Bearer ${m.test.replace("sk_test_", "pk_test_")}`,
          `Bearer ${m.test}!`,
          `Bearer ${unknown}`,
          `Bearer ${revoked}`,
        ]
        const routes: Array<[string, string]> = [
          ["POST", `${BASE}/checkouts`],
          ["GET", `${BASE}/checkouts`],
          ["GET", `${BASE}/checkouts/${c.id}`],
          ["POST", "/v1/checkouts"],
          ["GET", "/v1/checkouts"],
          ["GET", `/v1/checkouts/${c.id}`],
        ]
        for (const [method, path] of routes)
          for (const h of headers) {
            const r = await api.req(method, path, {
              ...(h === undefined ? {} : { authorization: h }),
              ...(method === "POST" ? { body: minimal } : {}),
            })
            expectError(r, 401, "authentication_error")
            expect(r.text).not.toContain(m.test.slice(12))
            expect(r.text).not.toContain(revoked.slice(12))
          }
        // authentication comes before validation: a bad body with a bad key is still 401
        expectError(await api.post(`${BASE}/checkouts`, { body: "{" }), 401, "authentication_error")
        expectError(
          await api.post(`${BASE}/checkouts`, { key: unknown, body: { foo: 1 } }),
          401,
          "authentication_error",
        )
        // the revoked key's merchant still works with its other keys, and the checkout is still there
        expect((await api.get(`${BASE}/checkouts/${c.id}`, { key: m.test })).status).toBe(200)
      })
    })

    // --------------------------------------------------------------------------------------- isolation

    describe("merchant and mode isolation (404, never 403)", () => {
      it("another merchant's or another mode's checkout is 404, identical to a missing one", async () => {
        const a = await server.merchant()
        const b = await server.merchant()
        const aTest = created(await create(a.test, minimal))
        const aLive = created(await create(a.live, minimal))
        const missing = await api.get(`${BASE}/checkouts/chk_test_${"0".repeat(24)}`, { key: a.test })
        const e = expectError(missing, 404, "not_found_error")
        const probes: Array<[string, string]> = [
          [b.test, aTest.id],
          [b.live, aLive.id],
          [b.live, aTest.id],
          [a.live, aTest.id], // same merchant, other mode
          [a.test, aLive.id],
          [a.live, `chk_live_${aTest.id.slice(9)}`], // the test token under the live prefix
          [a.test, `chk_test_${aLive.id.slice(9)}`],
        ]
        for (const [key, id] of probes) {
          for (const base of [BASE, "/v1"]) {
            const r = await api.get(`${base}/checkouts/${id}`, { key })
            expect(expectError(r, 404, "not_found_error")).toEqual(e)
            expect(r.text).toBe(missing.text)
          }
        }
        // malformed ids are 404 too
        for (const id of ["nope", "chk_test_", aTest.id.toUpperCase(), `${aTest.id}x`, "%00"])
          expectError(await api.get(`${BASE}/checkouts/${id}`, { key: a.test }), 404, "not_found_error")
        // lists show only the key's merchant and mode
        const listIds = async (key: string) =>
          (await api.get(`${BASE}/checkouts?limit=100`, { key })).json().data.map((c: { id: string }) => c.id)
        expect(await listIds(a.test)).toEqual([aTest.id])
        expect(await listIds(a.live)).toEqual([aLive.id])
        expect(await listIds(b.test)).toEqual([])
        expect((await api.get(`${BASE}/checkouts`, { key: b.live })).json().total).toBe(0)
        // and the owner still sees both
        expect((await api.get(`${BASE}/checkouts/${aTest.id}`, { key: a.test })).status).toBe(200)
        expect((await api.get(`${BASE}/checkouts/${aLive.id}`, { key: a.live })).status).toBe(200)
      })
    })

    describe("GET one: the key cache's fast path", () => {
      it("answers exactly as the full route: a key's first read (cache miss) and its next ones (hit)", async () => {
        const a = await server.merchant()
        const b = await server.merchant()
        const mine = created(await create(a.test, { ...minimal, metadata: { z: 1, a: [1, 2] } }))
        const other = created(await create(b.test, minimal))
        const live = created(await create(a.live, minimal))
        const revoked = await a.newKey("test")
        await server.revoke(revoked)
        const shape = (r: Res) => {
          const { date: _date, "x-request-id": requestId, ...headers } = r.headers
          expect(requestId).toMatch(/^req_/)
          return { status: r.status, headers, text: r.text }
        }
        const probes: Array<[() => Promise<string>, string, number]> = [
          [() => a.newKey("test"), mine.id, 200],
          [() => a.newKey("test"), other.id, 404],
          [() => a.newKey("test"), live.id, 404],
          [() => a.newKey("test"), "chk_test_nope", 404],
          [() => a.newKey("live"), live.id, 200],
          [async () => revoked, mine.id, 401],
        ]
        for (const [key, id, status] of probes) {
          const k = await key()
          const first = shape(await api.get(`${BASE}/checkouts/${id}`, { key: k }))
          expect(first.status, first.text).toBe(status)
          for (let i = 0; i < 3; i++)
            expect(shape(await api.get(`${BASE}/checkouts/${id}`, { key: k }))).toEqual(first)
        }
      })
    })

    describe("POST /checkouts on a pooled deposit slot (the fiber-less create)", () => {
      /** The checkout object without what differs between two creates (ids, addresses, memo, times). */
      const shape = (c: Record<string, unknown>) => ({
        ...c,
        id: "-",
        checkout_url: "-",
        expires_at: "-",
        created_at: "-",
        payment_options: (c.payment_options as Array<Record<string, unknown>>).map((o) => ({
          ...o,
          address: "-",
          memo: o.memo === null ? null : "-",
          uri: "-",
        })),
      })
      /**
       * A merchant whose test key the server's key cache holds (a key's first request misses the cache and takes
       * the Effect route, which fills it): the creates below take the fiber-less path.
       */
      const cachedMerchant = async (o?: Parameters<ApiServer["merchant"]>[0]) => {
        const m = await server.merchant(o)
        expect((await api.get(`${BASE}/checkouts`, { key: m.test })).status).toBe(200)
        return m
      }
      /** Each checkout's derivation index and EVM and Tron addresses, as stored (one row per family). */
      const targetsOf = async (ids: ReadonlyArray<string>) => {
        const rows = await (await server.db())
          .selectFrom("deposit_targets")
          .select(["checkout_id", "derivation_index", "family", "address"])
          .where("checkout_id", "in", ids)
          .execute()
        return ids.map((id) => {
          const of = rows.filter((r) => r.checkout_id === id)
          return {
            checkout_id: id,
            derivation_index: of[0]?.derivation_index,
            evm_address: of.find((r) => r.family === "evm")?.address ?? null,
            tron_address: of.find((r) => r.family === "tron")?.address ?? null,
          }
        })
      }

      it("takes the lowest slot: the addresses derived at its index, the slot gone, the object an inline create gives", async () => {
        const m = await cachedMerchant()
        await server.fillPool(m.id, 3)
        const before = await server.poolIndices(m.id)
        expect(before).toHaveLength(3)
        const body = {
          ...minimal,
          description: "pooled <b>",
          metadata: { z: 1, a: [true, null] },
          expires_in: 900,
        }
        const r = await create(m.test, body)
        const c = created(r)
        expect(await server.poolIndices(m.id)).toEqual(before.slice(1))
        const i = Number(before[0])
        expect(c.payment_options[0].address.toLowerCase()).toBe(evmAddressAt(m.account, i))
        expect(c.payment_options[3].address).toBe(tronAddressAt(m.account, i))
        expect(r.text).toContain('"metadata":{"z":1,"a":[true,null]}')
        // GET returns the very same bytes
        expect((await api.get(`${BASE}/checkouts/${c.id}`, { key: m.test })).text).toBe(r.text)
        // a merchant without a pool gets the same object from the inline path
        const inline = created(await create((await server.merchant()).test, body))
        expect(shape(c)).toEqual(shape(inline))
        expect(Object.keys(c)).toEqual(Object.keys(inline))
      })

      it("a burst larger than the pool: every create answers 201 with addresses of its own index", async () => {
        const m = await cachedMerchant()
        await server.fillPool(m.id, 3)
        const pooled = await server.poolIndices(m.id)
        const rs = await Promise.all([...Array(8).keys()].map(() => create(m.test, minimal)))
        const ids = rs.map((r) => created(r).id as string)
        expect(await server.poolIndices(m.id)).toEqual([])
        const targets = await targetsOf(ids)
        expect(targets).toHaveLength(8)
        const indices = targets.map((t) => BigInt(t.derivation_index as string | number | bigint))
        expect(new Set(indices).size).toBe(8)
        // the three pooled slots were all used; the rest derived at fresh indices
        for (const p of pooled) expect(indices).toContain(p)
        for (const t of targets) {
          const index = Number(t.derivation_index)
          expect(t.evm_address?.toLowerCase()).toBe(evmAddressAt(m.account, index))
          expect(t.tron_address).toBe(tronAddressAt(m.account, index))
          const c = created(
            await api
              .get(`${BASE}/checkouts/${t.checkout_id}`, { key: m.test })
              .then((g) => ({ ...g, status: g.status === 200 ? 201 : g.status })),
          )
          expect(c.payment_options[3].address).toBe(t.tron_address)
        }
      })

      it("with an Idempotency-Key: the lowest slot, one checkout, the replay byte for byte", async () => {
        const m = await cachedMerchant()
        await server.fillPool(m.id, 2)
        const before = await server.poolIndices(m.id)
        const headers = { "idempotency-key": "pooled-1" }
        const first = await create(m.test, minimal, headers)
        const c = created(first)
        const again = await create(m.test, minimal, headers)
        expect(again.status).toBe(201)
        expect(again.headers["idempotent-replayed"]).toBe("true")
        expect(again.text).toBe(first.text)
        // The replay was answered from the key's record before a slot was drawn: one slot used, for one checkout.
        expect(await server.poolIndices(m.id)).toEqual(before.slice(1))
        expect((await api.get(`${BASE}/checkouts`, { key: m.test })).json().total).toBe(1)
        // A conflicting request with the key draws nothing either.
        const other = await create(m.test, { ...minimal, amount: "12.00" }, headers)
        expect(other.status).toBe(409)
        expect(other.json().error.code).toBe("idempotency_key_reused")
        expect(await server.poolIndices(m.id)).toEqual(before.slice(1))
        expect(c.payment_options[0].address.toLowerCase()).toBe(evmAddressAt(m.account, Number(before[0])))
      })

      it("a TON-only merchant takes no slot and still gets its memo", async () => {
        const m = await cachedMerchant({ evm: false, tron: false })
        const c = created(await create(m.test, minimal))
        expect(c.payment_options.map((o: { network: string }) => o.network)).toEqual(["ton-testnet"])
        expect(c.payment_options[0].memo).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8,10}$/)
      })
    })

    // ------------------------------------------------------------------------------------------ routes

    describe("routes", () => {
      it("unknown routes are 404 not_found_error in the error shape (with or without a key)", async () => {
        const m = await server.merchant()
        const paths: Array<[string, string]> = [
          ["GET", "/"],
          ["GET", "/api"],
          ["GET", "/api/v1"],
          ["GET", "/api/v1/"],
          ["GET", "/api/v1/nope"],
          ["GET", "/api/v2/checkouts"],
          ["GET", "/v2/checkouts"],
          ["GET", "/v1/nope"],
          ["POST", `${BASE}/checkouts/chk_test_${"a".repeat(24)}`],
          ["DELETE", `${BASE}/checkouts`],
          ["PUT", `${BASE}/checkouts/chk_test_${"a".repeat(24)}`],
          ["PATCH", `${BASE}/checkouts`],
          ["GET", `${BASE}/checkouts/a/b`],
          ["POST", "/healthz"],
          ["GET", "/api/v1/merchants"],
        ]
        for (const [method, path] of paths)
          for (const key of [undefined, m.test]) {
            const r = await api.req(method, path, key === undefined ? {} : { key })
            expectError(r, 404, "not_found_error")
          }
      })

      it("/v1 is an alias of /api/v1 (create, get, list)", async () => {
        const m = await server.merchant()
        const c = created(await create(m.test, minimal, undefined, "/v1"))
        const a = await api.get(`${BASE}/checkouts/${c.id}`, { key: m.test })
        const b = await api.get(`/v1/checkouts/${c.id}`, { key: m.test })
        expect(a.status).toBe(200)
        expect(b.text).toBe(a.text)
        const la = await api.get(`${BASE}/checkouts?limit=5`, { key: m.test })
        const lb = await api.get("/v1/checkouts?limit=5", { key: m.test })
        expect(la.status).toBe(200)
        expect(lb.text).toBe(la.text)
        expect(lb.json().total).toBe(1)
        expectError(
          await api.get("/v1/checkouts?limit=0", { key: m.test }),
          400,
          "invalid_request_error",
          "limit_invalid",
          "limit",
        )
      })
    })

    // ------------------------------------------------------------------------------------- idempotency

    describe("Idempotency-Key", () => {
      it("same key + same body replays the first response (status, body, Idempotent-Replayed) and creates nothing", async () => {
        const m = await server.merchant()
        const body = JSON.stringify({ ...minimal, metadata: { z: 1, "2": "x" } })
        const first = await create(m.test, body, { "idempotency-key": "order-1" })
        expect(first.status).toBe(201)
        expect(first.headers["idempotent-replayed"]).toBeUndefined()
        for (let i = 0; i < 3; i++) {
          const again = await create(m.test, body, { "idempotency-key": "order-1" })
          expect(again.status).toBe(201)
          expect(again.text).toBe(first.text)
          expect(again.headers["idempotent-replayed"]).toBe("true")
        }
        // also through the /v1 alias
        const alias = await create(m.test, body, { "idempotency-key": "order-1" }, "/v1")
        expect(alias.status).toBe(201)
        expect(alias.text).toBe(first.text)
        expect((await api.get(`${BASE}/checkouts`, { key: m.test })).json().total).toBe(1)
        // another key creates another checkout; no key always creates
        const other = created(await create(m.test, body, { "idempotency-key": "order-2" }))
        expect(other.id).not.toBe(first.json().id)
        created(await create(m.test, body))
        created(await create(m.test, body))
        expect((await api.get(`${BASE}/checkouts`, { key: m.test })).json().total).toBe(4)
      })

      it("same key + a different body is 409 idempotency_error, and the first checkout is kept", async () => {
        const m = await server.merchant()
        const first = created(await create(m.test, minimal, { "idempotency-key": "k-409" }))
        for (const body of [
          { amount: "26", currency: "USD" },
          { ...minimal, description: "x" },
          { ...minimal, metadata: { a: 1 } },
        ]) {
          expectError(await create(m.test, body, { "idempotency-key": "k-409" }), 409, "idempotency_error")
        }
        // the original request still replays
        const again = await create(m.test, minimal, { "idempotency-key": "k-409" })
        expect(again.headers["idempotent-replayed"]).toBe("true")
        expect(again.json().id).toBe(first.id)
        expect((await api.get(`${BASE}/checkouts`, { key: m.test })).json().total).toBe(1)
      })

      it("keys are scoped to the merchant and the mode", async () => {
        const a = await server.merchant()
        const b = await server.merchant()
        const key = { "idempotency-key": "shared-key" }
        const ids = new Set<string>()
        for (const k of [a.test, a.live, b.test, b.live]) {
          const r = await create(k, minimal, key)
          expect(r.status).toBe(201)
          expect(r.headers["idempotent-replayed"]).toBeUndefined()
          ids.add(r.json().id)
        }
        expect(ids.size).toBe(4)
        // two API keys of one merchant and mode share the idempotency space (as in Stripe)
        const a2 = await a.newKey("test")
        const r = await create(a2, minimal, key)
        expect(r.headers["idempotent-replayed"]).toBe("true")
      })

      it("a key older than 24 hours is forgotten", async () => {
        const m = await server.merchant()
        const first = created(await create(m.test, minimal, { "idempotency-key": "old" }))
        const db = await server.db()
        const moved = await db
          .updateTable("idempotency_keys")
          .set({ created_at: new Date(Date.now() - 24 * 3600_000 - 60_000) })
          .where("merchant_id", "=", m.id)
          .where("key", "=", "old")
          .executeTakeFirst()
        expect(Number(moved.numUpdatedRows)).toBe(1)
        const second = await create(m.test, { amount: "30", currency: "USD" }, { "idempotency-key": "old" })
        expect(second.status, second.text).toBe(201)
        expect(second.headers["idempotent-replayed"]).toBeUndefined()
        expect(second.json().id).not.toBe(first.id)
        expect(second.json().amount).toBe("30.00")
      })

      it("a refused request stores nothing: the key stays usable", async () => {
        const m = await server.merchant()
        expectError(
          await create(m.test, { amount: "0.5", currency: "USD" }, { "idempotency-key": "after-400" }),
          400,
          "invalid_request_error",
        )
        const r = await create(m.test, minimal, { "idempotency-key": "after-400" })
        expect(r.status).toBe(201)
        expect(r.headers["idempotent-replayed"]).toBeUndefined()
      })

      it.runIf(opts.concurrency)(
        "concurrent same-key creates create exactly one checkout (all answer 201 with its body)",
        async () => {
          const m = await server.merchant()
          const body = JSON.stringify({ ...minimal, description: "race" })
          for (let round = 0; round < 3; round++) {
            const key = { "idempotency-key": `race-${round}` }
            const rs = await Promise.all(Array.from({ length: 12 }, () => create(m.test, body, key)))
            for (const r of rs) expect(r.status, r.text).toBe(201)
            expect(new Set(rs.map((r) => r.text)).size).toBe(1)
            expect(rs.filter((r) => r.headers["idempotent-replayed"] === undefined)).toHaveLength(1)
          }
          expect((await api.get(`${BASE}/checkouts`, { key: m.test })).json().total).toBe(3)
          // and a concurrent conflicting body never creates a second one
          const rs = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              create(m.test, { ...minimal, description: `v${i % 2}` }, { "idempotency-key": "race-x" }),
            ),
          )
          const winners = rs.filter((r) => r.status === 201)
          const losers = rs.filter((r) => r.status === 409)
          expect(winners.length + losers.length).toBe(10)
          expect(new Set(winners.map((r) => r.json().id)).size).toBe(1)
          for (const r of losers) expectError(r, 409, "idempotency_error")
          expect((await api.get(`${BASE}/checkouts`, { key: m.test })).json().total).toBe(4)
        },
      )

      it.runIf(opts.concurrency)(
        "concurrent creates without a key get distinct ids and distinct deposit addresses",
        async () => {
          const m = await server.merchant()
          const rs = await Promise.all(Array.from({ length: 24 }, () => create(m.test, minimal)))
          const cs = rs.map(created)
          expect(new Set(cs.map((c) => c.id)).size).toBe(24)
          expect(new Set(cs.map((c) => c.payment_options[0].address)).size).toBe(24)
          expect(new Set(cs.map((c) => c.payment_options[3].address)).size).toBe(24)
          expect(new Set(cs.map((c) => c.payment_options[4].memo)).size).toBe(24)
          expect((await api.get(`${BASE}/checkouts?limit=100`, { key: m.test })).json().total).toBe(24)
        },
      )
    })

    // -------------------------------------------------------------------------------------------- list

    describe("GET /checkouts (list)", () => {
      let m: TestMerchant
      /** Checkouts in expected list order (newest first). */
      let order: string[]
      let T: number
      const ts = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`
      const list = (q: string, key = m.test) => api.get(`${BASE}/checkouts${q}`, { key })
      const ids = (r: Res) => {
        expect(r.status, r.text).toBe(200)
        const body = r.json()
        decodeList(body)
        expect(Object.keys(body)).toEqual(["data", "total", "limit", "offset"])
        return body.data.map((c: { id: string }) => c.id)
      }

      beforeAll(async () => {
        m = await server.merchant()
        const cs = []
        for (let i = 0; i < 6; i++)
          cs.push(created(await create(m.test, { ...minimal, description: `c${i}` })))
        // noise: live mode and another merchant
        created(await create(m.live, minimal))
        const other = await server.merchant()
        created(await create(other.test, minimal))
        T = Math.floor(Date.now() / 1000) * 1000
        // c0 oldest … c5 newest; c2 and c3 share a second (ties go to the larger id)
        const at = [T - 50_000, T - 40_000, T - 30_000, T - 30_000, T - 20_000, T - 10_000]
        for (let i = 0; i < 6; i++) await setRow(cs[i].id, { created_at: new Date(at[i]!) })
        const [c2, c3] = [cs[2].id, cs[3].id].sort().reverse()
        order = [cs[5].id, cs[4].id, c2!, c3!, cs[1].id, cs[0].id]
      })

      it("newest first (created_at desc, then id desc), with total, limit and offset", async () => {
        const r = await list("")
        expect(ids(r)).toEqual(order)
        expect(r.json()).toMatchObject({ total: 6, limit: 20, offset: 0 })
        // each entry is the checkout object, as GET returns it
        for (const c of r.json().data) {
          const g = await api.get(`${BASE}/checkouts/${c.id}`, { key: m.test })
          expect(c).toEqual(g.json())
          expect(g.text).toContain(`"created_at":"${c.created_at}"`)
        }
        expect(r.json().data[0].created_at).toBe(ts(T - 10_000))
      })

      it("limit: 1..100, default 20", async () => {
        let r = await list("?limit=1")
        expect(ids(r)).toEqual(order.slice(0, 1))
        expect(r.json()).toMatchObject({ total: 6, limit: 1, offset: 0 })
        r = await list("?limit=100")
        expect(ids(r)).toEqual(order)
        expect(r.json().limit).toBe(100)
        for (const v of ["0", "101", "-1", "1.5", "abc", "", "1e1", "20&limit=20", "99999999999999999999"])
          expectError(await list(`?limit=${v}`), 400, "invalid_request_error", "limit_invalid", "limit")
      })

      it("offset: integer ≥ 0 (a plain offset list)", async () => {
        let r = await list("?limit=2&offset=1")
        expect(ids(r)).toEqual(order.slice(1, 3))
        expect(r.json()).toMatchObject({ total: 6, limit: 2, offset: 1 })
        r = await list("?offset=6")
        expect(ids(r)).toEqual([])
        expect(r.json().total).toBe(6)
        r = await list("?offset=1000")
        expect(ids(r)).toEqual([])
        const pages: string[] = []
        for (let o = 0; o < 6; o += 4) pages.push(...ids(await list(`?limit=4&offset=${o}`)))
        expect(pages).toEqual(order)
        for (const v of ["-1", "x", "1.5", ""])
          expectError(await list(`?offset=${v}`), 400, "invalid_request_error", "offset_invalid", "offset")
      })

      it("created_after / created_before: ISO 8601, both exclusive", async () => {
        let r = await list(`?created_after=${ts(T - 30_000)}`)
        expect(ids(r)).toEqual(order.slice(0, 2))
        expect(r.json().total).toBe(2)
        r = await list(`?created_before=${ts(T - 30_000)}`)
        expect(ids(r)).toEqual(order.slice(4))
        r = await list(`?created_after=${ts(T - 40_000)}&created_before=${ts(T - 20_000)}`)
        expect(ids(r)).toEqual(order.slice(2, 4))
        expect(r.json().total).toBe(2)
        // one second earlier makes the bound inclusive of c1
        r = await list(`?created_after=${ts(T - 40_001)}&created_before=${ts(T - 20_000)}`)
        expect(ids(r)).toEqual(order.slice(2, 5))
        // offsets in the timestamp are honoured
        const plus2 = new Date(T - 30_000 + 2 * 3600_000).toISOString().slice(0, 19)
        r = await list(`?created_after=${encodeURIComponent(`${plus2}+02:00`)}`)
        expect(ids(r)).toEqual(order.slice(0, 2))
        // with limit/offset, total still counts every match
        r = await list(`?created_before=${ts(T)}&limit=1&offset=1`)
        expect(ids(r)).toEqual([order[1]])
        expect(r.json().total).toBe(6)
        for (const [p, v] of [
          ["created_after", "yesterday"],
          ["created_after", "2026-13-01T00:00:00Z"],
          ["created_before", "2026-02-30"],
          ["created_before", "1700000000"],
          ["created_after", ""],
        ] as const)
          expectError(await list(`?${p}=${v}`), 400, "invalid_request_error", `${p}_invalid`, p)
      })

      it("status must be one of the statuses; unknown query parameters are refused", async () => {
        const r = await list("?status=pending")
        expect(ids(r)).toEqual(order)
        for (const v of ["paid", "PENDING", "", "pending,expired"])
          expectError(await list(`?status=${v}`), 400, "invalid_request_error", "status_invalid", "status")
        expectError(await list("?foo=1"), 400, "invalid_request_error", "parameter_unknown", "foo")
      })
    })

    describe("per-merchant host allow-lists", () => {
      it("a redirect_url or webhook_url outside the merchant's allow-list is a 400 naming the rule", async () => {
        const m = await server.merchant()
        await server.runtime.runPromise(
          Effect.flatMap(MerchantStore, (s) =>
            s.updateMerchant(m.id, {
              allowedRedirectHosts: ["shop.example", "*.shop.example"],
              allowedWebhookHosts: ["hooks.example"],
            }),
          ),
        )
        const redirect = await create(m.test, {
          amount: "25",
          currency: "USD",
          redirect_url: "https://evil.example/x",
        })
        expectError(redirect, 400, "invalid_request_error", "redirect_url_invalid", "redirect_url")
        expect(redirect.json().error.message).toContain(
          "restricts redirect hosts to shop.example, *.shop.example",
        )
        expectError(
          await create(m.test, { amount: "25", currency: "USD", webhook_url: "https://shop.example/h" }),
          400,
          "invalid_request_error",
          "webhook_url_invalid",
          "webhook_url",
        )
        created(
          await create(m.test, {
            amount: "25",
            currency: "USD",
            redirect_url: "https://www.shop.example/thanks",
            webhook_url: "https://hooks.example/in",
          }),
        )
      })
    })

    // ------------------------------------------------------------------------------------- robustness

    describe("hostile input never becomes a 500", () => {
      let m: TestMerchant
      beforeAll(async () => {
        m = await server.merchant()
      })
      const post = (raw: string) => create(m.test, raw)

      it("NUL and deep nesting inside metadata: kept verbatim or refused, never a crash", async () => {
        const r = await post('{"amount":"25","currency":"USD","metadata":{"\\u0000":"a\\u0000b"}}')
        expect(r.status, r.text).toBe(201)
        expect(r.text).toContain('"metadata":{"\\u0000":"a\\u0000b"}')
        const g = await api.get(`${BASE}/checkouts/${r.json().id}`, { key: m.test })
        expect(g.text).toBe(r.text)
        const deep = `${"[".repeat(7000)}${"]".repeat(7000)}`
        expectError(
          await post(`{"amount":"25","currency":"USD","metadata":{"a":${deep}}}`),
          400,
          "invalid_request_error",
          undefined,
          "metadata",
        )
        expectError(
          await post(`{"amount":"25","currency":"USD","x":${deep}}`),
          400,
          "invalid_request_error",
          "parameter_unknown",
          "x",
        )
      })

      it("requests Node's parser refuses get the error shape too: 400 bad request line, 431 huge headers", async () => {
        const badLine = await rawRequest(server.url, "GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n")
        expectError(badLine, 400, "invalid_request_error", "bad_request")
        expect(badLine.headers.connection).toBe("close")
        expectError(
          await rawRequest(server.url, "NOT HTTP AT ALL\r\n\r\n"),
          400,
          "invalid_request_error",
          "bad_request",
        )
        const huge = await rawRequest(
          server.url,
          `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
        )
        expectError(huge, 431, "invalid_request_error", "headers_too_large")
        // the server goes on answering
        expect((await api.get("/healthz")).status).toBe(200)
      })

      // Postgres refuses a NUL in a text column ("invalid byte sequence for encoding UTF8: 0x00"): validation
      // refuses it first, so it is a 400 and never a 500.
      it("a NUL in description is a 400, not a 500", async () => {
        expectError(
          await post('{"amount":"25","currency":"USD","description":"a\\u0000b"}'),
          400,
          "invalid_request_error",
          undefined,
          "description",
        )
      })
      it("a NUL in customer_email or a URL is a 400, not a 500", async () => {
        expectError(
          await post('{"amount":"25","currency":"USD","customer_email":"a\\u0000b@example.com"}'),
          400,
          "invalid_request_error",
          "customer_email_invalid",
          "customer_email",
        )
        expectError(
          await post('{"amount":"25","currency":"USD","redirect_url":"https://shop.example/a\\u0000b"}'),
          400,
          "invalid_request_error",
          "redirect_url_invalid",
          "redirect_url",
        )
      })

      // A lone UTF-16 surrogate would be stored as U+FFFD and read back as another string: refused.
      it("a lone surrogate in description is refused; a valid pair comes back unchanged", async () => {
        expectError(
          await post('{"amount":"25","currency":"USD","description":"x\\ud800"}'),
          400,
          "invalid_request_error",
          "description_invalid",
          "description",
        )
        const r = await post('{"amount":"25","currency":"USD","description":"x\\ud83d\\ude00"}')
        expect(r.status, r.text).toBe(201)
        const g = await api.get(`${BASE}/checkouts/${r.json().id}`, { key: m.test })
        expect(g.json().description).toBe("x\u{1F600}")
        expect(g.json().description).toBe(r.json().description)
      })

      // Year 0000 (1 BC) has no plain ISO form PostgreSQL (or PGlite) accepts: a 400, never a 500.
      it("created_after=0000-01-01 is a 400; 0001-01-01 is a 200", async () => {
        expectError(
          await api.get(`${BASE}/checkouts?created_after=0000-01-01`, { key: m.test }),
          400,
          "invalid_request_error",
          "created_after_invalid",
          "created_after",
        )
        const r = await api.get(`${BASE}/checkouts?created_after=0001-01-01`, { key: m.test })
        expect(r.status, r.text).toBe(200)
      })
    })

    // ------------------------------------------------------------------------------ status is current

    describe("statuses read by clients are always current", () => {
      it("an overdue pending checkout reads expired (get and list filters), before any sweep", async () => {
        const m = await server.merchant()
        const live = created(await create(m.test, { ...minimal, expires_in: 300 }))
        const overdue = created(await create(m.test, { ...minimal, expires_in: 300 }))
        const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000)
        await setRow(overdue.id, { expires_at: past })
        const g = (await api.get(`${BASE}/checkouts/${overdue.id}`, { key: m.test })).json()
        expect(g.status).toBe("expired")
        expect(g.payment).toBeNull()
        expect(g.expires_at).toBe(`${past.toISOString().slice(0, 19)}Z`)
        expect((await api.get(`${BASE}/checkouts/${live.id}`, { key: m.test })).json().status).toBe("pending")
        const byStatus = async (s: string) => {
          const r = (await api.get(`${BASE}/checkouts?status=${s}`, { key: m.test })).json()
          expect(r.total).toBe(r.data.length)
          return r.data.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)
        }
        expect(await byStatus("expired")).toEqual([`${overdue.id}:expired`])
        expect(await byStatus("pending")).toEqual([`${live.id}:pending`])
        const all = (await api.get(`${BASE}/checkouts`, { key: m.test })).json()
        expect(all.data.find((c: { id: string }) => c.id === overdue.id).status).toBe("expired")
      })

      it("processing, completed and underpaid checkouts render their payments; filters find them", async () => {
        const m = await server.merchant()
        const mk = async () => created(await create(m.test, minimal))
        const [pending, processing, completed, underpaid] = [await mk(), await mk(), await mk(), await mk()]
        const addr = (c: { payment_options: Array<{ address: string }> }) => c.payment_options[0]!.address
        const p1 = observed(addr(processing), 25_000_000n, 1)
        const p2 = observed(addr(completed), 25_000_000n, 3)
        const p3 = observed(addr(underpaid), 10_000_000n, 3)
        const applied = await apply("devnet", "test", 3, [p1, p2, p3])
        expect(applied.applied).toBe(3)

        const get = async (id: string) => {
          const r = await api.get(`${BASE}/checkouts/${id}`, { key: m.test })
          expect(r.status).toBe(200)
          return decodeCheckout(r.json()) && r.json()
        }
        const gp = await get(processing.id)
        expect(gp.status).toBe("processing")
        expect(gp.payment).toEqual({
          amount_crypto: "25.000000",
          crypto_currency: "USDT",
          network: "devnet",
          tx_hash: p1.txHash,
          sender_address: p1.sender,
          confirmed_at: null,
        })
        expect(gp.payments).toHaveLength(1)
        expect(gp.payments[0]).toMatchObject({ status: "detected", confirmations: 1, confirmed_at: null })
        expect(gp.payments[0].detected_at).toMatch(TIMESTAMP_RE)

        const gc = await get(completed.id)
        expect(gc.status).toBe("completed")
        expect(gc.amount_paid).toBe("25.00")
        expect(gc.payment.confirmed_at).toMatch(TIMESTAMP_RE)
        expect(gc.payments[0]).toMatchObject({ status: "confirmed", confirmations: 3, tx_hash: p2.txHash })

        const gu = await get(underpaid.id)
        expect(gu.status).toBe("underpaid")
        expect(gu.amount_paid).toBe("10.00")
        // payment options ask for what is still due
        expect(gu.payment_options[0].amount_crypto).toBe("15.000000")
        expect(gu.payment_options[0].uri).toMatch(/&uint256=15000000$/)

        const byStatus = async (s: string) =>
          (await api.get(`${BASE}/checkouts?status=${s}`, { key: m.test }))
            .json()
            .data.map((c: { id: string }) => c.id)
        expect(await byStatus("pending")).toEqual([pending.id])
        expect(await byStatus("processing")).toEqual([processing.id])
        expect(await byStatus("completed")).toEqual([completed.id])
        expect(await byStatus("underpaid")).toEqual([underpaid.id])
        expect(await byStatus("expired")).toEqual([])
        // an underpaid checkout past expires_at stays underpaid; a processing one stays processing
        const past = new Date(Date.now() - 60_000)
        await setRow(underpaid.id, { expires_at: past })
        await setRow(processing.id, { expires_at: past })
        expect((await get(underpaid.id)).status).toBe("underpaid")
        expect((await get(processing.id)).status).toBe("processing")
        expect(await byStatus("expired")).toEqual([])
      })
    })
  })
