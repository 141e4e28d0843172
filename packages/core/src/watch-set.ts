import type { WatchSet } from "./chain-events.js"
import type { OpenTargets, WatchedTarget, WatchTargetsDelta } from "./ports/CheckoutStore.js"

/**
 * Builds the in-memory lookup a scanner matches transfers against: O(1) per transfer, whatever the number of
 * open checkouts. Addresses are compared exactly as the store holds them (EVM lower-case hex, Tron base58,
 * TON raw `0:hex`), memos upper-case.
 */
export const makeWatchSet = (targets: OpenTargets): WatchSet => {
  const addresses = new Set(targets.addresses)
  const memos = new Set<string>()
  const wallets = new Set<string>(targets.wallets ?? [])
  const openWallets = new Set<string>()
  for (const m of targets.memos) {
    memos.add(`${m.wallet}\u0000${m.memo.toUpperCase()}`)
    wallets.add(m.wallet)
    openWallets.add(m.wallet)
  }
  return {
    hasAddress: (a) => addresses.has(a),
    hasMemo: (wallet, memo) => memos.has(`${wallet}\u0000${memo.toUpperCase()}`),
    wallets: [...wallets],
    openWallets: [...openWallets],
  }
}

/** A memo target's key in a `WatchIndex`: merchant and memo (upper case, as `makeWatchSet` compares them). */
const memoKey = (merchantId: string, memo: string) => `${merchantId}\u0000${memo.toUpperCase()}`

/**
 * A network's watch set kept between watcher cycles: loaded whole once, then each cycle applies what the store
 * read since the previous cycle (`CheckoutStore.watchTargets`) and drops the targets whose checkout expired
 * before `since`. Membership is exactly `openTargets`': the checkout expires after `since`, or it is held (still
 * pending or processing). `since` only moves forward; a `since` earlier than the last one asks for a whole read.
 */
export interface WatchIndex {
  /** The cursor to read from for `sinceMs`; null: read everything (first read, reset, `since` went back). */
  readonly cursorFor: (sinceMs: number) => string | null
  /** Applies a read made for `sinceMs` and returns the watch set as of that read. */
  readonly apply: (delta: WatchTargetsDelta, sinceMs: number, memos: boolean) => WatchSet
  /** Forgets everything (the next read is whole): a watcher that lost its lease. */
  readonly reset: () => void
  /** Targets held in memory (expiring after the last `since`), for metrics and tests. */
  readonly size: () => number
}

export const makeWatchIndex = (): WatchIndex => {
  let cursor: string | null = null
  let lastSince = Number.NEGATIVE_INFINITY
  /** Key → the latest expiry among its targets (a key of two memo targets equal but for case). */
  const expiries = new Map<string, number>()
  /** Keys by the second their expiry falls in, for dropping them in order. */
  const bySecond = new Map<number, Array<string>>()
  /** Seconds below this one hold no bucket. */
  let firstSecond = Number.POSITIVE_INFINITY
  /** Memo families: keys in `expiries` per merchant (its wallet has open checkouts). */
  const perMerchant = new Map<string, number>()
  let held = new Set<string>()
  let heldMerchants = new Set<string>()
  let walletOf = new Map<string, string>()
  let merchantsOf = new Map<string, Array<string>>()
  let scanned: ReadonlyArray<string> = []

  const merchantOfKey = (key: string) => key.slice(0, key.indexOf("\u0000"))
  const add = (key: string, expiresAtMs: number, memos: boolean) => {
    const before = expiries.get(key)
    if (before !== undefined && before >= expiresAtMs) return
    expiries.set(key, expiresAtMs)
    if (before === undefined && memos) {
      const m = merchantOfKey(key)
      perMerchant.set(m, (perMerchant.get(m) ?? 0) + 1)
    }
    const second = Math.floor(expiresAtMs / 1000)
    const bucket = bySecond.get(second)
    if (bucket === undefined) bySecond.set(second, [key])
    else bucket.push(key)
    if (second < firstSecond) firstSecond = second
  }
  const drop = (key: string, memos: boolean) => {
    expiries.delete(key)
    if (!memos) return
    const m = merchantOfKey(key)
    const n = (perMerchant.get(m) ?? 1) - 1
    if (n <= 0) perMerchant.delete(m)
    else perMerchant.set(m, n)
  }
  /** Drops every key whose expiry is at or before `sinceMs` (exactly: the boundary second is filtered). */
  const prune = (sinceMs: number, memos: boolean) => {
    const last = Math.floor(sinceMs / 1000)
    for (let s = firstSecond; s <= last && bySecond.size > 0; s++) {
      const bucket = bySecond.get(s)
      if (bucket === undefined) continue
      const kept: Array<string> = []
      for (const key of bucket) {
        const e = expiries.get(key)
        if (e === undefined || Math.floor(e / 1000) !== s) continue // re-filed under a later expiry
        if (e <= sinceMs) drop(key, memos)
        else kept.push(key)
      }
      if (kept.length === 0) bySecond.delete(s)
      else bySecond.set(s, kept)
    }
    if (bySecond.size === 0) firstSecond = Number.POSITIVE_INFINITY
    else if (firstSecond < last) firstSecond = last
  }
  const reset = () => {
    cursor = null
    lastSince = Number.NEGATIVE_INFINITY
    expiries.clear()
    bySecond.clear()
    firstSecond = Number.POSITIVE_INFINITY
    perMerchant.clear()
    held = new Set()
    heldMerchants = new Set()
    walletOf = new Map()
    merchantsOf = new Map()
    scanned = []
  }
  const keyOf = (t: WatchedTarget, memos: boolean) => (memos ? memoKey(t.merchantId, t.key) : t.key)

  return {
    cursorFor: (sinceMs) => (sinceMs < lastSince ? null : cursor),
    reset,
    size: () => expiries.size,
    apply: (delta, sinceMs, memos) => {
      if (delta.full) reset()
      for (const t of delta.added) if (t.expiresAtMs > sinceMs) add(keyOf(t, memos), t.expiresAtMs, memos)
      prune(sinceMs, memos)
      held = new Set(delta.held.map((t) => keyOf(t, memos)))
      heldMerchants = new Set(memos ? delta.held.map((t) => t.merchantId) : [])
      if (delta.wallets !== undefined) {
        walletOf = new Map(delta.wallets.map((w) => [w.merchantId, w.wallet]))
        merchantsOf = new Map()
        for (const w of delta.wallets)
          merchantsOf.set(w.wallet, [...(merchantsOf.get(w.wallet) ?? []), w.merchantId])
        scanned = delta.wallets.filter((w) => w.scanned).map((w) => w.wallet)
      }
      cursor = delta.cursor
      lastSince = sinceMs
      const live = (key: string) => (expiries.get(key) ?? Number.NEGATIVE_INFINITY) > sinceMs || held.has(key)
      const open = new Set<string>()
      if (memos)
        for (const m of [...perMerchant.keys(), ...heldMerchants]) {
          const w = walletOf.get(m)
          if (w !== undefined) open.add(w)
        }
      return {
        hasAddress: (a) => !memos && live(a),
        hasMemo: (wallet, memo) =>
          memos && (merchantsOf.get(wallet) ?? []).some((m) => live(memoKey(m, memo))),
        wallets: [...new Set([...scanned, ...open])],
        openWallets: memos ? [...open] : [],
      }
    },
  }
}
