import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import * as wire from "@inzi/wire"

describe("public surface of @inzi/wire", () => {
  // A change here is a change of the contract @inzi/client ships to merchants.
  it("exports exactly the API contract", () => {
    expect(Object.keys(wire).sort()).toEqual([
      "API_LIMITS",
      "ApiCheckout",
      "ApiCheckoutList",
      "ApiErrorBody",
      "ApiErrorDetail",
      "ApiErrorType",
      "ApiMetadata",
      "ApiPayment",
      "ApiPaymentEntry",
      "ApiPaymentOption",
      "ApiPublicStatus",
      "ApiTimestamp",
      "ApiWebhookEvent",
      "CHECKOUT_STATUSES",
      "CheckoutStatusSchema",
      "CreateCheckoutRequest",
      "DEFAULT_SIGNATURE_TOLERANCE_SECONDS",
      "EVENT_ID_HEADER",
      "LIST_QUERY_PARAMS",
      "ListCheckoutsQuery",
      "MODES",
      "PaymentStatusSchema",
      "SIGNATURE_HEADER",
      "WebhookEventTypeSchema",
      "codePointLength",
      "computeSignature",
      "constantTimeEqual",
      "escapeUnstorable",
      "hmacSha256Hex",
      "isDisplaySafeText",
      "isPlausibleEmail",
      "isStorableText",
      "parseSignatureHeader",
      "sha256Hex",
      "signWebhook",
      "storableText",
      "urlProblem",
      "verifyWebhookSignature",
    ])
  })

  it("the statuses of the Schemas are the domain's", () => {
    const status = Schema.decodeUnknownEither(wire.CheckoutStatusSchema)
    for (const s of wire.CHECKOUT_STATUSES) expect(status(s)._tag).toBe("Right")
    expect(status("paid")._tag).toBe("Left")
    const decode = Schema.decodeUnknownEither(wire.ListCheckoutsQuery)
    expect(decode({ status: "underpaid", limit: "5" })._tag).toBe("Right")
    expect(decode({ status: "paid" })._tag).toBe("Left")
  })

  it("the create request Schema applies the field rules (code points, display-safe, storable)", () => {
    const decode = Schema.decodeUnknownEither(wire.CreateCheckoutRequest)
    expect(decode({ amount: "25.00", currency: "usd", description: "é".repeat(256) })._tag).toBe("Right")
    expect(decode({ amount: "25.00", currency: "USD", description: "é".repeat(257) })._tag).toBe("Left")
    expect(decode({ amount: "25.00", currency: "USD", description: "a\u202eb" })._tag).toBe("Left")
    expect(decode({ amount: 25, currency: "USD" })._tag).toBe("Left")
    expect(decode({ amount: "1", currency: "USD", customer_email: "a\u0000@b.io" })._tag).toBe("Left")
    expect(decode({ amount: "1", currency: "USD", redirect_url: "ftp://x.io" })._tag).toBe("Left")
  })
})

describe("@inzi/wire is built from core's src/wire", () => {
  const here = dirname(fileURLToPath(import.meta.url))
  const contract = join(here, "../../core/src/wire")
  const manifest = JSON.parse(readFileSync(join(here, "../package.json"), "utf8"))

  it("has no source of its own: its workspace entry and its build both point at core's folder", () => {
    const build = JSON.parse(readFileSync(join(here, "../tsconfig.build.json"), "utf8"))
    expect(build.compilerOptions.rootDir).toBe("../core/src/wire")
    expect(build.include).toEqual(["../core/src/wire"])
    expect(manifest.exports["."]["@inzi/source"]).toBe("./source.ts")
    expect(readFileSync(join(here, "../source.ts"), "utf8")).toContain(
      'export * from "../core/src/wire/index.js"',
    )
    expect(existsSync(join(here, "../src"))).toBe(false)
  })

  it("names @inzi/core in none of its dependencies", () => {
    for (const field of ["dependencies", "devDependencies", "peerDependencies"])
      expect(Object.keys(manifest[field] ?? {})).not.toContain("@inzi/core")
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@noble/hashes", "effect"])
  })

  it("builds one .js and one .d.ts per contract file, none of them naming @inzi/core", () => {
    const out = mkdtempSync(join(tmpdir(), "inzi-wire-build-"))
    try {
      const tsc = createRequire(join(here, "../../../package.json")).resolve("typescript/bin/tsc")
      execFileSync(process.execPath, [tsc, "-p", join(here, "../tsconfig.build.json"), "--outDir", out])
      const sources = readdirSync(contract).filter((f) => f.endsWith(".ts"))
      const built = readdirSync(out).sort()
      expect(built).toEqual(
        sources.flatMap((f) => [f.replace(/\.ts$/, ".d.ts"), f.replace(/\.ts$/, ".js")]).sort(),
      )
      for (const f of built) expect(readFileSync(join(out, f), "utf8"), f).not.toContain("@inzi/core")
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)
})
