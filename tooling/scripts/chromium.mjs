// The page tests drive Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH). `npm test` installs it when a
// fresh machine lacks it: apt-get as root, through sudo otherwise, or a message saying how when neither works.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

const APT = ["apt-get update -qq", "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"]

/**
 * What to do about Chromium, from the facts of the machine (pure, for the tests).
 * @param {{ path: string, exists: boolean, isRoot: boolean, hasAptGet: boolean, hasSudo: boolean }} m
 * @returns {{ action: "none" } | { action: "install", argv: string[] } | { action: "impossible", message: string }}
 */
export const chromiumPlan = (m) => {
  if (m.exists) return { action: "none" }
  const how = `install Debian's chromium yourself (as root: ${APT.join(" && ")}) or set CHROMIUM_PATH to a Chromium binary`
  if (!m.hasAptGet)
    return { action: "impossible", message: `${m.path} is missing and this machine has no apt-get: ${how}` }
  const script = APT.join(" && ")
  if (m.isRoot) return { action: "install", argv: ["sh", "-c", script] }
  if (m.hasSudo) return { action: "install", argv: ["sudo", "-n", "sh", "-c", script] }
  return {
    action: "impossible",
    message: `${m.path} is missing and installing it needs root (no sudo here): ${how}`,
  }
}

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0

/** Installs Chromium when missing; returns false (after printing why) when it cannot. */
export const ensureChromium = (env = process.env) => {
  const path = env.CHROMIUM_PATH ?? "/usr/bin/chromium"
  const plan = chromiumPlan({
    path,
    exists: existsSync(path),
    isRoot: process.getuid?.() === 0,
    hasAptGet: has("apt-get"),
    hasSudo: has("sudo"),
  })
  if (plan.action === "none") return true
  if (plan.action === "impossible") {
    console.error(`[inzi] the page tests need Chromium: ${plan.message}`)
    return false
  }
  console.log(
    `[inzi] ${path} not found: installing Debian's chromium (${plan.argv[0]} apt-get install chromium)`,
  )
  const r = spawnSync(plan.argv[0], plan.argv.slice(1), { stdio: "inherit" })
  if (r.status === 0 && existsSync(path)) return true
  console.error(
    `[inzi] installing chromium failed (exit ${r.status}); the page tests will fail until ${path} exists`,
  )
  return false
}
