import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { FAMILIES } from "../src/index.js"

/**
 * docs/adding-a-chain.md names files and symbols a contributor will look for: each path must exist and each
 * code symbol (`camelCase`, `PascalCase`, `UPPER_CASE`, with or without a call) must be declared in the sources.
 */
const root = join(import.meta.dirname, "..", "..", "..")
const doc = readFileSync(join(root, "docs", "adding-a-chain.md"), "utf8")

/** Inline code spans outside fenced blocks. */
const spans = doc
  .split(/^```[^\n]*\n[\s\S]*?^```$/m)
  .flatMap((text) => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!))

const isPath = (s: string) =>
  !s.includes("<") && !s.includes(" ") && /^[\w.@-]+(\/[\w.@-]+)+\/?$/.test(s) && !s.startsWith("@")
const paths = [...new Set(spans.filter(isPath))]

/** A name that reads as a code symbol (not a plain word, a value or an RPC method such as `eth_getLogs`). */
const isSymbol = (name: string) =>
  !/^[a-z]+_/.test(name) && /[a-z][A-Z]|^[A-Z][a-z]+[A-Z]|^[A-Z][A-Z0-9]*_[A-Z0-9_]+$|^[A-Z]{3,}$/.test(name)

/** The symbols of `name`, `name(…)` or `Owner.name`. */
const symbolsOf = (s: string): Array<string> => {
  const m = /^([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?(?:\([^()]*\))?$/.exec(s)
  return m === null ? [] : [m[1]!, m[2] ?? ""].filter(isSymbol)
}
const symbols = [...new Set(spans.flatMap(symbolsOf))]

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) return []
    const p = join(dir, name)
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.(ts|mts|mjs)$/.test(name) ? [p] : []
  })
const sources = ["packages", "apps", "tooling"]
  .flatMap((d) => sourceFiles(join(root, d)))
  .map((f) => readFileSync(f, "utf8"))
  .join("\n")

const declared = (name: string) =>
  new RegExp(
    `(?:const|let|function|class|interface|type|enum)\\s+${name}\\b|readonly\\s+${name}\\??:|^\\s+${name}\\??[:(]|\\b${name}:\\s`,
    "m",
  ).test(sources)

describe("docs/adding-a-chain.md", () => {
  it("names only paths that exist", () => {
    expect(paths.length).toBeGreaterThan(20)
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([])
  })

  it("names only symbols the sources declare", () => {
    expect(symbols).toEqual(expect.arrayContaining(["ChainFamilyModule", "defineFamily", "FAMILIES"]))
    expect(symbols.filter((s) => !declared(s))).toEqual([])
  })

  it("lists every member of ChainFamilyModule in the member table, and no member the contract lacks", () => {
    const family = readFileSync(join(root, "packages/core/src/family.ts"), "utf8")
    const body = /export interface ChainFamilyModule<[^>]*> \{([\s\S]*?)\n\}/.exec(family)?.[1] ?? ""
    const members = [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((m) => m[1]!)
    expect(members).toEqual(expect.arrayContaining(["deposit", "paymentTarget", "payoutKeyLabel"]))
    const table = doc
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .flatMap((l) => [...(l.split("|")[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]!))
    expect(members.filter((m) => !table.includes(m))).toEqual([])
    // Payout keys and deposit targets are data: the guide asks for no per-family field or column.
    expect(doc).not.toMatch(
      /payoutOf|addressOf|(?<![a-z])(evm|tron|ton|solana|<family>)_(xpub|address|comment|wallet)\b/,
    )
  })

  it("has each sweepable family's runner on its module, and no second registry keyed by family", () => {
    const sweepable = Object.values(FAMILIES).filter((m) => m.sweep !== undefined)
    expect(sweepable.map((m) => m.family)).toEqual(["evm", "tron"])
    for (const m of sweepable) {
      expect(typeof m.sweep?.runner.plan).toBe("function")
      expect(typeof m.sweep?.runner.run).toBe("function")
    }
    expect(doc).not.toContain("SWEEPERS")
  })

  it("shows the registry line as the code has it", () => {
    const line = `export const FAMILIES: FamilyRegistry = { ${Object.keys(FAMILIES)
      .map((f) => `${f}: ${f}Family`)
      .join(", ")} }`
    expect(doc).toContain(line)
    expect(readFileSync(join(root, "packages/platform/src/networks.ts"), "utf8")).toContain(line)
  })
})
