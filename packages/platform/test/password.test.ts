/** Console password hashes: scrypt, salted, verified in constant time; anything malformed never verifies. */
import { describe, expect, it } from "vitest"
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../src/password.js"

describe("password hashing", () => {
  it("verifies the password it was made from only, with a fresh salt each time", async () => {
    const a = await hashPassword("correct horse battery staple")
    const b = await hashPassword("correct horse battery staple")
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true)
    expect(await verifyPassword("correct horse battery stapl", a)).toBe(false)
    expect(await verifyPassword("", a)).toBe(false)
  })

  it("never verifies against the dummy hash or a malformed or weakened one", async () => {
    expect(await verifyPassword("", DUMMY_PASSWORD_HASH)).toBe(false)
    const good = await hashPassword("another long password")
    for (const bad of [
      "",
      "plain",
      good.replace("scrypt$", "bcrypt$"),
      good.replace("$32768$", "$3$"),
      good.replace("$32768$", "$1$"),
    ])
      expect(await verifyPassword("another long password", bad), bad).toBe(false)
  })
})
