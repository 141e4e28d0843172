/**
 * The public contract of the Inzi HTTP API and its webhooks (API.md) — request and response
 * Schemas, statuses, limits and field rules, and the webhook signature scheme. Nothing here knows the payment
 * rules, and nothing here imports outside this folder but `effect` and `@noble/hashes`: core exports it as its
 * `./wire` subpath, and packages/wire builds these same files into `@inzi/wire`, which `@inzi/client` ships.
 */
export * from "./api.js"
export * from "./domain.js"
export { hmacSha256Hex, sha256Hex } from "./hash.js"
export * from "./text.js"
export * from "./webhook-signature.js"
