import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type ChainEvent,
  type CheckoutStatus,
  type DepositKind,
  depositLookup,
  type ExpirySweepService,
  type Mode,
  type Payment,
  type PaymentLedgerService,
  type PaymentObserved,
  type StoredTarget,
  tonCommentWith,
  type UnmatchedPaymentsService,
  type WebhookEventType,
} from "@inzi/core"
import type { MemoryCheckoutInput, MemoryMerchant } from "@inzi/core/testing"

/** The deposit rules of the three families the suite's checkouts use (as their adapters' modules declare them). */
const DEPOSITS: Readonly<Record<"evm" | "tron" | "ton", DepositKind>> = {
  evm: { kind: "derived-address", caseInsensitive: true },
  tron: { kind: "derived-address", caseInsensitive: false },
  ton: { kind: "wallet-memo", memoName: "comment", newMemo: tonCommentWith, caseInsensitive: true },
}

/**
 * The ingestion ports' contract, one suite for every store: in memory (core's `@inzi/core/testing`, run by
 * this package's own test), PGlite and PostgreSQL (adapter-postgres's test/ingestion.test.ts). Each test uses its own merchant, checkouts and network, so a backend is opened once.
 */
export interface IngestionBackend {
  readonly ledger: PaymentLedgerService
  readonly unmatched: UnmatchedPaymentsService
  readonly sweep: ExpirySweepService
  readonly addMerchant: (m: MemoryMerchant) => Promise<void>
  /** A new `pending` checkout with no payment; `networks` lists the test's network. */
  readonly addCheckout: (c: MemoryCheckoutInput, network: string) => Promise<void>
  readonly readCheckout: (
    id: string,
  ) => Promise<{ readonly status: CheckoutStatus; readonly payments: ReadonlyArray<Payment> }>
  /** The checkout's outbox events in sequence order. */
  readonly readEvents: (checkoutId: string) => Promise<
    ReadonlyArray<{
      readonly type: WebhookEventType
      readonly sequence: number
      readonly url: string | null
      readonly status: string
    }>
  >
  readonly close: () => Promise<void>
}

const T0 = new Date("2026-04-04T12:00:00.000Z")
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)

let seq = 0
const next = () => `${process.pid.toString(36)}${(++seq).toString(36).padStart(5, "0")}`

export const ingestionContract = (name: string, open: () => Promise<IngestionBackend>) =>
  describe(name, () => {
    let b: IngestionBackend
    beforeAll(async () => {
      b = await open()
    })
    afterAll(async () => {
      await b?.close()
    })

    /** A checkout's targets with their lookup keys (core's `depositLookup` under `DEPOSITS`). */
    const targetsOf = (
      merchantId: string,
      t: { readonly evm?: string; readonly tron?: string; readonly ton?: string },
    ): ReadonlyArray<StoredTarget> =>
      (["evm", "tron", "ton"] as const).flatMap((family) => {
        const v = t[family]
        if (v === undefined) return []
        const target =
          family === "ton" ? { family, address: null, memo: v } : { family, address: v, memo: null }
        return [{ ...target, lookup: depositLookup(DEPOSITS[family], merchantId, target) }]
      })
    const evmOf = (c: MemoryCheckoutInput): string => c.targets.find((t) => t.family === "evm")?.address ?? ""

    /** A merchant, a test-mode checkout of 25.00 USD and a network of the test's own. */
    const setup = async (
      { comment, ...over }: Partial<MemoryCheckoutInput> & { readonly comment?: string } = {},
      merchant: Partial<MemoryMerchant> = {},
    ) => {
      const n = next()
      const m: MemoryMerchant = {
        id: `mer_${n}`,
        payoutKeys: { evm: "xpub-evm", ton: `0:${n.padStart(64, "0")}` },
        webhookUrl: "https://acme.test/live",
        testWebhookUrl: "https://acme.test/test",
        ...merchant,
      }
      await b.addMerchant(m)
      const network = `net${n}`
      const c: MemoryCheckoutInput = {
        id: `chk_test_${n.padStart(24, "0")}`,
        merchantId: m.id,
        mode: "test",
        amountCents: 2500n,
        expiresAt: at(1800),
        webhookUrl: null,
        targets: targetsOf(m.id, {
          evm: `0xAbCd${n.padStart(36, "0")}`,
          tron: `T${n.padStart(33, "x")}`,
          ton: comment ?? `K${n.toUpperCase().padStart(7, "0")}`.slice(-8),
        }),
        ...over,
      }
      await b.addCheckout(c, network)
      return { m, c, network }
    }

    const observed = (
      network: string,
      c: MemoryCheckoutInput,
      over: Partial<PaymentObserved> = {},
    ): PaymentObserved => ({
      _tag: "PaymentObserved",
      network,
      txHash: `0x${next()}`,
      logIndex: 0,
      target: { kind: "address", address: evmOf(c).toLowerCase() },
      token: "USDT",
      tokenContract: "0xusdt",
      decimals: 6,
      amount: 25_000_000n,
      sender: "0xpayer",
      blockNumber: 100n,
      blockHash: "0xblock",
      confirmations: 1,
      observedAt: at(60),
      ...over,
    })

    const apply = (
      network: string,
      events: ReadonlyArray<ChainEvent>,
      now = at(61),
      cursor: string | null = null,
      mode: Mode = "test",
    ) => run(b.ledger.applyChainEvents({ network, mode, requiredConfirmations: 3, events, cursor, now }))

    const types = async (id: string) => (await b.readEvents(id)).map((e) => e.type)

    it("credits a transfer to its checkout's address, confirms it, and a replay changes nothing", async () => {
      const { c, network } = await setup()
      const pay = observed(network, c, { target: { kind: "address", address: evmOf(c).toUpperCase() } })
      expect(await apply(network, [pay], at(61), "c1")).toEqual({ applied: 1, emitted: 1 })
      expect((await b.readCheckout(c.id)).status).toBe("processing")
      expect(await run(b.ledger.getCursor(network))).toBe("c1")
      const confirmed: ChainEvent = {
        ...pay,
        _tag: "PaymentConfirmed",
        confirmations: 3,
        confirmedAt: at(90),
      }
      expect(await apply(network, [confirmed], at(91))).toEqual({ applied: 1, emitted: 1 })
      const after = await b.readCheckout(c.id)
      expect(after.status).toBe("completed")
      expect(after.payments.map((p) => [p.txHash, p.amount, p.status, p.sender])).toEqual([
        [pay.txHash, 25_000_000n, "confirmed", "0xpayer"],
      ])
      // The whole history again, in one batch: nothing is counted or told twice; a null cursor keeps it.
      expect(await apply(network, [pay, confirmed], at(120))).toEqual({ applied: 0, emitted: 0 })
      expect(await run(b.ledger.getCursor(network))).toBe("c1")
      const events = await b.readEvents(c.id)
      expect(events.map(({ type, sequence, url, status }) => ({ type, sequence, url, status }))).toEqual([
        { type: "checkout.processing", sequence: 1, url: "https://acme.test/test", status: "pending" },
        { type: "checkout.completed", sequence: 2, url: "https://acme.test/test", status: "pending" },
      ])
    })

    it("an underpayment within the tolerance completes; below it the checkout is underpaid until a top-up", async () => {
      const { c, network } = await setup()
      // 24.75 is the accepted amount of 25.00 (1% off): exactly enough.
      await apply(network, [observed(network, c, { amount: 24_750_000n, confirmations: 3 })])
      expect((await b.readCheckout(c.id)).status).toBe("completed")

      const second = await setup()
      const short = observed(second.network, second.c, { amount: 24_749_999n, confirmations: 3 })
      await apply(second.network, [short])
      expect((await b.readCheckout(second.c.id)).status).toBe("underpaid")
      await apply(second.network, [observed(second.network, second.c, { amount: 1n, confirmations: 3 })])
      expect((await b.readCheckout(second.c.id)).status).toBe("completed")
      expect(await types(second.c.id)).toEqual(["checkout.underpaid", "checkout.completed"])
    })

    it("money first seen after expiry is late: recorded, never counted, told once confirmed", async () => {
      const { c, network } = await setup()
      const late = observed(network, c, { observedAt: at(1800), confirmations: 1 })
      expect(await apply(network, [late], at(1801))).toEqual({ applied: 1, emitted: 1 })
      expect(await types(c.id)).toEqual(["checkout.expired"])
      const read = await b.readCheckout(c.id)
      expect(read.status).toBe("expired")
      expect(read.payments.map((p) => p.status)).toEqual(["late"])
      // Waiting for confirmations: on the re-check list until confirmed.
      expect((await run(b.ledger.pendingPayments(network))).map((p) => p.txHash)).toEqual([late.txHash])
      await apply(
        network,
        [{ ...late, _tag: "PaymentConfirmed", confirmations: 3, confirmedAt: at(1900) }],
        at(1901),
      )
      expect(await types(c.id)).toEqual(["checkout.expired", "checkout.late_payment"])
      expect(await run(b.ledger.pendingPayments(network))).toEqual([])
      // …and on the deep re-check list once confirmed, flagged so.
      const deep = await run(b.ledger.pendingPayments(network, { confirmedSince: at(1900) }))
      expect(deep.map((p) => [p.txHash, p.confirmed])).toEqual([[late.txHash, true]])
    })

    it("a reverted payment stops counting and is told; the status falls back", async () => {
      const { c, network } = await setup()
      const pay = observed(network, c, { confirmations: 3 })
      await apply(network, [pay])
      expect((await b.readCheckout(c.id)).status).toBe("completed")
      await apply(network, [{ ...pay, _tag: "PaymentReverted", reason: "reorg" }], at(70))
      const read = await b.readCheckout(c.id)
      expect(read.status).toBe("pending")
      expect(read.payments.map((p) => p.status)).toEqual(["reverted"])
      expect(await types(c.id)).toEqual(["checkout.completed", "checkout.payment_reverted"])
      // Seen again (re-mined), before expiry: it counts again.
      await apply(network, [{ ...pay, observedAt: at(80) }], at(81))
      expect((await b.readCheckout(c.id)).status).toBe("completed")
    })

    it("news of a payment nobody holds changes nothing; progress is recorded quietly", async () => {
      const { c, network } = await setup()
      const ghost = observed(network, c)
      expect(
        await apply(network, [
          { ...ghost, _tag: "PaymentConfirmed", confirmations: 3, confirmedAt: at(70) },
          { ...ghost, _tag: "PaymentReverted", reason: "gone" },
          { ...ghost, _tag: "PaymentConfirmationsUpdated", confirmations: 2 },
        ]),
      ).toEqual({ applied: 0, emitted: 0 })
      await apply(network, [ghost])
      expect(
        await apply(network, [{ ...ghost, _tag: "PaymentConfirmationsUpdated", confirmations: 2 }], at(62)),
      ).toEqual({ applied: 1, emitted: 0 })
      const pending = await run(b.ledger.pendingPayments(network))
      expect(pending.map((p) => [p.txHash, p.confirmations, p.confirmed])).toEqual([
        [ghost.txHash, 2, undefined],
      ])
    })

    it("matches a TON comment case- and blank-insensitively on the merchant's wallet only", async () => {
      const { m, c, network } = await setup({ comment: "AB12CD34" })
      const memo = (wallet: string, text: string) =>
        observed(network, c, { target: { kind: "memo", wallet, memo: text }, confirmations: 3 })
      await apply(network, [memo("0:other", "AB12CD34")])
      expect((await b.readCheckout(c.id)).status).toBe("pending")
      await apply(network, [memo(m.payoutKeys.ton!, " ab12cd34 ")])
      expect((await b.readCheckout(c.id)).status).toBe("completed")
      expect((await run(b.unmatched.listUnmatched(network))).map((u) => u.wallet)).toEqual(["0:other"])
    })

    it("a checkout of the other mode does not own the target", async () => {
      const { c, network } = await setup()
      await apply(network, [observed(network, c, { confirmations: 3 })], at(61), null, "live")
      expect((await b.readCheckout(c.id)).status).toBe("pending")
      expect(await run(b.unmatched.listUnmatched(network))).toHaveLength(1)
    })

    it("keeps unmatched money once, and the operator's assignment credits it once", async () => {
      const { c, network } = await setup()
      const stray = observed(network, c, {
        target: { kind: "address", address: "0xnobody" },
        amount: 30_000_000n,
      })
      const comment: ChainEvent = {
        _tag: "UnmatchedTransfer",
        network,
        txHash: `0x${next()}`,
        logIndex: 1,
        wallet: "0:wallet",
        memo: "nope",
        token: "USDT",
        tokenContract: "0xusdt",
        decimals: 6,
        amount: 5n,
        sender: null,
        observedAt: at(50),
        reason: "no comment",
      }
      expect(await apply(network, [stray, comment])).toEqual({ applied: 2, emitted: 0 })
      expect(await apply(network, [stray, comment])).toEqual({ applied: 0, emitted: 0 })
      const list = await run(b.unmatched.listUnmatched(network))
      expect(list.map((u) => [u.txHash, u.amount, u.memo, u.reason, u.assignedCheckoutId])).toEqual([
        [comment.txHash, 5n, "nope", "no comment", null],
        [stray.txHash, 30_000_000n, null, "no checkout owns this deposit target", null],
      ])
      const id = list[1]!.id
      const missing = await Effect.runPromise(
        Effect.either(b.unmatched.assignUnmatched(id, "chk_none", at(100))),
      )
      expect(Either.isLeft(missing) && missing.left._tag).toBe("CheckoutNotFound")
      const unknown = await Effect.runPromise(
        Effect.either(b.unmatched.assignUnmatched("unm_none", c.id, at(100))),
      )
      expect(Either.isLeft(unknown) && unknown.left._tag).toBe("StoreError")
      expect(await run(b.unmatched.assignUnmatched(id, c.id, at(100)))).toEqual({ applied: 1, emitted: 1 })
      expect(await run(b.unmatched.assignUnmatched(id, c.id, at(101)))).toEqual({ applied: 0, emitted: 0 })
      const read = await b.readCheckout(c.id)
      expect(read.status).toBe("completed")
      expect(read.payments.map((p) => [p.txHash, p.amount, p.status])).toEqual([
        [stray.txHash, 30_000_000n, "confirmed"],
      ])
      expect((await run(b.unmatched.listUnmatched(network)))[1]!.assignedCheckoutId).toBe(c.id)
    })

    it("sweeps an overdue pending checkout once, with its event", async () => {
      const { c } = await setup({ expiresAt: at(-10_000_000) })
      const paid = await setup({ expiresAt: at(-10_000_000) })
      await apply(paid.network, [observed(paid.network, paid.c, { observedAt: at(-20_000_000) })])
      // Both overdue, but only the pending one is swept (the other is processing).
      expect(await run(b.sweep.sweepExpired(at(0), 1000))).toBeGreaterThanOrEqual(1)
      expect((await b.readCheckout(c.id)).status).toBe("expired")
      expect(await types(c.id)).toEqual(["checkout.expired"])
      expect((await b.readCheckout(paid.c.id)).status).toBe("processing")
      await run(b.sweep.sweepExpired(at(0), 1000))
      expect(await types(c.id)).toEqual(["checkout.expired"])
    })

    it("sends to the checkout's own URL first; with no endpoint the event is kept as skipped", async () => {
      const own = await setup({ webhookUrl: "https://own.test/hook" })
      await apply(own.network, [observed(own.network, own.c)])
      expect((await b.readEvents(own.c.id)).map((e) => [e.url, e.status])).toEqual([
        ["https://own.test/hook", "pending"],
      ])
      const none = await setup({}, { testWebhookUrl: null })
      await apply(none.network, [observed(none.network, none.c)])
      expect((await b.readEvents(none.c.id)).map((e) => [e.url, e.status])).toEqual([[null, "skipped"]])
    })

    it("a batch holding the same payment twice counts it once", async () => {
      const { c, network } = await setup()
      const pay = observed(network, c, { amount: 20_000_000n, confirmations: 3 })
      expect(await apply(network, [pay, pay, { ...pay, observedAt: at(70) }])).toEqual({
        applied: 1,
        emitted: 1,
      })
      const read = await b.readCheckout(c.id)
      expect(read.status).toBe("underpaid")
      expect(read.payments).toHaveLength(1)
    })
  })
