/**
 * The built binary as operators run it (`bin/inzi.mjs` → dist/): a database command loads its bundle
 * (scripts/bundle.mjs), a handful of modules instead of every module of effect and kysely; a usage error thrown
 * inside the bundle still exits 2; a bundle older than a package's build is not used.
 */
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, statSync, utimesSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"

const cli = join(__dirname, "..")
const bundle = join(cli, "dist", "bundle", "commands.js")
const dataDir = join(mkdtempSync(join(tmpdir(), "inzi-bundle-")), "data")

/**
 * Runs the binary; returns its exit code, output and the modules it loaded. Asynchronously: a blocked worker
 * misses vitest's own messages on a loaded machine.
 */
const run = async (...args: string[]) => {
  const log = join(mkdtempSync(join(tmpdir(), "inzi-modules-")), "loaded.txt")
  const child = spawn(
    process.execPath,
    ["--import", join(__dirname, "record-modules.mjs"), join(cli, "bin", "inzi.mjs"), ...args],
    {
      env: {
        ...process.env,
        INZI_DATA_DIR: dataDir,
        DATABASE_URL: "",
        LOG_LEVEL: "warn",
        INZI_MODULES_LOG: log,
      },
    },
  )
  let out = ""
  let err = ""
  child.stdout.on("data", (d) => {
    out += String(d)
  })
  child.stderr.on("data", (d) => {
    err += String(d)
  })
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
  let modules: string[] = []
  try {
    modules = readFileSync(log, "utf8").split("\n").filter(Boolean)
  } catch {}
  return { code, out, err, modules }
}

describe("the built CLI", () => {
  beforeAll(async () => {
    // Up to date: turbo replays its cache in a second or two. Not spawnSync: a long build would block the worker.
    await promisify(execFile)("pnpm", ["exec", "turbo", "run", "build", "--filter=@inzi/cli..."], {
      cwd: cli,
      maxBuffer: 64 * 1024 * 1024,
    })
  }, 900_000)

  it("runs a database command from its bundle", async () => {
    const migrate = await run("migrate")
    expect(migrate.code, migrate.err).toBe(0)
    const r = await run("status", "--json")
    expect(r.code, r.err).toBe(0)
    expect(r.err).not.toContain("through tsx")
    expect(JSON.parse(r.out).outbox).toMatchObject({ pending: 0, failed: 0 })
    expect(r.modules).toContain(`file://${bundle}`)
    expect(r.modules.filter((m) => m.includes("/node_modules/effect/"))).toEqual([])
    expect(r.modules.filter((m) => m.includes("/node_modules/ethers/"))).toEqual([])
    expect(r.modules.length).toBeLessThan(100)
  }, 180_000)

  it("a usage error raised inside the bundle exits 2 with its message", async () => {
    const r = await run("merchant", "create", "--name", "Shop")
    expect(r.code).toBe(2)
    expect(r.err).toContain("a merchant needs a way to be paid")
    expect(r.err).toContain('(run "inzi help" for usage)')
  }, 120_000)

  it("does not use a bundle older than a package's build", async () => {
    const { atime, mtime } = statSync(bundle)
    utimesSync(bundle, new Date(0), new Date(0))
    try {
      const r = await run("status")
      expect(r.code, r.err).toBe(0)
      expect(r.modules).not.toContain(`file://${bundle}`)
      expect(r.modules).toContain(`file://${join(cli, "dist", "commands.js")}`)
    } finally {
      utimesSync(bundle, atime, mtime)
    }
  }, 180_000)
})
