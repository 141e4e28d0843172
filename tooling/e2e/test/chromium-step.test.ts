/**
 * `npm test` (tooling/scripts/run.mjs) installs Debian's chromium when the page tests' browser is missing:
 * the decision only (no apt-get runs here).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { CJK_FONT, chromiumPlan } from "../../scripts/chromium.mjs"

const base = { path: "/usr/bin/chromium", exists: false, isRoot: false, hasAptGet: true, hasSudo: false }

describe("the test command's chromium step", () => {
  it("does nothing when the browser is there", () => {
    expect(chromiumPlan({ ...base, exists: true, isRoot: true })).toEqual({ action: "none" })
  })

  it("installs with apt-get as root, through sudo otherwise", () => {
    const root = chromiumPlan({ ...base, isRoot: true })
    expect(root.action).toBe("install")
    if (root.action !== "install") return
    expect(root.argv.slice(0, 2)).toEqual(["sh", "-c"])
    expect(root.argv[2]).toContain("apt-get install -y -qq chromium fonts-noto-cjk")
    const sudo = chromiumPlan({ ...base, hasSudo: true })
    expect(sudo.action === "install" && sudo.argv.slice(0, 2)).toEqual(["sudo", "-n"])
  })

  it("installs when the browser is there but the CJK fonts (of the zh screenshots) are not", () => {
    const plan = chromiumPlan({ ...base, exists: true, fontExists: false, isRoot: true })
    expect(plan.action === "install" && plan.argv[2]).toContain("fonts-noto-cjk")
    expect(chromiumPlan({ ...base, exists: true, fontExists: true })).toEqual({ action: "none" })
    const noRoot = chromiumPlan({ ...base, exists: true, fontExists: false })
    expect(noRoot.action === "impossible" && noRoot.message).toContain(CJK_FONT)
  })

  it("says what to do when it cannot install", () => {
    const noRoot = chromiumPlan(base)
    expect(noRoot.action).toBe("impossible")
    expect(noRoot.action === "impossible" && noRoot.message).toMatch(/needs root.*CHROMIUM_PATH/)
    const noApt = chromiumPlan({ ...base, isRoot: true, hasAptGet: false })
    expect(noApt.action === "impossible" && noApt.message).toMatch(/no apt-get/)
  })

  it("runs in the test command, before the packages' tests, and .ci/run only calls that command", () => {
    const root = join(__dirname, "..", "..", "..")
    const run = readFileSync(join(root, "tooling", "scripts", "run.mjs"), "utf8")
    const at = run.indexOf("ensureChromium(env)")
    expect(at).toBeGreaterThan(0)
    expect(at).toBeLessThan(run.indexOf('"turbo", "run", "test"'))
    const ci = readFileSync(join(root, ".ci", "run"), "utf8")
    expect(ci).not.toContain("apt-get")
    expect(ci.trim().split("\n").at(-1)).toBe("exec npm test")
  })
})
