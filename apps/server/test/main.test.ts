/**
 * The server's entry point (`src/main.ts` through tsx, as `pnpm inzi serve` runs it) never stays up broken:
 * a bad setting exits 78, a start-up failure exits 1, each with one JSON line saying why.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const serverMain = join(__dirname, "..", "src", "main.ts")

const run = (env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", serverMain], {
      env: { ...process.env, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    })
    let stdout = ""
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8")
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout })
    })
  })

const lines = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe("server process exit codes", () => {
  it("a bad setting: exit 78 and a JSON line naming it", async () => {
    const r = await run({ LOG_LEVEL: "verbose" })
    expect(r.code).toBe(78)
    expect(lines(r.stdout)).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "configuration error, stopping",
        error: 'LOG_LEVEL must be debug, info, warn or error, got "verbose"',
      }),
    ])
  }, 60_000)

  it("a database it cannot open: exit 1 and a JSON line with the reason", async () => {
    const r = await run({ DATABASE_URL: "postgres://inzi:pw-not-logged@127.0.0.1:1/inzi" })
    expect(r.code).toBe(1)
    const out = lines(r.stdout)
    expect(out.at(-1)).toMatchObject({
      level: "error",
      msg: "stopped by an unexpected failure",
      service: "server",
    })
    expect(String(out.at(-1)!.error)).toMatch(/ECONNREFUSED/)
    expect(r.stdout).not.toContain("pw-not-logged")
  }, 60_000)
})
