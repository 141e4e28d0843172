import { describe, expect, it } from "vitest"
import { format, LOCALES, localeForRequest, MESSAGES, pickLocale } from "../../src/page/index.js"

describe("pickLocale", () => {
  it.each([
    [undefined, "en"],
    ["", "en"],
    ["es", "es"],
    ["es-MX,es;q=0.9,en;q=0.8", "es"],
    ["ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"],
    ["zh-CN,zh;q=0.9", "zh"],
    ["zh-Hant-TW", "zh"],
    ["ZH-cn", "zh"],
    ["de-DE,de;q=0.9,ru;q=0.5", "ru"], // first supported by preference
    ["de-DE,fr;q=0.9", "en"], // nothing supported
    ["en;q=0.2, ru;q=0.8", "ru"], // q-values, not order
    ["es;q=0.5, ru;q=0.5", "es"], // ties keep header order
    ["ru;q=0, es", "es"], // q=0 means "not this"
    ["*", "en"],
    ["fr, *;q=0.5", "en"],
    ["es;q=abc, ru;q=0.3", "ru"], // malformed q → ignored entry
    [" es ; q = 0.7 ", "es"],
  ] as const)("%j → %s", (header, expected) => {
    expect(pickLocale(header)).toBe(expected)
  })

  it("copes with absurd headers", () => {
    expect(pickLocale(`${"x,".repeat(100_000)}ru`)).toBe("en") // only the first 1000 characters are read
    expect(pickLocale(";;;,,,q=1")).toBe("en")
  })
})

describe("messages", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

  it("every language has every key, non-empty, with the same placeholders as English", () => {
    const en = MESSAGES.en
    for (const locale of LOCALES) {
      const messages = MESSAGES[locale]
      expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort())
      for (const [key, text] of Object.entries(messages)) {
        expect(text.trim(), `${locale}.${key}`).not.toBe("")
        expect(placeholders(text), `${locale}.${key}`).toEqual(placeholders(en[key as keyof typeof en]))
      }
    }
  })

  it("translations are translations", () => {
    for (const locale of LOCALES.filter((l) => l !== "en")) {
      expect(MESSAGES[locale].commentRequired).not.toBe(MESSAGES.en.commentRequired)
      expect(MESSAGES[locale].statusPending).not.toBe(MESSAGES.en.statusPending)
    }
  })

  it("format fills placeholders and leaves unknown ones", () => {
    expect(format("{x}/{n} {y}", { x: 3, n: 12 })).toBe("3/12 {y}")
    expect(format("{a}", { a: "$1 {b}" })).toBe("$1 {b}")
  })
})

describe("localeForRequest", () => {
  const req = (url: string, cookie?: string, acceptLanguage = "es-ES,es;q=0.9") => ({
    url,
    cookie,
    acceptLanguage,
  })
  it("?lang= wins and is remembered; then the cookie; then Accept-Language", () => {
    expect(localeForRequest(req("/p/abc?lang=ru"))).toEqual({
      locale: "ru",
      setCookie: "inzi_lang=ru; Path=/p; Max-Age=31536000; SameSite=Lax; HttpOnly",
    })
    expect(localeForRequest({ ...req("/p/abc?x=1&lang=ZH"), secure: true }).setCookie).toBe(
      "inzi_lang=zh; Path=/p; Max-Age=31536000; SameSite=Lax; HttpOnly; Secure",
    )
    expect(localeForRequest(req("/p/abc", "a=b; inzi_lang=ru"))).toEqual({ locale: "ru", setCookie: null })
    expect(localeForRequest(req("/p/abc"))).toEqual({ locale: "es", setCookie: null })
  })

  it("ignores what it does not know (no cookie is set from junk)", () => {
    expect(localeForRequest(req("/p/abc?lang=de"))).toEqual({ locale: "es", setCookie: null })
    expect(localeForRequest(req("/p/abc?lang=%0d%0aSet-Cookie:x", "inzi_lang=<x>"))).toEqual({
      locale: "es",
      setCookie: null,
    })
  })
})
