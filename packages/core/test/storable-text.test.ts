import { describe, expect, it } from "@effect/vitest"
import {
  type ChainEvent,
  escapeUnstorable,
  isStorableText,
  makeWatchSet,
  type PaymentObserved,
  storableChainEvent,
  storableText,
  type UnmatchedTransfer,
} from "../src/index.js"

const observed: PaymentObserved = {
  _tag: "PaymentObserved",
  network: "ton",
  txHash: "ab".repeat(32),
  logIndex: 0,
  target: { kind: "memo", wallet: "0:wallet", memo: "K7P2M9QX" },
  token: "USDT",
  tokenContract: "EQjetton",
  decimals: 6,
  amount: 25_000_000n,
  sender: "0:payer",
  blockNumber: 7n,
  blockHash: null,
  confirmations: 1,
  observedAt: new Date("2026-04-04T12:00:00Z"),
}

const unmatched: UnmatchedTransfer = {
  _tag: "UnmatchedTransfer",
  network: "ton",
  txHash: "cd".repeat(32),
  logIndex: 0,
  wallet: "0:wallet",
  memo: "K7P2\u0000M9QX",
  token: "USDT",
  tokenContract: "EQjetton",
  decimals: 6,
  amount: 1n,
  sender: "evil\u0000\uD800",
  observedAt: new Date("2026-04-04T12:00:00Z"),
  reason: "unknown comment\u0000",
}

describe("storable text (what PostgreSQL text and jsonb can hold)", () => {
  it("NUL and unpaired surrogates are unstorable; paired surrogates and other controls are fine", () => {
    expect(isStorableText("K7P2M9QX")).toBe(true)
    expect(isStorableText("tab\there, emoji 😀, bell \u0007")).toBe(true)
    expect(isStorableText("a\u0000b")).toBe(false)
    expect(isStorableText("\uD800")).toBe(false)
    expect(isStorableText("x\uDC00")).toBe(false)
    expect(isStorableText("\uDE00\uD83D")).toBe(false)
    // Called repeatedly: no regex state carried between calls.
    expect([1, 2, 3].map(() => isStorableText("a\u0000"))).toEqual([false, false, false])
  })

  it("storableText replaces each unstorable code unit with U+FFFD and leaves the rest alone", () => {
    expect(storableText("K7P2\u0000M9QX")).toBe("K7P2\uFFFDM9QX")
    expect(storableText("\u0000\u0000")).toBe("\uFFFD\uFFFD")
    expect(storableText("a\uD800b\uDC00c")).toBe("a\uFFFDb\uFFFDc")
    expect(storableText("😀 ok")).toBe("😀 ok")
    const clean = "already clean"
    expect(storableText(clean)).toBe(clean)
    for (const s of ["a\u0000", "\uD800", "\uDFFF x", "😀\u0000\uDBFF"])
      expect(isStorableText(storableText(s))).toBe(true)
  })

  it("a sanitised comment never names a checkout it did not name (replaced, not stripped)", () => {
    const watch = makeWatchSet({
      addresses: [],
      memos: [{ wallet: "0:wallet", memo: "K7P2M9QX" }],
      wallets: [],
    })
    for (const comment of ["K7P2\u0000M9QX", "\u0000K7P2M9QX", "K7P2M9QX\u0000", "K7P2M9QX\uD800"]) {
      const memo = storableText(comment).trim().toUpperCase()
      expect(watch.hasMemo("0:wallet", memo)).toBe(false)
    }
  })

  it("escapeUnstorable shows what arrived as \\uXXXX escapes", () => {
    expect(escapeUnstorable("ab\u0000c")).toBe("ab\\u0000c")
    expect(escapeUnstorable("\uD800\uDFFF😀\uDFFF")).toBe("\uD800\uDFFF😀\\udfff")
    expect(escapeUnstorable("clean")).toBe("clean")
  })
})

describe("storableChainEvent: one rule for every chain family's free text", () => {
  it("sanitises memo, sender and reason of an unmatched transfer; identity fields untouched", () => {
    const poisoned = { ...unmatched, txHash: "tx\u0000", wallet: "0:w\u0000" }
    expect(storableChainEvent(poisoned)).toEqual({
      ...poisoned,
      memo: "K7P2\uFFFDM9QX",
      sender: "evil\uFFFD\uFFFD",
      reason: "unknown comment\uFFFD",
    })
  })

  it("sanitises an observed payment's memo and sender; address targets and clean events are returned as is", () => {
    const poisoned: PaymentObserved = {
      ...observed,
      sender: "\u0000payer",
      target: { kind: "memo", wallet: "0:wallet", memo: "M\u0000" },
    }
    expect(storableChainEvent(poisoned)).toEqual({
      ...poisoned,
      sender: "\uFFFDpayer",
      target: { kind: "memo", wallet: "0:wallet", memo: "M\uFFFD" },
    })
    expect(storableChainEvent(observed)).toBe(observed)
    const evm: PaymentObserved = {
      ...observed,
      target: { kind: "address", address: "0xabc" },
      sender: "0x\u0000",
    }
    expect(storableChainEvent(evm)).toEqual({ ...evm, sender: "0x\uFFFD" })
    expect(storableChainEvent({ ...observed, sender: null })).toEqual({ ...observed, sender: null })
  })

  it("sanitises a revert reason; confirmations pass through", () => {
    const reverted: ChainEvent = {
      _tag: "PaymentReverted",
      network: "tron",
      txHash: "t",
      logIndex: 0,
      reason: "REVERT\u0000 opcode",
    }
    expect(storableChainEvent(reverted)).toEqual({ ...reverted, reason: "REVERT\uFFFD opcode" })
    const confirmed: ChainEvent = {
      _tag: "PaymentConfirmed",
      network: "tron",
      txHash: "t",
      logIndex: 0,
      confirmations: 20,
      confirmedAt: new Date(0),
    }
    expect(storableChainEvent(confirmed)).toBe(confirmed)
  })
})
