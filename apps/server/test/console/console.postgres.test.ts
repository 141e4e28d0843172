import { describe, it } from "vitest"
import { PG_REQUIRED, TEST_DATABASE_URL } from "../api/harness.js"
import { consoleSuite } from "./suite.js"

if (TEST_DATABASE_URL !== null) consoleSuite("postgres")
else if (PG_REQUIRED)
  describe("operator console on postgres", () => {
    it("needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () => {
      throw new Error("INZI_REQUIRE_PG=1 but TEST_DATABASE_URL is not set")
    })
  })
else describe.skip("operator console on postgres (TEST_DATABASE_URL unset)", () => it("runs", () => {}))
