// The page tests drive Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH), and the screenshot references
// of the Chinese page were drawn with Debian's Noto CJK fonts. `npm test` installs both when a fresh machine lacks
// one: apt-get as root, through sudo otherwise, or a message saying how when neither works.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

const APT = [
  "apt-get update -qq",
  "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk",
]

/** A file of Debian's fonts-noto-cjk: present when the package is installed. */
export const CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

/**
 * What to do about Chromium and the CJK fonts, from the facts of the machine (pure, for the tests).
 * @param {{ path: string, exists: boolean, fontExists?: boolean, isRoot: boolean, hasAptGet: boolean, hasSudo: boolean }} m
 * @returns {{ action: "none" } | { action: "install", argv: string[] } | { action: "impossible", message: string }}
 */
export const chromiumPlan = (m) => {
  if (m.exists && m.fontExists !== false) return { action: "none" }
  const how = `install Debian's chromium and fonts-noto-cjk yourself (as root: ${APT.join(" && ")}) or set CHROMIUM_PATH to a Chromium binary`
  if (!m.hasAptGet)
    return { action: "impossible", message: `${missing(m)} missing and this machine has no apt-get: ${how}` }
  const script = APT.join(" && ")
  if (m.isRoot) return { action: "install", argv: ["sh", "-c", script] }
  if (m.hasSudo) return { action: "install", argv: ["sudo", "-n", "sh", "-c", script] }
  return {
    action: "impossible",
    message: `${missing(m)} missing and installing needs root (no sudo here): ${how}`,
  }
}

const missing = (m) =>
  [m.exists ? null : m.path, m.fontExists === false ? CJK_FONT : null].filter(Boolean).join(" and ") + " is"

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0

/** Installs Chromium when missing; returns false (after printing why) when it cannot. */
export const ensureChromium = (env = process.env) => {
  const path = env.CHROMIUM_PATH ?? "/usr/bin/chromium"
  const plan = chromiumPlan({
    path,
    exists: existsSync(path),
    fontExists: existsSync(CJK_FONT),
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
    `[inzi] ${path} or ${CJK_FONT} not found: installing Debian's chromium and fonts-noto-cjk (${plan.argv[0]} apt-get install)`,
  )
  const r = spawnSync(plan.argv[0], plan.argv.slice(1), { stdio: "inherit" })
  if (r.status === 0 && existsSync(path) && existsSync(CJK_FONT)) return true
  console.error(
    `[inzi] installing chromium and fonts-noto-cjk failed (exit ${r.status}); the page tests will fail until ${path} and ${CJK_FONT} exist`,
  )
  return false
}
