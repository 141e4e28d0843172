/**
 * core's `makeWatchIndex`: the watch set kept between cycles answers exactly what a whole read would
 * (`makeWatchSet` over the same targets): expiry at the millisecond, status-held targets, memo wallets, reads
 * that repeat a target, a `since` that goes back, a reset; wallets read only for the merchants that changed;
 * and a cycle with nothing new rebuilds nothing.
 */
import { Effect } from "effect"
import { describe, expect, it, vi } from "vitest"
import { KeyTable } from "../src/key-table.js"
import type { WatchedTarget, WatchTargetsDelta } from "../src/ports/CheckoutStore.js"
import { applyStepwise, makeWatchIndex } from "../src/watch-set.js"

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

describe("makeWatchIndex: incremental wallets and work per cycle", () => {
  it("applies a read of the changed merchants' wallets only: others stay, a null wallet leaves", () => {
    const index = makeWatchIndex()
    const all = [
      { merchantId: "mer_a", wallet: "0:wa", scanned: true },
      { merchantId: "mer_b", wallet: "0:wb", scanned: true },
      { merchantId: "mer_c", wallet: "0:wa", scanned: false },
    ]
    const w0 = index.apply(
      delta({
        cursor: "1",
        full: true,
        added: [target("M1", T + 60_000, "mer_b"), target("M2", T + 60_000, "mer_c")],
        wallets: all,
      }),
      T,
      true,
    )
    expect([...w0.wallets].sort()).toEqual(["0:wa", "0:wb"])
    expect(w0.hasMemo("0:wa", "m2")).toBe(true) // mer_c shares mer_a's wallet
    // mer_b drops its key, mer_c moves to a wallet of its own and leaves the network: only they are read.
    const w1 = index.apply(
      delta({
        cursor: "2",
        wallets: [
          { merchantId: "mer_b", wallet: null, scanned: false },
          { merchantId: "mer_c", wallet: "0:wc", scanned: false },
        ],
      }),
      T + 1,
      true,
    )
    expect(w1.hasMemo("0:wb", "M1")).toBe(false)
    expect(w1.hasMemo("0:wa", "M2")).toBe(false)
    expect(w1.hasMemo("0:wc", "M2")).toBe(true)
    // mer_a's wallet stays scanned (unchanged, not re-read); mer_c's is scanned for its open checkout.
    expect([...w1.wallets].sort()).toEqual(["0:wa", "0:wc"])
    expect([...(w1.openWallets ?? [])].sort()).toEqual(["0:wc"])
    // mer_b gets a key again: its open memo is matched under it.
    const w2 = index.apply(
      delta({ cursor: "3", wallets: [{ merchantId: "mer_b", wallet: "0:wb2", scanned: false }] }),
      T + 2,
      true,
    )
    expect(w2.hasMemo("0:wb2", "m1")).toBe(true)
    expect([...(w2.openWallets ?? [])].sort()).toEqual(["0:wb2", "0:wc"])
  })

  it("a cycle that reads nothing new hands the same wallet lists back (nothing rebuilt)", () => {
    const index = makeWatchIndex()
    const wallets = Array.from({ length: 500 }, (_, i) => ({
      merchantId: `mer_${i}`,
      wallet: `0:w${i}`,
      scanned: i % 2 === 0,
    }))
    const added = wallets.map((w, i) => target(`M${i}`, T + 60_000 + i, w.merchantId))
    const w0 = index.apply(delta({ cursor: "1", full: true, added, wallets }), T, true)
    const w1 = index.apply(delta({ cursor: "2" }), T + 10, true)
    expect(w1.wallets).toBe(w0.wallets)
    expect(w1.openWallets).toBe(w0.openWallets)
    expect(w1.wallets.length).toBe(500)
    // A new merchant's first open checkout changes the lists.
    const w2 = index.apply(
      delta({
        cursor: "3",
        added: [target("NEW", T + 90_000, "mer_new")],
        wallets: [{ merchantId: "mer_new", wallet: "0:wnew", scanned: false }],
      }),
      T + 20,
      true,
    )
    expect(w2.wallets).not.toBe(w1.wallets)
    expect(w2.wallets).toContain("0:wnew")
  })

  it("agrees with a whole read (`makeWatchSet` over the live targets) through random reads, expiries and resets", () => {
    let seed = 7
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    const compactions = vi.spyOn(KeyTable.prototype, "compact")
    for (const memos of [false, true]) {
      const index = makeWatchIndex()
      const stored: Array<WatchedTarget> = []
      const walletOf = new Map<string, string | null>()
      let since = T
      let cursor = 0
      for (let cycle = 0; cycle < 400; cycle++) {
        since += Math.floor(next() * 3000)
        const added = Array.from({ length: Math.floor(next() * 60) }, () => {
          const m = `mer_${Math.floor(next() * 6)}`
          const k = memos ? `m${Math.floor(next() * 300)}` : `0x${Math.floor(next() * 3000).toString(16)}`
          return target(k, since + Math.floor(next() * 20_000) - 2000, m)
        })
        stored.push(...added)
        const held = stored.filter((t) => t.expiresAtMs <= since && next() < 0.05)
        const changed = memos
          ? Array.from({ length: next() < 0.2 ? 1 : 0 }, () => {
              const m = `mer_${Math.floor(next() * 6)}`
              const w = next() < 0.2 ? null : `0:w${Math.floor(next() * 4)}`
              walletOf.set(m, w)
              return { merchantId: m, wallet: w, scanned: false }
            })
          : []
        const whole = next() < 0.005
        if (whole) index.reset()
        const full = index.cursorFor(since) === null
        const fullWallets = [...walletOf].flatMap(([merchantId, wallet]) =>
          wallet === null ? [] : [{ merchantId, wallet, scanned: false }],
        )
        const w = index.apply(
          delta({
            cursor: String(++cursor),
            full,
            added: full ? stored.filter((t) => t.expiresAtMs > since) : added,
            held,
            ...(memos ? { wallets: full ? fullWallets : changed } : {}),
          }),
          since,
          memos,
        )
        const liveTargets = [...stored.filter((t) => t.expiresAtMs > since), ...held]
        const liveKeys = new Set(
          liveTargets.map((l) => (memos ? `${walletOf.get(l.merchantId)}/${l.key.toUpperCase()}` : l.key)),
        )
        // Exactly the unexpired keys are kept: expired ones are dropped, not just answered false.
        const unexpired = stored.filter((t) => t.expiresAtMs > since)
        expect(index.size()).toBe(
          new Set(unexpired.map((t) => (memos ? `${t.merchantId}/${t.key.toUpperCase()}` : t.key))).size,
        )
        for (const t of stored.slice(-100)) {
          if (memos)
            for (const wallet of ["0:w0", "0:w1", "0:w2", "0:w3"])
              expect(w.hasMemo(wallet, t.key)).toBe(liveKeys.has(`${wallet}/${t.key.toUpperCase()}`))
          else expect(w.hasAddress(t.key)).toBe(liveKeys.has(t.key))
        }
        if (memos) {
          const open = new Set(liveTargets.flatMap((l) => walletOf.get(l.merchantId) ?? []))
          expect([...(w.openWallets ?? [])].sort()).toEqual([...open].sort())
        }
      }
    }
    // Dropped entries outnumbered live ones at some point: the buckets were renumbered with the table.
    expect(compactions).toHaveBeenCalled()
  })
})

describe("applyStepwise", () => {
  it("answers as one apply, and lets the event loop turn between steps of a whole read", async () => {
    const added = Array.from({ length: 25_000 }, (_, i) =>
      target(`M${i}`, T + 1000 + (i % 7) * 1000, `mer_${i % 30}`),
    )
    const wallets = Array.from({ length: 30 }, (_, i) => ({
      merchantId: `mer_${i}`,
      wallet: `0:w${i}`,
      scanned: i === 0,
    }))
    const read = delta({ cursor: "9", full: true, added, held: [target("HELD", T - 5, "mer_3")], wallets })
    const whole = makeWatchIndex()
    const once = whole.apply(read, T, true)
    const stepped = makeWatchIndex()
    stepped.apply(delta({ cursor: "1", full: true, added: [target("OLD", T + 9999, "mer_1")] }), T, true)
    let turns = 0
    const timer = setInterval(() => turns++, 0)
    const w = await Effect.runPromise(applyStepwise(stepped, read, T, true, 1000))
    clearInterval(timer)
    // 25 steps: the timer ran between them (one apply of the whole read would not let it).
    expect(turns).toBeGreaterThan(5)
    expect(stepped.size()).toBe(whole.size())
    expect(stepped.cursorFor(T)).toBe("9")
    expect(w.hasMemo("0:w1", "old")).toBe(false) // the whole read replaced the set
    for (const t of [...added.slice(0, 50), ...added.slice(-50), target("HELD", 0, "mer_3")])
      expect(w.hasMemo(`0:w${t.merchantId.slice(4)}`, t.key)).toBe(
        once.hasMemo(`0:w${t.merchantId.slice(4)}`, t.key),
      )
    expect(w.hasMemo("0:w3", "held")).toBe(true)
    expect([...w.wallets].sort()).toEqual([...once.wallets].sort())
    expect([...(w.openWallets ?? [])].sort()).toEqual([...(once.openWallets ?? [])].sort())
  })
})
