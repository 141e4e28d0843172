/**
 * The per-client-address limits' parts: the client address (X-Forwarded-For only behind trusted proxies, IPv6 per
 * /64), the token bucket's peek and bounded memory, and auth's failure limit in front of the key store.
 */
import type { IncomingMessage } from "node:http"
import type { MerchantStore } from "@inzi/core"
import { hashApiKey } from "@inzi/core"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { principalWith } from "../src/http/auth.js"
import { addressKey, clientAddress } from "../src/http/client-address.js"
import { makeRateLimiter } from "../src/http/rate-limit.js"
import { HttpResponse, type HttpRequest } from "../src/http/response.js"
import { activeKey, KEY, testMerchant } from "./direct-helpers.js"

const incoming = (peer: string, xff?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
  }) as unknown as IncomingMessage

describe("clientAddress", () => {
  it("is the connection's peer unless proxies are trusted: X-Forwarded-For is ignored by default", () => {
    expect(clientAddress(incoming("10.0.0.9", "1.2.3.4"), 0)).toBe("10.0.0.9")
  })

  it("behind N trusted proxies, the entry the farthest one appended; what the client wrote on the left is never used", () => {
    expect(clientAddress(incoming("10.0.0.9", "1.2.3.4"), 1)).toBe("1.2.3.4")
    // a client that sends its own X-Forwarded-For: the proxy appends the real address
    expect(clientAddress(incoming("10.0.0.9", "6.6.6.6, 1.2.3.4"), 1)).toBe("1.2.3.4")
    expect(clientAddress(incoming("10.0.0.9", "6.6.6.6, 1.2.3.4, 10.0.0.8"), 2)).toBe("1.2.3.4")
    expect(clientAddress(incoming("10.0.0.9", ["6.6.6.6", "1.2.3.4"]), 1)).toBe("1.2.3.4")
    // fewer entries than trusted hops: the leftmost; no header: the peer
    expect(clientAddress(incoming("10.0.0.9", "1.2.3.4"), 3)).toBe("1.2.3.4")
    expect(clientAddress(incoming("10.0.0.9"), 1)).toBe("10.0.0.9")
  })

  it("counts IPv6 per /64 and IPv4-mapped IPv6 as IPv4", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64")
    expect(addressKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64")
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64")
    expect(addressKey("::1")).toBe("0:0:0:0::/64")
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64")
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7")
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7")
  })
})

describe("makeRateLimiter", () => {
  it("peek tells the wait without taking a token", () => {
    const l = makeRateLimiter(1, 2)
    expect(l.peek("a", 0)).toBe(0)
    expect(l.take("a", 0)).toBe(0)
    expect(l.take("a", 0)).toBe(0)
    expect(l.peek("a", 0)).toBe(1)
    expect(l.peek("a", 0)).toBe(1)
    expect(l.take("a", 1_000)).toBe(0)
  })

  it("holds at most maxKeys buckets, dropping the oldest", () => {
    const l = makeRateLimiter(1, 1, 2)
    l.take("a", 0)
    l.take("b", 0)
    expect(l.peek("a", 0)).toBe(1)
    l.take("c", 0) // a goes
    expect(l.peek("a", 0)).toBe(0)
    expect(l.peek("b", 0)).toBe(1)
  })
})

describe("principalWith: failed authentications per client address", () => {
  const merchant = testMerchant()
  const found = activeKey(merchant)
  const setup = () => {
    const lookups: string[] = []
    const keys = {
      findActiveKeyByHash: (hash: string) =>
        Effect.sync(() => {
          lookups.push(hash)
          return hash === hashApiKey(KEY) ? found : null
        }),
    } as unknown as MerchantStore["Type"]
    const limits = {
      rateLimiter: makeRateLimiter(0, 1),
      authFailures: makeRateLimiter(10 / 60, 10),
      trustedProxies: 0,
      cachedKey: null,
      holdsKey: (hash: string) => hash === hashApiKey(KEY),
    }
    const call = (key: string, peer = "203.0.113.5") =>
      Effect.runSync(
        Effect.either(
          principalWith(
            {
              method: "GET",
              url: "/api/v1/checkouts",
              headers: { authorization: `Bearer ${key}` },
              incoming: incoming(peer),
              params: {},
              id: "req_1",
              body: null,
            } as unknown as HttpRequest,
            keys,
            limits,
          ),
        ),
      )
    return { lookups, call }
  }
  const statusOf = (r: Either.Either<unknown, unknown>) =>
    Either.isLeft(r) && r.left instanceof HttpResponse ? r.left.status : Either.isRight(r) ? 200 : -1

  it("1000 made-up keys from one address cost the store 10 lookups; the rest are 429 with Retry-After", () => {
    const { lookups, call } = setup()
    const statuses = Array.from({ length: 1_000 }, (_, i) =>
      statusOf(call(`sk_test_${String(i).padStart(32, "x")}`)),
    )
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401))
    expect(new Set(statuses.slice(10))).toEqual(new Set([429]))
    expect(lookups.length).toBe(10)
    const r = call(`sk_test_${"y".repeat(32)}`)
    if (Either.isRight(r) || !(r.left instanceof HttpResponse)) throw new Error("expected a response")
    expect(JSON.parse(r.left.body)).toEqual({
      error: {
        type: "rate_limit_error",
        code: "rate_limited",
        message: "Too many failed authentications from this address",
      },
    })
    expect(Number(r.left.headers["retry-after"])).toBeGreaterThanOrEqual(1)
    // malformed headers count too, and are refused the same way once the address is out
    expect(statusOf(call("nope"))).toBe(429)
    // a real key the cache holds is still served from that address; another address is unaffected
    expect(statusOf(call(KEY))).toBe(200)
    expect(statusOf(call(`sk_test_${"z".repeat(32)}`, "198.51.100.1"))).toBe(401)
  })
})
