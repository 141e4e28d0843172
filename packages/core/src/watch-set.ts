import { Effect } from "effect"
import type { WatchSet } from "./chain-events.js"
import { KeyTable } from "./key-table.js"
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
 * A cycle's work is what its read brought, what expired and what is held, never a pass over the whole set; the
 * keys live in a `KeyTable` (bytes in typed arrays), so a million of them weigh little on the heap and its GC.
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
  /** Makes room for targets about to be applied (a whole read applied in steps), so the set grows once. */
  readonly reserve: (targets: ReadonlyArray<WatchedTarget>, memos: boolean, from?: number) => void
}

export const makeWatchIndex = (): WatchIndex => {
  let cursor: string | null = null
  let lastSince = Number.NEGATIVE_INFINITY
  /** Key → the latest expiry among its targets (a key of two memo targets equal but for case); tag: merchant. */
  const table = new KeyTable()
  /** Entry ids by the second their expiry falls in, for dropping them in order. */
  let bySecond = new Map<number, Array<number>>()
  /** Seconds below this one hold no bucket. */
  let firstSecond = Number.POSITIVE_INFINITY
  /** Memo families: merchants by number (the table's tags), and their numbers. */
  let merchants: Array<string> = []
  let merchantNumber = new Map<string, number>()
  /** Memo families: live keys per merchant number (its wallet has open checkouts). */
  let perMerchant = new Map<number, number>()
  let held = new Set<string>()
  let heldMerchants = new Set<string>()
  /** Memo families: each merchant's wallet, the merchants of each wallet, the merchants scanned regardless. */
  let walletOf = new Map<string, string>()
  let merchantsOf = new Map<string, Array<string>>()
  let scanned = new Set<string>()
  /** The wallet lists of the last watch set, rebuilt only after a merchant-level change. */
  let lists: { wallets: ReadonlyArray<string>; openWallets: ReadonlyArray<string> } | null = null

  const numberOf = (merchantId: string) => {
    let n = merchantNumber.get(merchantId)
    if (n === undefined) {
      n = merchants.length
      merchants.push(merchantId)
      merchantNumber.set(merchantId, n)
    }
    return n
  }
  const count = (merchant: number, by: 1 | -1) => {
    const n = (perMerchant.get(merchant) ?? 0) + by
    if (n <= 0) perMerchant.delete(merchant)
    else perMerchant.set(merchant, n)
    if (n === 0 || (n === 1 && by === 1)) lists = null
  }
  const file = (id: number, expiresAtMs: number) => {
    const second = Math.floor(expiresAtMs / 1000)
    const bucket = bySecond.get(second)
    if (bucket === undefined) bySecond.set(second, [id])
    else bucket.push(id)
    if (second < firstSecond) firstSecond = second
  }
  const add = (t: WatchedTarget, memos: boolean) => {
    const tag = memos ? numberOf(t.merchantId) : -1
    const before = table.size
    const id = table.insert(memos ? memoKey(t.merchantId, t.key) : t.key, t.expiresAtMs, tag)
    if (table.size === before) {
      if (table.value(id) >= t.expiresAtMs) return
      table.setValue(id, t.expiresAtMs)
    } else if (memos) count(tag, 1)
    file(id, t.expiresAtMs)
  }
  const drop = (id: number, memos: boolean) => {
    if (memos) count(table.tag(id), -1)
    table.delete(id)
  }
  /** Drops every key whose expiry is at or before `sinceMs` (exactly: the boundary second is filtered). */
  const prune = (sinceMs: number, memos: boolean) => {
    const last = Math.floor(sinceMs / 1000)
    for (let s = firstSecond; s <= last && bySecond.size > 0; s++) {
      const bucket = bySecond.get(s)
      if (bucket === undefined) continue
      const kept: Array<number> = []
      for (const id of bucket) {
        if (!table.isLive(id)) continue
        const e = table.value(id)
        if (Math.floor(e / 1000) !== s) continue // re-filed under a later expiry
        if (e <= sinceMs) drop(id, memos)
        else kept.push(id)
      }
      if (kept.length === 0) bySecond.delete(s)
      else bySecond.set(s, kept)
    }
    if (bySecond.size === 0) firstSecond = Number.POSITIVE_INFINITY
    else if (firstSecond < last) firstSecond = last
  }
  /** Renumbers the table's entries once dropped ones outnumber live ones, and the buckets with them. */
  const compact = () => {
    const next = table.compact()
    const buckets = new Map<number, Array<number>>()
    for (const [s, ids] of bySecond) {
      const kept: Array<number> = []
      for (const id of ids) if (next[id]! >= 0) kept.push(next[id]!)
      if (kept.length > 0) buckets.set(s, kept)
    }
    bySecond = buckets
  }
  const setWallet = (w: { merchantId: string; wallet: string | null; scanned: boolean }) => {
    const m = w.merchantId
    const old = walletOf.get(m)
    if (old !== undefined) {
      const rest = (merchantsOf.get(old) ?? []).filter((x) => x !== m)
      if (rest.length === 0) merchantsOf.delete(old)
      else merchantsOf.set(old, rest)
      walletOf.delete(m)
    }
    scanned.delete(m)
    if (w.wallet !== null) {
      walletOf.set(m, w.wallet)
      merchantsOf.set(w.wallet, [...(merchantsOf.get(w.wallet) ?? []), m])
      if (w.scanned) scanned.add(m)
    }
    lists = null
  }
  const walletLists = () => {
    if (lists !== null) return lists
    const open = new Set<string>()
    const walletOfMerchant = (m: string) => {
      const w = walletOf.get(m)
      if (w !== undefined) open.add(w)
    }
    for (const n of perMerchant.keys()) walletOfMerchant(merchants[n]!)
    for (const m of heldMerchants) walletOfMerchant(m)
    const all = new Set<string>()
    for (const m of scanned) all.add(walletOf.get(m)!)
    for (const w of open) all.add(w)
    lists = { wallets: [...all], openWallets: [...open] }
    return lists
  }
  const reset = () => {
    cursor = null
    lastSince = Number.NEGATIVE_INFINITY
    table.clear()
    bySecond = new Map()
    firstSecond = Number.POSITIVE_INFINITY
    merchants = []
    merchantNumber = new Map()
    perMerchant = new Map()
    held = new Set()
    heldMerchants = new Set()
    walletOf = new Map()
    merchantsOf = new Map()
    scanned = new Set()
    lists = null
  }
  const keyOf = (t: WatchedTarget, memos: boolean) => (memos ? memoKey(t.merchantId, t.key) : t.key)
  const noWallets = { wallets: [], openWallets: [] }

  return {
    cursorFor: (sinceMs) => (sinceMs < lastSince ? null : cursor),
    reset,
    size: () => table.size,
    reserve: (targets, memos, from = 0) => {
      let bytes = 0
      for (let i = from; i < targets.length; i++)
        bytes += targets[i]!.key.length + (memos ? targets[i]!.merchantId.length + 1 : 0)
      table.reserve(targets.length - from, bytes)
    },
    apply: (delta, sinceMs, memos) => {
      if (delta.full) reset()
      for (const t of delta.added) if (t.expiresAtMs > sinceMs) add(t, memos)
      prune(sinceMs, memos)
      if (table.wasteful) compact()
      held = new Set(delta.held.map((t) => keyOf(t, memos)))
      if (memos) {
        const nowHeld = new Set(delta.held.map((t) => t.merchantId))
        if (nowHeld.size !== heldMerchants.size || [...nowHeld].some((m) => !heldMerchants.has(m)))
          lists = null
        heldMerchants = nowHeld
      }
      for (const w of delta.wallets ?? []) setWallet(w)
      cursor = delta.cursor
      lastSince = sinceMs
      const live = (key: string) => {
        const id = table.find(key)
        return (id >= 0 && table.value(id) > sinceMs) || held.has(key)
      }
      const { wallets, openWallets } = memos ? walletLists() : noWallets
      return {
        hasAddress: (a) => !memos && live(a),
        hasMemo: (wallet, memo) =>
          memos && (merchantsOf.get(wallet) ?? []).some((m) => live(memoKey(m, memo))),
        wallets,
        openWallets,
      }
    },
  }
}

/** A turn of the event loop (a timer, not the effect clock: a test clock must not hold it). */
const turn = Effect.async<void>((resume) => {
  const t = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(t))
})

/**
 * `index.apply`, in steps of `step` targets with a turn of the event loop between them: a whole read of a
 * million targets then holds the process for one step at a time, not for seconds (the dispatcher, the other
 * networks' watchers and the connections' I/O run between). Only the last step's watch set is returned.
 */
export const applyStepwise = (
  index: WatchIndex,
  delta: WatchTargetsDelta,
  sinceMs: number,
  memos: boolean,
  step = 20_000,
): Effect.Effect<WatchSet> =>
  Effect.gen(function* () {
    let at = 0
    for (; delta.added.length - at > step; at += step) {
      index.apply(
        {
          cursor: delta.cursor,
          full: delta.full && at === 0,
          added: delta.added.slice(at, at + step),
          held: [],
        },
        sinceMs,
        memos,
      )
      // The first step of a whole read started the set afresh: the rest is given room at once.
      if (delta.full && at === 0) index.reserve(delta.added, memos, step)
      yield* turn
    }
    return index.apply(
      { ...delta, full: delta.full && at === 0, added: at === 0 ? delta.added : delta.added.slice(at) },
      sinceMs,
      memos,
    )
  })
