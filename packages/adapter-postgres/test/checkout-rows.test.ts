import { describe, expect, it } from "vitest"
import { targetsFromJson } from "../src/checkoutRows.js"

describe("targetsFromJson", () => {
  const row = (family: string, address: string | null, memo: string | null) => ({
    family,
    address,
    memo,
    index: "7",
  })

  it("gives the entries in family order, whatever order the read returned them in", () => {
    const ordered = [row("evm", "0xa", null), row("ton", null, "MEMO"), row("tron", "Tb", null)]
    const expected = {
      derivationIndex: 7n,
      entries: [
        { family: "evm", address: "0xa", memo: null },
        { family: "ton", address: null, memo: "MEMO" },
        { family: "tron", address: "Tb", memo: null },
      ],
    }
    expect(targetsFromJson(ordered)).toEqual(expected)
    expect(targetsFromJson([ordered[2], ordered[0], ordered[1]])).toEqual(expected)
    expect(targetsFromJson(JSON.stringify([ordered[1], ordered[2], ordered[0]]))).toEqual(expected)
  })

  it("an empty or missing list: no entries, index 0", () => {
    expect(targetsFromJson([])).toEqual({ derivationIndex: 0n, entries: [] })
    expect(targetsFromJson(null)).toEqual({ derivationIndex: 0n, entries: [] })
  })
})
