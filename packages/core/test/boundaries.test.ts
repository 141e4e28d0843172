import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")
const script = join(repo, "tooling/scripts/check-boundaries.mjs")

const check = (root: string) => {
  const r = spawnSync(process.execPath, [script, "--root", root], { encoding: "utf8" })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

/** An import line, written so that the scan of this very file (in "the real repository") does not see it. */
const importOf = (name: string, spec: string) => ["import { ", name, ' } from "', spec, '"\n'].join("")

/** Writes a tiny monorepo: core (with its src/wire), wire, client, two adapters, with the given extra files. */
const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), "inzi-boundaries-"))
  const base: Record<string, string> = {
    "packages/wire/package.json": JSON.stringify({ name: "@inzi/wire", dependencies: { effect: "3.22.4" } }),
    "packages/wire/source.ts": 'export * from "../core/src/wire/index.js"\n',
    "packages/wire/test/x.test.ts": 'import { ApiCheckout } from "@inzi/wire"\n',
    "packages/wire/dist/index.js": 'export * from "./api.js"\n',
    "packages/wire/dist/api.d.ts":
      'import { Schema } from "effect"\nimport { hmac } from "@noble/hashes/hmac.js"\n',
    "packages/core/package.json": JSON.stringify({
      name: "@inzi/core",
      dependencies: { effect: "3.22.4", "@noble/hashes": "2" },
    }),
    "packages/core/src/index.ts":
      'import { Effect } from "effect"\nimport { sha256 } from "@noble/hashes/sha2.js"\nimport { x } from "./x.js"\nexport { ApiCheckout } from "./wire/index.js"\n',
    "packages/core/src/wire/index.ts":
      'import { Schema } from "effect"\nimport { hmac } from "@noble/hashes/hmac.js"\nexport * from "./api.js"\n',
    "packages/client/package.json": JSON.stringify({
      name: "@inzi/client",
      dependencies: { effect: "3.22.4", "@inzi/wire": "workspace:*" },
      devDependencies: { "@inzi/core": "workspace:*" },
    }),
    "packages/client/src/index.ts":
      'import { Effect } from "effect"\nexport { ApiCheckout } from "@inzi/wire"\n',
    "packages/adapter-a/package.json": JSON.stringify({
      name: "@inzi/adapter-a",
      dependencies: { "@inzi/core": "workspace:*" },
    }),
    "packages/adapter-a/src/index.ts": 'import { CheckoutStore } from "@inzi/core"\n',
    "packages/adapter-b/package.json": JSON.stringify({
      name: "@inzi/adapter-b",
      dependencies: { "@inzi/core": "workspace:*" },
    }),
    "packages/adapter-b/src/index.ts": 'import { Ids } from "@inzi/core"\n',
  }
  for (const [p, text] of Object.entries({ ...base, ...files })) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    writeFileSync(join(root, p), text)
  }
  return root
}

describe("boundary check (tooling/scripts/check-boundaries.mjs)", () => {
  const roots: Array<string> = []
  const make = (files: Record<string, string>) => {
    const r = tree(files)
    roots.push(r)
    return r
  }
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true })
  })

  it("passes on a clean tree", () => {
    const r = check(make({}))
    expect(r.out).toContain("boundary check passed")
    expect(r.code).toBe(0)
  })

  it("fails when core imports anything but effect / @noble/hashes", () => {
    const r = check(make({ "packages/core/src/db.ts": 'import pg from "pg"\nexport const x = pg\n' }))
    expect(r.code).not.toBe(0)
    expect(r.out).toContain('packages/core/src/db.ts imports "pg"')
    // Not even the contract package: core holds the contract's source, @inzi/wire is built from it.
    const wire = check(make({ "packages/core/src/api.ts": 'export { ApiCheckout } from "@inzi/wire"\n' }))
    expect(wire.code).not.toBe(0)
    expect(wire.out).toContain('packages/core/src/api.ts imports "@inzi/wire"')
    const dep = check(
      make({
        "packages/core/package.json": JSON.stringify({
          name: "@inzi/core",
          dependencies: { effect: "3", "@noble/hashes": "2", "@inzi/wire": "workspace:*" },
        }),
      }),
    )
    expect(dep.code).not.toBe(0)
    expect(dep.out).toContain("packages/core/package.json depends on @inzi/wire")
  })

  it("fails when core's src/wire reaches the rest of core (it is built alone into @inzi/wire)", () => {
    const r = check(
      make({ "packages/core/src/wire/api.ts": 'import { Ids } from "../ids.js"\nexport const i = Ids\n' }),
    )
    expect(r.code).not.toBe(0)
    expect(r.out).toContain('packages/core/src/wire/api.ts imports "../ids.js" outside src/wire')
    const inside = check(
      make({ "packages/core/src/wire/api.ts": 'import { x } from "./text.js"\nexport const y = x\n' }),
    )
    expect(inside.code).toBe(0)
  })

  it("fails when core reaches an adapter or declares a forbidden dependency", () => {
    const a = check(make({ "packages/core/src/y.ts": 'export { x } from "@inzi/adapter-a"\n' }))
    expect(a.code).not.toBe(0)
    const b = check(
      make({
        "packages/core/package.json": JSON.stringify({
          name: "@inzi/core",
          dependencies: { effect: "3", ethers: "6" },
        }),
      }),
    )
    expect(b.code).not.toBe(0)
    expect(b.out).toContain("depends on ethers")
  })

  it("fails when an adapter imports another adapter (by name, by path, or as a dependency)", () => {
    const byName = check(
      make({ "packages/adapter-b/src/evil.ts": 'import { y } from "@inzi/adapter-a/src/y.js"\n' }),
    )
    expect(byName.code).not.toBe(0)
    expect(byName.out).toContain("imports another adapter")
    const byPath = check(
      // Split so that this file's own scan (the real repository's) does not read it as an import.
      make({
        "packages/adapter-b/src/evil.ts": `const m = await import${'("../../adapter-a/src/index.js")'}\n`,
      }),
    )
    expect(byPath.code).not.toBe(0)
    const byDep = check(
      make({
        "packages/adapter-b/package.json": JSON.stringify({
          name: "@inzi/adapter-b",
          dependencies: { "@inzi/core": "workspace:*", "@inzi/adapter-a": "workspace:*" },
        }),
      }),
    )
    expect(byDep.code).not.toBe(0)
    expect(byDep.out).toContain("depends on adapter @inzi/adapter-a")
  })

  it("fails when the client imports or depends on core (or anything but effect and @inzi/wire)", () => {
    const byImport = check(
      make({
        "packages/client/src/more.ts":
          'import { transition } from "@inzi/core"\nexport const t = transition\n',
      }),
    )
    expect(byImport.code).not.toBe(0)
    expect(byImport.out).toContain('packages/client/src/more.ts imports "@inzi/core"')
    const byTypeImport = check(
      make({ "packages/client/src/types.ts": 'export type { Checkout } from "@inzi/core"\n' }),
    )
    expect(byTypeImport.code).not.toBe(0)
    const byDep = check(
      make({
        "packages/client/package.json": JSON.stringify({
          name: "@inzi/client",
          dependencies: { effect: "3", "@inzi/wire": "workspace:*", "@inzi/core": "workspace:*" },
        }),
      }),
    )
    expect(byDep.code).not.toBe(0)
    expect(byDep.out).toContain("packages/client/package.json depends on @inzi/core")
  })

  it("fails when the wire has source of its own, names core, or its dist imports core", () => {
    const r = check(make({ "packages/wire/src/bad.ts": 'import { Schema } from "effect"\n' }))
    expect(r.code).not.toBe(0)
    expect(r.out).toContain("packages/wire/src/bad.ts: packages/wire has no source of its own")
    const elsewhere = check(make({ "packages/wire/source.ts": 'export * from "../core/src/index.js"\n' }))
    expect(elsewhere.code).not.toBe(0)
    expect(elsewhere.out).toContain("not core's src/wire/index.js")
    const dist = check(
      make({ "packages/wire/dist/api.d.ts": 'import type { Checkout } from "@inzi/core"\n' }),
    )
    expect(dist.code).not.toBe(0)
    expect(dist.out).toContain('packages/wire/dist/api.d.ts imports "@inzi/core"')
    const devDep = check(
      make({
        "packages/wire/package.json": JSON.stringify({
          name: "@inzi/wire",
          dependencies: { effect: "3" },
          devDependencies: { "@inzi/core": "workspace:*" },
        }),
      }),
    )
    expect(devDep.code).not.toBe(0)
    expect(devDep.out).toContain("packages/wire/package.json names @inzi/core in devDependencies")
    const dep = check(
      make({
        "packages/wire/package.json": JSON.stringify({
          name: "@inzi/wire",
          dependencies: { effect: "3", "@inzi/core": "workspace:*" },
        }),
      }),
    )
    expect(dep.code).not.toBe(0)
    expect(dep.out).toContain("packages/wire/package.json depends on @inzi/core")
  })

  it("fails when a package's source or test imports another package's files by a relative path", () => {
    const test = check(
      make({
        "packages/adapter-b/test/x.test.ts": importOf("suite", "../../core/test/suite.js"),
        "apps/worker/package.json": JSON.stringify({ name: "@inzi/worker" }),
        "apps/worker/test/y.test.ts": importOf("w", "../../../packages/adapter-a/test/world.js"),
      }),
    )
    expect(test.code).not.toBe(0)
    expect(test.out).toContain(
      'packages/adapter-b/test/x.test.ts imports "../../core/test/suite.js" from outside packages/adapter-b',
    )
    expect(test.out).toContain("apps/worker/test/y.test.ts imports")
    // Inside its own package, and wire's one entry to core's src/wire, are fine.
    const own = check(make({ "packages/adapter-b/test/deep/z.test.ts": importOf("y", "../../src/index.js") }))
    expect(own.code).toBe(0)
  })

  it("fails when an app, core, platform or the sweep tool names a chain family instead of asking the registry", () => {
    const q = '"'
    const r = check(
      make({
        "apps/server/package.json": JSON.stringify({ name: "@inzi/server" }),
        "apps/server/src/icons.ts": `export const i = (f: string) => (f === ${q}ton${q} ? 1 : 0)\n`,
        "packages/sweep/package.json": JSON.stringify({ name: "@inzi/sweep" }),
        "packages/sweep/src/plan.ts": "export const native = (f: string) => (f === 'evm' ? 18 : 6)\n",
      }),
    )
    expect(r.code).not.toBe(0)
    expect(r.out).toContain(`apps/server/src/icons.ts:1 names the family ${q}ton${q}`)
    expect(r.out).toContain("packages/sweep/src/plan.ts:1 names the family 'evm'")
    // Comments, adapters and the allow-listed declaration of the names are fine.
    const ok = check(
      make({
        "apps/server/package.json": JSON.stringify({ name: "@inzi/server" }),
        "apps/server/src/a.ts": `// e.g. ${q}tron${q}\n/** like ${q}ton${q} */\nexport const a = 1\n`,
        "packages/adapter-a/src/family.ts": `export const family = ${q}evm${q}\n`,
        "packages/core/src/domain.ts": `export type ChainFamily = ${q}evm${q} | ${q}tron${q} | ${q}ton${q}\n`,
      }),
    )
    expect(ok.out).toContain("boundary check passed")
  })

  it("fails when platform or an app runs SQL itself (kysely, pg) instead of through adapter-postgres", () => {
    const platform = check(
      make({
        "packages/platform/package.json": JSON.stringify({ name: "@inzi/platform" }),
        "packages/platform/src/metrics.ts": 'import { sql } from "kysely"\nexport const q = sql`SELECT 1`\n',
      }),
    )
    expect(platform.code).not.toBe(0)
    expect(platform.out).toContain('packages/platform/src/metrics.ts runs SQL itself ("kysely")')
    const app = check(make({ "apps/worker/src/app.ts": 'import pg from "pg"\nexport const p = pg\n' }))
    expect(app.code).not.toBe(0)
    expect(app.out).toContain('apps/worker/src/app.ts runs SQL itself ("pg")')
    // Tests may reach into the database.
    const test = check(make({ "apps/worker/test/x.test.ts": 'import { sql } from "kysely"\n' }))
    expect(test.code).toBe(0)
  })

  it("passes on the real repository", () => {
    const r = check(repo)
    expect(r.out).toContain("boundary check passed")
    expect(r.code).toBe(0)
  })
})
