import { type Merchant, MerchantStore, type Mode, parseApiKey } from "@inzi/core"
import { Effect } from "effect"
import { errorResponse } from "./errors.js"
import type { HttpRequest } from "./response.js"
import { sha256Hex } from "./sha256.js"

export interface Principal {
  readonly merchant: Merchant
  readonly mode: Mode
  readonly keyId: string
  readonly keyPrefix: string
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

const unauthorized = (message: string) =>
  errorResponse(
    { type: "authentication_error", code: "invalid_api_key", message },
    { headers: { "www-authenticate": 'Bearer realm="inzi"' } },
  )

/**
 * Resolves `Authorization: Bearer sk_(live|test)_…` to its merchant and mode. The key is looked up by its
 * SHA-256 hash only; a missing, malformed, unknown or revoked key is 401 with the same message shape.
 */
export const authenticate = (req: HttpRequest) => {
  // Plain checks first, then one store lookup (a key-cache hit in the server): few fiber steps per request.
  const header = req.headers.authorization
  if (header === undefined || header === "")
    return Effect.fail(unauthorized("No API key provided. Use the header Authorization: Bearer <key>"))
  const key = BEARER.exec(header)?.[1]
  if (key === undefined || parseApiKey(key) === null)
    return Effect.fail(unauthorized("Invalid API key format: expected Bearer sk_live_… or sk_test_…"))
  const hash = sha256Hex(key)
  return Effect.flatMap(MerchantStore, (store) =>
    Effect.flatMap(store.findActiveKeyByHash(hash), (found) =>
      found === null
        ? Effect.fail(unauthorized("Invalid API key provided"))
        : Effect.succeed<Principal>({
            merchant: found.merchant,
            mode: found.key.mode,
            keyId: found.key.id,
            keyPrefix: found.key.prefix,
          }),
    ),
  )
}
