/**
 * Inzi's payment logic inside your own service, without Inzi's server, worker or database:
 *
 *   @inzi/core         no I/O; decides: ids, tolerance, the checkout state machine, watch sets
 *   @inzi/adapter-evm  derives deposit addresses from the merchant's xpub; scans the chain into core events
 *   you                store checkouts and the scanner cursor, run the loop, react to status changes
 *
 * The chain is the local devnet of @inzi/devnet (a real Hardhat node with test USDT/USDC), started here.
 * Storage is a Map: in a real service, persist each checkout's state and the cursor in one transaction.
 */
import { EvmAddressDeriver, type EvmScanner, evmNetwork, makeEvmScanner } from "@inzi/adapter-evm"
import {
  acceptedUnits,
  type ChainEvent,
  type CheckoutState,
  type CheckoutStatus,
  evmTransferUri,
  formatCents,
  formatUnits,
  Ids,
  makeWatchSet,
  newCheckoutId,
  type PendingPayment,
  transition,
  type WebhookEventType,
} from "@inzi/core"
import { type Devnet, payTo, startDevnet } from "@inzi/devnet"
import { Effect, Either } from "effect"

/**
 * The merchant's account-level extended PUBLIC key (`m/44'/60'/0'` of the public BIP-39 test mnemonic
 * "abandon … about"): all a service needs to derive deposit addresses. No private key is ever involved.
 */
export const MERCHANT_XPUB =
  "xpub6DCoCpSuQZB2jawqnGMEPS63ePKWkwWPH4TU45Q7LPXWuNd8TMtVxRrgjtEshuqpK3mdhaWHPFsBngh5GFZaM6si3yZdUsT8ddYM3PwnATt"

/** One checkout as this example stores it. */
export interface StoredCheckout {
  readonly id: string
  readonly address: string
  state: CheckoutState
}

/** A status change, with the webhook event types core says to send for it. */
export interface StatusChange {
  readonly checkoutId: string
  readonly from: CheckoutStatus
  readonly to: CheckoutStatus
  readonly emit: ReadonlyArray<WebhookEventType>
  /** The payment that caused it: token, amount (base units), transaction. */
  readonly cause: string
}

export interface RunOptions {
  /** Where progress lines go (default: nowhere). */
  readonly log?: (line: string) => void
  /** The devnet mines a block every this many ms (plus one per transaction). Default 250. */
  readonly blockTimeMs?: number
  /** Give up waiting for a status after this long. Default 60 s. */
  readonly timeoutMs?: number
}

export interface RunResult {
  readonly checkout: StoredCheckout
  readonly changes: ReadonlyArray<StatusChange>
  readonly rpcCalls: number
}

const run = <A, E>(eff: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(eff)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The watcher of one network: scan new blocks, match transfers against the open deposit addresses, feed the
 * events through core's `transition`, recheck payments waiting for confirmations.
 */
export const makeWatcher = (scanner: EvmScanner, checkouts: Map<string, StoredCheckout>) => {
  // Opaque: store it with the state changes it produced, and start from it after a restart.
  let cursor: string | null = null
  const changes: Array<StatusChange> = []
  const required = scanner.network.confirmations

  const apply = (e: ChainEvent, now: Date) => {
    if (e._tag === "UnmatchedTransfer") return
    const owner = [...checkouts.values()].find((c) =>
      e._tag === "PaymentObserved"
        ? e.target.kind === "address" && e.target.address === c.address
        : c.state.payments.some(
            (p) => p.network === e.network && p.txHash === e.txHash && p.logIndex === e.logIndex,
          ),
    )
    if (owner === undefined) return
    const r = transition(owner.state, e, now, { requiredConfirmations: required })
    // A refusal (e.g. a confirmation for a payment we never stored) is a bug to log, not a crash.
    if (Either.isLeft(r)) throw new Error(`transition refused: ${r.left.message}`)
    const { state, emit, changed, payment } = r.right
    if (!changed) return // a replayed event: nothing to write
    const from = owner.state.status
    owner.state = state
    if (state.status !== from || emit.length > 0) {
      const cause =
        payment === null
          ? "expiry"
          : `${formatUnits(payment.amount, payment.decimals)} ${payment.token} in ${payment.txHash.slice(0, 10)}… (${payment.status})`
      changes.push({ checkoutId: owner.id, from, to: state.status, emit, cause })
    }
  }

  /** One round, as a worker would run it every `pollIntervalMs`. */
  const tick = async (now: Date) => {
    const open = [...checkouts.values()].filter((c) => c.state.status !== "completed")
    const watch = makeWatchSet({ addresses: open.map((c) => c.address), memos: [] })
    for (;;) {
      const r = await run(scanner.scan({ cursor, watch, now }))
      for (const e of r.events) apply(e, now)
      cursor = r.cursor
      if (r.caughtUp) break
    }
    const pending: Array<PendingPayment> = []
    for (const c of checkouts.values())
      for (const p of c.state.payments)
        if (p.status === "detected")
          pending.push({
            network: p.network,
            txHash: p.txHash,
            logIndex: p.logIndex,
            blockNumber: p.blockNumber,
            blockHash: p.blockHash,
            confirmations: p.confirmations,
          })
    if (pending.length > 0) for (const e of await run(scanner.recheck(pending, now))) apply(e, now)
  }

  return { tick, changes, cursor: () => cursor }
}

/**
 * The whole example: a 25.00 USD checkout on the devnet, paid 10 USDT (→ processing → underpaid), then topped
 * up with 14.80 USDC (→ processing → completed: 24.80 ≥ the accepted 24.75, tolerance 1%).
 */
export const runEmbedExample = async (opts: RunOptions = {}): Promise<RunResult> => {
  const log = opts.log ?? (() => {})
  const timeoutMs = opts.timeoutMs ?? 60_000
  const devnet: Devnet = await startDevnet({ blockTimeMs: opts.blockTimeMs ?? 250 })
  try {
    log(`devnet: ${devnet.rpcUrl} (chain ${devnet.chainId})`)
    // The preset with our RPC URL; for a real chain: evmNetwork("base", { rpcUrls: ["https://…/KEY"] }).
    const network = evmNetwork("devnet", { rpcUrls: [devnet.rpcUrl], pollIntervalMs: 200 })
    const scanner = await run(makeEvmScanner(network))
    await run(scanner.verify()) // chain id and every token's decimals(): refuse to start on a mismatch

    // Create a checkout: an id, the next derivation index of the merchant, the address at m/44'/60'/0'/0/<i>.
    const id = await run(newCheckoutId("test").pipe(Effect.provide(Ids.Live)))
    const index = 0n // never reuse an index: take it from a database sequence
    const address = await run(EvmAddressDeriver.derive(MERCHANT_XPUB, index))
    const amountCents = 2500n
    const checkout: StoredCheckout = {
      id,
      address,
      state: { status: "pending", amountCents, expiresAt: new Date(Date.now() + 30 * 60_000), payments: [] },
    }
    const checkouts = new Map([[id, checkout]])
    const usdt = network.tokens.find((t) => t.symbol === "USDT")!
    const usdc = network.tokens.find((t) => t.symbol === "USDC")!
    log(`checkout ${id}: ${formatCents(amountCents)} USD at ${address} (index ${index})`)
    log(
      `  accepted from ${formatUnits(acceptedUnits(amountCents, usdt.decimals), usdt.decimals)} (tolerance)`,
    )
    log(
      `  pay link: ${evmTransferUri({ token: usdt.contract, chainId: network.chainId!, to: address, units: 25_000_000n })}`,
    )

    const watcher = makeWatcher(scanner, checkouts)
    await watcher.tick(new Date()) // the first scan puts the cursor at the head
    let shown = 0
    const waitFor = async (status: CheckoutStatus) => {
      const deadline = Date.now() + timeoutMs
      while (checkout.state.status !== status) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${status} (is ${checkout.state.status})`)
        await sleep(network.pollIntervalMs)
        await watcher.tick(new Date())
        for (const c of watcher.changes.slice(shown))
          log(`  ${c.from} → ${c.to}${c.emit.length ? ` [${c.emit.join(", ")}]` : ""}: ${c.cause}`)
        shown = watcher.changes.length
      }
    }

    log("customer pays 10 USDT")
    await payTo({ rpcUrl: devnet.rpcUrl, token: usdt.contract, to: address, amount: 10_000_000n })
    await waitFor("underpaid")
    log("customer tops up 14.80 USDC")
    await payTo({ rpcUrl: devnet.rpcUrl, token: usdc.contract, to: address, amount: 14_800_000n })
    await waitFor("completed")
    log(`final status: ${checkout.state.status} (${scanner.stats().rpcCalls} RPC calls)`)
    return { checkout, changes: watcher.changes, rpcCalls: scanner.stats().rpcCalls }
  } finally {
    await devnet.stop()
  }
}
