import {
  type ChainEvent,
  type CheckoutState,
  type CheckoutStatus,
  type PendingPayment,
  transition,
  type WebhookEventType,
} from "@inzi/core"
import { type Devnet, PAYER, payTo, SECOND_PAYER, startDevnet } from "@inzi/devnet"
import { Effect, Either } from "effect"
import { JsonRpcProvider, Wallet } from "ethers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EVM_PRESETS, type EvmScanner, makeEvmScanner } from "../src/index.js"
import { depositAddress } from "./helpers.js"

/**
 * The adapter's events driving core's state machine, as the worker will: scan → apply, recheck → apply.
 * Storage is a Map here (the storage adapter is tested elsewhere); the chain is the real devnet.
 */
interface Checkout {
  address: string
  state: CheckoutState
  webhooks: Array<WebhookEventType>
}

describe("checkout statuses driven by the EVM scanner on the devnet", () => {
  let devnet: Devnet
  let scanner: EvmScanner
  let cursor: string | null = null
  let index = 1_000
  const checkouts: Array<Checkout> = []
  let now = new Date()
  const REQUIRED = EVM_PRESETS.devnet.confirmations

  const open = (amountCents: bigint, expiresInMs = 3_600_000): Checkout => {
    const c: Checkout = {
      address: depositAddress(index++),
      state: {
        status: "pending",
        amountCents,
        expiresAt: new Date(now.getTime() + expiresInMs),
        payments: [],
      },
      webhooks: [],
    }
    checkouts.push(c)
    return c
  }
  const apply = (events: ReadonlyArray<ChainEvent>) => {
    for (const e of events) {
      if (e._tag === "UnmatchedTransfer") continue
      const owners =
        e._tag === "PaymentObserved"
          ? checkouts.filter((c) => e.target.kind === "address" && c.address === e.target.address)
          : checkouts.filter((c) =>
              c.state.payments.some((p) => p.txHash === e.txHash && p.logIndex === e.logIndex),
            )
      for (const c of owners) {
        const r = transition(c.state, e, now, { requiredConfirmations: REQUIRED })
        if (Either.isLeft(r)) throw new Error(r.left.message)
        c.state = r.right.state
        c.webhooks.push(...r.right.emit)
      }
    }
  }
  /** One worker round: scan to the head, then recheck everything waiting for confirmations. */
  const tick = async () => {
    const watched = new Set(checkouts.map((c) => c.address))
    for (;;) {
      const r = await Effect.runPromise(
        scanner.scan({
          cursor,
          watch: { hasAddress: (a) => watched.has(a), hasMemo: () => false, wallets: [] },
          now,
        }),
      )
      apply(r.events)
      cursor = r.cursor
      if (r.caughtUp) break
    }
    // As the worker does: payments waiting, plus the confirmed ones (flagged) for reorgs deeper than that.
    const pending: Array<PendingPayment> = checkouts.flatMap((c) =>
      c.state.payments
        .filter((p) => p.status === "detected" || (p.status === "late" && p.confirmedAt === null))
        .map((p) => ({ ...p }))
        .concat(
          c.state.payments.filter((p) => p.status === "confirmed").map((p) => ({ ...p, confirmed: true })),
        ),
    )
    apply(await Effect.runPromise(scanner.recheck(pending, now)))
  }
  const status = (c: Checkout): CheckoutStatus => c.state.status
  const pay = (token: keyof Devnet["tokens"], to: string, amount: bigint) =>
    payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens[token], to, amount })

  beforeAll(async () => {
    devnet = await startDevnet()
    scanner = await Effect.runPromise(makeEvmScanner({ ...EVM_PRESETS.devnet, rpcUrls: [devnet.rpcUrl] }))
    await Effect.runPromise(scanner.verify())
    await tick() // cursor at the head
  })
  afterAll(() => devnet?.stop())

  it("exact amount: pending → processing → completed after N confirmations", async () => {
    const c = open(2_500n)
    await pay("USDT", c.address, 25_000_000n)
    await tick()
    expect(status(c)).toBe("processing")
    expect(c.state.payments[0]).toMatchObject({ status: "detected", confirmations: 1, amount: 25_000_000n })
    await devnet.mine(REQUIRED - 2)
    await tick()
    expect(status(c)).toBe("processing")
    expect(c.state.payments[0]!.confirmations).toBe(REQUIRED - 1)
    await devnet.mine(1)
    await tick()
    expect(status(c)).toBe("completed")
    expect(c.webhooks).toEqual(["checkout.processing", "checkout.completed"])
  })

  it("underpayment, then a top-up completes it", async () => {
    const c = open(2_500n)
    await pay("USDC", c.address, 10_000_000n)
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("underpaid")
    await pay("USDT", c.address, 15_000_000n)
    await tick()
    expect(status(c)).toBe("processing")
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("completed")
    expect(c.state.payments.map((p) => p.token)).toEqual(["USDC", "USDT"])
  })

  it("overpayment completes, the whole amount recorded", async () => {
    const c = open(2_500n)
    await pay("USDT", c.address, 30_000_000n)
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("completed")
    expect(c.state.payments[0]!.amount).toBe(30_000_000n)
  })

  it("18-decimal token pays in its own units", async () => {
    const c = open(2_500n)
    await pay("USDT18", c.address, 25n * 10n ** 18n)
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("completed")
    expect(c.state.payments[0]).toMatchObject({ token: "USDT18", decimals: 18 })
  })

  it("the fake USDT never moves a checkout", async () => {
    const c = open(2_500n)
    await pay("FAKE_USDT", c.address, 25_000_000n)
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("pending")
    expect(c.state.payments).toEqual([])
  })

  it("a payment after expiry is late; the checkout stays expired", async () => {
    const c = open(2_500n, 1_000)
    now = new Date(now.getTime() + 2_000)
    const r = transition(c.state, { _tag: "ExpiryTick" }, now, { requiredConfirmations: REQUIRED })
    c.state = Either.getOrThrow(r).state
    expect(status(c)).toBe("expired")
    await pay("USDT", c.address, 25_000_000n)
    await tick()
    expect(status(c)).toBe("expired")
    expect(c.state.payments[0]!.status).toBe("late")
    expect(c.webhooks).toEqual([]) // told once confirmed
    await devnet.mine(REQUIRED)
    await tick()
    expect(c.webhooks).toEqual(["checkout.late_payment"])
    expect(c.state.payments[0]!.confirmedAt).not.toBeNull()
  })

  it("a reorg removes a detected payment and the status rolls back", async () => {
    const c = open(2_500n)
    const snap = await devnet.snapshot()
    await pay("USDT", c.address, 25_000_000n)
    await tick()
    expect(status(c)).toBe("processing")
    await devnet.revert(snap)
    await devnet.mine(2)
    await tick()
    expect(status(c)).toBe("pending")
    expect(c.state.payments[0]!.status).toBe("reverted")
    expect(c.webhooks).toEqual(["checkout.processing", "checkout.payment_reverted"])
    // Paid again on the new chain: it goes through.
    await pay("USDT", c.address, 25_000_000n)
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("completed")
  })

  it("a reorg deeper than the confirmations moves a completed checkout back and tells it", async () => {
    const c = open(2_500n)
    const snap = await devnet.snapshot()
    await pay("USDT", c.address, 25_000_000n)
    await tick()
    await devnet.mine(REQUIRED)
    await tick()
    expect(status(c)).toBe("completed")
    await devnet.revert(snap)
    await devnet.mine(REQUIRED + 3) // a longer chain without the payment
    await tick()
    expect(status(c)).toBe("pending")
    expect(c.state.payments[0]).toMatchObject({ status: "reverted", confirmedAt: null })
    expect(c.webhooks).toEqual(["checkout.processing", "checkout.completed", "checkout.payment_reverted"])
  })

  it("a transaction re-mined at the same position after a reorg counts again (same tx hash and log index)", async () => {
    const c = open(2_500n)
    const provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true })
    try {
      const wallet = new Wallet(PAYER.privateKey, provider)
      const { data } = ERC20_TRANSFER(c.address, 25_000_000n)
      const raw = await wallet.signTransaction(
        await wallet.populateTransaction({ to: devnet.tokens.USDT.address, data, gasLimit: 100_000n }),
      )
      const snap = await devnet.snapshot()
      const hash = await provider.send("eth_sendRawTransaction", [raw])
      await tick()
      const first = c.state.payments[0]!
      expect(first).toMatchObject({ txHash: hash, status: "detected" })
      await devnet.revert(snap)
      now = new Date(now.getTime() + 5_000) // a later timestamp: the re-mined block has another hash
      await devnet.request("evm_setNextBlockTimestamp", [Math.floor(now.getTime() / 1000) + 60])
      expect(await provider.send("eth_sendRawTransaction", [raw])).toBe(hash)
      await tick() // the scanner rewinds (checkpoint gone), recheck reverts the old block, next scan re-observes
      await tick()
      await devnet.mine(REQUIRED)
      await tick()
      const p = c.state.payments[0]!
      expect(c.state.payments).toHaveLength(1)
      expect(p.txHash).toBe(hash)
      expect(p.logIndex).toBe(first.logIndex)
      expect(p.blockHash).not.toBe(first.blockHash)
      expect(p.status).toBe("confirmed")
      expect(status(c)).toBe("completed")
    } finally {
      provider.destroy()
    }
  })

  it("a deep reorg re-mining the payment at another log index: the copy takes its place, never late or twice", async () => {
    const c = open(2_500n, 60_000)
    const provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true })
    try {
      // A second payer with tokens, to put a transfer before the payment in the new chain's block.
      await pay("USDC", SECOND_PAYER.address, 1_000_000n)
      const wallet = new Wallet(PAYER.privateKey, provider)
      const { data } = ERC20_TRANSFER(c.address, 25_000_000n)
      const raw = await wallet.signTransaction(
        await wallet.populateTransaction({ to: devnet.tokens.USDT.address, data, gasLimit: 100_000n }),
      )
      const snap = await devnet.snapshot()
      const hash = await provider.send("eth_sendRawTransaction", [raw])
      await tick()
      await devnet.mine(REQUIRED)
      await tick()
      expect(status(c)).toBe("completed")
      const first = c.state.payments[0]!
      // The reorg: the same transaction, after another transfer in its block, on a longer chain.
      await devnet.revert(snap)
      await devnet.setAutomine(false)
      try {
        await payTo({
          rpcUrl: devnet.rpcUrl,
          token: devnet.tokens.USDC,
          to: depositAddress(999_999),
          amount: 1n,
          from: SECOND_PAYER.privateKey,
          wait: false,
        })
        expect(await provider.send("eth_sendRawTransaction", [raw])).toBe(hash)
        await devnet.mine(1)
      } finally {
        await devnet.setAutomine(true)
      }
      await devnet.mine(REQUIRED + 3)
      now = new Date(c.state.expiresAt.getTime() + 60_000) // seen again after expires_at
      // Worker rounds (scan, then recheck): whichever of the copy and the original's revert comes first.
      await tick()
      await tick()
      const copy = c.state.payments.find((p) => p.logIndex !== first.logIndex)
      expect(copy).toMatchObject({ txHash: hash, status: "confirmed", detectedAt: first.detectedAt })
      expect(c.state.payments.find((p) => p.logIndex === first.logIndex)?.status).toBe("reverted")
      expect(status(c)).toBe("completed")
      expect(c.webhooks).toEqual(["checkout.processing", "checkout.completed", "checkout.payment_reverted"])
    } finally {
      provider.destroy()
    }
  })
})

const ERC20_TRANSFER = (to: string, amount: bigint) => ({
  data: `0xa9059cbb${to.slice(2).padStart(64, "0")}${amount.toString(16).padStart(64, "0")}`,
})
