/**
 * The operator console over real HTTP on one backend: login, wrong password, lockout, session expiry, CSRF,
 * a merchant user's isolation (foreign ids are 404), the audit log, search and CSV export, escaping.
 */
import { createHash } from "node:crypto"
import { EVM_PRESETS } from "@inzi/adapter-evm"
import { recordWatcherStatus } from "@inzi/adapter-postgres"
import { TRON_NILE } from "@inzi/adapter-tron"
import { type ChainEvent, CheckoutStore, Leases, MerchantStore, Outbox } from "@inzi/core"
import { Effect } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type ApiServer,
  accountXpub,
  type BackendName,
  http,
  startApiServer,
  type TestMerchant,
} from "../api/harness.js"
import { createOperator, login, PASSWORD, post, type Session, setCookieOf } from "./harness.js"

export const consoleSuite = (backend: BackendName) =>
  describe(`operator console on ${backend}`, () => {
    let server: ApiServer
    let a: TestMerchant
    let b: TestMerchant
    let op: Session
    let checkoutA: { id: string; address: string }
    let checkoutB: { id: string; address: string }
    let tx = 0

    const createCheckout = async (key: string, body: Record<string, unknown>) => {
      const r = await http(server.url, "POST", "/api/v1/checkouts", { key, body })
      expect(r.status, r.text).toBe(201)
      const j = r.json()
      return {
        id: j.id as string,
        address: j.payment_options.find((o: { network: string }) => o.network === "devnet").address as string,
      }
    }
    const paymentEvent = (address: string, units: bigint, confirmations = 1): ChainEvent => ({
      _tag: "PaymentObserved",
      network: "devnet",
      txHash: `0x${(++tx).toString(16).padStart(64, "c")}`,
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
    const pay = (address: string, units: bigint) => {
      const e = paymentEvent(address, units)
      return server.runtime.runPromise(
        Effect.flatMap(CheckoutStore, (s) =>
          s.applyChainEvents({
            network: "devnet",
            mode: "test",
            requiredConfirmations: 1,
            events: [e],
            cursor: null,
            now: new Date(),
          }),
        ),
      )
    }
    const eventsOf = (checkoutId: string) =>
      server.runtime.runPromise(Effect.flatMap(Outbox, (o) => o.listEvents({ checkoutId, limit: 50 })))

    beforeAll(async () => {
      server = await startApiServer(backend)
      a = await server.merchant()
      b = await server.merchant()
      await createOperator(server, "root@example.test")
      await createOperator(server, "shop-a@example.test", a.id)
      await createOperator(server, "locked@example.test")
      checkoutA = await createCheckout(a.test, {
        amount: "10.00",
        currency: "USD",
        description: '<img src=x onerror="alert(1)">',
        metadata: { order_id: "A-1001" },
      })
      checkoutB = await createCheckout(b.test, {
        amount: "12.00",
        currency: "USD",
        description: '=HYPERLINK("x")',
        metadata: { order_id: "B-7" },
      })
      await pay(checkoutA.address, 10_000_000n)
      await pay(checkoutB.address, 12_000_000n)
      op = await login(server, "root@example.test")
    }, 120_000)
    afterAll(async () => {
      await server?.close()
    })

    it("sends a page without a session to the login page, and signs in with a hardened cookie", async () => {
      const r = await http(server.url, "GET", "/console/checkouts?status=completed")
      expect(r.status).toBe(303)
      expect(r.headers.location).toBe(
        `/console/login?next=${encodeURIComponent("/console/checkouts?status=completed")}`,
      )
      const ok = await post(server, "/console/login", {
        email: "ROOT@example.test",
        password: PASSWORD,
        next: "//evil.example/x",
      })
      expect(ok.status).toBe(303)
      expect(ok.headers.location).toBe("/console/overview") // never an open redirect
      const cookie = setCookieOf(ok)
      expect(cookie).toMatch(
        /^inzi_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/,
      )
      // Only the token's SHA-256 is stored.
      const token = /inzi_console=([^;]+)/.exec(cookie)![1]!
      const db = await server.db()
      const rows = await sql<{ hash: string }>`SELECT hash FROM console_sessions`.execute(db)
      expect(rows.rows.map((x) => x.hash)).toContain(createHash("sha256").update(token).digest("hex"))
      expect(rows.rows.map((x) => x.hash)).not.toContain(token)
    })

    it("refuses a wrong password and an unknown account alike, and audits both", async () => {
      const wrong = await post(server, "/console/login", {
        email: "root@example.test",
        password: "not the password!",
      })
      const unknown = await post(server, "/console/login", {
        email: "nobody@example.test",
        password: PASSWORD,
      })
      for (const r of [wrong, unknown]) {
        expect(r.status).toBe(401)
        expect(setCookieOf(r)).toBe("")
        expect(r.text).toContain("Wrong email or password")
      }
      const audit = await op.get("/console/audit")
      expect(audit.text).toContain("nobody@example.test")
      expect(audit.text).toMatch(
        /login\.failed<\/td><td class="mono"><\/td><td class="mono"><\/td><td>wrong password/,
      )
    })

    it("locks an account after five failures, the right password included, until the lock runs out", async () => {
      for (let i = 0; i < 5; i++)
        expect(
          (
            await post(server, "/console/login", {
              email: "locked@example.test",
              password: `wrong-${i}-xxxxxxx`,
            })
          ).status,
        ).toBe(401)
      const refused = await post(server, "/console/login", {
        email: "locked@example.test",
        password: PASSWORD,
      })
      expect(refused.status).toBe(401)
      const db = await server.db()
      const row = await sql<{
        locked_until: Date | null
      }>`SELECT locked_until FROM console_operators WHERE email = 'locked@example.test'`.execute(db)
      expect(row.rows[0]!.locked_until!.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000)
      await sql`UPDATE console_operators SET locked_until = now() - interval '1 second' WHERE email = 'locked@example.test'`.execute(
        db,
      )
      await login(server, "locked@example.test")
    })

    it("ends an expired session and a logged-out one", async () => {
      const s = await login(server, "root@example.test")
      const db = await server.db()
      const hash = createHash("sha256").update(s.token).digest("hex")
      await sql`UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE hash = ${hash}`.execute(
        db,
      )
      const r = await s.get("/console/overview")
      expect(r.status).toBe(303)
      expect(r.headers.location).toMatch(/^\/console\/login/)
      const t = await login(server, "root@example.test")
      const out = await t.post("/console/logout")
      expect(out.status).toBe(303)
      expect(setCookieOf(out)).toMatch(/Max-Age=0/)
      expect((await t.get("/console/overview")).status).toBe(303)
    })

    it("refuses a state change without the CSRF token or from another origin, and audits it", async () => {
      const [ev] = await eventsOf(checkoutA.id)
      expect(ev).toBeDefined()
      const path = `/console/checkouts/${checkoutA.id}/events/${ev!.eventId}/resend`
      const none = await post(server, path, {}, { cookie: op.cookie })
      expect(none.status).toBe(403)
      const wrong = await post(server, path, { _csrf: "x".repeat(43) }, { cookie: op.cookie })
      expect(wrong.status).toBe(403)
      const foreign = await op.post(path, {}, { origin: "https://evil.example" })
      expect(foreign.status).toBe(403)
      const noSession = await post(server, path, { _csrf: op.csrf })
      expect(noSession.status).toBe(401)
      const audit = await op.get("/console/audit")
      expect(audit.text).toContain("csrf.refused")
    })

    it("resends an event: it is due again, and the audit log says who did it", async () => {
      const db = await server.db()
      const [ev] = await eventsOf(checkoutA.id)
      await sql`UPDATE outbox_events SET status = 'failed', next_attempt_at = NULL, url = 'https://shop.example/hook' WHERE id = ${ev!.eventId}`.execute(
        db,
      )
      const r = await op.post(`/console/checkouts/${checkoutA.id}/events/${ev!.eventId}/resend`)
      expect(r.status).toBe(303)
      expect(r.headers.location).toBe(`/console/checkouts/${checkoutA.id}?notice=resent`)
      const after = (await eventsOf(checkoutA.id)).find((e) => e.eventId === ev!.eventId)
      expect(after!.status).toBe("pending")
      const audit = await op.get("/console/audit")
      expect(audit.text).toMatch(
        new RegExp(`root@example.test</td><td>event.resend</td><td class="mono">${ev!.eventId}`),
      )
    })

    it("shows a merchant user its own merchant only: every foreign id is a 404", async () => {
      const [evB0] = await eventsOf(checkoutB.id)
      expect(
        (await op.post(`/console/checkouts/${checkoutB.id}/events/${evB0!.eventId}/resend`)).status,
      ).toBe(303)
      const m = await login(server, "shop-a@example.test")
      expect((await m.get(`/console/checkouts/${checkoutA.id}`)).status).toBe(200)
      const foreign = await m.get(`/console/checkouts/${checkoutB.id}`)
      expect(foreign.status).toBe(404)
      expect(foreign.text).not.toContain(checkoutB.id.slice(-10))
      expect((await m.get(`/console/checkouts/chk_test_${"z".repeat(24)}`)).status).toBe(404)
      const list = await m.get(`/console/checkouts?merchant=${b.id}`)
      expect(list.text).toContain(checkoutA.id)
      expect(list.text).not.toContain(checkoutB.id)
      expect((await m.get(`/console/merchants/${b.id}`)).status).toBe(404)
      expect((await m.get("/console/merchants")).text).not.toContain(b.id)
      expect((await m.get("/console/unmatched")).status).toBe(404)
      expect((await m.get("/console/watchers")).status).toBe(404)
      const [evB] = await eventsOf(checkoutB.id)
      expect((await m.post(`/console/checkouts/${checkoutB.id}/events/${evB!.eventId}/resend`)).status).toBe(
        404,
      )
      // Another merchant's event through one's own checkout: not found either.
      expect((await m.post(`/console/checkouts/${checkoutA.id}/events/${evB!.eventId}/resend`)).status).toBe(
        404,
      )
      expect((await m.post(`/console/merchants/${b.id}/keys`, { mode: "test" })).status).toBe(404)
      const csv = await m.get("/console/checkouts.csv")
      expect(csv.text).toContain(checkoutA.id)
      expect(csv.text).not.toContain(checkoutB.id)
      const audit = await m.get("/console/audit")
      expect(audit.text).toContain("shop-a@example.test")
      // What concerns merchant A only: not the operator's action on B, not the failed logins of others.
      expect(audit.text).not.toContain(evB0!.eventId)
      expect(audit.text).not.toContain(b.id)
      expect(audit.text).not.toContain("nobody@example.test")
    })

    it("lists newest first across both modes, page by page, with the totals count(*) gives", async () => {
      const c = await server.merchant()
      const db = await server.db()
      // 130 checkouts of one merchant, modes interleaved, one a minute back from now; every 4th pending and
      // overdue (reads expired), every 5th completed, the rest pending and open.
      await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, networks,
          expires_at, created_at, updated_at)
        SELECT 'chk_test_list' || lpad(i::text, 19, '0'), ${c.id}, CASE WHEN i % 3 = 0 THEN 'live' ELSE 'test' END,
          CASE WHEN i % 5 = 0 THEN 'completed' ELSE 'pending' END, 100 + i, 'USD', NULL, '["devnet"]'::jsonb,
          CASE WHEN i % 4 = 0 THEN now() - interval '1 second' ELSE now() + interval '1 hour' END,
          now() - make_interval(mins => i), now() - make_interval(mins => i)
        FROM generate_series(1, 130) AS i`.execute(db)
      const shown = sql`CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired' ELSE status END`
      const expected = async (where: ReturnType<typeof sql>, offset = 0) => ({
        ids: (
          await sql<{ id: string }>`SELECT id FROM checkouts WHERE ${where}
            ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET ${offset}`.execute(db)
        ).rows.map((r) => r.id),
        total: Number(
          (await sql<{ n: unknown }>`SELECT count(*) AS n FROM checkouts WHERE ${where}`.execute(db)).rows[0]
            ?.n,
        ),
      })
      const listed = async (query: string) => {
        const r = await op.get(`/console/checkouts?${query}`)
        expect(r.status, query).toBe(200)
        return {
          ids: [...r.text.matchAll(/<td class="mono"><a href="\/console\/checkouts\/([^"]+)">/g)].map(
            (m) => m[1],
          ),
          total: Number(/<p>(\d+) checkout\(s\)/.exec(r.text)?.[1]),
        }
      }
      const mine = sql`merchant_id = ${c.id}`
      const cases: ReadonlyArray<[string, ReturnType<typeof sql>, number]> = [
        [`merchant=${c.id}`, mine, 0],
        [`merchant=${c.id}&page=2`, mine, 50],
        [`merchant=${c.id}&page=3`, mine, 100],
        [`merchant=${c.id}&mode=live`, sql`${mine} AND mode = 'live'`, 0],
        [`merchant=${c.id}&status=expired`, sql`${mine} AND ${shown} = 'expired'`, 0],
        [`merchant=${c.id}&status=pending&page=2`, sql`${mine} AND ${shown} = 'pending'`, 50],
        [
          `merchant=${c.id}&status=completed&mode=test`,
          sql`${mine} AND status = 'completed' AND mode = 'test'`,
          0,
        ],
        ["status=expired", sql`${shown} = 'expired'`, 0],
        ["page=2", sql`TRUE`, 50],
        [
          `merchant=${c.id}&created_after=${new Date(Date.now() - 61 * 60_000).toISOString()}`,
          sql`${mine} AND created_at > now() - interval '61 minutes'`,
          0,
        ],
      ]
      for (const [query, where, offset] of cases) {
        const want = await expected(where, offset)
        expect(want.ids.length, query).toBeGreaterThan(0)
        expect(await listed(query), query).toEqual(want)
      }
    })

    it("searches by id, tx hash, address and metadata value, and exports the view as RFC 4180 CSV", async () => {
      for (const q of [checkoutB.id, checkoutB.address, "B-7", `0x${(2).toString(16).padStart(64, "c")}`]) {
        const r = await op.get(`/console/checkouts?q=${encodeURIComponent(q)}`)
        expect(r.text, q).toContain(checkoutB.id)
        expect(r.text, q).not.toContain(checkoutA.id)
      }
      const csv = await op.get(`/console/checkouts.csv?q=B-7`)
      expect(csv.status).toBe(200)
      expect(csv.headers["content-type"]).toMatch(/^text\/csv/)
      const lines = csv.text.split("\r\n")
      expect(lines[0]).toBe(
        "id,merchant_id,mode,status,amount_usd,created_at,expires_at,description,metadata",
      )
      expect(lines[1]).toContain(`${checkoutB.id},${b.id},test,`)
      expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`)
      expect(lines[1]).toContain(`"{""order_id"":""B-7""}"`)
      expect(lines[2]).toBe("")
    })

    it("escapes merchant text and sends a strict CSP with every page", async () => {
      const r = await op.get(`/console/checkouts/${checkoutA.id}`)
      expect(r.status).toBe(200)
      expect(r.text).not.toContain("<img src=x")
      expect(r.text).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
      const csp = String(r.headers["content-security-policy"])
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toMatch(/unsafe|https?:/)
      const js = await http(server.url, "GET", "/console/assets/uplot.js")
      expect(js.status).toBe(200)
      expect(js.text).toContain("uPlot")
    })

    it("creates and revokes an API key (shown once) and rotates a webhook secret", async () => {
      const created = await op.post(`/console/merchants/${a.id}/keys`, { mode: "test" })
      expect(created.status).toBe(200)
      const key = /id="new-key">([^<]+)</.exec(created.text)?.[1] ?? ""
      expect(key).toMatch(/^sk_test_/)
      const ok = await http(server.url, "GET", "/api/v1/checkouts", { key })
      expect(ok.status).toBe(200)
      const detail = await op.get(`/console/merchants/${a.id}`)
      expect(detail.text).not.toContain(key)
      const keyId = new RegExp(`/console/merchants/${a.id}/keys/(key_[a-z0-9]+)/revoke`).exec(
        detail.text,
      )?.[1]
      const ids = [...detail.text.matchAll(/keys\/(key_[a-z0-9]+)\/revoke/g)].map((x) => x[1]!)
      expect(keyId).toBeDefined()
      // the new key is the last one created: revoke that one
      const newest = ids.at(-1)!
      expect((await op.post(`/console/merchants/${a.id}/keys/${newest}/revoke`)).status).toBe(303)
      await new Promise((r) => setTimeout(r, 1100)) // the server's key cache (INZI_KEY_CACHE_MS, 1 s)
      expect((await http(server.url, "GET", "/api/v1/checkouts", { key })).status).toBe(401)
      const rotated = await op.post(`/console/merchants/${a.id}/rotate-secret`, { mode: "test" })
      expect(rotated.text).toMatch(/whsec_[A-Za-z0-9]+/)
      const audit = await op.get("/console/audit")
      for (const action of ["key.create", "key.revoke", "webhook_secret.rotate"])
        expect(audit.text).toContain(action)
    })
    it("sums the overview: per-day counts, conversion, confirmed volume and amounts awaiting confirmation", async () => {
      const fresh = await server.merchant()
      await createOperator(server, `over-${fresh.id}@example.test`, fresh.id)
      const s = await login(server, `over-${fresh.id}@example.test`)
      const c1 = await createCheckout(fresh.test, { amount: "3.00", currency: "USD" })
      await createCheckout(fresh.test, { amount: "4.00", currency: "USD" })
      await pay(c1.address, 3_000_000n)
      const r = await s.get("/console/overview?mode=test")
      expect(r.status).toBe(200)
      const today = new Date().toISOString().slice(0, 10)
      expect(r.text).toContain(
        `<tr><td>${today}</td><td class="num">2</td><td class="num">1</td><td class="num">0</td><td class="num">0</td></tr>`,
      )
      expect(r.text).toContain("<strong>50.0 %</strong>")
      expect(r.text).toMatch(
        /Confirmed payments by network and token<\/caption>.*<td>devnet<\/td><td>USDT<\/td><td class="num">3(\.0+)?<\/td><td class="num">1<\/td>/s,
      )
      // Another merchant's money is not in a merchant user's overview.
      expect(r.text).not.toContain(">10.000000<")
      // A payment seen with too few confirmations is awaiting.
      const c3 = await createCheckout(fresh.test, { amount: "2.00", currency: "USD" })
      await server.runtime.runPromise(
        Effect.flatMap(CheckoutStore, (st) =>
          st.applyChainEvents({
            network: "devnet",
            mode: "test",
            requiredConfirmations: 5,
            events: [paymentEvent(c3.address, 2_000_000n, 1)],
            cursor: null,
            now: new Date(),
          }),
        ),
      )
      const again = await s.get("/console/overview?mode=test")
      expect(again.text).toMatch(
        /Payments seen, not yet confirmed<\/caption>.*<td>devnet<\/td><td>USDT<\/td><td class="num">2(\.0+)?<\/td>/s,
      )
    })

    it("shows each watcher's head, cursor, lag, last error and lease holder, and the webhook backlog", async () => {
      const db = await server.db()
      // Three earlier minutes of history; the third report comes from a scanner that restarted (counts dropped).
      const now = Date.now()
      for (const [minutesAgo, scannedTo, calls, errors] of [
        [3, 1190n, 10, 1],
        [2, 1180n, 25, 2],
        [1, 1170n, 5, 0],
      ] as const)
        await server.runtime.runPromise(
          recordWatcherStatus(db, {
            network: "devnet",
            head: 1200n,
            scannedTo,
            lastError: null,
            at: new Date(now - minutesAgo * 60_000),
            rpcCalls: calls,
            rpcErrors: errors,
          }),
        )
      await server.runtime.runPromise(
        recordWatcherStatus(db, {
          network: "devnet",
          head: 1200n,
          scannedTo: 1150n,
          lastError: "rpc <timeout>",
          at: new Date(now),
          rpcCalls: 40,
          rpcErrors: 2,
        }),
      )
      await server.runtime.runPromise(
        Effect.flatMap(Leases, (l) => l.acquire("watcher:devnet", "worker-7", new Date(), 60_000)),
      )
      const r = await op.get("/console/watchers")
      expect(r.status).toBe(200)
      expect(r.text).toContain(
        '<td>devnet</td><td class="num">1200</td><td class="num">1150</td><td class="num">50</td><td class="num">40 / 2</td><td class="mono">worker-7</td>',
      )
      expect(r.text).toContain("rpc &lt;timeout&gt;")
      expect(r.text).toMatch(/Pending<strong>\d+<\/strong>/)
      // The per-minute history the charts draw: lag, and RPC calls/errors per minute.
      expect(r.text).toContain('<script src="/console/assets/uplot.js" defer></script>')
      expect(r.text).toContain('id="chart-lag-0" role="img" aria-label="devnet: lag in blocks per minute"')
      expect(r.text).toContain('id="chart-rpc-0"')
      const json = r.text.match(/<script type="application\/json" id="watchers-data">(.*?)<\/script>/s)?.[1]
      const minute = (ago: number) => Math.floor((now - ago * 60_000) / 60_000) * 60
      const parsed = JSON.parse(json ?? "null")
      expect(parsed.to - parsed.from).toBeGreaterThanOrEqual(6 * 3600)
      expect(parsed.from).toBeLessThanOrEqual(minute(3))
      expect(parsed).toEqual({
        from: parsed.from,
        to: parsed.to,
        networks: [
          {
            network: "devnet",
            t: [minute(3), minute(2), minute(1), minute(0)],
            lag: [10, 20, 30, 50],
            calls: [null, 15, 5, 35],
            errors: [null, 1, 0, 2],
          },
        ],
      })
      const narrow = await op.get("/console/watchers?hours=1")
      expect(narrow.text).toContain("<strong>1 h</strong>")
      const script = await op.get("/console/assets/console.js")
      expect(script.text).toContain('getElementById("watchers-data")')
    })

    it("creates a merchant with payout keys checked as the CLI does; a merchant user cannot", async () => {
      const bad = await op.post("/console/merchants", { name: "Bad", payout_evm: "xpub-nonsense" })
      expect(bad.status).toBe(303)
      expect(decodeURIComponent(String(bad.headers.location))).toMatch(/error=EVM account xpub: /)
      // The name is shown to shoppers: control and bidirectional formatting characters are refused.
      for (const name of ["Shop\u202egpj.exe", "Shop\u001b[2J", "Shop\r\nX"]) {
        const r = await op.post("/console/merchants", { name, payout_evm: accountXpub(60, 902) })
        expect(r.status).toBe(303)
        expect(decodeURIComponent(String(r.headers.location))).toContain(
          "must not contain control or bidirectional formatting characters",
        )
      }
      const none = await op.post("/console/merchants", { name: "Nothing" })
      expect(decodeURIComponent(String(none.headers.location))).toContain("needs a way to be paid")
      const taken = await op.post("/console/merchants", {
        name: "Twin",
        payout_evm: accountXpub(60, a.account),
      })
      expect(decodeURIComponent(String(taken.headers.location))).toContain(`already used by merchant ${a.id}`)
      const ok = await op.post("/console/merchants", { name: "New <Shop>", payout_evm: accountXpub(60, 900) })
      expect(ok.status).toBe(200)
      expect(ok.text).toContain("New &lt;Shop&gt;")
      expect(ok.text.match(/whsec_[A-Za-z0-9]+/g)?.length).toBe(2)
      const m = await login(server, "shop-a@example.test")
      expect(
        (await m.post("/console/merchants", { name: "Sneaky", payout_evm: accountXpub(60, 901) })).status,
      ).toBe(404)
      const audit = await op.get("/console/audit")
      expect(audit.text).toContain("merchant.create")
    })

    it("refuses a sign-in posted from another origin", async () => {
      for (const origin of ["https://evil.example", "null"]) {
        const r = await post(
          server,
          "/console/login",
          { email: "root@example.test", password: PASSWORD },
          { origin },
        )
        expect(r.status).toBe(403)
        expect(setCookieOf(r)).toBe("")
      }
      const nullOrigin = await op.post("/console/logout", {}, { origin: "null" })
      expect(nullOrigin.status).toBe(403)
    })
    it("links a payment's transaction to the network's explorer (explorerTxUrl)", async () => {
      const r = await http(server.url, "POST", "/api/v1/checkouts", {
        key: a.test,
        body: { amount: "7.00", currency: "USD" },
      })
      const j = r.json()
      const address = j.payment_options.find((o: { network: string }) => o.network === TRON_NILE.id)
        .address as string
      const txHash = "ab".repeat(32)
      await server.runtime.runPromise(
        Effect.flatMap(CheckoutStore, (st) =>
          st.applyChainEvents({
            network: TRON_NILE.id,
            mode: "test",
            requiredConfirmations: 1,
            events: [
              {
                ...paymentEvent(address, 7_000_000n),
                network: TRON_NILE.id,
                txHash,
                tokenContract: TRON_NILE.tokens[0]!.contract,
              } as ChainEvent,
            ],
            cursor: null,
            now: new Date(),
          }),
        ),
      )
      const detail = await op.get(`/console/checkouts/${j.id}`)
      expect(detail.text).toContain(
        `<a href="https://nile.tronscan.org/#/transaction/${txHash}" rel="noopener noreferrer">${txHash}</a>`,
      )
    })
    it("sets, checks and clears a merchant's page branding; a merchant user brands only its own", async () => {
      const brandingOf = async (id: string) =>
        (await server.runtime.runPromise(Effect.flatMap(MerchantStore, (s) => s.getMerchant(id)))).branding ??
        null
      const path = `/console/merchants/${a.id}/branding`
      const set = await op.post(path, {
        display_name: "<b>Shop & Co</b>",
        logo_url: "https://cdn.example/logo.png",
        accent_color: "#1F4FD1",
      })
      expect(set.status, set.text).toBe(303)
      expect(set.headers.location).toBe(`/console/merchants/${a.id}?notice=branded`)
      expect(await brandingOf(a.id)).toEqual({
        displayName: "<b>Shop & Co</b>",
        logo: { kind: "url", url: "https://cdn.example/logo.png" },
        accentColor: "#1f4fd1",
      })
      const detail = await op.get(`/console/merchants/${a.id}`)
      expect(detail.text).toContain('value="&lt;b&gt;Shop &amp; Co&lt;/b&gt;"')
      expect(detail.text).toContain('value="#1f4fd1"')
      expect(detail.text).not.toContain("<b>Shop")

      // An uploaded logo (base64, whitespace allowed) replaces the URL and is served by its SHA-256.
      const png = new Uint8Array(600)
      png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      png.fill(7, 8)
      const sha = createHash("sha256").update(png).digest("hex")
      const b64 = Buffer.from(png).toString("base64")
      const up = await op.post(path, {
        display_name: "Shop",
        accent_color: "#1f4fd1",
        logo_base64: `${b64.slice(0, 40)}\n${b64.slice(40)}`,
      })
      expect(up.status, up.text).toBe(303)
      expect((await brandingOf(a.id))?.logo).toEqual({ kind: "image", sha256: sha, contentType: "image/png" })
      const served = await http(server.url, "GET", `/p/logo/${sha}.png`)
      expect(served.status).toBe(200)
      // An empty logo URL keeps the uploaded logo.
      expect((await op.post(path, { display_name: "Shop", accent_color: "" })).status).toBe(303)
      const kept = await brandingOf(a.id)
      expect(kept).toEqual({
        displayName: "Shop",
        logo: { kind: "image", sha256: sha, contentType: "image/png" },
        accentColor: null,
      })

      // Refused, with the rule's message, and nothing saved.
      const big = new Uint8Array(32 * 1024 + 1)
      big.set(png.subarray(0, 8))
      for (const [fields, message] of [
        [{ display_name: "Shop\u202e" }, "Display name must not contain control or bidirectional formatting"],
        [{ display_name: "x".repeat(81) }, "Display name must be at most 80 characters"],
        [{ accent_color: "red" }, "Accent colour must be a colour #rrggbb"],
        [{ logo_url: "http://cdn.example/l.png" }, "Logo URL must use https"],
        [{ logo_url: "https://cdn.example/l.png", logo_base64: b64 }, "not both"],
        [{ logo_base64: "not base64!" }, "is not valid base64"],
        [{ logo_base64: Buffer.from("<svg/>").toString("base64") }, "is not a PNG, JPEG or WebP image"],
        [{ logo_base64: Buffer.from(big).toString("base64") }, "is 32769 bytes; at most 32768 (32 KiB)"],
      ] as const) {
        const r = await op.post(path, fields)
        expect(r.status, r.text).toBe(303)
        const location = decodeURIComponent(r.headers.location as string)
        expect(location).toContain(message)
        expect(await brandingOf(a.id)).toEqual(kept)
        const shown = await op.get(r.headers.location as string)
        expect(shown.text).toContain('role="alert"')
      }

      const huge = await op.post(path, { logo_base64: "A".repeat(200 * 1024) })
      expect(huge.status).toBe(413)
      expect(huge.text).toContain("The form is too large")
      expect(await brandingOf(a.id)).toEqual(kept)

      // CSRF: refused without the token, nothing saved.
      expect((await post(server, path, { display_name: "Evil" }, { cookie: op.cookie })).status).toBe(403)
      expect(await brandingOf(a.id)).toEqual(kept)

      // A merchant user: its own merchant yes, another one's is a 404 and stays untouched.
      const m = await login(server, "shop-a@example.test")
      const before = await brandingOf(b.id)
      expect((await m.post(`/console/merchants/${b.id}/branding`, { display_name: "Hijack" })).status).toBe(
        404,
      )
      expect(await brandingOf(b.id)).toEqual(before)
      expect((await m.post(path, { display_name: "Shop A", remove_logo: "1" })).status).toBe(303)
      expect(await brandingOf(a.id)).toEqual({ displayName: "Shop A", logo: null, accentColor: null })

      // Clear everything.
      expect((await op.post(path, { remove_logo: "1" })).status).toBe(303)
      expect(await brandingOf(a.id)).toEqual({ displayName: null, logo: null, accentColor: null })
      const audit = await op.get("/console/audit")
      expect(audit.text).toMatch(/shop-a@example.test<\/td><td>merchant.branding<\/td>/)
      expect(audit.text).toMatch(/root@example.test<\/td><td>merchant.branding<\/td>/)
    })
  })
