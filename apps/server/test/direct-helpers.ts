/**
 * Shared by the tests of the fiber-less routes (get-direct, create-direct): a test key, its merchant as the key
 * cache returns it, and a way to run a `DirectHandler` and see what it did.
 */
import { type ActiveKey, hashApiKey, type Merchant } from "@inzi/core"
import type { DirectHandler, HttpRequest, HttpResponse } from "../src/http/response.js"

export const KEY = `sk_test_${"a".repeat(32)}`
export const T0 = new Date("2026-12-03T10:00:00Z")

/** Merchant `mer_1` ("Acme"), without xpubs or wallet unless given. */
export const testMerchant = (o: Partial<Merchant> = {}): Merchant => ({
  id: "mer_1",
  name: "Acme",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  testWebhookUrl: null,
  testWebhookSecret: "whsec_y",
  payoutKeys: {},
  networks: { live: [], test: [] },
  createdAt: T0,
  ...o,
})

/** `KEY` (id `key_1`, test mode) of `merchant`, as the key cache answers it. */
export const activeKey = (merchant: Merchant): ActiveKey =>
  ({
    key: {
      id: "key_1",
      merchantId: merchant.id,
      mode: "test",
      prefix: KEY.slice(0, 12),
      createdAt: T0,
      revokedAt: null,
    },
    merchant,
  }) as unknown as ActiveKey

/** A key cache holding `KEY` only. */
export const cacheOf = (found: ActiveKey) => (hash: string) => (hash === hashApiKey(KEY) ? found : undefined)

export type Outcome =
  | { readonly kind: "passed" }
  | { readonly kind: "respond"; readonly r: HttpResponse }
  | { readonly kind: "fail"; readonly e: unknown; readonly crashed: boolean }

/** Runs the handler; resolves with what it answered, or `passed` when it handed the request on. */
export const callDirect = (handler: DirectHandler | undefined, req: HttpRequest) =>
  new Promise<Outcome>((resolve) => {
    if (handler === undefined) throw new Error("no direct handler")
    const answered = handler(
      req,
      (r) => resolve({ kind: "respond", r }),
      (e, crashed) => resolve({ kind: "fail", e, crashed }),
    )
    if (!answered) resolve({ kind: "passed" })
  })
