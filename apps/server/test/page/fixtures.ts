import type { PagePayment, PageView } from "../../src/page/index.js"

export const TOKEN = "k3j9x2m1q8w7e5r4t6y0u2i9"

export const TON_URI =
  "ton://transfer/EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ?jetton=EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs&amount=25000000&text=K7P2M9QX"
export const BASE_URI =
  "ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=25000000"

/** A checkout with three options, as the server would map it. */
export const sampleView = (overrides: Partial<PageView> = {}): PageView => ({
  merchantName: "Acme Coffee Roasters",
  description: "Order #12345 — 2 × Ethiopia Yirgacheffe, 250 g",
  amount: "25.00",
  status: "pending",
  amountPaid: "0.00",
  expiresAt: new Date(Date.now() + 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  redirectUrl: null,
  statusUrl: `/p/${TOKEN}/status`,
  eventsUrl: `/p/${TOKEN}/events`,
  confirmations: 0,
  options: [
    {
      network: "ton",
      networkLabel: "TON",
      icon: "ton",
      token: "USDT",
      amountCrypto: "25.000000",
      amountDue: "25.000000",
      address: "EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ",
      memo: "K7P2M9QX",
      uri: TON_URI,
      confirmationsRequired: 1,
    },
    {
      network: "tron",
      networkLabel: "Tron (TRC-20)",
      icon: "tron",
      token: "USDT",
      amountCrypto: "25.000000",
      amountDue: "25.000000",
      address: "TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18",
      memo: null,
      uri: "TJtEySoVuAkk3xwXghLgrUFVKSMq9JkE18",
      confirmationsRequired: 19,
    },
    {
      network: "base",
      networkLabel: "Base",
      icon: "base",
      token: "USDC",
      amountCrypto: "25.000000",
      amountDue: "25.000000",
      address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      memo: null,
      uri: BASE_URI,
      confirmationsRequired: 12,
    },
  ],
  ...overrides,
})

/** A Tron payment four confirmations deep. */
export const samplePayment: PagePayment = {
  network: "tron",
  networkLabel: "Tron (TRC-20)",
  token: "USDT",
  amount: "25.000000",
  txHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  explorerUrl:
    "https://tronscan.org/#/transaction/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  status: "detected",
  confirmations: 4,
  confirmationsRequired: 19,
  at: "2026-04-04T12:01:30.000Z",
}

/** The five states the page tests (axe, screenshots) go through, as patches of {@link sampleView}. */
export const PAGE_STATES: Record<string, Partial<PageView>> = {
  pending: { testMode: true },
  detected: { status: "processing", confirmations: 4, confirmationsRequired: 19, payments: [samplePayment] },
  paid: {
    status: "completed",
    amountPaid: "25.00",
    checkoutId: "chk_test_k3j9x2m1q8w7e5r4t6y0u2i9",
    payments: [{ ...samplePayment, status: "confirmed", confirmations: 19 }],
  },
  underpaid: {
    status: "underpaid",
    amountPaid: "10.00",
    payments: [{ ...samplePayment, amount: "10.000000" }],
  },
  expired: { status: "expired", redirectUrl: "https://shop.example/cart" },
}
