/**
 * The README's operator commands against a running `inzi dev` on the embedded database. Before, each command
 * opened its own PGlite on dev's folder: a key it created was rejected by dev's server, a revoked key kept
 * working, `status` showed stale numbers, and the folder ended up corrupted. Now dev holds the folder and serves
 * its database over a socket; every command acts on dev's database, and the effects show at once.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { UsageError } from "../src/args.js"
import { runCli } from "../src/main.js"

const main = join(__dirname, "..", "src", "main.ts")
const dataDir = join(mkdtempSync(join(tmpdir(), "inzi-dev-")), "data")
process.env.INZI_DATA_DIR = dataDir
process.env.DATABASE_URL = ""
process.env.LOG_LEVEL = "warn"
// `inzi pay` must find dev's ports by itself: nothing here says where the server or the devnet listen.
delete process.env.PORT
delete process.env.PUBLIC_URL
delete process.env.INZI_DEVNET_PORT

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const a = s.address()
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0))
    })
  })

const inzi = async (...args: string[]) => {
  let out = ""
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    const code = await runCli(args)
    return { code, out, err: "" }
  } catch (e) {
    return { code: e instanceof UsageError ? 2 : 1, out, err: e instanceof Error ? e.message : String(e) }
  } finally {
    process.stdout.write = write
  }
}
const json = async (...args: string[]) => {
  const r = await inzi(...args, "--json")
  expect(r.code, r.err).toBe(0)
  return JSON.parse(r.out)
}

const until = async <T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

describe("the operator CLI against a running inzi dev", () => {
  let dev: ChildProcess
  let output = ""
  let port = 0
  let webhookPort = 0

  beforeAll(async () => {
    port = await freePort()
    webhookPort = await freePort()
    dev = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", main, "dev"], {
      env: {
        ...process.env,
        PORT: String(port),
        INZI_DEVNET_PORT: String(await freePort()),
        INZI_DEV_WEBHOOK_PORT: String(webhookPort),
        INZI_KEY_CACHE_MS: "300",
      },
      stdio: ["ignore", "pipe", "pipe"],
    })
    dev.stdout?.on("data", (d: Buffer) => {
      output += d.toString()
    })
    dev.stderr?.on("data", (d: Buffer) => {
      output += d.toString()
    })
    await until(
      "inzi dev to start",
      async () => (output.includes("Inzi is running") ? true : undefined),
      150_000,
    )
  }, 180_000)

  afterAll(() => {
    if (dev.exitCode === null) dev.kill("SIGKILL")
  })

  it("acts on dev's database at once: key create accepted, pay finds dev, status current, revoke honoured", async () => {
    expect(output).toContain(`webhooks → http://127.0.0.1:${webhookPort}/webhooks`)
    const merchants = await json("merchant", "list")
    const shop = merchants.find((m: { name: string }) => m.name === "Demo Shop")
    expect(shop).toBeDefined()

    const created = await json("key", "create", "--merchant", shop.id, "--mode", "test")
    const api = `http://127.0.0.1:${port}/api/v1/checkouts`
    const auth = { Authorization: `Bearer ${created.key}` }
    const res = await fetch(api, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ amount: "5.00", currency: "USD" }),
    })
    expect(res.status).toBe(201)
    const checkout = (await res.json()) as { id: string }

    // No --server / --rpc-url and no PORT here: pay reads them from dev's lock file.
    const paid = await json("pay", checkout.id)
    expect(paid.network).toBe("devnet")
    expect(paid.tx_hash).toMatch(/^0x[0-9a-f]{64}$/)

    const events = await until("the payment's webhook event", async () => {
      const list = (await json("webhooks", "list", "--checkout", checkout.id)) as Array<{ type: string }>
      return list.length > 0 ? list : undefined
    })
    expect(events[0]?.type).toMatch(/^checkout\./)
    await until("the receiver to print a verified event", async () =>
      output.includes("[webhook] signature ok") ? true : undefined,
    )
    const resend = await json("webhooks", "resend", (events[0] as unknown as { eventId: string }).eventId)
    expect(resend.resent).toBe(true)

    const status = await json("status")
    const devnet = status.watchers.find((w: { network: string }) => w.network === "devnet")
    expect(Date.now() - Date.parse(devnet.updatedAt)).toBeLessThan(30_000)

    expect(await json("unmatched", "list")).toEqual([])
    const csv = await inzi("export", "--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z")
    expect(csv.out).toContain(checkout.id)
    expect(await json("migrate")).toEqual({ applied: [] })

    const revoked = await json("key", "revoke", created.id)
    expect(revoked.revoked).toBe(true)
    await until(
      "the revoked key to be refused",
      async () => {
        const r = await fetch(api, { headers: auth })
        return r.status === 401 ? true : undefined
      },
      5_000,
    )
    // A command that needs the folder for itself names the holder instead of opening it.
    const second = await inzi("dev")
    expect(second.err).toMatch(new RegExp(`in use by pid ${dev.pid} \\(inzi dev`))
  }, 240_000)

  it("after dev stops, the folder opens again with everything in it", async () => {
    dev.kill("SIGINT")
    await until("dev to stop", async () => (dev.exitCode !== null ? true : undefined), 30_000)
    expect(existsSync(join(dataDir, "inzi.lock"))).toBe(false)
    const merchants = await json("merchant", "list")
    const shop = merchants.find((m: { name: string }) => m.name === "Demo Shop")
    const keys = (await json("key", "list", "--merchant", shop.id)) as Array<{ revokedAt: string | null }>
    expect(keys.some((k) => k.revokedAt !== null)).toBe(true)
  }, 120_000)
})
