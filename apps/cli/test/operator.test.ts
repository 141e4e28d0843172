/**
 * `inzi operator create`: the real binary over an embedded database; the password only on stdin, stored as
 * an scrypt hash, refused when short, an email taken twice or an unknown merchant are clear errors.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConsoleStoreLive } from "@inzi/adapter-postgres"
import { ConsoleStore } from "@inzi/core"
import { openRuntime, readEnv } from "@inzi/platform"
import { verifyPassword } from "@inzi/platform/password"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"

const main = join(__dirname, "..", "src", "main.ts")
const dataDir = mkdtempSync(join(tmpdir(), "inzi-cli-operator-"))
const PASSWORD = "a long enough passphrase"

/** The binary, asynchronously (a synchronous spawn would stall the test runner for the database's start). */
const inzi = (input: string, ...args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", main, ...args], {
      env: { ...process.env, INZI_DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" },
      timeout: 90_000,
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString("utf8")
    })
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8")
    })
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, out, err }))
    child.stdin.end(input)
  })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe("inzi operator create", () => {
  it("reads the password from stdin and stores only its scrypt hash", async () => {
    const r = await inzi(`${PASSWORD}\n`, "operator", "create", "Ops@Example.test", "--json")
    expect(r.code, r.err).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ email: "ops@example.test", merchant: null })
    expect(r.out + r.err).not.toContain(PASSWORD)
    const rt = await openRuntime(readEnv({ INZI_DATA_DIR: dataDir, LOG_LEVEL: "warn" }), { migrate: true })
    try {
      const found = await rt.run(
        Effect.flatMap(ConsoleStore, (s) => s.findOperatorByEmail("ops@example.test")).pipe(
          Effect.provide(ConsoleStoreLive),
        ),
      )
      expect(found?.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/)
      expect(found?.passwordHash).not.toContain(PASSWORD)
      expect(await verifyPassword(PASSWORD, found!.passwordHash)).toBe(true)
      expect(await verifyPassword(`${PASSWORD}!`, found!.passwordHash)).toBe(false)
    } finally {
      await rt.close()
    }
  }, 120_000)

  it("refuses a short password, a taken email, an unknown merchant and a password in argv", async () => {
    const short = await inzi("short\n", "operator", "create", "x@example.test")
    expect(short.code).toBe(2)
    expect(short.err).toContain("at least 12 characters")
    const taken = await inzi(`${PASSWORD}\n`, "operator", "create", "ops@example.test")
    expect(taken.code).toBe(2)
    expect(taken.err).toContain("already exists")
    const merchant = await inzi(
      `${PASSWORD}\n`,
      "operator",
      "create",
      "m@example.test",
      "--merchant",
      "mer_nope",
    )
    expect(merchant.code).toBe(1)
    expect(merchant.err).toContain("no merchant mer_nope")
    const argv = await inzi("", "operator", "create", "y@example.test", PASSWORD)
    expect(argv.code).toBe(2)
  }, 240_000)
})
