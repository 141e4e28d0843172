import { ingestionContract } from "@inzi/conformance"
import { makeMemoryLedger } from "@inzi/core/testing"

// Core's in-memory ports, the reference. The same suite runs on PGlite and PostgreSQL in
// packages/adapter-postgres/test/ingestion.test.ts. (It lives here, not in core's tests: core cannot
// depend on this kit, which depends on core.)
ingestionContract("ingestion contract in memory", async () => {
  const m = makeMemoryLedger()
  return {
    ledger: m.ledger,
    unmatched: m.unmatched,
    sweep: m.sweep,
    addMerchant: async (merchant) => m.addMerchant(merchant),
    addCheckout: async (c) => m.addCheckout(c),
    readCheckout: async (id) => {
      const c = m.checkout(id)
      if (c === undefined) throw new Error(`no checkout ${id}`)
      return c
    },
    readEvents: async (id) => m.events(id),
    close: async () => {},
  }
})
