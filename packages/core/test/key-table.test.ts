/**
 * core's `KeyTable`: the byte-keyed hash table behind the watch index answers like a `Map` through inserts,
 * deletes, growth and compaction, for one-byte and two-byte keys alike.
 */
import { describe, expect, it } from "vitest"
import { KeyTable } from "../src/key-table.js"

/** A small deterministic generator (mulberry32), so a failure replays. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("KeyTable", () => {
  it("finds, inserts once, deletes and reads back keys of one and two bytes per character", () => {
    const t = new KeyTable()
    const a = t.insert("0xabc", 5, 7)
    expect(t.insert("0xabc", 9, 1)).toBe(a) // present: unchanged
    expect([t.value(a), t.tag(a), t.key(a)]).toEqual([5, 7, "0xabc"])
    const wide = t.insert("mer_é\u0000ПАМЯТЬ", 3, -1)
    expect(t.find("mer_é\u0000ПАМЯТЬ")).toBe(wide)
    expect(t.key(wide)).toBe("mer_é\u0000ПАМЯТЬ")
    expect(t.find("mer_é\u0000ПАМЯТ")).toBe(-1)
    expect(t.find("")).toBe(-1)
    t.delete(a)
    expect([t.find("0xabc"), t.isLive(a), t.size]).toEqual([-1, false, 1])
    expect(t.insert("0xabc", 6, 0)).not.toBe(a) // a new entry; the old id stays dead
  })

  it("keeps every key after room was reserved for many at once, and grows past the reservation", () => {
    const t = new KeyTable()
    t.insert("0xfirst", 1, 0)
    t.reserve(5000, 5000 * 8)
    for (let i = 0; i < 6000; i++) t.insert(`0x${i.toString(16).padStart(6, "0")}`, i, i % 3)
    expect(t.size).toBe(6001)
    expect(t.value(t.find("0xfirst"))).toBe(1)
    for (let i = 0; i < 6000; i += 97) {
      const id = t.find(`0x${i.toString(16).padStart(6, "0")}`)
      expect([t.value(id), t.tag(id)]).toEqual([i, i % 3])
    }
  })

  it("agrees with a Map over 200 000 random operations, through growth and compaction", () => {
    const next = rng(30)
    const t = new KeyTable()
    const model = new Map<string, number>()
    const ids = new Map<string, number>()
    let compactions = 0
    for (let step = 0; step < 200_000; step++) {
      const k = `0x${Math.floor(next() * 40_000).toString(16)}${next() < 0.01 ? "ж" : ""}`
      const op = next()
      if (op < 0.55) {
        const id = t.insert(k, step, step % 13)
        if (!model.has(k)) {
          model.set(k, step)
          ids.set(k, id)
        }
      } else if (op < 0.9) {
        const id = ids.get(k)
        if (id !== undefined) {
          t.delete(id)
          model.delete(k)
          ids.delete(k)
        }
      } else expect(t.find(k)).toBe(ids.get(k) ?? -1)
      if (t.wasteful) {
        const map = t.compact()
        compactions++
        for (const [key, id] of ids) ids.set(key, map[id]!)
      }
    }
    expect(compactions).toBeGreaterThan(0)
    expect(t.size).toBe(model.size)
    for (const [k, v] of model) {
      const id = t.find(k)
      expect(id).toBe(ids.get(k))
      expect([t.value(id), t.tag(id), t.key(id)]).toEqual([v, v % 13, k])
    }
  })
})
