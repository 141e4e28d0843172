#!/usr/bin/env node
// Offline dependency review (the registry's audit endpoint is not reachable here). CI fails when
//  - a shipped package (apps/*, packages/*) carries dev tooling (hardhat, tsx, vitest, typescript …) in its
//    production dependencies, directly or through another package (the path is printed),
//  - @inzi/core has a production dependency other than effect and @noble/hashes (not even a workspace
//    package: the API contract is core's own src/wire),
//  - @inzi/client or @inzi/wire reaches @inzi/core (the payment state machine) through their production
//    dependencies: merchants get the API contract, not the gateway,
//  - an installed package has install scripts (preinstall/install/postinstall, or a binding.gyp that pnpm
//    builds) and is not listed in pnpm-workspace.yaml's onlyBuiltDependencies or ignoredBuiltDependencies,
//  - an installed package's licence (package.json `license`) is outside the allow-list below.
// It reads pnpm-lock.yaml and node_modules/.pnpm only. With --deploy it also makes the production install of
// each app (`pnpm deploy --prod --offline`, from the store the workspace install filled) in a temporary folder
// and fails when dev tooling is installed there: the install an operator ships, not only the lockfile's view.
// Usage: check-deps.mjs [--root <dir>] [--deploy]
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, normalize, posix } from "node:path"

const argRoot = process.argv.indexOf("--root")
const root = argRoot > 0 ? process.argv[argRoot + 1] : process.cwd()

/** Names (or `scope/*`) that must never be a production dependency of a shipped package. */
const DEV_TOOLING = [
  "hardhat",
  "tsx",
  "ts-node",
  "esbuild",
  "vite",
  "vitest",
  "@vitest/*",
  "@effect/vitest",
  "typescript",
  "@biomejs/biome",
  "turbo",
  "solc",
  "playwright-core",
]

/** Workspace packages a shipped package must never reach through its production dependencies. */
const FORBIDDEN_IN_CLOSURE = {
  "packages/client": ["@inzi/core"],
  "packages/wire": ["@inzi/core"],
}

/** Workspace packages whose production dependencies are held to a list (the lockfile's importer entry). */
const ONLY_DEPENDENCIES = {
  "packages/core": ["effect", "@noble/hashes"],
}

/** SPDX identifiers accepted (permissive or weak file-level copyleft). */
const LICENCES = new Set([
  "MIT",
  "ISC",
  "Apache-2.0",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "0BSD",
  "BlueOak-1.0.0",
  "CC0-1.0",
  "Unlicense",
  "Zlib",
  "Python-2.0",
  "MPL-2.0",
  "CC-BY-4.0",
])

/** Reviewed exceptions (name@version → why): keep this list short and explained. */
const LICENCE_EXCEPTIONS = {
  // No `license` field; reached only through @ton/sandbox → ton-assembly (the test emulator, a dev dependency).
  "@tonstudio/parser-runtime@0.0.1": "test emulator only",
}

// ------------------------------------------------------------------------------------------------ parsing

const unquote = (s) => {
  const t = s.trim()
  return (t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"')) ? t.slice(1, -1) : t
}

/**
 * The subset of YAML pnpm writes in pnpm-lock.yaml (v9): nested block mappings by indentation, scalar values,
 * flow values kept as text. Returns nested plain objects.
 */
const parseLockfile = (text) => {
  const top = {}
  const stack = [{ indent: -1, node: top }]
  for (const raw of text.split("\n")) {
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue
    const indent = raw.length - raw.trimStart().length
    const line = raw.trim()
    const m = /^('[^']*'|"[^"]*"|[^:]+?):(?:\s+(.*))?$/.exec(line)
    if (m === null) continue
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop()
    const parent = stack[stack.length - 1].node
    const key = unquote(m[1])
    const value = m[2]
    if (value === undefined || value === "") {
      const node = {}
      parent[key] = node
      stack.push({ indent, node })
    } else parent[key] = value === "{}" ? {} : unquote(value)
  }
  return top
}

/** A list setting of pnpm-workspace.yaml (`key: [a, "b"]` or a block list). */
const workspaceList = (text, key) => {
  const lines = text.split("\n")
  const i = lines.findIndex((l) => l.startsWith(`${key}:`))
  if (i < 0) return []
  const rest = lines[i].slice(key.length + 1).trim()
  if (rest.startsWith("["))
    return rest.slice(1, rest.lastIndexOf("]")).split(",").map(unquote).filter(Boolean)
  const out = []
  for (const l of lines.slice(i + 1)) {
    const m = /^\s+-\s+(.+)$/.exec(l)
    if (m === null) break
    out.push(unquote(m[1]))
  }
  return out
}

const isDevTooling = (name) =>
  DEV_TOOLING.some((p) => (p.endsWith("/*") ? name.startsWith(p.slice(0, -1)) : name === p))

/** `name@version(peers…)` → `name@version`. */
const bare = (key) => key.replace(/\(.*$/, "")
const nameOf = (key) => bare(key).slice(0, bare(key).lastIndexOf("@"))

// ------------------------------------------------------------------------------------------------ checks

const violations = []
const lockPath = join(root, "pnpm-lock.yaml")
if (!existsSync(lockPath)) {
  console.error(`check-deps: no pnpm-lock.yaml under ${root}`)
  process.exit(2)
}
const lock = parseLockfile(readFileSync(lockPath, "utf8"))
const importers = lock.importers ?? {}
const snapshots = lock.snapshots ?? {}
const prodDeps = (node) => ({ ...(node?.dependencies ?? {}), ...(node?.optionalDependencies ?? {}) })
const versionOf = (v) => (typeof v === "object" ? v.version : v)

// 0. Pure packages depend on their list only.
for (const [importer, allowed] of Object.entries(ONLY_DEPENDENCIES)) {
  for (const name of Object.keys(prodDeps(importers[importer])))
    if (!allowed.includes(name))
      violations.push(`${importer}: may depend on ${allowed.join(" and ")} only, not ${name}`)
}

// 1. Dev tooling in the production closure of a shipped package.
for (const importer of Object.keys(importers).filter((k) => /^(apps|packages)\//.test(k))) {
  const seen = new Set()
  const reported = new Set()
  const queue = [{ kind: "importer", id: importer, path: [importer] }]
  while (queue.length > 0) {
    const { kind, id, path } = queue.shift()
    if (seen.has(`${kind}:${id}`)) continue
    seen.add(`${kind}:${id}`)
    const node = kind === "importer" ? importers[id] : snapshots[id]
    for (const [name, v] of Object.entries(prodDeps(node))) {
      const version = versionOf(v)
      if (typeof version !== "string") continue
      const next = [...path, name]
      if (isDevTooling(name) && !reported.has(name)) {
        reported.add(name)
        violations.push(`${importer}: dev tooling in production dependencies: ${next.join(" → ")}`)
      }
      if ((FORBIDDEN_IN_CLOSURE[importer] ?? []).includes(name) && !reported.has(name)) {
        reported.add(name)
        violations.push(
          `${importer}: ${name} must not be in its production dependencies: ${next.join(" → ")}`,
        )
      }
      if (version.startsWith("link:")) {
        const target = posix.normalize(posix.join(kind === "importer" ? id : ".", version.slice(5)))
        if (importers[target] !== undefined) queue.push({ kind: "importer", id: target, path: next })
      } else queue.push({ kind: "snapshot", id: `${name}@${version}`, path: next })
    }
  }
}

// 2 and 3. Install scripts and licences of every installed package.
const storeDir = join(root, "node_modules", ".pnpm")
const storeEntries = existsSync(storeDir) ? readdirSync(storeDir) : []
const allowedBuilds = (() => {
  const p = join(root, "pnpm-workspace.yaml")
  const text = existsSync(p) ? readFileSync(p, "utf8") : ""
  return new Set([
    ...workspaceList(text, "onlyBuiltDependencies"),
    ...workspaceList(text, "ignoredBuiltDependencies"),
  ])
})()
const licenceOf = (pkg) => {
  const l = pkg.license ?? pkg.licenses
  if (typeof l === "string") return l
  if (Array.isArray(l)) return l.map((x) => (typeof x === "string" ? x : x?.type)).join(" OR ")
  if (l && typeof l === "object") return l.type
  return undefined
}
/** An SPDX expression is accepted when every AND term of some OR branch is allowed (one level of parens). */
const licenceAllowed = (expr) =>
  expr
    .replace(/[()]/g, " ")
    .split(/\s+OR\s+/)
    .some((branch) =>
      branch
        .split(/\s+AND\s+/)
        .map((x) => x.trim())
        .every((x) => LICENCES.has(x)),
    )

let installed = 0
for (const key of Object.keys(lock.packages ?? {})) {
  const id = bare(key)
  const name = nameOf(key)
  const version = id.slice(name.length + 1)
  const prefix = `${name.replace("/", "+")}@${version}`
  const dir = storeEntries.find((e) => e === prefix || e.startsWith(`${prefix}_`))
  if (dir === undefined) continue // an optional package of another platform
  const pkgDir = normalize(join(storeDir, dir, "node_modules", name))
  const pjPath = join(pkgDir, "package.json")
  if (!existsSync(pjPath)) continue
  installed++
  const pkg = JSON.parse(readFileSync(pjPath, "utf8"))
  const scripts = pkg.scripts ?? {}
  const hooks = ["preinstall", "install", "postinstall"].filter((h) => typeof scripts[h] === "string")
  if (hooks.length === 0 && existsSync(join(pkgDir, "binding.gyp"))) hooks.push("binding.gyp")
  if (hooks.length > 0 && !allowedBuilds.has(name))
    violations.push(
      `${id}: install scripts (${hooks.join(", ")}) not reviewed: add it to onlyBuiltDependencies (runs them) or ignoredBuiltDependencies in pnpm-workspace.yaml`,
    )
  const licence = licenceOf(pkg)
  if (LICENCE_EXCEPTIONS[id] !== undefined) continue
  if (licence === undefined) violations.push(`${id}: no licence in its package.json`)
  else if (!licenceAllowed(licence)) violations.push(`${id}: licence "${licence}" is not in the allow-list`)
}

// 4. (--deploy) The production install of each app, made as an operator makes it.
/** Apps an operator installs (`pnpm deploy --prod`): their installed packages must hold no dev tooling. */
const DEPLOYED = ["apps/cli", "apps/server", "apps/worker"]
const deployed = []
if (process.argv.includes("--deploy")) {
  const out = mkdtempSync(join(tmpdir(), "inzi-deploy-"))
  try {
    for (const app of DEPLOYED) {
      const dir = join(out, app.replace("/", "-"))
      const r = spawnSync(
        "pnpm",
        [
          "--filter",
          `./${app}`,
          "--config.inject-workspace-packages=true",
          "deploy",
          "--prod",
          "--offline",
          dir,
        ],
        { cwd: root, encoding: "utf8" },
      )
      if (r.status !== 0) {
        violations.push(
          `${app}: pnpm deploy --prod failed: ${`${r.stdout}${r.stderr}`.trim().split("\n").pop()}`,
        )
        continue
      }
      // `node_modules/.pnpm/<name with / as +>@<version>[_peers]`
      const names = readdirSync(join(dir, "node_modules", ".pnpm"))
        .map((e) => /^(@[^+@]+\+[^@]+|[^@]+)@/.exec(e)?.[1]?.replace("+", "/"))
        .filter((n) => n !== undefined)
      const tooling = [...new Set(names.filter(isDevTooling))].sort()
      for (const name of tooling) violations.push(`${app}: pnpm deploy --prod installs dev tooling: ${name}`)
      deployed.push(`${app} ${names.length}`)
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

if (violations.length > 0) {
  console.error(`check-deps: ${violations.length} problem(s):`)
  for (const v of violations) console.error(`  ${v}`)
  process.exit(1)
}
console.log(
  `check-deps: ok (${Object.keys(importers).length} workspace packages, ${installed} installed packages)` +
    (deployed.length > 0 ? `; production installs without dev tooling: ${deployed.join(", ")} packages` : ""),
)
