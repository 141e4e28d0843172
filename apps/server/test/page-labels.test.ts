import { type Checkout, type Merchant, type NetworkConfig, type Payment, toApiCheckout } from "@inzi/core"
import { FAMILIES, PRESETS } from "@inzi/platform"
import { describe, expect, it } from "vitest"
import { toPageView } from "../src/routes/page.js"

const T0 = new Date("2026-04-04T12:00:00Z")
const networks: ReadonlyArray<NetworkConfig> = ["bsc", "base", "tron", "ton"].map(
  (id) => PRESETS.find((p) => p.id === id)!,
)
const merchant: Merchant = {
  id: "mer_1",
  name: "Shop",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  testWebhookUrl: null,
  testWebhookSecret: "whsec_y",
  payoutKeys: { evm: "xpub-evm", tron: "xpub-tron", ton: "UQwallet" },
  networks: { live: [], test: [] },
  createdAt: T0,
}
const payment = (network: string, txHash: string): Payment => ({
  network,
  txHash,
  logIndex: 0,
  token: "USDT",
  tokenContract: "c",
  decimals: 6,
  amount: 1_000_000n,
  sender: "s",
  recipient: "r",
  blockNumber: 1n,
  blockHash: "h",
  status: "confirmed",
  confirmations: 20,
  detectedAt: T0,
  confirmedAt: T0,
})
const checkout: Checkout = {
  id: "chk_live_k3j9x2m1q8w7e5r4t6y0u2i9",
  merchantId: "mer_1",
  mode: "live",
  status: "processing",
  amountCents: 2500n,
  currency: "USD",
  description: null,
  metadataJson: null,
  customerEmail: null,
  redirectUrl: null,
  webhookUrl: null,
  networks: networks.map((n) => n.id),
  targets: {
    derivationIndex: 0n,
    entries: [
      { family: "evm", address: "0x00000000000000000000000000000000000000aa", memo: null },
      { family: "ton", address: null, memo: "INZ-7K2Q" },
      { family: "tron", address: "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", memo: null },
    ],
  },
  payments: [payment("tron", "ab12"), payment("bsc", "0xcd34")],
  expiresAt: new Date(T0.getTime() + 1_800_000),
  createdAt: T0,
  updatedAt: T0,
}

describe("the hosted page's labels and links come from the family modules", () => {
  const api = toApiCheckout(checkout, {
    publicUrl: "https://pay.example",
    now: T0,
    networks,
    merchant,
    families: FAMILIES,
  })
  const view = toPageView(api, checkout, merchant, networks, "k3j9x2m1q8w7e5r4t6y0u2i9", FAMILIES)

  it("names each option's network with its token standard", () => {
    expect([...new Set(view.options.map((o) => o.networkLabel))]).toEqual([
      "BNB Smart Chain (BEP-20)",
      "Base (ERC-20)",
      "Tron (TRC-20)",
      "TON (jetton)",
    ])
    const ton = view.options.find((o) => o.network === "ton")!
    expect([ton.address, ton.memo]).toEqual(["UQwallet", "INZ-7K2Q"])
  })

  it("links each payment to its network's explorer", () => {
    expect((view.payments ?? []).map((p) => [p.networkLabel, p.explorerUrl])).toEqual([
      ["Tron (TRC-20)", "https://tronscan.org/#/transaction/ab12"],
      ["BNB Smart Chain (BEP-20)", "https://bscscan.com/tx/0xcd34"],
    ])
  })

  it("gives each option its network's icon, else its family module's (never one picked from the id)", () => {
    const icons = (v: typeof view) => [...new Map(v.options.map((o) => [o.network, o.icon])).entries()]
    expect(icons(view)).toEqual([
      ["bsc", "bsc"],
      ["base", "base"],
      ["tron", "tron"],
      ["ton", "ton"],
    ])
    // An EVM network named like no preset, with and without its own icon; and one no longer configured.
    const renamed = networks.map((n) =>
      n.id === "bsc" ? { ...n, icon: "base" } : n.id === "base" ? { ...n, icon: undefined } : n,
    )
    const again = toPageView(api, checkout, merchant, renamed, "k3j9x2m1q8w7e5r4t6y0u2i9", FAMILIES)
    expect(icons(again).map(([, i]) => i)).toEqual(["base", FAMILIES.evm.icon, "tron", "ton"])
    const gone = toPageView(api, checkout, merchant, [], "k3j9x2m1q8w7e5r4t6y0u2i9", FAMILIES)
    expect(new Set(gone.options.map((o) => o.icon))).toEqual(new Set(["any"]))
  })
})
