import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { compactJson, extractRawMetadata, extractRawProperty } from "../src/raw-json.js"

type J =
  | { readonly t: "lit"; readonly text: string }
  | { readonly t: "arr"; readonly items: ReadonlyArray<J> }
  | { readonly t: "obj"; readonly entries: ReadonlyArray<readonly [string, J]> }

const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom("1.50", "1E+2", "-0", "0.0e-0", "12345678901234567890", "-1.25e10"),
)
const stringText = fc.oneof(
  fc.string({ unit: "binary" }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\u00e9"', '"\\/"', '"a\\nb"', '"\\ud83d\\ude00"', '"}{][,:"'),
)
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.nat(99).map(String),
  fc.constantFrom("__proto__", "constructor"),
)

const { value } = fc.letrec<{ value: J; obj: J }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc
      .oneof(numberText, stringText, fc.constantFrom("true", "false", "null"))
      .map((text) => ({ t: "lit" as const, text })),
    fc.array(tie("value"), { maxLength: 4 }).map((items) => ({ t: "arr" as const, items })),
    tie("obj"),
  ),
  obj: fc
    .uniqueArray(fc.tuple(key, tie("value")), { maxLength: 5, selector: ([k]) => k })
    .map((entries) => ({ t: "obj" as const, entries })),
}))
const objArb = fc
  .uniqueArray(fc.tuple(key, value), { maxLength: 5, selector: ([k]) => k })
  .map((entries): J => ({ t: "obj", entries }))

const WS = ["", " ", "\n", "\t ", "\r\n  "]
const render = (j: J, ws: (i: number) => string, i = 0): string => {
  const w = ws(i)
  switch (j.t) {
    case "lit":
      return j.text
    case "arr":
      return `[${w}${j.items.map((x, n) => render(x, ws, i + n + 1)).join(`${w},${w}`)}${w}]`
    case "obj":
      return `{${w}${j.entries.map(([k, v], n) => `${JSON.stringify(k)}${w}:${w}${render(v, ws, i + n + 1)}`).join(`,${w}`)}${w}}`
  }
}

describe("raw JSON scanner", () => {
  it("extracts metadata compactly, key order and tokens byte-for-byte, semantically equal to JSON.parse", () => {
    fc.assert(
      fc.property(objArb, fc.nat(WS.length - 1), fc.boolean(), (meta, w, metaFirst) => {
        const ws = (i: number) => WS[(i + w) % WS.length]!
        const pretty = render(meta, ws)
        const compact = render(meta, () => "")
        const fields = [`"amount" : "25.00"`, `"metadata":${ws(0)}${pretty}`, `"currency":"USD"`]
        if (metaFirst) fields.reverse()
        const body = `${ws(1)}{${ws(2)}${fields.join(`,${ws(3)}`)}${ws(4)}}${ws(5)}`
        const extracted = extractRawMetadata(body)
        expect(extracted).toBe(compact)
        expect(JSON.parse(extracted!)).toEqual(JSON.parse(body).metadata)
        expect(compactJson(pretty)).toBe(compact)
        expect(compactJson(compact)).toBe(compact)
      }),
      { numRuns: 300 },
    )
  })

  it("keeps integer-like keys where the merchant put them", () => {
    expect(extractRawMetadata('{"metadata":{"b":1,"10":2,"a":3,"2":4}}')).toBe('{"b":1,"10":2,"a":3,"2":4}')
  })

  it("takes the last of repeated top-level keys, as JSON.parse does, and reports repeated inner keys", () => {
    expect(extractRawMetadata('{"metadata":{"a":1},"metadata":{"b":2}}')).toBe('{"b":2}')
    expect(extractRawProperty('{"metadata":{"a":{"x":1,"x":2}}}', "metadata")).toEqual({
      text: '{"a":{"x":1,"x":2}}',
      duplicateKeys: true,
    })
    expect(extractRawProperty('{"metadata":{"a":{"x":1},"b":{"x":2}}}', "metadata")?.duplicateKeys).toBe(
      false,
    )
  })

  it("matches an escaped key name and returns any JSON value", () => {
    expect(extractRawMetadata('{"meta\\u0064ata":[1, 2]}')).toBe("[1,2]")
    expect(extractRawMetadata('{"metadata":null}')).toBe("null")
    expect(extractRawMetadata('{"metadata":"x"}')).toBe('"x"')
  })

  it("returns null when absent or malformed", () => {
    for (const bad of [
      "",
      "[]",
      "{}",
      '{"amount":"1"}',
      '{"metadata":{}',
      '{"metadata":{}} x',
      '{"metadata":{"a":}}',
      '{"metadata":[1,]}',
      '{"metadata":{"a" 1}}',
      '{"metadata":tru}',
      '{"metadata":"\\x"}',
      '{"metadata":"\\u12"}',
      '{"metadata":"a\nb"}',
      '{"metadata":01}',
      '{"metadata":{1:2}}',
      "{metadata:{}}",
      '{"metadata":{}]',
      '{"metadata":"unterminated}',
      `{"metadata":${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
      `{"metadata":${"[".repeat(101)}${"]".repeat(101)}}`,
    ])
      expect(extractRawMetadata(bad)).toBeNull()
    expect(extractRawMetadata(`{"metadata":${"[".repeat(100)}${"]".repeat(100)}}`)).toBe(
      `${"[".repeat(100)}${"]".repeat(100)}`,
    )
    expect(compactJson("[1 2]")).toBeNull()
    expect(compactJson("nul")).toBeNull()
    expect(compactJson(' { "a" : [ true , false , null , -1.5e3 ] } ')).toBe('{"a":[true,false,null,-1.5e3]}')
  })
})
