/** The console's lockout policy and account rules (pure). */
import { describe, expect, it } from "vitest"
import { afterLogin, emailProblem, isLockedOut, normalizeEmail, passwordProblem } from "../src/index.js"

const now = new Date("2026-12-01T10:00:00Z")
const later = (ms: number) => new Date(now.getTime() + ms)

describe("afterLogin", () => {
  it("locks on the fifth failure in a row for 15 minutes, and a success clears the count", () => {
    let s = { failedLogins: 0, lockedUntil: null as Date | null }
    for (let i = 1; i <= 4; i++) {
      s = afterLogin(s, false, now)
      expect(s).toEqual({ failedLogins: i, lockedUntil: null })
    }
    s = afterLogin(s, false, now)
    expect(s.failedLogins).toBe(5)
    expect(s.lockedUntil).toEqual(later(15 * 60_000))
    expect(isLockedOut(s, later(15 * 60_000 - 1))).toBe(true)
    expect(isLockedOut(s, later(15 * 60_000))).toBe(false)
    expect(afterLogin({ failedLogins: 3, lockedUntil: null }, true, now)).toEqual({
      failedLogins: 0,
      lockedUntil: null,
    })
  })

  it("counts from zero again once a lock has run out", () => {
    const expired = { failedLogins: 5, lockedUntil: later(-1) }
    expect(afterLogin(expired, false, now)).toEqual({ failedLogins: 1, lockedUntil: null })
  })
})

describe("accounts", () => {
  it("normalizes emails and refuses what is not one; passwords need 12 to 256 characters", () => {
    expect(normalizeEmail("  Ops@Example.COM ")).toBe("ops@example.com")
    expect(emailProblem("ops@example.com")).toBeNull()
    for (const bad of ["", "ops", "a b@c.d", "@example.com"]) expect(emailProblem(bad)).not.toBeNull()
    expect(passwordProblem("x".repeat(11))).toContain("at least 12")
    expect(passwordProblem("x".repeat(12))).toBeNull()
    expect(passwordProblem("x".repeat(257))).toContain("at most 256")
  })
})
