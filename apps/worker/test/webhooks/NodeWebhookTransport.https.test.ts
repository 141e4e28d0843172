/**
 * The transport over https, against a real local TLS receiver with a certificate made for the test by the
 * `openssl` CLI (self-signed, for `hooks.test` and 127.0.0.1).
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { WebhookTransport, type WebhookRequest } from "@inzi/core"
import { Effect, Either } from "effect"
import { NodeWebhookTransport, type ResolveHost } from "../../src/webhooks/NodeWebhookTransport.js"

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

const resolve: ResolveHost = async (hostname) => {
  if (hostname === "hooks.test") return [{ address: "127.0.0.1", family: 4 }]
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })
}

describe.skipIf(!hasOpenssl)("NodeWebhookTransport over https", () => {
  let dir: string
  let cert: string
  let server: https.Server
  let port: number
  const seen: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "inzi-webhook-tls-"))
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=hooks.test",
        "-addext",
        "subjectAltName=DNS:hooks.test,IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    )
    cert = readFileSync(join(dir, "cert.pem"), "utf8")
    server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
      req.resume()
      req.on("end", () => {
        seen.push(req.url ?? "")
        res.writeHead(202)
        res.end("accepted")
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  const req = (path: string, blockPrivateAddresses: boolean): WebhookRequest => ({
    url: `https://hooks.test:${port}${path}`,
    headers: { "Content-Type": "application/json" },
    body: "{}",
    timeoutMs: 5_000,
    blockPrivateAddresses,
  })

  it.live("delivers over TLS with a trusted CA; the SSRF guard applies to https the same way", () =>
    Effect.gen(function* () {
      const [ok, again, blocked] = yield* Effect.gen(function* () {
        const t = yield* WebhookTransport
        const a = yield* Effect.either(t.send(req("/a", false)))
        const b = yield* Effect.either(t.send(req("/b", false)))
        // Same host and port: the pooled TLS socket is offered, and refused by the connected-address check.
        const c = yield* Effect.either(t.send(req("/c", true)))
        return [a, b, c] as const
      }).pipe(Effect.provide(NodeWebhookTransport.layer({ resolve, ca: cert })), Effect.scoped)
      expect(Either.getOrThrow(ok).statusCode).toBe(202)
      expect(Either.getOrThrow(again).statusCode).toBe(202)
      expect(Either.isLeft(blocked) && blocked.left).toMatchObject({
        refused: true,
        message: "refused: connected to 127.0.0.1 (loopback)",
      })
      expect(seen).toEqual(["/a", "/b"])

      // A fresh transport refuses at lookup time, before any TLS handshake.
      const fresh = yield* Effect.flatMap(WebhookTransport, (t) =>
        Effect.either(t.send(req("/d", true))),
      ).pipe(Effect.provide(NodeWebhookTransport.layer({ resolve, ca: cert })), Effect.scoped)
      expect(Either.isLeft(fresh) && fresh.left).toMatchObject({
        refused: true,
        message: "refused: hooks.test resolves to 127.0.0.1 (loopback)",
      })
      expect(seen).toEqual(["/a", "/b"])
    }),
  )

  it.live("an untrusted certificate is a transport error, not a success", () =>
    Effect.gen(function* () {
      const r = yield* Effect.flatMap(WebhookTransport, (t) => Effect.either(t.send(req("/x", false)))).pipe(
        Effect.provide(NodeWebhookTransport.layer({ resolve })),
        Effect.scoped,
      )
      expect(Either.isLeft(r) && r.left.refused).toBe(false)
      expect(Either.isLeft(r) && r.left.message).toMatch(/self[- ]signed/i)
      expect(seen).not.toContain("/x")
    }),
  )
})
