/**
 * The decisions a create is made of, shared by the use case's Effect (`createCheckout`) and the server's
 * fiber-less path (`createPooledCheckoutWith`): the pooled-create plan, the TON-comment redraws, and what an
 * Idempotency-Key's record means.
 */
import { describe, expect, it } from "vitest"
import type { Checkout, Merchant } from "../src/domain.js"
import {
  afterPooledCreate,
  checkoutNetworks,
  pooledCreateInput,
  pooledCreatePlan,
} from "../src/usecases/create-checkout.js"
import { seededRandomBytes } from "../src/ports/Ids.js"
import { IDEMPOTENCY_TTL_MS, idempotencyDecision } from "../src/usecases/idempotency.js"
import { FAMILIES } from "./families.js"
import { NETWORKS } from "./helpers.js"

const merchant: Merchant = {
  id: "mer_1",
  name: "Shop",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  testWebhookUrl: null,
  testWebhookSecret: "whsec_y",
  payoutKeys: { evm: "xpub-evm", tron: "xpub-tron", ton: "UQwallet" },
  networks: { live: [], test: [] },
  createdAt: new Date(0),
}

const command = {
  amountCents: 2500n,
  description: "d",
  metadataJson: '{"b":1,"a":2}',
  customerEmail: null,
  redirectUrl: null,
  webhookUrl: null,
  expiresInSeconds: 1800,
}

const args = (networkIds: ReadonlyArray<string>, m: Merchant = merchant) => ({
  merchant: m,
  mode: "live" as const,
  command,
  networks: checkoutNetworks(m, "live", NETWORKS).filter((n) => networkIds.includes(n.id)),
  now: new Date("2026-04-04T12:00:00.750Z"),
  families: FAMILIES,
})

describe("pooledCreatePlan / pooledCreateInput", () => {
  it("asks the slot for the families the checkout's networks use, against the merchant's current keys", () => {
    const plan = pooledCreatePlan(args(["bsc", "ton"]), "chk_live_x")
    expect(plan?.derived).toEqual(["evm"])
    expect(plan?.memos.map((m) => m.family)).toEqual(["ton"])
    expect(plan?.keys).toEqual({ evm: "xpub-evm", tron: "xpub-tron", ton: "UQwallet" })
    expect(pooledCreatePlan(args(["tron"]), "chk_live_x")?.derived).toEqual(["tron"])
  })

  it("is null for a checkout payable on TON only (no derived address: no pooled slot)", () => {
    expect(pooledCreatePlan(args(["ton"]), "chk_live_x")).toBeNull()
    const tonOnly = { ...merchant, payoutKeys: { ton: "UQwallet" } }
    expect(pooledCreatePlan(args(["bsc", "tron", "ton"], tonOnly), "chk_live_x")).toBeNull()
  })

  it("writes the fields on whole seconds and leaves index and addresses to the slot", () => {
    const plan = pooledCreatePlan(args(["bsc"]), "chk_live_x")
    if (plan === null) throw new Error("expected a plan")
    const input = pooledCreateInput(plan, seededRandomBytes(1))
    expect(input).toMatchObject({
      id: "chk_live_x",
      merchantId: "mer_1",
      mode: "live",
      amountCents: 2500n,
      metadataJson: '{"b":1,"a":2}',
      networks: ["bsc"],
      createdAt: new Date("2026-04-04T12:00:00Z"),
      expiresAt: new Date("2026-04-04T12:30:00Z"),
      targets: { derivationIndex: -1n, entries: [] },
    })
    // With TON among the networks, the TON module draws the comment (and its lookup) per statement.
    const withTon = pooledCreatePlan(args(["bsc", "ton"]), "chk_live_x")
    if (withTon === null) throw new Error("expected a plan")
    const [memo] = pooledCreateInput(withTon, seededRandomBytes(1)).targets.entries
    expect(memo?.memo).toMatch(/^[2-9A-HJKMNP-Z]{8}$/)
    expect(memo).toEqual({ family: "ton", address: null, memo: memo?.memo, lookup: `mer_1:${memo?.memo}` })
  })
})

describe("afterPooledCreate", () => {
  const checkout = { id: "chk_live_x" } as Checkout
  it("is done once created, whatever the draw", () => {
    expect(afterPooledCreate({ _tag: "Created", checkout }, 0)).toEqual({ _tag: "Created", checkout })
    expect(afterPooledCreate({ _tag: "Created", checkout }, 7)).toEqual({ _tag: "Created", checkout })
  })
  it("redraws a taken comment for 8 draws in all, then falls back", () => {
    const steps = Array.from({ length: 9 }, (_, i) => afterPooledCreate({ _tag: "MemoTaken" }, i)._tag)
    expect(steps).toEqual([
      "Redraw",
      "Redraw",
      "Redraw",
      "Redraw",
      "Redraw",
      "Redraw",
      "Redraw",
      "Fallback",
      "Fallback",
    ])
  })
  it("falls back at once without a slot", () => {
    expect(afterPooledCreate({ _tag: "NoSlot" }, 0)).toEqual({ _tag: "Fallback" })
  })
})

describe("idempotencyDecision", () => {
  const now = new Date("2026-04-04T12:00:00Z")
  const response = { status: 201, body: '{"id":"chk_live_x"}' }
  const record = (over: Partial<Parameters<typeof idempotencyDecision>[0] & object> = {}) => ({
    requestHash: "h1",
    response,
    createdAt: new Date(now.getTime() - 1000),
    ...over,
  })
  it("replays the first response of the same request", () => {
    expect(idempotencyDecision(record(), { requestHash: "h1", now })).toEqual({ _tag: "Replay", response })
  })
  it("is a conflict for another request with the key", () => {
    expect(idempotencyDecision(record(), { requestHash: "h2", now })).toEqual({ _tag: "Conflict" })
    // in flight or answered: another request is a conflict either way
    expect(idempotencyDecision(record({ response: null }), { requestHash: "h2", now })._tag).toBe("Conflict")
  })
  it("proceeds without a record, with one still in flight, and with one at or past the 24 h retention", () => {
    expect(idempotencyDecision(null, { requestHash: "h1", now })).toEqual({ _tag: "Proceed" })
    expect(idempotencyDecision(record({ response: null }), { requestHash: "h1", now })).toEqual({
      _tag: "Proceed",
    })
    const at = (ms: number) => record({ createdAt: new Date(now.getTime() - ms), requestHash: "other" })
    expect(idempotencyDecision(at(IDEMPOTENCY_TTL_MS), { requestHash: "h1", now })).toEqual({
      _tag: "Proceed",
    })
    expect(idempotencyDecision(at(IDEMPOTENCY_TTL_MS - 1), { requestHash: "h1", now })).toEqual({
      _tag: "Conflict",
    })
    expect(IDEMPOTENCY_TTL_MS).toBe(24 * 3600_000)
  })
})
