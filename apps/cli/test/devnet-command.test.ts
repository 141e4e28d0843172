/** `inzi devnet`: the local chains alone (no database, server or worker), reachable at the URLs it prints. */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { expect, it } from "vitest"

const main = join(__dirname, "..", "src", "main.ts")

it("runs the EVM and TON devnets, prints their URLs and stops on SIGINT", async () => {
  const p = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", main, "devnet"], {
    env: { ...process.env, INZI_DEVNET_PORT: "0", INZI_TON_DEVNET_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let out = ""
  p.stdout.on("data", (d: Buffer) => {
    out += d.toString()
  })
  p.stderr.on("data", (d: Buffer) => {
    out += d.toString()
  })
  try {
    const end = Date.now() + 90_000
    while (!out.includes("spare wallet") && Date.now() < end) await new Promise((r) => setTimeout(r, 200))
    const evm = /EVM devnet\s+(http\S+)/.exec(out)?.[1]
    const ton = /TON devnet\s+(http\S+)/.exec(out)?.[1]
    const master = /USDT jetton master (\S+)/.exec(out)?.[1]
    expect(evm, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(ton, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/)
    const chainId = await fetch(evm!, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    }).then((r) => r.json() as Promise<{ result: string }>)
    expect(chainId.result).toBe("0x7a69")
    // The jetton master was deployed on the TON devnet: toncenter v2 lists its transactions.
    const txs = await fetch(`${ton}/getTransactions?address=${master}&limit=5`).then(
      (r) => r.json() as Promise<{ ok: boolean; result: unknown[] }>,
    )
    expect(txs.ok).toBe(true)
    expect(txs.result.length).toBeGreaterThan(0)
    p.kill("SIGINT")
    const code = await new Promise<number | null>((resolve) => p.once("exit", resolve))
    expect(code).toBe(0)
    expect(out).toContain("inzi devnet: stopped")
  } finally {
    if (p.exitCode === null) p.kill("SIGKILL")
  }
}, 120_000)
