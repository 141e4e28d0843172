import { describe, it } from "vitest"
import { PG_REQUIRED, TEST_DATABASE_URL } from "./harness.js"
import { apiSuite } from "./suite.js"

// The same contract on real PostgreSQL (a schema of its own per run), plus the concurrency tests
// (concurrent same-key creates, concurrent derivation) that need real concurrent transactions.
if (TEST_DATABASE_URL !== null) {
  apiSuite("postgres", { concurrency: true })
} else if (PG_REQUIRED) {
  describe("HTTP API on postgres", () => {
    it("needs TEST_DATABASE_URL (INZI_REQUIRE_PG=1)", () => {
      throw new Error(
        "INZI_REQUIRE_PG=1 but TEST_DATABASE_URL is not set: the API concurrency tests cannot run",
      )
    })
  })
} else {
  console.warn(
    "\n\n*** WARNING: TEST_DATABASE_URL is not set: the HTTP API suite is NOT running against real PostgreSQL, " +
      "and the concurrent same-key create tests are SKIPPED. Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test " +
      "(and INZI_REQUIRE_PG=1 in CI). ***\n\n",
  )
  describe.skip("HTTP API on postgres (TEST_DATABASE_URL unset: concurrency tests skipped)", () => {
    it("concurrent same-key creates create one checkout", () => {})
  })
}
