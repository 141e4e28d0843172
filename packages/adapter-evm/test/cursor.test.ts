import { describe, expect, it } from "vitest"
import { CURSOR_CHECKPOINTS, decodeCursor, encodeCursor } from "../src/index.js"

const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}`

describe("EVM cursor", () => {
  it("round-trips and stays bounded", () => {
    const recent = Array.from({ length: 40 }, (_, i) => [BigInt(100 + i), hash(i)] as const)
    const text = encodeCursor({ next: 140n, base: 100n, recent })
    const back = decodeCursor(text)!
    expect(back.next).toBe(140n)
    expect(back.base).toBe(100n)
    expect(back.recent).toHaveLength(CURSOR_CHECKPOINTS)
    expect(back.recent.at(-1)).toEqual([139n, hash(39)])
    expect(text.length).toBeLessThan(2_500)
  })

  it("keeps block numbers beyond 2^53 exact", () => {
    const big = 2n ** 60n + 1n
    expect(decodeCursor(encodeCursor({ next: big, base: big, recent: [] }))?.next).toBe(big)
  })

  it("rejects what it did not write", () => {
    for (const bad of [
      "",
      "null",
      "{}",
      '{"v":2,"next":"1","recent":[]}',
      '{"v":1,"next":1,"recent":[]}',
      '{"v":1,"next":"1","recent":[["1","0xzz"]]}',
    ]) {
      expect(decodeCursor(bad)).toBeNull()
    }
  })
})
