import { readFileSync } from "node:fs"
import { nominalRetryDelayMs, nextAttemptAt, WEBHOOK_MAX_ATTEMPTS } from "@inzi/core"
import { describe, expect, it } from "vitest"

const fmt = (ms: number): string => {
  let s = Math.round(ms / 1000)
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  return [d && `${d} d`, h && `${h} h`, m && `${m} min`, s && `${s} s`].filter(Boolean).join(" ") || "0"
}

describe("the retry schedule published in src/webhooks/README.md", () => {
  const readme = readFileSync(new URL("../../src/webhooks/README.md", import.meta.url), "utf8")
  const rows = readme
    .split("\n")
    .filter((l) => /^\|\s*\d+\s*\|/.test(l))
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    )

  it("has one row per attempt", () => {
    expect(rows.map((r) => Number(r[0]))).toEqual(
      Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, (_, i) => i + 1),
    )
  })

  it("matches core's nextAttemptAt (nominal, earliest and latest cumulative delays)", () => {
    let at = { nom: 0, lo: 0, hi: 0 }
    for (let n = 2; n <= WEBHOOK_MAX_ATTEMPTS; n++) {
      const prev = n - 1
      const t = new Date(0)
      const lo = nextAttemptAt(prev, t, 0)!.getTime()
      const hi = nextAttemptAt(prev, t, 1)!.getTime()
      at = { nom: at.nom + nominalRetryDelayMs(prev), lo: at.lo + lo, hi: at.hi + hi }
      expect(rows[n - 1]!.slice(1)).toEqual([
        fmt(nominalRetryDelayMs(prev)),
        fmt(at.nom),
        fmt(at.lo),
        fmt(at.hi),
      ])
    }
    expect(nextAttemptAt(WEBHOOK_MAX_ATTEMPTS, new Date(0), 0.5)).toBeNull()
    expect(at.lo).toBeGreaterThanOrEqual(3 * 24 * 3600_000)
  })
})
