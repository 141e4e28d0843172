/**
 * `inzi dev` runs a local TON chain beside the EVM devnet: the demo merchant gets a TON option (its own sandbox
 * wallet and a memo), `inzi pay --network ton-devnet` sends the USDT jetton with that memo from the funded payer,
 * and the worker's TON scanner completes the checkout and its webhook is delivered. Before, dev had no TON
 * network at all: the checkout had no ton-devnet option and `pay` refused it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { UsageError } from "../src/args.js"
import { runCli } from "../src/main.js"

const main = join(__dirname, "..", "src", "main.ts")
const dataDir = join(mkdtempSync(join(tmpdir(), "inzi-ton-dev-")), "data")
process.env.INZI_DATA_DIR = dataDir
process.env.DATABASE_URL = ""
process.env.LOG_LEVEL = "warn"
delete process.env.PORT
delete process.env.PUBLIC_URL

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const a = s.address()
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0))
    })
  })

const until = async <T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

const pay = async (...args: string[]) => {
  let out = ""
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    return { code: await runCli(["pay", ...args]), out, err: "" }
  } catch (e) {
    return { code: e instanceof UsageError ? 2 : 1, out, err: e instanceof Error ? e.message : String(e) }
  } finally {
    process.stdout.write = write
  }
}

describe("inzi dev with the TON devnet", () => {
  let dev: ChildProcess
  let output = ""
  let port = 0

  beforeAll(async () => {
    port = await freePort()
    dev = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", main, "dev"], {
      env: {
        ...process.env,
        PORT: String(port),
        INZI_DEVNET_PORT: String(await freePort()),
        INZI_TON_DEVNET_PORT: "0",
        INZI_DEV_WEBHOOK_PORT: "0",
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

  it("pays a checkout with its memo on ton-devnet; the worker completes it and the webhook arrives", async () => {
    const key = /test API key\s+(\S+)/.exec(output)?.[1]
    expect(key).toMatch(/^sk_test_/)
    // The banner can print a moment before the server listens.
    const res = await until("the server to answer", () =>
      fetch(`http://127.0.0.1:${port}/api/v1/checkouts`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ amount: "7.50", currency: "USD" }),
      }).catch(() => undefined),
    )
    expect(res.status).toBe(201)
    const checkout = (await res.json()) as {
      id: string
      checkout_url: string
      payment_options: Array<{ network: string; address: string; memo: string | null; amount_crypto: string }>
    }
    const option = checkout.payment_options.find((o) => o.network === "ton-devnet")
    expect(option).toMatchObject({ amount_crypto: "7.500000" })
    expect(option?.memo).toMatch(/\S/)
    // The page offers the TON option beside the EVM one.
    const page = await (await fetch(checkout.checkout_url)).text()
    expect(page).toContain('data-network="ton-devnet"')
    expect(page).toContain('data-network="devnet"')

    const paid = await pay(checkout.id, "--network", "ton-devnet", "--json")
    expect(paid.code, paid.err).toBe(0)
    const out = JSON.parse(paid.out) as Record<string, string>
    expect(out).toMatchObject({ network: "ton-devnet", memo: option?.memo, to: option?.address })
    expect(out.tx_hash).toMatch(/^[0-9a-f]{64}$/)

    const status = await until("the checkout to complete", async () => {
      const s = (await (await fetch(`${checkout.checkout_url}/status`)).json()) as { status: string }
      return s.status === "completed" ? s : undefined
    })
    expect(status.status).toBe("completed")
    await until("the receiver to print the verified completion", async () =>
      new RegExp(`\\[webhook\\] signature ok\\s+checkout\\.completed\\s+${checkout.id} → completed`).test(
        output,
      )
        ? true
        : undefined,
    )
  }, 180_000)

  it("a TON payment without a running TON devnet is refused with a clear error", async () => {
    const bad = await pay(
      "chk_test_aaaaaaaaaaaaaaaaaaaaaaaa",
      "--network",
      "ton-devnet",
      "--rpc-url",
      "http://127.0.0.1:1/api/v2",
    )
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/no checkout|cannot reach/)
  })
})
