import type { Checkout, Payment } from "@inzi/core"
import { describe, expect, it } from "vitest"
import { lastPaidOption } from "../../src/routes/page.js"
import { sampleView } from "./fixtures.js"

const payment = (network: string, token: string, status: Payment["status"]): Payment =>
  ({ network, token, status, txHash: "0x1", logIndex: 0 }) as unknown as Payment
const withPayments = (payments: ReadonlyArray<Payment>): Checkout => ({ payments }) as unknown as Checkout

describe("the option a reopened page selects", () => {
  it("is the one the latest payment used, so a partly paid USDC checkout reopens on USDC", () => {
    const view = sampleView() // ton/USDT, tron/USDT, base/USDC
    expect(lastPaidOption(withPayments([]), view)).toBe(0)
    expect(lastPaidOption(withPayments([payment("base", "USDC", "confirmed")]), view)).toBe(2)
    expect(
      lastPaidOption(
        withPayments([payment("tron", "USDT", "confirmed"), payment("base", "USDC", "detected")]),
        view,
      ),
    ).toBe(2)
    // a reverted payment does not count; an option no longer offered falls back to the first
    expect(
      lastPaidOption(
        withPayments([payment("tron", "USDT", "late"), payment("base", "USDC", "reverted")]),
        view,
      ),
    ).toBe(1)
    expect(lastPaidOption(withPayments([payment("bsc", "USDT", "confirmed")]), view)).toBe(0)
  })
})
