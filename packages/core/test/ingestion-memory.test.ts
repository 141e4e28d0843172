import { makeMemoryLedger } from "../src/testing/memory-ledger.js"
import { ingestionContract } from "./ingestion-contract.js"

// The same suite runs on PGlite and PostgreSQL in packages/adapter-postgres/test/ingestion.test.ts.
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
