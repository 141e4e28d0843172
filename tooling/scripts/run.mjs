#!/usr/bin/env node
// Entry point of the README's two commands (`npm run dev`, `npm test`). It needs only Node and npm:
// it installs pnpm when missing, installs the workspace (and, for `test`, Debian's chromium for the page tests),
// then hands over to turbo / the CLI.
import { execSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ensureChromium } from "./chromium.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const PNPM = "pnpm@10.34.9"
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }

function has(cmd) {
  try {
    execSync(`${cmd} --version`, { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

if (!has("pnpm")) {
  console.log(`[inzi] pnpm not found: installing ${PNPM} globally with npm`)
  run("npm", ["install", "-g", PNPM])
}
if (!existsSync(join(root, "node_modules", ".modules.yaml")) || process.env.CI) {
  run("pnpm", ["install", "--frozen-lockfile"])
}

const task = process.argv[2]
if (task === "test") {
  // typecheck (one program over the whole workspace: each file checked once), lint, boundaries first.
  console.log("[inzi] typecheck (tsc -p tsconfig.json)")
  run("pnpm", ["exec", "tsc", "-p", "tsconfig.json"])
  run("pnpm", ["exec", "biome", "check", "."])
  run("node", ["tooling/scripts/check-boundaries.mjs"])
  run("node", ["tooling/scripts/check-deps.mjs", "--deploy"])
  ensureChromium(env)
  run("pnpm", ["exec", "turbo", "run", "test", "--concurrency=1", "--continue", "--output-logs=full"])
} else if (task === "dev") {
  run("pnpm", [
    "exec",
    "tsx",
    "--conditions=@inzi/source",
    "apps/cli/src/main.ts",
    "dev",
    ...process.argv.slice(3),
  ])
} else {
  console.error("usage: run.mjs test|dev")
  process.exit(2)
}
