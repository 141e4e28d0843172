/**
 * The operator CLI against an embedded database in a temp folder: output formats, secrets shown once, and
 * clear errors on bad input. Commands run in-process through `runCli` (what the binary calls); one test
 * runs the real binary for exit codes and stderr.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CheckoutStore, type UnmatchedTransfer } from "@inzi/core"
import { openRuntime, readEnv } from "@inzi/platform"
import { Effect } from "effect"
import { HDNodeWallet } from "ethers"
import { beforeAll, describe, expect, it } from "vitest"
import { UsageError } from "../src/args.js"
import { runCli } from "../src/main.js"

const main = join(__dirname, "..", "src", "main.ts")
const dataDir = mkdtempSync(join(tmpdir(), "inzi-cli-"))
const M = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
const evmXpub = HDNodeWallet.fromPhrase(M, undefined, "m/44'/60'/0'").neuter().extendedKey

process.env.INZI_DATA_DIR = dataDir
process.env.DATABASE_URL = ""
process.env.LOG_LEVEL = "warn"

/** One invocation in-process: stdout/stderr captured, exit code as the binary would set it. */
const inzi = async (...args: string[]) => {
  let out = ""
  let err = ""
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  }) as typeof process.stdout.write
  let code: number
  try {
    code = await runCli(args)
  } catch (e) {
    err = `inzi: ${e instanceof Error ? e.message : String(e)}`
    code = e instanceof UsageError ? 2 : 1
  } finally {
    process.stdout.write = write
  }
  return { code, out, err }
}

const binary = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", main, ...args], {
    env: { ...process.env, INZI_DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" },
    encoding: "utf8",
    timeout: 60_000,
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe("inzi CLI", () => {
  let merchantId = ""

  beforeAll(async () => {
    const r = await inzi("migrate", "--json")
    expect(r.code, r.err).toBe(0)
    expect(JSON.parse(r.out).applied.length).toBeGreaterThan(0)
  }, 90_000)

  it("the binary prints usage and refuses unknown commands with exit 2", () => {
    expect(binary("help").out).toContain("merchant create --name")
    const r = binary("frobnicate")
    expect(r.code).toBe(2)
    expect(r.err).toContain('unknown command "frobnicate"')
  })

  it("creates a merchant (secret shown once), lists it, refuses a bad xpub", async () => {
    const r = await inzi(
      "merchant",
      "create",
      "--name",
      "Shop",
      "--evm-xpub",
      evmXpub,
      "--webhook-url",
      "https://shop.example/h",
      "--test-webhook-url",
      "http://localhost:4000/hooks",
      "--json",
    )
    expect(r.code, r.err).toBe(0)
    const m = JSON.parse(r.out)
    expect(m.id).toMatch(/^mer_/)
    expect(m.webhook_secret).toMatch(/^whsec_/)
    // Each mode signs with its own secret.
    expect(m.test_webhook_secret).toMatch(/^whsec_/)
    expect(m.test_webhook_secret).not.toBe(m.webhook_secret)
    merchantId = m.id
    const listOut = (await inzi("merchant", "list", "--json")).out
    const row = JSON.parse(listOut).find((x: { id: string }) => x.id === merchantId)
    expect(row).toMatchObject({
      name: "Shop",
      payout: { evm: true },
      webhook_url: "https://shop.example/h",
      test_webhook_url: "http://localhost:4000/hooks",
    })
    expect(listOut).not.toContain(m.webhook_secret)
    expect(listOut).not.toContain(m.test_webhook_secret)
    // The name is shown to shoppers on the payment page: no control or bidirectional formatting characters.
    const bidi = await inzi("merchant", "create", "--name", "Shop\u202egpj.exe", "--evm-xpub", "x")
    expect(bidi.code).toBe(2)
    expect(bidi.err).toContain("--name must not contain control or bidirectional formatting characters")
    // A live endpoint must be https (the API's rule for live mode).
    const plain = await inzi("merchant", "create", "--name", "P", "--webhook-url", "http://shop.example/h")
    expect(plain.code).toBe(2)
    expect(plain.err).toContain("--webhook-url must use https in live mode")
    // Rotating the test secret leaves the live one alone; clearing the test endpoint stops test deliveries.
    const rot = await inzi(
      "merchant",
      "update",
      "--merchant",
      m.id,
      "--rotate-secret",
      "test",
      "--test-webhook-url",
      "",
      "--json",
    )
    expect(rot.code, rot.err).toBe(0)
    const u = JSON.parse(rot.out)
    expect(u).toMatchObject({ id: m.id, webhook_url: "https://shop.example/h", test_webhook_url: null })
    expect(u.test_webhook_secret).toMatch(/^whsec_/)
    expect(u.test_webhook_secret).not.toBe(m.test_webhook_secret)
    expect(u.webhook_secret).toBeUndefined()
    // Host allow-lists: validated patterns; the merchant's own default endpoints must obey the webhook list.
    const off = await inzi(
      "merchant",
      "update",
      "--merchant",
      m.id,
      "--allowed-webhook-hosts",
      "hooks.example",
    )
    expect(off.code).toBe(2)
    expect(off.err).toContain(
      "--webhook-url https://shop.example/h: its host is not in the merchant's allowed webhook hosts",
    )
    const badPattern = await inzi(
      "merchant",
      "update",
      "--merchant",
      m.id,
      "--allowed-redirect-hosts",
      "https://x",
    )
    expect(badPattern.code).toBe(2)
    expect(badPattern.err).toContain("--allowed-redirect-hosts:")
    const hosts = await inzi(
      "merchant",
      "update",
      "--merchant",
      m.id,
      "--allowed-redirect-hosts",
      "shop.example,*.shop.example",
      "--allowed-webhook-hosts",
      "shop.example",
      "--json",
    )
    expect(hosts.code, hosts.err).toBe(0)
    expect(JSON.parse(hosts.out)).toMatchObject({
      allowed_redirect_hosts: ["shop.example", "*.shop.example"],
      allowed_webhook_hosts: ["shop.example"],
    })
    const elsewhere = await inzi(
      "merchant",
      "update",
      "--merchant",
      m.id,
      "--webhook-url",
      "https://other.example/h",
    )
    expect(elsewhere.code).toBe(2)
    const cleared = await inzi(
      "merchant",
      "update",
      "--merchant",
      m.id,
      "--allowed-redirect-hosts",
      "",
      "--json",
    )
    expect(JSON.parse(cleared.out)).toMatchObject({
      allowed_redirect_hosts: [],
      allowed_webhook_hosts: ["shop.example"],
    })
    const nothing = await inzi("merchant", "update", "--merchant", m.id)
    expect(nothing.code).toBe(2)
    expect(nothing.err).toContain("nothing to change")
    const bad = await inzi("merchant", "create", "--name", "Bad", "--evm-xpub", "xpub-nonsense")
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/inzi: --evm-xpub: /)
    const twice = await inzi("merchant", "create", "--name", "Copy", "--evm-xpub", evmXpub)
    expect(twice.code).toBe(2)
    expect(twice.err).toContain(`already used by merchant ${merchantId}`)
    const badTon = await inzi("merchant", "create", "--name", "T", "--ton-wallet", "UQnope")
    expect(badTon.code).toBe(2)
    expect(badTon.err).toContain("--ton-wallet is not a TON address")
    const missing = await inzi("merchant", "create")
    expect(missing.code).toBe(2)
    expect(missing.err).toContain("--name is required")
  }, 120_000)

  it("sets the hosted page's branding: checked flags, uploaded logo sniffed, shown by merchant show", async () => {
    const id = merchantId
    const update = (...flags: string[]) => inzi("merchant", "update", "--merchant", id, ...flags)
    const shown = async () => JSON.parse((await inzi("merchant", "show", "--merchant", id, "--json")).out)
    expect((await shown()).branding).toEqual({ display_name: null, logo: null, accent_color: null })

    const dir = mkdtempSync(join(tmpdir(), "inzi-logo-"))
    const png = join(dir, "logo.png")
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))
    const set = await update(
      "--display-name",
      "Acme\u001b[31m Roasters",
      "--accent-color",
      "#1F4FD1",
      "--logo-file",
      png,
    )
    expect(set.code).toBe(2) // an escape character in the name is refused
    expect(set.err).toContain("--display-name must not contain control")
    const ok = await update(
      "--display-name",
      "Acme Roasters",
      "--accent-color",
      "#1F4FD1",
      "--logo-file",
      png,
      "--json",
    )
    expect(ok.code, ok.err).toBe(0)
    const b = JSON.parse(ok.out).branding
    expect(b).toMatchObject({ display_name: "Acme Roasters", accent_color: "#1f4fd1" })
    expect(b.logo).toEqual({ uploaded: expect.stringMatching(/^[0-9a-f]{64}$/), content_type: "image/png" })
    expect((await shown()).branding).toEqual(b)
    const human = await inzi("merchant", "show", "--merchant", id)
    expect(human.out).toContain("page branding: display name Acme Roasters; logo uploaded image/png sha256:")
    expect(human.out).toContain("accent #1f4fd1")

    // Only the given fields change; "" clears one.
    const url = await update("--logo-url", "https://cdn.shop.example/l.png", "--accent-color", "", "--json")
    expect(JSON.parse(url.out).branding).toEqual({
      display_name: "Acme Roasters",
      logo: { url: "https://cdn.shop.example/l.png" },
      accent_color: null,
    })

    const svg = join(dir, "logo.svg")
    writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    const big = join(dir, "big.png")
    writeFileSync(big, Buffer.alloc(40_000, 0x89))
    for (const [flags, message] of [
      [["--logo-file", svg], "is not a PNG, JPEG or WebP image (SVG is not accepted)"],
      [["--logo-file", big], "is larger than 32768 bytes"],
      [["--logo-file", join(dir, "missing.png")], "cannot read it (ENOENT)"],
      [["--logo-url", "http://cdn.shop.example/l.png"], "--logo-url must use https"],
      [["--logo-url", "javascript:alert(1)"], "--logo-url must be an absolute http(s) URL"],
      [
        ["--logo-url", "https://a.example/x.png", "--logo-file", png],
        "give --logo-url or --logo-file, not both",
      ],
      [["--accent-color", "blue"], "--accent-color must be a colour #rrggbb"],
      [["--accent-color", "#fff"], "--accent-color must be a colour #rrggbb"],
      [["--display-name", "x".repeat(81)], "--display-name must be at most 80 characters"],
      [["--logo"], "unknown flag --logo"],
    ] as const) {
      const r = await update(...flags)
      expect(r.code, flags.join(" ")).toBe(2)
      expect(r.err, flags.join(" ")).toContain(message)
    }
    expect((await shown()).branding.logo).toEqual({ url: "https://cdn.shop.example/l.png" })
    const missing = await inzi("merchant", "show", "--merchant", "mer_nope")
    expect(missing.code).not.toBe(0)
  })
  it("creates a key shown once, lists it by prefix only, revokes it", async () => {
    const r = await inzi("key", "create", "--merchant", merchantId, "--mode", "test", "--json")
    expect(r.code, r.err).toBe(0)
    const k = JSON.parse(r.out)
    expect(k.key).toMatch(/^sk_test_[A-Za-z0-9]{40}$/)
    expect(k.key.startsWith(k.prefix)).toBe(true)
    const listed = (await inzi("key", "list", "--merchant", merchantId, "--json")).out
    expect(listed).toContain(k.prefix)
    expect(listed).not.toContain(k.key)
    expect((await inzi("key", "create", "--merchant", merchantId, "--mode", "prod")).code).toBe(2)
    const rev = await inzi("key", "revoke", k.prefix, "--json")
    expect(rev.code, rev.err).toBe(0)
    expect(JSON.parse(rev.out)).toMatchObject({ revoked: true, id: k.id })
    const after = JSON.parse((await inzi("key", "list", "--merchant", merchantId, "--json")).out)
    expect(after[0].revokedAt).not.toBeNull()
    expect((await inzi("key", "revoke", "sk_test_nothing")).code).toBe(1)
  }, 120_000)

  it("reports webhooks, unmatched money, status and a CSV export", async () => {
    expect(JSON.parse((await inzi("webhooks", "list", "--failed", "--json")).out)).toEqual([])
    expect((await inzi("webhooks", "resend", "evt_unknown")).code).toBe(1)
    expect(JSON.parse((await inzi("unmatched", "list", "--json")).out)).toEqual([])
    const s = JSON.parse((await inzi("status", "--json")).out)
    expect(s.outbox).toMatchObject({ pending: 0, failed: 0 })
    const csv = await inzi("export", "--from", "2020-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z")
    expect(csv.code, csv.err).toBe(0)
    expect(csv.out).toBe(
      "id,merchant_id,mode,status,amount_usd,amount_paid_usd,created_at,expires_at,network,token,amount_crypto,tx_hash,description,metadata,payments\r\n",
    )
    expect((await inzi("export", "--from", "yesterday", "--to", "now")).code).toBe(2)
  }, 120_000)

  it("shows quarantined chain events in status and quarantine list, escaped for the terminal", async () => {
    expect((await inzi("quarantine", "list")).out).toBe("no quarantined chain events\n")
    expect(JSON.parse((await inzi("status", "--json")).out).quarantine).toEqual([])
    const unmatched = (txHash: string, memo: string): UnmatchedTransfer => ({
      _tag: "UnmatchedTransfer",
      network: "ton",
      txHash,
      logIndex: 0,
      wallet: "0:wallet",
      memo,
      token: "USDT",
      tokenContract: "EQjetton",
      decimals: 6,
      amount: 1n,
      sender: null,
      observedAt: new Date("2026-04-04T12:00:00Z"),
      reason: "unknown comment",
    })
    const rt = await openRuntime(readEnv(), { migrate: true })
    try {
      // Transaction hashes with a NUL cannot be stored: both events are set aside, with chain text that would
      // clear the screen (ESC) or reverse the line (U+202E) if printed raw.
      await rt.run(
        Effect.flatMap(CheckoutStore, (s) =>
          s.applyChainEvents({
            network: "ton",
            mode: "live",
            requiredConfirmations: 1,
            events: [unmatched("0x\u001b[2J\u0000", "a"), unmatched("bad\u0000", "evil\u202etxt")],
            cursor: "c1",
            now: new Date("2026-04-04T12:00:01Z"),
          }),
        ),
      )
    } finally {
      await rt.close()
    }
    const listed = await inzi("quarantine", "list")
    expect(listed.code, listed.err).toBe(0)
    expect(listed.out).not.toMatch(/[\u001b\u202e]/)
    expect(listed.out).toContain("0x\\x1b[2J\\u0000")
    expect(listed.out).toContain("evil\\u202etxt")
    expect(listed.out).toContain("22021")
    const json = JSON.parse((await inzi("quarantine", "list", "--network", "ton", "--json")).out)
    expect(json.map((r: { txHash: string }) => r.txHash).sort()).toEqual(["0x\u001b[2J\\u0000", "bad\\u0000"])
    expect(JSON.parse((await inzi("quarantine", "list", "--network", "base", "--json")).out)).toEqual([])
    expect(JSON.parse((await inzi("status", "--json")).out).quarantine).toEqual([
      {
        network: "ton",
        count: 2,
        latestSqlstate: "22021",
        latestReason: expect.stringContaining("0x00"),
        latestAt: "2026-04-04T12:00:01.000Z",
      },
    ])
    expect((await inzi("status")).out).toMatch(
      /quarantined chain events: ton 2 \(latest 2026-04-04T12:00:01\.000Z, 22021: /,
    )
  }, 120_000)
})

describe("inzi secrets (webhook secrets at rest)", () => {
  it("encrypt seals clear rows, rotate moves them to the new key, a missing key is a clear error", async () => {
    const saved = { dir: process.env.INZI_DATA_DIR }
    process.env.INZI_DATA_DIR = mkdtempSync(join(tmpdir(), "inzi-cli-secrets-"))
    const K1 = Buffer.alloc(32, 11).toString("base64")
    const K2 = Buffer.alloc(32, 12).toString("base64")
    try {
      const noKey = await inzi("secrets", "encrypt")
      expect(noKey.code).toBe(2)
      expect(noKey.err).toContain("INZI_SECRET_KEY is not set")
      // A merchant must be able to take a payment (an EVM key here).
      const made = await inzi("merchant", "create", "--name", "Clear", "--evm-xpub", evmXpub, "--json")
      expect(made.code, made.err).toBe(0)
      const created = JSON.parse(made.out)
      process.env.INZI_SECRET_KEY = K1
      const enc = await inzi("secrets", "encrypt", "--json")
      expect(enc.code, enc.err).toBe(0)
      expect(JSON.parse(enc.out)).toMatchObject({ sealed: 2, unchanged: 0 })
      expect(enc.out).not.toContain(created.webhook_secret)
      process.env.INZI_SECRET_KEY = K2
      process.env.INZI_SECRET_KEY_OLD = K1
      const rot = await inzi("secrets", "rotate", "--json")
      expect(rot.code, rot.err).toBe(0)
      expect(JSON.parse(rot.out)).toMatchObject({ sealed: 2, unchanged: 0 })
      delete process.env.INZI_SECRET_KEY_OLD
      // The new key alone reads every row; the rotated secret is the same secret.
      const rotated = await inzi(
        "merchant",
        "update",
        "--merchant",
        created.id,
        "--webhook-url",
        "",
        "--json",
      )
      expect(rotated.code, rotated.err).toBe(0)
      delete process.env.INZI_SECRET_KEY
      const missing = await inzi("merchant", "list")
      expect(missing.code).toBe(1)
      expect(missing.err).toContain("is encrypted (key id")
      expect(missing.err).toContain("INZI_SECRET_KEY is not set")
    } finally {
      delete process.env.INZI_SECRET_KEY
      delete process.env.INZI_SECRET_KEY_OLD
      process.env.INZI_DATA_DIR = saved.dir
    }
  }, 180_000)
})
