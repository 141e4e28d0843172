import type { ChainError, ChainEvent, NetworkConfig, PaymentObserved, WatchSet } from "@inzi/core"
import { Effect, Exit } from "effect"
import { makeTronScanner, TRON_MAINNET, type TronScannerOptions } from "../src/index.js"

export const API_KEY = "test-api-key-0000"

/** The mainnet preset pointed at local fake nodes, with an API key header. */
export const testNetwork = (
  urls: ReadonlyArray<string>,
  over: Partial<NetworkConfig> = {},
): NetworkConfig => ({
  ...TRON_MAINNET,
  rpcUrls: urls,
  headers: { "TRON-PRO-API-KEY": API_KEY },
  ...over,
})

/** Fast back-off for tests (the Retry-After honouring is tested with real waits). */
export const FAST: TronScannerOptions = { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 5_000 }

export const scannerFor = (network: NetworkConfig, options: TronScannerOptions = FAST) =>
  makeTronScanner(network, options)

export const watchOf = (addresses: Iterable<string>): WatchSet => {
  const set = new Set(addresses)
  return { hasAddress: (a) => set.has(a), hasMemo: () => false, wallets: [] }
}

export const observed = (events: ReadonlyArray<ChainEvent>): Array<PaymentObserved> =>
  events.filter((e): e is PaymentObserved => e._tag === "PaymentObserved")

export const keyOf = (e: { readonly txHash: string; readonly logIndex: number }) =>
  `${e.txHash}:${e.logIndex}`

export { scanToHead } from "@inzi/conformance"

/** The ChainError an effect failed with (and proof it is a typed failure, not a defect). */
export const chainErrorOf = <A>(effect: Effect.Effect<A, ChainError>) =>
  Effect.map(Effect.exit(effect), (exit): ChainError => {
    if (Exit.isSuccess(exit)) throw new Error("expected a ChainError, got success")
    if (exit.cause._tag !== "Fail") throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
    return exit.cause.error
  })
