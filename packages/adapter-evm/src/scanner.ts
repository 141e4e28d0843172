import {
  type ChainEvent,
  ChainError,
  type ChainScanner,
  type ChainScannerFactory,
  type NetworkConfig,
  type PaymentObserved,
  type PendingPayment,
  type ScanResult,
  loadWatch,
  type TokenConfig,
  type WatchSet,
} from "@inzi/core"
import { Effect } from "effect"
import { CURSOR_CHECKPOINTS, decodeCursor, type EvmCursor, encodeCursor } from "./cursor.js"
import {
  type EvmRpc,
  type EvmRpcOptions,
  type EvmRpcStats,
  makeEvmRpc,
  RangeTooLarge,
  type RpcCall,
} from "./rpc.js"
import { parseQuantity, parseTransferLogs, TRANSFER_TOPIC, type TransferLog } from "./transfer-log.js"

/** Scanner settings on top of the transport's. All optional. */
export interface EvmScannerOptions extends EvmRpcOptions {
  /** Block range of the first `eth_getLogs` (default: the network's `maxBlockRange`, else 1 000). */
  readonly initialBlockRange?: number | undefined
  /** Successful ranges in a row after which the range doubles again, up to `maxBlockRange` (default 2). */
  readonly growAfterSuccesses?: number | undefined
  /** Ranges fetched per `scan` call before returning (`caughtUp: false`) so progress is persisted (default 20). */
  readonly maxRangesPerScan?: number | undefined
  /**
   * Confirmed payments are re-checked for a reorganisation deeper than the confirmations until they are this
   * many blocks deep, or at or below the `finalityTag` block (default: `confirmations` + 64).
   */
  readonly deepReorgDepth?: number | undefined
  /** How long after its confirmation the worker hands a payment back to `recheck` (default one hour). */
  readonly deepReorgWindowMs?: number | undefined
}

export interface EvmScannerStats extends EvmRpcStats {
  /** Times a range was halved after a "range too large / too many results" reply. */
  readonly rangeReductions: number
  /** Current adaptive block range. */
  readonly blockRange: number
  /** Reorgs detected by the cursor's checkpoints. */
  readonly reorgs: number
}

export interface EvmScanner extends ChainScanner {
  readonly stats: () => EvmScannerStats
}

const hex = (n: bigint | number): string => `0x${BigInt(n).toString(16)}`
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** Maps tokens by lower-case contract: only these contracts count (a look-alike "USDT" never does). */
const tokensByContract = (network: NetworkConfig): ReadonlyMap<string, TokenConfig> =>
  new Map(network.tokens.map((t) => [t.contract.toLowerCase(), t]))

/**
 * Turns parsed Transfer logs into `PaymentObserved` events: configured token contracts only, recipients known
 * to `watch` only (one in-memory lookup per transfer), removed logs never.
 */
export const matchTransfers = (input: {
  readonly network: NetworkConfig
  readonly logs: ReadonlyArray<TransferLog>
  readonly watch: Pick<WatchSet, "hasAddress">
  readonly head: bigint
  readonly now: Date
}): ReadonlyArray<PaymentObserved> => {
  const tokens = tokensByContract(input.network)
  const out: Array<PaymentObserved> = []
  for (const log of input.logs) {
    if (log.removed) continue
    const token = tokens.get(log.contract)
    if (token === undefined) continue
    if (!input.watch.hasAddress(log.to)) continue
    const depth = input.head - log.blockNumber + 1n
    out.push({
      _tag: "PaymentObserved",
      network: input.network.id,
      txHash: log.txHash,
      logIndex: log.logIndex,
      target: { kind: "address", address: log.to },
      token: token.symbol,
      tokenContract: log.contract,
      decimals: token.decimals,
      amount: log.amount,
      sender: log.from,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      confirmations: depth < 1n ? 1 : Number(depth),
      observedAt: input.now,
    })
  }
  return out
}

/**
 * Builds the scanner of one EVM network. Per block range it makes one `eth_getLogs` for the Transfer topic
 * of the configured contracts (batched with the range's last header, kept as a reorg checkpoint), whatever the
 * number of watched addresses.
 *
 * @example
 * const scanner = yield* makeEvmScanner(evmNetwork("base", { rpcUrls: [url] }))
 * yield* scanner.verify()
 * const { events, cursor } = yield* scanner.scan({ cursor: saved, watch, now: new Date() })
 */
export const makeEvmScanner = (
  network: NetworkConfig,
  options: EvmScannerOptions = {},
): Effect.Effect<EvmScanner, ChainError> =>
  Effect.suspend(() => {
    const invalid = (message: string) =>
      Effect.fail(new ChainError({ network: network.id, message, retryable: false }))
    if (network.family !== "evm") return invalid(`network ${network.id} is not an EVM network`)
    if (network.rpcUrls.length === 0) return invalid(`network ${network.id} has no RPC URL`)
    if (network.tokens.length === 0) return invalid(`network ${network.id} has no token`)
    if (network.startBlock !== undefined && !/^[0-9]+$/.test(network.startBlock)) {
      return invalid(`network ${network.id}: startBlock must be a block number, got ${network.startBlock}`)
    }
    for (const t of network.tokens) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(t.contract))
        return invalid(`token ${t.symbol}: bad contract ${t.contract}`)
    }
    const rpc = makeEvmRpc({
      network: network.id,
      urls: network.rpcUrls,
      headers: network.headers,
      options,
    })
    return Effect.succeed(scannerWith(network, rpc, options))
  })

const scannerWith = (network: NetworkConfig, rpc: EvmRpc, options: EvmScannerOptions): EvmScanner => {
  const maxRange = Math.max(1, network.maxBlockRange ?? 10_000)
  const growAfter = Math.max(1, options.growAfterSuccesses ?? 2)
  const maxRangesPerScan = Math.max(1, options.maxRangesPerScan ?? 20)
  const contracts = network.tokens.map((t) => t.contract.toLowerCase())
  let range = Math.min(maxRange, Math.max(1, options.initialBlockRange ?? network.maxBlockRange ?? 1_000))
  let successes = 0
  let rangeReductions = 0
  let reorgs = 0
  // Lowest height of a payment `recheck` found reorganised away: the next scan rescans from there, so a
  // transaction mined again with the same (txHash, logIndex) is observed again after its PaymentReverted.
  let rescanFrom: bigint | null = null
  // The hint the last scan used, the cursor it started from and the one it returned: spent only once a scan
  // starts from the returned cursor, and that cursor differs from the start (else a failed commit looks the
  // same). A scan that starts elsewhere (the commit failed, the lease moved) takes the hint again.
  let usedHint: { readonly from: bigint; readonly start: string | null; readonly cursor: string } | null =
    null
  const deepReorgDepth = BigInt(Math.max(1, options.deepReorgDepth ?? network.confirmations + 64))
  // The last head and finalized block seen: confirmed payments deeper than the window cost no request.
  let lastHead: bigint | null = null
  let lastFinalized: bigint | null = null

  const fail = (message: string, retryable = true) =>
    new ChainError({ network: network.id, message, retryable })

  const getBlock = (tag: bigint | string): RpcCall => ({
    method: "eth_getBlockByNumber",
    params: [typeof tag === "bigint" ? hex(tag) : tag, false],
  })
  const blockHashOf = (result: unknown): string | null =>
    isRecord(result) && typeof result.hash === "string" ? result.hash.toLowerCase() : null
  const blockNumberOf = (result: unknown): bigint | null =>
    isRecord(result) ? parseQuantity(result.number) : null

  /** One range: logs of the configured contracts + the header of its last block, in one request. */
  const fetchRange = (from: bigint, to: bigint) =>
    Effect.gen(function* () {
      const [logsOut, blockOut] = yield* rpc.batch([
        {
          method: "eth_getLogs",
          params: [{ fromBlock: hex(from), toBlock: hex(to), address: contracts, topics: [TRANSFER_TOPIC] }],
        },
        getBlock(to),
      ])
      if (!logsOut!.ok) {
        if (logsOut!.kind === "range")
          return yield* Effect.fail(new RangeTooLarge({ message: logsOut!.message }))
        return yield* Effect.fail(
          fail(`eth_getLogs ${from}-${to}: ${logsOut!.message}`, logsOut!.kind !== "fatal"),
        )
      }
      if (!Array.isArray(logsOut!.result))
        return yield* Effect.fail(fail(`eth_getLogs ${from}-${to}: not a list`))
      const hash = blockOut!.ok ? blockHashOf(blockOut!.result) : null
      if (hash === null) return yield* Effect.fail(fail(`block ${to} not available from the node yet`))
      const logs = parseTransferLogs(logsOut!.result)
      // The two answers must describe the same chain; if not, a reorg is under way: try again later.
      if (logs.some((l) => l.blockNumber === to && l.blockHash !== hash)) {
        return yield* Effect.fail(fail(`block ${to} changed between two reads (reorg in progress)`))
      }
      return { logs, hash }
    })

  /** After a reorg: the newest checkpoint still canonical, or a conservative rewind when none is. */
  const rewind = (recent: ReadonlyArray<readonly [bigint, string]>, base: bigint) =>
    Effect.gen(function* () {
      const outs = yield* rpc.batch(recent.map(([n]) => getBlock(n)))
      for (let i = recent.length - 1; i >= 0; i--) {
        const o = outs[i]!
        if (o.ok && blockHashOf(o.result) === recent[i]![1]) {
          return { next: recent[i]![0] + 1n, base, recent: recent.slice(0, i + 1) }
        }
      }
      // Deeper than every checkpoint: rescan from the start of the oldest range we remember.
      return { next: base, base, recent: [] as ReadonlyArray<readonly [bigint, string]> }
    })

  const scan: ChainScanner["scan"] = ({ cursor, watch: source, now }) =>
    Effect.gen(function* () {
      let state: EvmCursor | null = null
      if (cursor !== null) {
        state = decodeCursor(cursor)
        if (state === null)
          return yield* Effect.fail(fail(`unreadable cursor: ${cursor.slice(0, 80)}`, false))
      }
      const last = state?.recent.at(-1)
      const first = yield* rpc.batch([
        { method: "eth_blockNumber", params: [] },
        ...(last !== undefined ? [getBlock(last[0])] : []),
      ])
      const head = first[0]!.ok ? parseQuantity(first[0]!.result) : null
      if (head === null) return yield* Effect.fail(fail("eth_blockNumber: no head"))
      lastHead = head
      // Only now, with the head fixed: a checkout created after this load is paid in a block above `head`.
      const watch = yield* loadWatch(source)

      let next: bigint
      let base: bigint
      let recent: Array<readonly [bigint, string]>
      if (state === null) {
        next = network.startBlock !== undefined ? BigInt(network.startBlock) : head
        base = next
        recent = []
      } else {
        next = state.next
        base = state.base
        recent = [...state.recent]
        if (last !== undefined) {
          const tip = first[1]!
          const canonical = tip.ok ? blockHashOf(tip.result) : null
          if (canonical !== last[1]) {
            reorgs++
            const r = yield* rewind(recent, base)
            yield* Effect.logWarning(
              `${network.id}: reorg at or below block ${last[0]}, rescanning from ${r.next}`,
            )
            next = r.next
            recent = [...r.recent]
          }
        }
      }

      if (usedHint !== null) {
        const u = usedHint
        usedHint = null
        const spent = cursor === u.cursor && u.cursor !== u.start
        if (!spent && (rescanFrom === null || u.from < rescanFrom)) rescanFrom = u.from
      }
      // Cleared only when this scan returns, so a failed scan keeps the hint for the next one.
      const hint = rescanFrom
      if (hint !== null) {
        const from = hint
        if (from < next) {
          next = from
          recent = recent.filter(([n]) => n < from)
          if (recent.length === 0) base = from
        }
      }

      const events: Array<ChainEvent> = []
      let ranges = 0
      let stopped: ChainError | undefined
      while (next <= head && ranges < maxRangesPerScan) {
        const span = BigInt(range)
        const to = next + span - 1n < head ? next + span - 1n : head
        const result = yield* Effect.either(fetchRange(next, to))
        if (result._tag === "Left") {
          const e = result.left
          if (e._tag === "RangeTooLarge" && range > 1) {
            range = Math.max(1, Math.floor(range / 2))
            successes = 0
            rangeReductions++
            continue
          }
          const error =
            e._tag === "RangeTooLarge" ? fail(`eth_getLogs of one block refused: ${e.message}`) : e
          if (ranges > 0) {
            // Keep what we have: the caller persists it, backs off and the next scan retries from there.
            stopped = fail(`scan stopped at block ${next}: ${error.message}`, error.retryable)
            break
          }
          return yield* Effect.fail(error)
        }
        events.push(...matchTransfers({ network, logs: result.right.logs, watch, head, now }))
        if (recent.length === 0) base = next
        recent.push([to, result.right.hash])
        while (recent.length > CURSOR_CHECKPOINTS) base = recent.shift()![0] + 1n
        next = to + 1n
        ranges++
        successes++
        if (successes >= growAfter && range < maxRange) {
          range = Math.min(maxRange, range * 2)
          successes = 0
        }
      }
      const nextCursor = encodeCursor({ next, base, recent })
      if (hint !== null && rescanFrom === hint) {
        rescanFrom = null
        usedHint = { from: hint, start: cursor, cursor: nextCursor }
      }
      const out: ScanResult = {
        events,
        cursor: nextCursor,
        head,
        scannedTo: next - 1n,
        caughtUp: next > head,
        ...(stopped === undefined ? {} : { error: stopped }),
      }
      return out
    })

  /** A confirmed payment still young enough for a reorg deeper than the confirmations to matter. */
  const inDeepWindow = (blockNumber: bigint): boolean =>
    (lastHead === null || lastHead - blockNumber + 1n < deepReorgDepth) &&
    (lastFinalized === null || blockNumber > lastFinalized)

  const recheck: ChainScanner["recheck"] = (all, now) =>
    Effect.gen(function* () {
      const pending = all.filter((p) => p.confirmed !== true)
      // Confirmed payments: only their block hash is compared (no receipt, no confirmation event).
      const settled = all.filter(
        (p) =>
          p.confirmed === true &&
          p.blockNumber !== null &&
          p.blockHash !== null &&
          inDeepWindow(p.blockNumber),
      )
      if (pending.length === 0 && settled.length === 0) return []
      const tag =
        network.finalityTag !== undefined && network.finalityTag !== "latest" ? network.finalityTag : null
      const heights = [
        ...new Set([...pending, ...settled].flatMap((p) => (p.blockNumber === null ? [] : [p.blockNumber]))),
      ]
      const outs = yield* rpc.batch([
        { method: "eth_blockNumber", params: [] },
        ...(tag !== null ? [getBlock(tag)] : []),
        ...heights.map((h) => getBlock(h)),
      ])
      const head = outs[0]!.ok ? parseQuantity(outs[0]!.result) : null
      if (head === null) return yield* Effect.fail(fail("eth_blockNumber: no head"))
      const finalOut = tag !== null ? outs[1]! : null
      const finalized = finalOut?.ok ? blockNumberOf(finalOut.result) : null
      const offset = tag !== null ? 2 : 1
      const canonical = new Map<bigint, string | null>()
      const answered = new Set<bigint>()
      heights.forEach((h, i) => {
        const o = outs[offset + i]!
        canonical.set(h, o.ok ? blockHashOf(o.result) : null)
        if (o.ok) answered.add(h)
      })
      lastHead = head
      if (finalized !== null) lastFinalized = finalized

      const events: Array<ChainEvent> = []
      for (const p of settled) {
        const height = p.blockNumber!
        const now_ = canonical.get(height) ?? null
        // A failed call is no evidence: the payment is checked again next time.
        if (!answered.has(height) || now_ === p.blockHash!.toLowerCase()) continue
        rescanFrom = rescanFrom === null || height < rescanFrom ? height : rescanFrom
        events.push({
          _tag: "PaymentReverted",
          network: p.network,
          txHash: p.txHash,
          logIndex: p.logIndex,
          reason:
            now_ === null
              ? `block ${height} is no longer in the chain (reorg deeper than the confirmations)`
              : `block ${height} was replaced after confirmation (deep reorg): ${p.blockHash} → ${now_}`,
        })
      }
      const toConfirm: Array<{ readonly p: PendingPayment; readonly confirmations: number }> = []
      for (const p of pending) {
        const key = { network: p.network, txHash: p.txHash, logIndex: p.logIndex }
        if (p.blockNumber === null || p.blockHash === null) {
          // Not something this scanner emits; verify it through its receipt below.
          toConfirm.push({ p, confirmations: 0 })
          continue
        }
        const now_ = canonical.get(p.blockNumber) ?? null
        if (now_ !== p.blockHash.toLowerCase()) {
          rescanFrom = rescanFrom === null || p.blockNumber < rescanFrom ? p.blockNumber : rescanFrom
          events.push({
            _tag: "PaymentReverted",
            ...key,
            reason:
              now_ === null
                ? `block ${p.blockNumber} is no longer in the chain`
                : `block ${p.blockNumber} was replaced (reorg): ${p.blockHash} → ${now_}`,
          })
          continue
        }
        const depth = head - p.blockNumber + 1n
        const confirmations = depth < 0n ? 0 : Number(depth)
        const final =
          confirmations >= network.confirmations || (finalized !== null && p.blockNumber <= finalized)
        if (final) toConfirm.push({ p, confirmations })
        else if (confirmations !== p.confirmations) {
          events.push({ _tag: "PaymentConfirmationsUpdated", ...key, confirmations })
        }
      }

      if (toConfirm.length > 0) {
        const txs = [...new Set(toConfirm.map(({ p }) => p.txHash.toLowerCase()))]
        const receiptsOut = yield* rpc.batch(
          txs.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
        )
        const receipts = new Map<string, unknown>()
        txs.forEach((h, i) => {
          const o = receiptsOut[i]!
          if (!o.ok) return
          receipts.set(h, o.result)
        })
        const failed = txs.filter((_, i) => !receiptsOut[i]!.ok)
        if (failed.length > 0)
          return yield* Effect.fail(fail(`eth_getTransactionReceipt failed for ${failed[0]}`))
        for (const { p, confirmations } of toConfirm) {
          const key = { network: p.network, txHash: p.txHash, logIndex: p.logIndex }
          const verdict = checkReceipt(receipts.get(p.txHash.toLowerCase()), p)
          if (verdict !== null) {
            if (p.blockNumber !== null) {
              rescanFrom = rescanFrom === null || p.blockNumber < rescanFrom ? p.blockNumber : rescanFrom
            }
            events.push({ _tag: "PaymentReverted", ...key, reason: verdict })
            continue
          }
          if (p.blockNumber === null) {
            // Only confirmable by its receipt's block; leave it to the next recheck with a block number.
            continue
          }
          events.push({ _tag: "PaymentConfirmed", ...key, confirmations, confirmedAt: now })
        }
      }
      return events
    })

  /** Null when the receipt proves the pending payment; else why not. */
  const checkReceipt = (receipt: unknown, p: PendingPayment): string | null => {
    if (receipt === null || receipt === undefined) return "transaction receipt no longer exists (reorg)"
    if (!isRecord(receipt)) return "malformed receipt"
    if (receipt.status !== "0x1") return "transaction failed"
    const blockHash = typeof receipt.blockHash === "string" ? receipt.blockHash.toLowerCase() : null
    if (p.blockHash !== null && blockHash !== p.blockHash.toLowerCase()) {
      return `transaction moved to block ${String(receipt.blockHash)} (reorg)`
    }
    const logs = Array.isArray(receipt.logs) ? parseTransferLogs(receipt.logs) : []
    const log = logs.find((l) => l.logIndex === p.logIndex)
    if (log === undefined || !contracts.includes(log.contract))
      return `transfer log ${p.logIndex} not in the receipt`
    return null
  }

  const verify: ChainScanner["verify"] = () =>
    Effect.gen(function* () {
      const decimalsCall = "0x313ce567" // decimals()
      const outs = yield* rpc.batch([
        { method: "eth_chainId", params: [] },
        ...network.tokens.map((t) => ({
          method: "eth_call",
          params: [{ to: t.contract, data: decimalsCall }, "latest"],
        })),
      ])
      const chainId = outs[0]!.ok ? parseQuantity(outs[0]!.result) : null
      if (network.chainId !== undefined && chainId !== BigInt(network.chainId)) {
        return yield* Effect.fail(
          fail(
            `RPC serves chain id ${chainId ?? "?"}, network ${network.id} expects ${network.chainId}`,
            false,
          ),
        )
      }
      for (const [i, t] of network.tokens.entries()) {
        const o = outs[i + 1]!
        const value = o.ok && typeof o.result === "string" && o.result.length === 66 ? BigInt(o.result) : null
        if (value === null) {
          return yield* Effect.fail(
            fail(
              `${t.symbol} at ${t.contract}: decimals() gave no answer (no contract at this address?)`,
              false,
            ),
          )
        }
        if (value !== BigInt(t.decimals)) {
          return yield* Effect.fail(
            fail(
              `${t.symbol} at ${t.contract} has ${value} decimals on chain, configured ${t.decimals}`,
              false,
            ),
          )
        }
      }
    })

  return {
    network,
    verify,
    scan,
    recheck,
    deepReorgWindowMs: Math.max(0, options.deepReorgWindowMs ?? 3_600_000),
    stats: () => ({ ...rpc.stats(), rangeReductions, blockRange: range, reorgs }),
  }
}

/** `makeEvmScanner` with default options, as core's `ChainScannerFactory` (what the worker wires per family). */
export const evmScannerFactory: ChainScannerFactory = (network) => makeEvmScanner(network)
