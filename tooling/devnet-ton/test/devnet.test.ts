import { Address } from "@ton/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { payOnTonDevnet, startTonDevnet, type TonDevnet } from "../src/index.js"

describe("the TON devnet", () => {
  let ton: TonDevnet
  beforeAll(async () => {
    ton = await startTonDevnet()
  })
  afterAll(() => ton.stop())

  const balanceOf = async (owner: string) => {
    const w = ton.world
    const jw = await w.walletOf(w.genuine, Address.parse(owner))
    return (await jw.getData()).balance
  }

  it("pays the jetton with a comment from another process through POST /devnet/pay", async () => {
    const before = await balanceOf(ton.payer)
    const r = await payOnTonDevnet({
      toncenterUrl: ton.toncenterUrl,
      to: ton.merchantWallet,
      amount: 2_500_000n,
      comment: "order-42",
    })
    expect(r.txHash).toMatch(/^[0-9a-f]{64}$/)
    expect(await balanceOf(ton.merchantWallet)).toBe(2_500_000n)
    expect(await balanceOf(ton.payer)).toBe(before - 2_500_000n)
    // The merchant's jetton wallet credit is served like toncenter v2, newest first.
    const jw = await ton.world.walletOf(ton.world.genuine, Address.parse(ton.merchantWallet))
    const res = await fetch(`${ton.toncenterUrl}/getTransactions?address=${jw.address.toString()}&limit=10`)
    const body = (await res.json()) as { ok: boolean; result: Array<{ transaction_id: { lt: string } }> }
    expect(body.ok).toBe(true)
    expect(body.result.length).toBeGreaterThan(0)
  })

  it("refuses a malformed payment with 400 and moves nothing", async () => {
    const before = await balanceOf(ton.payer)
    for (const bad of [
      { to: ton.merchantWallet, amount: "1.5", comment: "x" },
      { to: "not-an-address", amount: "1", comment: "x" },
      { to: ton.merchantWallet, amount: "1", comment: 7 },
    ]) {
      const res = await fetch(new URL("/devnet/pay", ton.toncenterUrl), {
        method: "POST",
        body: JSON.stringify(bad),
      })
      expect(res.status).toBe(400)
    }
    await expect(
      payOnTonDevnet({ toncenterUrl: ton.toncenterUrl, to: ton.merchantWallet, amount: 0n, comment: "x" }),
    ).rejects.toThrow(/refused the payment: amount must be a positive integer/)
    expect(await balanceOf(ton.payer)).toBe(before)
  })
})
