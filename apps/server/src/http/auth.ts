import { hashApiKey, type Merchant, MerchantStore, type Mode, parseApiKey } from "@inzi/core"
import { Effect } from "effect"
import { errorResponse } from "./errors.js"
import type { HttpRequest } from "./response.js"

export interface Principal {
  readonly merchant: Merchant
  readonly mode: Mode
  readonly keyId: string
  readonly keyPrefix: string
}

const unauthorized = (message: string) =>
  errorResponse(
    { type: "authentication_error", code: "invalid_api_key", message },
    { headers: { "www-authenticate": 'Bearer realm="inzi"' } },
  )

/**
 * Resolves `Authorization: Bearer sk_(live|test)_…` to its merchant and mode. The key is looked up by its
 * SHA-256 hash only; a missing, malformed, unknown or revoked key is 401 with the same message shape.
 */
export const authenticate = (req: HttpRequest) =>
  Effect.gen(function* () {
    const header = req.headers.authorization
    if (header === undefined || header === "")
      return yield* Effect.fail(
        unauthorized("No API key provided. Use the header Authorization: Bearer <key>"),
      )
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    const key = m?.[1]
    if (key === undefined || parseApiKey(key) === null)
      return yield* Effect.fail(
        unauthorized("Invalid API key format: expected Bearer sk_live_… or sk_test_…"),
      )
    const store = yield* MerchantStore
    const found = yield* store.findActiveKeyByHash(hashApiKey(key))
    if (found === null) return yield* Effect.fail(unauthorized("Invalid API key provided"))
    return {
      merchant: found.merchant,
      mode: found.key.mode,
      keyId: found.key.id,
      keyPrefix: found.key.prefix,
    } satisfies Principal
  })
