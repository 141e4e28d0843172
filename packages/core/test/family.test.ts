import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import type { NetworkConfig } from "../src/domain.js"
import {
  defineFamily,
  explorerLink,
  type FamilyRegistry,
  isKnownFamily,
  knownFamilies,
  presetsOf,
  scannerOf,
} from "../src/family.js"
import type { ChainScanner } from "../src/ports/ChainScanner.js"
import { FAMILIES } from "./families.js"
import { NETWORKS } from "./helpers.js"

const ton = NETWORKS.find((n) => n.family === FAMILIES.ton.family)!

/** A registry whose TON module records the options its scanner got. */
const recording = () => {
  const got: Array<unknown> = []
  const families: FamilyRegistry = {
    ...FAMILIES,
    ton: defineFamily({
      ...FAMILIES.ton,
      options: Schema.Struct({
        source: Schema.optionalWith(Schema.Literal("notifications"), { exact: true }),
      }),
      presets: [ton],
      tokenlessPresets: [{ ...ton, id: "ton-x", tokens: [] }],
      scanner: (network, options) => {
        got.push(options)
        return Effect.succeed({ network } as unknown as ChainScanner)
      },
    }),
  }
  return { got, families }
}

describe("the family registry", () => {
  it("builds a network's scanner through its family's module, with the entry's options decoded", async () => {
    const { got, families } = recording()
    const scanner = await Effect.runPromise(
      scannerOf(families, { ...ton, options: { source: "notifications" } }),
    )
    expect(scanner.network.id).toBe(ton.id)
    expect(got).toEqual([{ source: "notifications" }])
    await Effect.runPromise(scannerOf(families, ton))
    expect(got[1]).toEqual({})
  })

  it("refuses options the family's schema refuses, and an unknown family, naming the known ones", async () => {
    const { got, families } = recording()
    const bad = await Effect.runPromiseExit(scannerOf(families, { ...ton, options: { source: "mempool" } }))
    expect(Exit.isFailure(bad) && JSON.stringify(bad.cause)).toMatch(/options: .*source/s)
    const unknown = { ...ton, family: "stellar" } as unknown as NetworkConfig
    const exit = await Effect.runPromiseExit(scannerOf(families, unknown))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain(
      'unknown family \\"stellar\\" (known: evm, tron, ton, solana)',
    )
    expect(got).toEqual([])
  })

  it("lists the families and their presets, tokenless ones last", () => {
    const { families } = recording()
    expect(knownFamilies(families)).toEqual(["evm", "tron", "ton", "solana"])
    expect(isKnownFamily(families, "tron")).toBe(true)
    expect(isKnownFamily(families, "toString")).toBe(false)
    expect(presetsOf(families).map((p) => p.id)).toEqual([ton.id, "ton-x"])
  })

  it("fills explorer templates with the URL-encoded value, null without a template", () => {
    expect(explorerLink("https://x.example/tx/{tx}", "tx", "a/b?c")).toBe("https://x.example/tx/a%2Fb%3Fc")
    expect(explorerLink(undefined, "tx", "abc")).toBeNull()
  })

  it("a registry must have every family (the compiler lists the places to fill)", () => {
    // @ts-expect-error ton is missing
    const partial: FamilyRegistry = { evm: FAMILIES.evm, tron: FAMILIES.tron }
    expect(Object.keys(partial)).toHaveLength(2)
  })
})
