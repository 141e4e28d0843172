import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { runEmbedExample } from "../src/embed.js"

describe("embedding core + adapter-evm on the devnet", () => {
  it("drives a checkout pending → processing → underpaid → processing → completed", async () => {
    const lines: Array<string> = []
    const r = await runEmbedExample({ log: (l) => lines.push(l) })
    expect(r.checkout.state.status).toBe("completed")
    expect(r.changes.map((c) => `${c.from}→${c.to}`)).toEqual([
      "pending→processing",
      "processing→underpaid",
      "underpaid→processing",
      "processing→completed",
    ])
    expect(r.changes.flatMap((c) => c.emit)).toEqual([
      "checkout.processing",
      "checkout.underpaid",
      "checkout.processing",
      "checkout.completed",
    ])
    // 10 USDT + 14.80 USDC, both confirmed, at the derived address (m/44'/60'/0'/0/0 of the test mnemonic)
    expect(r.checkout.address).toBe("0x9858effd232b4033e47d90003d41ec34ecaeda94")
    expect(r.checkout.state.payments.map((p) => [p.token, p.amount, p.status])).toEqual([
      ["USDT", 10_000_000n, "confirmed"],
      ["USDC", 14_800_000n, "confirmed"],
    ])
    expect(lines.at(-1)).toMatch(/^final status: completed/)
  })

  it("`pnpm start` (src/main.ts) runs as a script and ends completed", () => {
    const cwd = fileURLToPath(new URL("..", import.meta.url))
    const r = spawnSync("pnpm", ["exec", "tsx", "--conditions=@inzi/source", "src/main.ts"], {
      cwd,
      encoding: "utf8",
      timeout: 90_000,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/checkout chk_test_[a-z0-9]{24}: 25\.00 USD at 0x9858effd/)
    expect(r.stdout).toContain("processing → underpaid [checkout.underpaid]")
    expect(r.stdout).toMatch(/final status: completed/)
  })
})
