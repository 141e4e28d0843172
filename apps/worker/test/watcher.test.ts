/**
 * Watcher cycles on the real EVM devnet and a real (PGlite) store: a checkout created and paid right after the
 * cycle loaded its deposit targets is still recorded, never passed over by a cursor that moved beyond its
 * payment; a scan that fails part-way commits the part it read and reports the failure (for the backoff).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { evmNetwork, makeEvmScanner } from "@inzi/adapter-evm"
import { makeStores, type PgStores } from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import type { Database } from "@inzi/adapter-postgres"
import {
  type ChainScanner,
  Leases,
  makeWatchIndex,
  type NetworkConfig,
  PaymentLedger,
  StoreError,
  WatchTargets,
} from "@inzi/core"
import { type Devnet, payTo, startDevnet } from "@inzi/devnet"
import { Effect } from "effect"
import { Wallet } from "ethers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { watcherCycle } from "../src/watcher.js"

/** One worker: its watch set is kept between its cycles, as `runWatcher` keeps it. */
const OPTS = { holder: "test-worker", lookbackMs: 3_600_000, leaseMs: 30_000, watchIndex: makeWatchIndex() }

/**
 * A JSON-RPC pass-through to the devnet that answers 503 to any `eth_getLogs` starting above `failAbove` and to
 * any request for the header of block `failHeader`.
 */
const startFlakyProxy = async (upstream: string) => {
  const state = { failAbove: null as bigint | null, failHeader: null as bigint | null }
  const server: Server = createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const parsed = JSON.parse(body.toString("utf8")) as unknown
    const calls = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{
      method: string
      params: Array<{ fromBlock?: string } | string>
    }>
    const { failAbove, failHeader } = state
    if (
      (failAbove !== null &&
        calls.some(
          (c) =>
            c.method === "eth_getLogs" &&
            BigInt((c.params[0] as { fromBlock: string }).fromBlock) > failAbove,
        )) ||
      (failHeader !== null &&
        calls.some(
          (c) => c.method === "eth_getBlockByNumber" && c.params[0] === `0x${failHeader.toString(16)}`,
        ))
    ) {
      res.writeHead(503).end("unavailable")
      return
    }
    const reply = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    })
    res.writeHead(reply.status, { "content-type": "application/json" }).end(await reply.text())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe("watcher cycle: no payment falls between the watch set and the head", () => {
  let devnet: Devnet
  let database: Database
  let s: PgStores
  let network: NetworkConfig
  let scanner: ChainScanner
  let merchantId = ""
  let seq = 0

  beforeAll(async () => {
    devnet = await startDevnet()
    database = await makeTestDatabase()
    s = makeStores(database.db)
    network = evmNetwork("devnet", { rpcUrls: [devnet.rpcUrl] })
    scanner = await Effect.runPromise(makeEvmScanner(network))
    const merchant = await Effect.runPromise(
      s.merchants.createMerchant({
        id: "mer_window",
        name: "Window",
        webhookUrl: null,
        webhookSecret: "whsec_test",
        payoutKeys: { evm: "xpub-evm" },
        networks: { live: [], test: ["devnet"] },
      }),
    )
    merchantId = merchant.id
  })
  afterAll(async () => {
    await database?.close()
    await devnet?.stop()
  })

  /** A checkout on the devnet with a fresh deposit address. */
  const createCheckout = async () => {
    const index = await Effect.runPromise(s.checkouts.allocateDerivationIndex(merchantId))
    const address = Wallet.createRandom().address
    const now = new Date()
    const r = await Effect.runPromise(
      s.checkouts.createCheckout(
        {
          id: `chk_test_window${String(++seq).padStart(15, "0")}`,
          merchantId,
          mode: "test",
          amountCents: 2500n,
          description: null,
          metadataJson: null,
          customerEmail: null,
          redirectUrl: null,
          webhookUrl: null,
          networks: ["devnet"],
          targets: {
            derivationIndex: index,
            entries: [{ family: "evm", address, memo: null, lookup: address.toLowerCase() }],
          },
          expiresAt: new Date(now.getTime() + 3_600_000),
          createdAt: now,
        },
        null,
      ),
    )
    if (r._tag !== "Created") throw new Error("checkout not created")
    return { id: r.checkout.id, address }
  }

  const cycle = (store: PgStores["checkouts"], using: ChainScanner = scanner, opts = OPTS) =>
    Effect.runPromise(
      watcherCycle(using, opts).pipe(
        // The watcher asks for these two ports of the store, not the whole CheckoutStore.
        Effect.provideService(PaymentLedger, store),
        Effect.provideService(WatchTargets, store),
        Effect.provideService(Leases, s.leases),
      ),
    )

  it("a checkout created and paid just after the targets were loaded is recorded by the next cycle", async () => {
    await cycle(s.checkouts) // the cursor starts at the head
    let paid: { id: string; address: string; block: bigint | null } | null = null
    // The store answers the target load, then — before the cycle goes on — a shopper creates a checkout and
    // pays it into a new block: exactly the window between the load and the scan's read of the head.
    const racing: PgStores["checkouts"] = {
      ...s.checkouts,
      watchTargets: (q) =>
        Effect.tap(s.checkouts.watchTargets(q), () =>
          paid !== null
            ? Effect.void
            : Effect.promise(async () => {
                const c = await createCheckout()
                const tx = await payTo({
                  rpcUrl: devnet.rpcUrl,
                  token: devnet.tokens.USDT,
                  to: c.address,
                  amount: 25_000_000n,
                })
                paid = { ...c, block: tx.blockNumber }
              }),
        ),
    }
    const first = await cycle(racing)
    expect(paid).not.toBeNull()
    expect(first.error).toBeNull()
    const second = await cycle(s.checkouts)
    // Both cycles together scanned past the payment's block…
    expect(second.scan!.scannedTo).toBeGreaterThanOrEqual(paid!.block!)
    // …and it was matched to its checkout, not left unmatched or unseen.
    const checkout = await Effect.runPromise(
      s.checkouts.getCheckout({ id: paid!.id, merchantId, mode: "test", now: new Date() }),
    )
    expect(checkout.status).toBe("processing")
    expect(checkout.payments.map((p) => [p.amount, p.blockNumber])).toEqual([[25_000_000n, paid!.block]])
  })

  it("a scan whose later range fails commits the earlier range's payment and cursor, then reports the error", async () => {
    const proxy = await startFlakyProxy(devnet.rpcUrl)
    try {
      // One block per range; one attempt per request, so a fault is not retried away.
      const flaky = await Effect.runPromise(
        makeEvmScanner(evmNetwork("devnet", { rpcUrls: [proxy.url] }), {
          initialBlockRange: 1,
          growAfterSuccesses: 1_000,
          maxAttempts: 1,
          baseDelayMs: 1,
        }),
      )
      await cycle(s.checkouts, flaky) // the cursor at the head
      const c = await createCheckout()
      const tx = await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: c.address,
        amount: 25_000_000n,
      })
      await devnet.mine(1) // a later block, short of the 3 confirmations
      // The ranges up to the payment's block are answered; every later one fails.
      proxy.state.failAbove = tx.blockNumber
      const partial = await cycle(s.checkouts, flaky)
      expect(partial.error).toMatch(/scan stopped at block .*HTTP 503/)
      expect(partial.scan!.scannedTo).toBe(tx.blockNumber)
      expect(partial.scan!.caughtUp).toBe(false)
      // Committed before the fault cleared: the payment and the cursor covering exactly its block.
      const read = await Effect.runPromise(
        s.checkouts.getCheckout({ id: c.id, merchantId, mode: "test", now: new Date() }),
      )
      expect(read.status).toBe("processing")
      expect(read.payments.map((p) => p.txHash)).toEqual([tx.txHash.toLowerCase()])
      expect(await Effect.runPromise(s.checkouts.getCursor(network.id))).toBe(partial.scan!.cursor)
      // The fault clears: the rest is read, nothing twice.
      proxy.state.failAbove = null
      const rest = await cycle(s.checkouts, flaky)
      expect(rest.error).toBeNull()
      expect(rest.scan!.caughtUp).toBe(true)
      const after = await Effect.runPromise(
        s.checkouts.getCheckout({ id: c.id, merchantId, mode: "test", now: new Date() }),
      )
      expect(after.payments).toHaveLength(1)
    } finally {
      await proxy.close()
    }
  })

  it("a failing recheck does not hold the scan back: a new payment is still recorded", async () => {
    const proxy = await startFlakyProxy(devnet.rpcUrl)
    try {
      const flaky = await Effect.runPromise(
        makeEvmScanner(evmNetwork("devnet", { rpcUrls: [proxy.url] }), { maxAttempts: 1, baseDelayMs: 1 }),
      )
      await cycle(s.checkouts, flaky)
      const first = await createCheckout()
      const tx1 = await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: first.address,
        amount: 25_000_000n,
      })
      await devnet.mine(1)
      await cycle(s.checkouts, flaky) // recorded, waiting for confirmations
      // Re-checking it needs its block's header, which the provider now refuses.
      proxy.state.failHeader = tx1.blockNumber
      const second = await createCheckout()
      await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: second.address,
        amount: 25_000_000n,
      })
      const r = await cycle(s.checkouts, flaky)
      expect(r.error).toMatch(/^recheck: .*HTTP 503/)
      const read = await Effect.runPromise(
        s.checkouts.getCheckout({ id: second.id, merchantId, mode: "test", now: new Date() }),
      )
      expect(read.status).toBe("processing")
      proxy.state.failHeader = null
    } finally {
      await proxy.close()
    }
  })

  /** The store, recording the cursor each target read starts from (null: a whole read). */
  const recording = () => {
    const reads: Array<string | null> = []
    const store: PgStores["checkouts"] = {
      ...s.checkouts,
      watchTargets: (q) => {
        reads.push(q.after)
        return s.checkouts.watchTargets(q)
      },
    }
    return { store, reads }
  }
  const statusOf = async (id: string) =>
    (await Effect.runPromise(s.checkouts.getCheckout({ id, merchantId, mode: "test", now: new Date() })))
      .status

  it("a worker taking the lease over applies a whole read larger than one step, and records a payment to its last target", async () => {
    await Effect.runPromise(s.leases.release(`watcher:${network.id}`, OPTS.holder))
    const c = await createCheckout()
    // The whole read brings 45 000 more targets before the real ones: the set is applied in several steps.
    const filler = Array.from({ length: 45_000 }, (_, i) => ({
      key: `0x${"e".repeat(8)}${i.toString(16).padStart(32, "0")}`,
      merchantId: "",
      expiresAtMs: Date.now() + 3_600_000,
    }))
    const store: PgStores["checkouts"] = {
      ...s.checkouts,
      watchTargets: (q) =>
        Effect.map(s.checkouts.watchTargets(q), (d) =>
          q.after === null ? { ...d, added: [...filler, ...d.added] } : d,
        ),
    }
    const taker = { ...OPTS, holder: "worker-d", watchIndex: makeWatchIndex() }
    try {
      expect((await cycle(store, scanner, taker)).held).toBe(true)
      expect(taker.watchIndex.size()).toBeGreaterThan(45_000)
      await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT, to: c.address, amount: 25_000_000n })
      expect((await cycle(store, scanner, taker)).held).toBe(true)
      expect(await statusOf(c.id)).toBe("processing")
    } finally {
      await Effect.runPromise(s.leases.release(`watcher:${network.id}`, taker.holder))
    }
  })

  it("a whole read that fails after some of its pages were applied leaves no half-read set: the next read is whole", async () => {
    await Effect.runPromise(s.leases.release(`watcher:${network.id}`, OPTS.holder))
    const reads: Array<string | null> = []
    let fail = true
    const store: PgStores["checkouts"] = {
      ...s.checkouts,
      watchTargets: (q) => {
        reads.push(q.after)
        if (!fail || q.after !== null) return s.checkouts.watchTargets(q)
        q.onPage?.([{ key: `0x${"ab".repeat(20)}`, merchantId: "", expiresAtMs: Date.now() + 3_600_000 }])
        return Effect.fail(new StoreError({ message: "connection lost mid-read" }))
      },
    }
    const w = { ...OPTS, holder: "worker-e", watchIndex: makeWatchIndex() }
    try {
      // The cycle fails (runWatcher reports it and backs off); the page it applied is forgotten.
      await expect(cycle(store, scanner, w)).rejects.toThrow(/connection lost/)
      expect(w.watchIndex.size()).toBe(0)
      fail = false
      const c = await createCheckout()
      await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT, to: c.address, amount: 25_000_000n })
      await cycle(store, scanner, w)
      expect(reads).toEqual([null, null])
      expect(await statusOf(c.id)).toBe("processing")
    } finally {
      await Effect.runPromise(s.leases.release(`watcher:${network.id}`, w.holder))
    }
  })

  it("a checkout created between two cycles and paid in the next block is seen by a cycle that reads only what is new", async () => {
    const { store, reads } = recording()
    await cycle(store)
    const c = await createCheckout()
    await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT, to: c.address, amount: 25_000_000n })
    await cycle(store)
    expect(reads.at(-1)).not.toBeNull() // read from the cursor, not whole
    expect(await statusOf(c.id)).toBe("processing")
  })

  it("a worker restarted, or given the lease back after another held it, misses no checkout created meanwhile", async () => {
    const a = { ...OPTS, holder: "worker-a", leaseMs: 1, watchIndex: makeWatchIndex() }
    const b = { ...OPTS, holder: "worker-b", leaseMs: 1, watchIndex: makeWatchIndex() }
    const tick = () => new Promise((r) => setTimeout(r, 5))
    await Effect.runPromise(s.leases.release(`watcher:${network.id}`, OPTS.holder))
    expect((await cycle(s.checkouts, scanner, a)).held).toBe(true)
    await tick()
    // B takes over (A's 1 ms lease ran out) and watches a while; a checkout is created under B's watch…
    expect((await cycle(s.checkouts, scanner, b)).held).toBe(true)
    const created = await createCheckout()
    expect((await cycle(s.checkouts, scanner, b)).held).toBe(true)
    await tick()
    // …and paid after A took the lease back: A's set, loaded before the checkout existed, must hold it.
    expect((await cycle(s.checkouts, scanner, a)).held).toBe(true)
    await payTo({
      rpcUrl: devnet.rpcUrl,
      token: devnet.tokens.USDT,
      to: created.address,
      amount: 25_000_000n,
    })
    expect((await cycle(s.checkouts, scanner, a)).held).toBe(true)
    expect(await statusOf(created.id)).toBe("processing")
    // A worker that lost the lease forgets its set; one restarted starts with none: both read whole.
    await tick()
    const held = await cycle(s.checkouts, scanner, { ...b, leaseMs: 30_000 })
    expect(held.held).toBe(true)
    expect(a.watchIndex.size()).toBeGreaterThan(0)
    const lost = await cycle(s.checkouts, scanner, a)
    expect(lost.held).toBe(false)
    expect(a.watchIndex.size()).toBe(0)
    await Effect.runPromise(s.leases.release(`watcher:${network.id}`, b.holder))
    const late = await createCheckout()
    const { store, reads } = recording()
    await tick()
    const restarted = { ...OPTS, holder: "worker-c", watchIndex: makeWatchIndex() }
    await cycle(store, scanner, restarted)
    await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT, to: late.address, amount: 25_000_000n })
    await cycle(store, scanner, restarted)
    expect(reads[0]).toBeNull()
    expect(reads[1]).not.toBeNull()
    expect(await statusOf(late.id)).toBe("processing")
  })
})
