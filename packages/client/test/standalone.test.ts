import { execFileSync, spawnSync } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

// The client as a merchant installs it: its built files and those of its production dependencies in a
// node_modules of their own, laid out from each package.json's `files` and `dependencies`. @inzi/core (the
// gateway's state machine) is not there: the client must load and work without it.
const packages = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const tsc = createRequire(join(packages, "..", "package.json")).resolve("typescript/bin/tsc")

interface Manifest {
  readonly name: string
  readonly files: ReadonlyArray<string>
  readonly dependencies: Readonly<Record<string, string>>
  readonly exports: Record<string, unknown>
}
const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(packages, dir, "package.json"), "utf8"))

let root = ""
const install = (dir: string) => {
  const m = manifest(dir)
  const target = join(root, "node_modules", m.name)
  mkdirSync(target, { recursive: true })
  cpSync(join(packages, dir, "package.json"), join(target, "package.json"))
  execFileSync(process.execPath, [
    tsc,
    "-p",
    join(packages, dir, "tsconfig.build.json"),
    "--outDir",
    join(target, "dist"),
  ])
  return m
}
/** A third-party dependency, linked from where the workspace installed it for `dir`. */
const link = (dir: string, name: string) => {
  const to = join(root, "node_modules", name)
  if (existsSync(to)) return
  mkdirSync(dirname(to), { recursive: true })
  symlinkSync(realpathSync(join(packages, dir, "node_modules", name)), to)
}

const run = (code: string) =>
  spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" })

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "inzi-client-standalone-"))
  const client = install("client")
  const wire = install("wire")
  for (const m of [client, wire]) {
    expect(m.files).toContain("dist")
    for (const dep of Object.keys(m.dependencies)) {
      expect(dep).not.toBe("@inzi/core")
      if (!dep.startsWith("@inzi/")) link(m === client ? "client" : "wire", dep)
    }
  }
  expect(Object.keys(client.dependencies).sort()).toEqual(["@inzi/wire", "effect"])
  // @inzi/wire is compiled from core's src/wire: what it installs must not name core either.
  expect(Object.keys(wire.dependencies).sort()).toEqual(["@noble/hashes", "effect"])
  const wireDist = join(root, "node_modules", "@inzi", "wire", "dist")
  for (const f of readdirSync(wireDist))
    expect(readFileSync(join(wireDist, f), "utf8"), f).not.toContain("@inzi/core")
}, 240_000)

afterAll(() => {
  if (root !== "") rmSync(root, { recursive: true, force: true })
})

describe("@inzi/client installed without @inzi/core", () => {
  it("core is not resolvable there (the setup does not leak the workspace)", () => {
    const r = run('await import("@inzi/core")')
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain("ERR_MODULE_NOT_FOUND")
  })

  it("loads from its built files, verifies a signed webhook and decodes a checkout", () => {
    const r = run(`
      import { InziClient, signWebhook, parseWebhookEvent, ApiCheckout } from "@inzi/client"
      import { Schema } from "effect"
      const checkout = {
        id: "chk_test_k3j9x2m1q8w7e5r4t6y0u2i9", status: "completed", amount: "25.00", currency: "USD",
        description: null, metadata: {}, customer_email: null, redirect_url: null,
        checkout_url: "https://pay.example.com/p/k3j9x2m1q8w7e5r4t6y0u2i9", payment: null, amount_paid: "25.00",
        payments: [], payment_options: [], expires_at: "2026-04-04T12:30:00Z", created_at: "2026-04-04T12:00:00Z",
      }
      Schema.decodeUnknownSync(ApiCheckout)(checkout)
      const payload = JSON.stringify({ id: "evt_abc", type: "checkout.completed", created_at: "2026-04-04T12:05:00Z",
        livemode: false, sequence: 1, data: { object: checkout } })
      const now = 1775304300
      const header = signWebhook({ payload, secret: "whsec_x", timestamp: now })
      const event = parseWebhookEvent({ payload, header, secret: "whsec_x", livemode: false, now })
      let refused = ""
      try { parseWebhookEvent({ payload, header, secret: "whsec_other", livemode: false, now }) }
      catch (e) { refused = e.reason }
      new InziClient({ apiKey: "sk_test_x", baseUrl: "https://pay.example.com" })
      console.log(JSON.stringify({ type: event.type, id: event.data.object.id, refused, url: import.meta.resolve("@inzi/client") }))
    `)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({
      type: "checkout.completed",
      id: "chk_test_k3j9x2m1q8w7e5r4t6y0u2i9",
      refused: "signature_mismatch",
    })
    expect(out.url).toContain(`${root}/node_modules/@inzi/client/dist/index.js`)
  })
})
