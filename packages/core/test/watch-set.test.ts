/**
 * core's `makeWatchIndex`: the watch set kept between cycles answers exactly what a whole read would
 * (`makeWatchSet` over the same targets): expiry at the millisecond, status-held targets, memo wallets, reads
 * that repeat a target, a `since` that goes back, a reset.
 */
import { describe, expect, it } from "vitest"
import type { WatchedTarget, WatchTargetsDelta } from "../src/ports/CheckoutStore.js"
import { makeWatchIndex } from "../src/watch-set.js"

const T = Date.parse("2026-05-01T12:00:00.000Z")
const target = (key: string, expiresAtMs: number, merchantId = "mer_a"): WatchedTarget => ({
  key,
  merchantId,
  expiresAtMs,
})
const delta = (d: Partial<WatchTargetsDelta> & { cursor: string }): WatchTargetsDelta => ({
  full: false,
  added: [],
  held: [],
  ...d,
})

describe("makeWatchIndex: addresses", () => {
  it("drops a target exactly when its checkout expires at or before `since`, boundary millisecond included", () => {
    const index = makeWatchIndex()
    expect(index.cursorFor(T)).toBeNull()
    const w0 = index.apply(
      delta({
        cursor: "10",
        full: true,
        added: [
          target("0xa", T + 1),
          target("0xb", T + 999),
          target("0xc", T + 1000),
          target("0xd", T + 5000),
        ],
      }),
      T,
      false,
    )
    expect(["0xa", "0xb", "0xc", "0xd"].map(w0.hasAddress)).toEqual([true, true, true, true])
    expect(index.cursorFor(T + 1)).toBe("10")
    // One millisecond later 0xa (expires at T + 1) is out: `expires_at > since` fails at equality.
    const w1 = index.apply(delta({ cursor: "11" }), T + 1, false)
    expect(["0xa", "0xb", "0xc", "0xd"].map(w1.hasAddress)).toEqual([false, true, true, true])
    expect(index.size()).toBe(3)
    const w2 = index.apply(delta({ cursor: "12" }), T + 1000, false)
    expect(["0xa", "0xb", "0xc", "0xd"].map(w2.hasAddress)).toEqual([false, false, false, true])
    expect(index.size()).toBe(1)
    expect(w2.hasMemo("0:w", "0xd")).toBe(false)
  })

  it("adds what each read brings, once, and keeps a held target (expired, still open) only while it is held", () => {
    const index = makeWatchIndex()
    index.apply(delta({ cursor: "5", full: true, added: [target("0xa", T + 60_000)] }), T, false)
    // A read from the cursor repeats 0xa (its transaction was still running at the first read) and brings 0xb;
    // 0xc is expired past the window but still pending.
    const w = index.apply(
      delta({
        cursor: "7",
        added: [target("0xa", T + 60_000), target("0xb", T + 60_000), target("0xx", T - 1)],
        held: [target("0xc", T - 3_600_000)],
      }),
      T + 10,
      false,
    )
    expect(["0xa", "0xb", "0xc", "0xx"].map(w.hasAddress)).toEqual([true, true, true, false])
    expect(index.size()).toBe(2)
    const after = index.apply(delta({ cursor: "8" }), T + 20, false)
    expect(after.hasAddress("0xc")).toBe(false) // swept to expired: no longer held
  })

  it("asks for a whole read after a reset or when `since` goes back, and a whole read replaces the set", () => {
    const index = makeWatchIndex()
    index.apply(delta({ cursor: "5", full: true, added: [target("0xa", T + 60_000)] }), T, false)
    expect(index.cursorFor(T - 1)).toBeNull()
    expect(index.cursorFor(T)).toBe("5")
    index.reset()
    expect(index.cursorFor(T)).toBeNull()
    expect(index.size()).toBe(0)
    index.apply(delta({ cursor: "6", full: true, added: [target("0xa", T + 60_000)] }), T, false)
    const w = index.apply(delta({ cursor: "9", full: true, added: [target("0xb", T + 60_000)] }), T, false)
    expect([w.hasAddress("0xa"), w.hasAddress("0xb")]).toEqual([false, true])
  })
})

describe("makeWatchIndex: memos", () => {
  const wallets = [
    { merchantId: "mer_a", wallet: "0:wa", scanned: true },
    { merchantId: "mer_b", wallet: "0:wb", scanned: false },
    { merchantId: "mer_c", wallet: "0:wc", scanned: false },
  ]
  it("matches a memo under its merchant's wallet, case-insensitively, and lists the wallets to scan", () => {
    const index = makeWatchIndex()
    const w = index.apply(
      delta({
        cursor: "3",
        full: true,
        added: [target("K7P2M9QX", T + 1000, "mer_b"), target("abc", T + 60_000, "mer_a")],
        held: [target("HELD1", T - 10, "mer_c")],
        wallets,
      }),
      T,
      true,
    )
    expect(w.hasMemo("0:wb", "k7p2m9qx")).toBe(true)
    expect(w.hasMemo("0:wa", "K7P2M9QX")).toBe(false)
    expect(w.hasMemo("0:wa", "ABC")).toBe(true)
    expect(w.hasMemo("0:wc", "held1")).toBe(true)
    expect(w.hasAddress("K7P2M9QX")).toBe(false)
    // mer_a's wallet is scanned for its network; mer_b and mer_c's because they have open checkouts.
    expect([...w.wallets].sort()).toEqual(["0:wa", "0:wb", "0:wc"])
    expect([...(w.openWallets ?? [])].sort()).toEqual(["0:wa", "0:wb", "0:wc"])
    // mer_b's only checkout expires, mer_c's is no longer held: their wallets leave the list.
    const later = index.apply(delta({ cursor: "4", wallets }), T + 1000, true)
    expect(later.hasMemo("0:wb", "K7P2M9QX")).toBe(false)
    expect([...later.wallets].sort()).toEqual(["0:wa"])
    expect(later.openWallets).toEqual(["0:wa"])
    // A merchant's new wallet takes over its memos at once.
    const moved = index.apply(
      delta({ cursor: "5", wallets: [{ merchantId: "mer_a", wallet: "0:new", scanned: true }] }),
      T + 1000,
      true,
    )
    expect(moved.hasMemo("0:wa", "abc")).toBe(false)
    expect(moved.hasMemo("0:new", "abc")).toBe(true)
  })

  it("two memos equal but for case keep the key alive until the later one expires", () => {
    const index = makeWatchIndex()
    index.apply(
      delta({
        cursor: "1",
        full: true,
        added: [target("ref", T + 1000, "mer_a"), target("REF", T + 5000, "mer_a")],
        wallets,
      }),
      T,
      true,
    )
    const w = index.apply(delta({ cursor: "2", wallets }), T + 2000, true)
    expect(w.hasMemo("0:wa", "Ref")).toBe(true)
    expect(index.apply(delta({ cursor: "3", wallets }), T + 5000, true).hasMemo("0:wa", "ref")).toBe(false)
  })
})
