#!/usr/bin/env node
// The hexagon's walls, enforced: CI fails when
//  - packages/core imports anything but `effect` and @noble/hashes,
//  - core's src/wire (the API contract) imports anything of core outside its folder: packages/wire builds
//    those files alone into @inzi/wire, and packages/wire has no source of its own but its one-line entry
//    (source.ts) pointing there; its dist (.js and .d.ts) imports only effect and @noble/hashes, never core,
//    and its package.json names @inzi/core nowhere (dependencies or devDependencies),
//  - packages/client (shipped to merchants) imports anything but `effect` and @inzi/wire: never core,
//  - a package under packages/ imports an app, or an adapter imports another adapter,
//  - packages/platform or an app imports the SQL layer (kysely, pg, PGlite): queries live in adapter-postgres,
//  - a package.json declares a dependency that breaks the same rules,
//  - a source or test file of a workspace package (packages/*, apps/*, tooling/*) imports another package's
//    files by a relative path: shared code is reached through the package's name and exports,
//  - a chain family's name ("evm", "tron", "ton" as a string literal) appears in the source of an app, core,
//    platform or the sweep tool outside FAMILY_NAMES_ALLOWED: they ask the family registry; only the adapters
//    (and the registry's one line, which names modules, not strings) know a family.
// Usage: check-boundaries.mjs [--root <dir>]
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const argRoot = process.argv.indexOf("--root")
const root = argRoot > 0 ? process.argv[argRoot + 1] : process.cwd()
const WIRE_ALLOWED = /^(effect|effect\/.*|@noble\/hashes(\/.*)?)$/
/** The SQL layer: only adapter-postgres (and tests) may import it. */
const SQL_LAYER = /^(kysely|pg|@electric-sql\/pglite|kysely-pglite-dialect)(\/|$)/
const CLIENT_ALLOWED = /^(effect|effect\/.*|@inzi\/wire)$/
/** Packages whose dependencies and source imports are held to an allow-list: directory → [pattern, words]. */
const CLOSED = {
  wire: [WIRE_ALLOWED, "effect and @noble/hashes"],
  core: [WIRE_ALLOWED, "effect and @noble/hashes"],
  client: [CLIENT_ALLOWED, "effect and @inzi/wire"],
}
const IMPORT_RE =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm

function files(dir, skip = ["node_modules", "dist"]) {
  if (!existsSync(dir)) return []
  const out = []
  for (const name of readdirSync(dir)) {
    if (skip.includes(name)) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...files(p, skip))
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(name)) out.push(p)
  }
  return out
}
function importsOf(file) {
  const text = readFileSync(file, "utf8")
  const out = []
  for (const m of text.matchAll(IMPORT_RE)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4])
  return out
}
const violations = []

/** core/src/wire is compiled alone into @inzi/wire: it may not reach the rest of core. */
function checkContractFolder(folder) {
  for (const f of files(folder)) {
    for (const spec of importsOf(f)) {
      if (!spec.startsWith(".")) continue
      if (relative(folder, resolve(dirname(f), spec)).startsWith(".."))
        violations.push(
          `${relative(root, f)} imports "${spec}" outside src/wire (the contract is built alone into @inzi/wire)`,
        )
    }
  }
}

/** packages/wire: no source of its own but source.ts re-exporting core's src/wire; a dist free of core. */
function checkWire(dir, manifest) {
  const contract = join(root, "packages", "core", "src", "wire")
  for (const field of ["dependencies", "devDependencies", "peerDependencies"])
    if (Object.hasOwn(manifest[field] ?? {}, "@inzi/core"))
      violations.push(`packages/wire/package.json names @inzi/core in ${field}`)
  for (const f of files(dir, ["node_modules", "dist", "test"])) {
    if (/vitest\.config\.ts$/.test(f)) continue
    if (f !== join(dir, "source.ts")) {
      violations.push(`${relative(root, f)}: packages/wire has no source of its own (it is core's src/wire)`)
      continue
    }
    for (const spec of importsOf(f))
      if (resolve(dirname(f), spec).replace(/\.js$/, "") !== join(contract, "index"))
        violations.push(`${relative(root, f)} re-exports "${spec}", not core's src/wire/index.js`)
  }
  for (const f of files(join(dir, "dist"), ["node_modules"])) {
    for (const spec of importsOf(f)) {
      if (WIRE_ALLOWED.test(spec)) continue
      if (spec.startsWith(".") && !relative(join(dir, "dist"), resolve(dirname(f), spec)).startsWith(".."))
        continue
      violations.push(
        `${relative(root, f)} imports "${spec}" (the built @inzi/wire may import only effect and @noble/hashes)`,
      )
    }
  }
}
const pkgDir = join(root, "packages")
const packages = existsSync(pkgDir)
  ? readdirSync(pkgDir).filter((d) => existsSync(join(pkgDir, d, "package.json")))
  : []
const adapterNames = new Set(
  packages
    .filter((d) => d.startsWith("adapter-"))
    .map((d) => JSON.parse(readFileSync(join(pkgDir, d, "package.json"), "utf8")).name),
)

for (const d of packages) {
  const dir = join(pkgDir, d)
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const deps = Object.keys(manifest.dependencies ?? {})
  if (Object.hasOwn(CLOSED, d)) {
    const [allowed, words] = CLOSED[d]
    for (const dep of deps)
      if (!allowed.test(dep)) violations.push(`packages/${d}/package.json depends on ${dep}`)
    for (const f of files(join(dir, "src"))) {
      for (const spec of importsOf(f)) {
        if (spec.startsWith(".") || allowed.test(spec)) continue
        violations.push(`${relative(root, f)} imports "${spec}" (${d} may import only ${words})`)
      }
    }
    if (d === "core") checkContractFolder(join(dir, "src", "wire"))
    if (d === "wire") checkWire(dir, manifest)
    continue
  }
  const isAdapter = d.startsWith("adapter-")
  for (const dep of deps) {
    if (isAdapter && adapterNames.has(dep) && dep !== manifest.name)
      violations.push(`packages/${d}/package.json depends on adapter ${dep}`)
  }
  for (const f of files(join(dir, "src"))) {
    for (const spec of importsOf(f)) {
      if (/^@inzi\/(server|worker|cli)(\/|$)/.test(spec) || spec.includes("/apps/"))
        violations.push(`${relative(root, f)} imports app "${spec}"`)
      if (d === "platform" && SQL_LAYER.test(spec))
        violations.push(
          `${relative(root, f)} runs SQL itself ("${spec}"): add a store function to adapter-postgres`,
        )
      if (isAdapter) {
        const name = spec.split("/").slice(0, 2).join("/")
        if (adapterNames.has(name) && name !== manifest.name)
          violations.push(`${relative(root, f)} imports another adapter "${spec}"`)
        if (/\.\.\/\.\.\/adapter-/.test(spec) || /packages\/adapter-/.test(spec))
          violations.push(`${relative(root, f)} reaches into another adapter "${spec}"`)
      }
    }
  }
}

const appDir = join(root, "apps")
for (const d of existsSync(appDir) ? readdirSync(appDir) : []) {
  for (const f of files(join(appDir, d, "src"))) {
    for (const spec of importsOf(f))
      if (SQL_LAYER.test(spec))
        violations.push(
          `${relative(root, f)} runs SQL itself ("${spec}"): add a store function to adapter-postgres`,
        )
  }
}

/** Relative imports that leave their package, each with why it may (a path under the root → the target). */
const OUTSIDE_PACKAGE_ALLOWED = {
  // The contract's one source is core's src/wire; this is @inzi/wire's workspace entry to it.
  "packages/wire/source.ts": "packages/core/src/wire/index.js",
  // tooling/scripts holds plain CLI scripts, not a package; this test runs the CI's Chromium plan.
  "tooling/e2e/test/chromium-step.test.ts": "tooling/scripts/chromium.mjs",
}
for (const group of ["packages", "apps", "tooling"]) {
  const groupDir = join(root, group)
  for (const d of existsSync(groupDir) ? readdirSync(groupDir) : []) {
    const dir = join(groupDir, d)
    if (!existsSync(join(dir, "package.json"))) continue
    for (const f of files(dir)) {
      for (const spec of importsOf(f)) {
        if (!spec.startsWith(".")) continue
        const target = resolve(dirname(f), spec)
        if (!relative(dir, target).startsWith("..")) continue
        if (OUTSIDE_PACKAGE_ALLOWED[relative(root, f)] === relative(root, target)) continue
        violations.push(
          `${relative(root, f)} imports "${spec}" from outside ${group}/${d}: import it by the package's name`,
        )
      }
    }
  }
}

/** Where family names are written, structurally — see the header. Paths under the root; each with why. */
const FAMILY_SCOPE = [
  "apps/cli/src",
  "apps/server/src",
  "apps/worker/src",
  "packages/core/src",
  "packages/platform/src",
  "packages/sweep/src",
]
const FAMILY_NAMES_ALLOWED = {
  // The one declaration of the names (the `ChainFamily` type the registry is keyed by).
  "packages/core/src/domain.ts": "the ChainFamily type",
  // "ton" there is a network id in the OpenAPI examples, not a family.
  "packages/core/src/wire/api.ts": "network-id examples",
}
const FAMILY_LITERAL = /(["'`])(evm|tron|ton)\1/
for (const dir of FAMILY_SCOPE) {
  for (const f of files(join(root, dir))) {
    const path = relative(root, f)
    if (Object.hasOwn(FAMILY_NAMES_ALLOWED, path)) continue
    const text = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    text.split("\n").forEach((line, i) => {
      if (/^\s*\/\//.test(line)) return
      const m = FAMILY_LITERAL.exec(line)
      if (m !== null)
        violations.push(
          `${path}:${i + 1} names the family ${m[0]}: ask the family registry (its module), not the name`,
        )
    })
  }
}

if (violations.length > 0) {
  console.error(`boundary check FAILED (${violations.length}):`)
  for (const v of violations) console.error(`  - ${v}`)
  process.exit(1)
}
console.log(
  `boundary check passed: core imports only effect and @noble/hashes; @inzi/wire is core's src/wire, built without core; client imports no core; ${adapterNames.size} adapters import no other adapter`,
)
