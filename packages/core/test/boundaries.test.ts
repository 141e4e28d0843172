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

/** Writes a tiny monorepo: wire, core, client, two adapters, with the given extra files. */
const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), "inzi-boundaries-"))
  const base: Record<string, string> = {
    "packages/wire/package.json": JSON.stringify({ name: "@inzi/wire", dependencies: { effect: "3.22.4" } }),
    "packages/wire/src/index.ts":
      'import { Schema } from "effect"\nimport { hmac } from "@noble/hashes/hmac.js"\n',
    "packages/core/package.json": JSON.stringify({
      name: "@inzi/core",
      dependencies: { effect: "3.22.4", "@inzi/wire": "workspace:*" },
    }),
    "packages/core/src/index.ts":
      'import { Effect } from "effect"\nimport { sha256 } from "@noble/hashes/sha2.js"\nimport { x } from "./x.js"\nexport { ApiCheckout } from "@inzi/wire"\n',
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
      make({ "packages/adapter-b/src/evil.ts": 'const m = await import("../../adapter-a/src/index.js")\n' }),
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

  it("fails when the wire imports core or anything but effect / @noble/hashes", () => {
    const r = check(
      make({ "packages/wire/src/bad.ts": 'import { Ids } from "@inzi/core"\nexport const i = Ids\n' }),
    )
    expect(r.code).not.toBe(0)
    expect(r.out).toContain('packages/wire/src/bad.ts imports "@inzi/core"')
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
