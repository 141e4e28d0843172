/** The CLI's pure helpers: terminal escaping, CSV fields, strict argv parsing with did-you-mean. */
import { describe, expect, it } from "vitest"
import { closest, parseArgs, UsageError } from "../src/args.js"
import { runCli } from "../src/main.js"
import { csvField, csvRow, jsonSafe, terminalSafe } from "../src/text.js"

describe("terminalSafe", () => {
  it("escapes C0/C1 controls, DEL, bidi and separators; keeps tab, printable text and emoji", () => {
    expect(terminalSafe("a\u001b[31mb\u0007c\u007fd\u009be\u202ef\u2066g\u2028h\r\ni")).toBe(
      "a\\x1b[31mb\\x07c\\x7fd\\x9be\\u202ef\\u2066g\\u2028h\\r\\ni",
    )
    expect(terminalSafe("tab\there é 日本 💸")).toBe("tab\there é 日本 💸")
    expect(terminalSafe("\u0000")).toBe("\\x00")
  })
})

describe("jsonSafe", () => {
  it("escapes what JSON.stringify leaves raw, and parses back to the same value", () => {
    const v = { s: "a\u001b[2Jb\u009b31m\u202ec\u2028d\u007f" }
    const text = jsonSafe(JSON.stringify(v))
    expect(text).toBe('{"s":"a\\u001b[2Jb\\u009b31m\\u202ec\\u2028d\\u007f"}')
    expect(JSON.parse(text)).toEqual(v)
  })
})

describe("csvField", () => {
  it("quotes fields with comma, quote, CR or LF and doubles quotes (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain")
    expect(csvField("a,b")).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField("l1\nl2")).toBe('"l1\nl2"')
    expect(csvField("l1\rl2")).toBe('"l1\rl2"')
    expect(csvRow(["a", "b,c", ""])).toBe('a,"b,c",\r\n')
  })

  it("turns a would-be formula into text with a leading quote", () => {
    for (const f of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
      expect(csvField(f).replace(/^"/, "")[0]).toBe("'")
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvField("10.50")).toBe("10.50")
    expect(csvField("2026-12-01T10:00:00Z")).toBe("2026-12-01T10:00:00Z")
  })
})

describe("parseArgs", () => {
  const spec = { values: ["name", "evm-xpub"], booleans: ["json"], positionals: 1 }

  it("parses values, booleans and positionals", () => {
    expect(parseArgs(["p", "--name", "N", "--evm-xpub=x=y", "--json"], spec)).toEqual({
      positionals: ["p"],
      flags: { name: "N", "evm-xpub": "x=y", json: true },
    })
    expect(parseArgs(["--name", "--json"], spec).flags).toEqual({ name: true, json: true })
  })

  it("refuses unknown flags with a suggestion, repeats, extra positionals and single-dash options", () => {
    const err = (argv: string[]) => {
      try {
        parseArgs(argv, spec, "merchant create")
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError)
        return (e as Error).message
      }
      throw new Error("accepted")
    }
    expect(err(["--evm-xpb", "x"])).toBe(
      'unknown flag --evm-xpb for "merchant create" (did you mean --evm-xpub?)',
    )
    expect(err(["--frobnicate"])).toBe(
      'unknown flag --frobnicate for "merchant create" (it takes --evm-xpub, --json, --name)',
    )
    expect(err(["--name", "a", "--name", "b"])).toBe("--name is given twice")
    expect(err(["a", "b"])).toBe('unexpected argument "b" for "merchant create"')
    expect(err(["-n", "x"])).toContain("unknown option -n")
    expect(closest("sweep plna", ["sweep plan", "sweep run"])).toBe("sweep plan")
    expect(closest("zzzzzz", ["name"])).toBeUndefined()
  })
})

describe("runCli usage errors (nothing loaded)", () => {
  const usage = async (...argv: string[]) => {
    try {
      await runCli(argv)
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError)
      return (e as Error).message
    }
    throw new Error("accepted")
  }

  it("suggests the command or lists a group's subcommands", async () => {
    expect(await usage("merchnt", "create")).toBe(
      'unknown command "merchnt create" (did you mean "merchant create"?)',
    )
    expect(await usage("merchant")).toBe(
      'unknown command "merchant" (merchant has: merchant create, merchant update, merchant show, merchant list)',
    )
    expect(await usage("merchant", "delete")).toContain(
      "(merchant has: merchant create, merchant update, merchant show, merchant list)",
    )
  })
})
