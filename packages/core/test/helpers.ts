import { Context, Either, Layer } from "effect"
import type { PaymentConfirmed, PaymentObserved, PaymentReverted } from "../src/chain-events.js"
import type { Checkout, CheckoutState, Merchant, NetworkConfig } from "../src/domain.js"
import { type MachineEvent, type TransitionResult, transition } from "../src/machine.js"
import { Checkouts, IdempotencyRecords } from "../src/ports/CheckoutStore.js"

export const T0 = new Date("2026-04-04T12:00:00Z")
export const EXPIRES = new Date("2026-04-04T12:30:00Z")
export const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000)

export const state = (amountCents = 2500n, over: Partial<CheckoutState> = {}): CheckoutState => ({
  status: "pending",
  amountCents,
  expiresAt: EXPIRES,
  payments: [],
  ...over,
})

export const observed = (tx: string, amount: bigint, o: Partial<PaymentObserved> = {}): PaymentObserved => ({
  _tag: "PaymentObserved",
  network: "ton",
  txHash: tx,
  logIndex: 0,
  target: { kind: "memo", wallet: "UQwallet", memo: "K7P2M9QX" },
  token: "USDT",
  tokenContract: "EQjetton",
  decimals: 6,
  amount,
  sender: "UQsender",
  blockNumber: 1n,
  blockHash: "0xb1",
  confirmations: 0,
  observedAt: at(1),
  ...o,
})

export const confirmed = (tx: string, o: Partial<PaymentConfirmed> = {}): PaymentConfirmed => ({
  _tag: "PaymentConfirmed",
  network: "ton",
  txHash: tx,
  logIndex: 0,
  confirmations: 1,
  confirmedAt: at(2),
  ...o,
})

export const reverted = (tx: string, o: Partial<PaymentReverted> = {}): PaymentReverted => ({
  _tag: "PaymentReverted",
  network: "ton",
  txHash: tx,
  logIndex: 0,
  reason: "reorg",
  ...o,
})

export const OPTS = { requiredConfirmations: 1 }

/** Applies an event and expects success. */
export const step = (s: CheckoutState, e: MachineEvent, now: Date = at(3)): TransitionResult => {
  const r = transition(s, e, now, OPTS)
  if (Either.isLeft(r)) throw new Error(`refused: ${r.left.message}`)
  return r.right
}

/** Applies events in order (each at its own `now`), returning the final result and all emitted events. */
export const run = (
  s: CheckoutState,
  steps: ReadonlyArray<readonly [MachineEvent, Date]>,
): { state: CheckoutState; emitted: Array<string> } => {
  let cur = s
  const emitted: Array<string> = []
  for (const [e, now] of steps) {
    const r = step(cur, e, now)
    cur = r.state
    emitted.push(...r.emit)
  }
  return { state: cur, emitted }
}

export const NETWORKS: ReadonlyArray<NetworkConfig> = [
  {
    id: "ton",
    family: "ton",
    mode: "live",
    name: "TON",
    rpcUrls: ["https://toncenter.example"],
    tokens: [{ symbol: "USDT", contract: "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs", decimals: 6 }],
    confirmations: 1,
    pollIntervalMs: 2000,
  },
  {
    id: "tron",
    family: "tron",
    mode: "live",
    name: "Tron",
    rpcUrls: ["https://api.trongrid.example"],
    tokens: [{ symbol: "USDT", contract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", decimals: 6 }],
    confirmations: 19,
    pollIntervalMs: 3000,
  },
  {
    id: "bsc",
    family: "evm",
    mode: "live",
    name: "BNB Chain",
    chainId: 56,
    rpcUrls: ["https://bsc.example"],
    tokens: [{ symbol: "USDT", contract: "0x55d398326f99059fF775485246999027B3197955", decimals: 18 }],
    confirmations: 15,
    pollIntervalMs: 3000,
  },
  {
    id: "sepolia",
    family: "evm",
    mode: "test",
    name: "Sepolia",
    chainId: 11155111,
    rpcUrls: ["https://sepolia.example"],
    tokens: [{ symbol: "USDC", contract: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", decimals: 6 }],
    confirmations: 3,
    pollIntervalMs: 3000,
  },
]

export const checkout = (over: Partial<Checkout> = {}): Checkout => ({
  id: "chk_live_k3j9x2m1q8w7e5r4t6y0u2i9",
  merchantId: "mer_1",
  mode: "live",
  status: "pending",
  amountCents: 2500n,
  currency: "USD",
  description: "Order #12345",
  metadataJson: '{"order_id":"uuid-xxx","2":1,"1":"a"}',
  customerEmail: null,
  redirectUrl: "https://yoursite.com/thank-you",
  webhookUrl: null,
  targets: {
    derivationIndex: 7n,
    entries: [
      { family: "evm", address: "0x00000000000000000000000000000000000000aa", memo: null },
      { family: "ton", address: null, memo: "K7P2M9QX" },
      { family: "tron", address: "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8", memo: null },
    ],
  },
  networks: ["ton", "tron", "bsc"],
  payments: [],
  expiresAt: EXPIRES,
  createdAt: T0,
  updatedAt: T0,
  ...over,
})

/** A merchant whose TON wallet is `tonWallet` (null: no TON option), for the presenter's context. */
export const merchantWith = (tonWallet: string | null): Merchant => ({
  id: "mer_1",
  name: "Shop",
  webhookUrl: null,
  webhookSecret: "whsec_x",
  testWebhookUrl: null,
  testWebhookSecret: "whsec_y",
  payoutKeys: { evm: "xpub-evm", tron: "xpub-tron", ...(tonWallet === null ? {} : { ton: tonWallet }) },
  networks: { live: [], test: [] },
  createdAt: new Date(0),
})

/** One stub store as the ports `createCheckout` asks for (`Checkouts`, `IdempotencyRecords`), and only those. */
export const createPorts = (store: Checkouts["Type"] & IdempotencyRecords["Type"]) =>
  Layer.succeedContext(Context.make(Checkouts, store).pipe(Context.add(IdempotencyRecords, store)))
