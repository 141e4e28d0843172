import { describe, expect, it } from "vitest"
import {
  accentColorProblem,
  BRANDING_LIMITS,
  checkLogoImage,
  displayNameProblem,
  logoPath,
  logoUrlProblem,
  nextBranding,
  parseLogoFile,
  sniffLogo,
} from "../src/index.js"

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const bytes = (head: ReadonlyArray<number>, size = 64) => {
  const b = new Uint8Array(size)
  b.set(head)
  return b
}

describe("merchant branding rules", () => {
  it("accepts #rrggbb accent colours only", () => {
    expect(accentColorProblem("#1f4fd1")).toBeNull()
    expect(accentColorProblem("#A0B1C2")).toBeNull()
    for (const bad of ["1f4fd1", "#fff", "#1f4fd1ff", "red", "#1f4fdg", "#1f4fd1;}", ""])
      expect(accentColorProblem(bad), bad).not.toBeNull()
  })

  it("accepts https logo URLs without credentials, nothing else", () => {
    expect(logoUrlProblem("https://cdn.shop.example/logo.png")).toBeNull()
    expect(logoUrlProblem("http://cdn.shop.example/logo.png")).toBe("must use https")
    expect(logoUrlProblem("javascript:alert(1)")).not.toBeNull()
    expect(logoUrlProblem("data:image/png;base64,AAAA")).not.toBeNull()
    expect(logoUrlProblem("https://u:p@cdn.shop.example/x.png")).toMatch(/user name/)
    expect(logoUrlProblem("https://cdn.shop.example/a b.png")).toMatch(/whitespace/)
  })

  it("limits display names and refuses control and bidi characters", () => {
    expect(displayNameProblem("Acme Coffee <Roasters> & Co")).toBeNull()
    expect(displayNameProblem(" ")).toBe("must not be empty")
    expect(displayNameProblem("x".repeat(BRANDING_LIMITS.displayNameMaxChars + 1))).toMatch(/at most/)
    expect(displayNameProblem("Acme\u202eevil")).toMatch(/bidirectional/)
    expect(displayNameProblem("Acme\u0000")).not.toBeNull()
  })

  it("sniffs PNG, JPEG and WebP by their bytes; SVG, HTML and anything else are refused", () => {
    expect(sniffLogo(bytes(PNG))).toBe("image/png")
    expect(sniffLogo(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg")
    expect(sniffLogo(bytes([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50]))).toBe("image/webp")
    expect(sniffLogo(bytes([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x41, 0x56, 0x45]))).toBeNull() // WAV
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    )
    expect(sniffLogo(svg)).toBeNull()
    expect(checkLogoImage(svg)).toEqual({ problem: "is not a PNG, JPEG or WebP image (SVG is not accepted)" })
    expect(checkLogoImage(new Uint8Array(0))).toEqual({ problem: "is empty" })
    expect(checkLogoImage(bytes(PNG, BRANDING_LIMITS.logoMaxBytes + 1))).toMatchObject({
      problem: expect.stringMatching(/at most 32768/),
    })
  })

  it("names an upload by its SHA-256 and parses that name back", () => {
    const img = checkLogoImage(bytes(PNG))
    if ("problem" in img) throw new Error(img.problem)
    expect(img.sha256).toMatch(/^[0-9a-f]{64}$/)
    const path = logoPath({ kind: "image", sha256: img.sha256, contentType: img.contentType })
    expect(path).toBe(`/p/logo/${img.sha256}.png`)
    expect(parseLogoFile(path.slice("/p/logo/".length))).toEqual({
      sha256: img.sha256,
      contentType: "image/png",
    })
    expect(parseLogoFile(`${img.sha256}.svg`)).toBeNull()
    expect(parseLogoFile(`../${img.sha256}.png`)).toBeNull()
    expect(parseLogoFile(`${img.sha256.toUpperCase()}.png`)).toBeNull()
  })
})

describe("nextBranding", () => {
  const was = {
    displayName: "Shop",
    logo: { kind: "url", url: "https://a.example/l.png" },
    accentColor: "#000000",
  } as const
  it("keeps absent fields, clears null ones, replaces given ones (accent in lower case)", () => {
    expect(nextBranding(was, {})).toEqual(was)
    expect(nextBranding(undefined, {})).toEqual({ displayName: null, logo: null, accentColor: null })
    expect(nextBranding(was, { displayName: null, logo: null, accentColor: "#ABCDEF" })).toEqual({
      displayName: null,
      logo: null,
      accentColor: "#abcdef",
    })
  })
  it("points at an uploaded image by its SHA-256 and type, never its bytes", () => {
    const image = checkLogoImage(bytes(PNG))
    if ("problem" in image) throw new Error(image.problem)
    expect(nextBranding(was, { logo: image }).logo).toEqual({
      kind: "image",
      sha256: image.sha256,
      contentType: "image/png",
    })
  })
})
