#!/usr/bin/env node
// Runs the built CLI (dist/, from `pnpm build`) in this process. Falls back to running the sources through tsx
// (slow: every run compiles them) when the CLI or a workspace package it uses is not built, when a source file
// is newer than its package's build, or when INZI_FROM_SOURCE=1.
import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const cli = join(dirname(fileURLToPath(import.meta.url)), "..")
const built = join(cli, "dist", "main.js")

/** Newest modification time under `dir` (0 when it does not exist). */
const newest = (dir) => {
  let t = 0
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/**
 * Why the build cannot be used, or null: this package and every workspace package it depends on (through
 * `workspace:` dependencies) must have a dist/ no older than its src/. Only checked in a workspace checkout.
 */
let lastBuild = 0
const staleReason = () => {
  if (!existsSync(built)) return "the CLI is not built"
  const seen = new Set()
  const visit = (link) => {
    const dir = realpathSync(link)
    if (seen.has(dir)) return null
    seen.add(dir)
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
    if (existsSync(join(dir, "src"))) {
      const dist = join(dir, "dist")
      if (!existsSync(dist)) return `${pkg.name} is not built`
      // tsc rewrites every output on a build: the oldest file of dist/ is when the package was last built.
      const files = readdirSync(dist, { withFileTypes: true }).filter((e) => e.isFile())
      const builtAt = Math.min(...files.map((f) => statSync(join(dist, f.name)).mtimeMs))
      if (newest(join(dir, "src")) > builtAt) return `${pkg.name} changed since its build`
      lastBuild = Math.max(lastBuild, builtAt)
    }
    for (const [name, version] of Object.entries(pkg.dependencies ?? {})) {
      if (!String(version).startsWith("workspace:")) continue
      const r = visit(join(dir, "node_modules", ...name.split("/")))
      if (r !== null) return r
    }
    return null
  }
  return visit(cli)
}

const reason = process.env.INZI_FROM_SOURCE === "1" ? "INZI_FROM_SOURCE=1" : staleReason()
if (reason === null) {
  // The database commands' bundle (scripts/bundle.mjs) holds copies of the packages: used only when no package
  // was built after it (else the commands' own modules are loaded).
  const bundle = join(cli, "dist", "bundle", "commands.js")
  const fresh = existsSync(bundle) && statSync(bundle).mtimeMs >= lastBuild
  const { main } = await import(built)
  await main(process.argv.slice(2), { bundle: fresh })
} else {
  if (process.env.INZI_FROM_SOURCE !== "1")
    process.stderr.write(
      `inzi: ${reason}; running the sources through tsx (slow; \`pnpm build\` makes it fast)\n`,
    )
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@inzi/source", join(cli, "src", "main.ts"), ...process.argv.slice(2)],
    { stdio: "inherit" },
  )
  // A signal sent to this process alone (kill, a service manager) reaches the CLI too.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig))
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
}
