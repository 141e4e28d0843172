/**
 * `@inzi/wire`: the public contract of the Inzi HTTP API and its webhooks (API.md) — request and response
 * Schemas, statuses, limits and field rules, and the webhook signature scheme. Shared by the server (through
 * `@inzi/core`) and `@inzi/client`, so there is one definition; nothing here knows the payment rules.
 */
export * from "./api.js"
export * from "./domain.js"
export * from "./text.js"
export * from "./webhook-signature.js"
