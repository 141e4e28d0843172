import { ChainError, loadWatch } from "@inzi/core"
import type {
  ChainEvent,
  ChainScanner,
  ChainScannerFactory,
  NetworkConfig,
  PaymentObserved,
  PendingPayment,
  ScanResult,
  TokenConfig,
  WatchSource,
} from "@inzi/core"
import { Effect, Either } from "effect"
import { normalizeTronAddress, tronAddressToHex } from "./address.js"
import { decodeCursor, encodeCursor } from "./cursor.js"
import type { TronCursor } from "./cursor.js"
import { makeTronHttp } from "./http.js"
import type { TronHttpOptions } from "./http.js"
import { infoBlockNumber, isEmptyInfo, transferAt, transfersOfInfo } from "./transactionInfo.js"
import type { TronTransfer } from "./transactionInfo.js"

/** Options of {@link makeTronScanner}; everything else comes from the `NetworkConfig`. */
export interface TronScannerOptions extends TronHttpOptions {
  /**
   * `"head"` (default): scan up to the head and see payments within one poll (≈ 3 s); a payment in a block that
   * a fork later drops is reverted by `recheck`. `"solidified"`: scan only solidified blocks
   * (`walletsolidity/*`): no fork can touch what was seen, at the price of ≈ 57 s more latency.
   */
  readonly scanFrom?: "head" | "solidified" | undefined
  /** Block requests in flight at once while catching up (default 1; keep it low on TronGrid's free tier). */
  readonly blockConcurrency?: number | undefined
}

/**
 * Blocks scanned again when a fork replaced the last scanned head: Tron solidifies a block after 19 of the 27
 * super representatives built on it, so no fork reaches deeper (the solid head bounds it further).
 */
export const FORK_REWIND = 20n

/** Default `maxBlockRange`: blocks fetched per `scan` call when catching up (one request per block). */
export const DEFAULT_MAX_BLOCK_RANGE = 20

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * A `ChainScanner` for TRC-20 tokens on Tron, built on java-tron's HTTP API (TronGrid or any full node):
 * one `wallet/getblock` for the head, then one `wallet/gettransactioninfobyblocknum` per block. The number of
 * requests depends on the number of blocks, never on how many deposit addresses are watched.
 *
 * Confirmation: with `finalityTag: "finalized"` a payment is confirmed once its block is solidified
 * (`walletsolidity/*`); otherwise once `head − block ≥ network.confirmations`.
 *
 * @example
 * const scanner = yield* makeTronScanner(withTronGridApiKey(TRON_MAINNET, key))
 * const { events, cursor } = yield* scanner.scan({ cursor: saved, watch, now: new Date() })
 */
export const makeTronScanner = (
  network: NetworkConfig,
  options?: TronScannerOptions,
): Effect.Effect<ChainScanner, ChainError> =>
  Effect.suspend(() => {
    const configError = (message: string) =>
      Effect.fail(
        new ChainError({
          network: network.id,
          message: `invalid Tron network config: ${message}`,
          retryable: false,
        }),
      )
    if (network.family !== "tron") return configError(`family is ${network.family}`)
    if (network.rpcUrls.length === 0) return configError("no rpcUrls")
    if (network.tokens.length === 0) return configError("no tokens")
    const tokens = new Map<string, TokenConfig>()
    for (const token of network.tokens) {
      const contract = normalizeTronAddress(token.contract)
      if (contract === null) return configError(`token ${token.symbol}: bad contract ${token.contract}`)
      tokens.set(contract, { ...token, contract })
    }
    if (network.startBlock !== undefined && !/^\d+$/.test(network.startBlock)) {
      return configError(`startBlock ${network.startBlock}`)
    }
    const contracts: ReadonlySet<string> = new Set(tokens.keys())
    const required = network.confirmations
    const solidified = network.finalityTag === "finalized"
    const maxRange = BigInt(Math.max(1, network.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE))
    const http = makeTronHttp({
      network: network.id,
      urls: network.rpcUrls,
      headers: network.headers,
      options,
    })
    const chainError = (message: string, retryable = true) =>
      new ChainError({ network: network.id, message, retryable })

    /** A block header: the head (no number) or block `num`, from `wallet` or `walletsolidity`. */
    const headerOf = (api: "wallet" | "walletsolidity", num?: bigint) =>
      Effect.flatMap(
        http.post(
          `${api}/getblock`,
          num === undefined ? { detail: false } : { id_or_num: num.toString(), detail: false },
        ),
        (block) => {
          const header = isRecord(block) ? block.block_header : undefined
          const raw = isRecord(header) ? header.raw_data : undefined
          const number = isRecord(raw) ? raw.number : undefined
          const id = isRecord(block) ? block.blockID : undefined
          const parentHash = isRecord(raw) ? raw.parentHash : undefined
          return typeof number === "number" &&
            Number.isSafeInteger(number) &&
            number >= 0 &&
            typeof id === "string"
            ? Effect.succeed({
                num: BigInt(number),
                id: id.toLowerCase(),
                parentHash: typeof parentHash === "string" ? parentHash.toLowerCase() : null,
              })
            : Effect.fail(
                chainError(`${api}/getblock${num === undefined ? "" : ` ${num}`}: unexpected block shape`),
              )
        },
      )
    const head = Effect.map(headerOf("wallet"), (h) => h.num)
    const solidHead = Effect.map(headerOf("walletsolidity"), (h) => h.num)
    const scanSolidified = options?.scanFrom === "solidified"
    const blockConcurrency = Math.max(1, options?.blockConcurrency ?? 1)

    const api = scanSolidified ? "walletsolidity" : "wallet"
    // Lowest height of a payment `recheck` reverted: the next scan rescans from there, so a transaction a fork
    // re-included at or below the cursor is observed again after its PaymentReverted.
    let rescanFrom: bigint | null = null
    // The hint the last scan used, the cursor it started from and the one it returned: spent only once a scan
    // starts from the returned cursor, and that cursor differs from the start (else a failed commit looks the
    // same). A scan that starts elsewhere (the commit failed, the lease moved) takes the hint again.
    let usedHint: { readonly from: bigint; readonly start: string | null; readonly cursor: string } | null =
      null

    /**
     * An empty answer means "an empty block" or "this node does not have that block yet" (a load-balanced
     * endpoint may send consecutive requests to nodes a block apart). Only the first is safe to skip: confirm
     * with the block itself, which costs a request only for empty answers (almost never on mainnet).
     */
    const confirmEmpty = (num: bigint) =>
      Effect.flatMap(http.post(`${api}/getblock`, { id_or_num: num.toString(), detail: true }), (block) => {
        const header = isRecord(block) ? block.block_header : undefined
        const transactions = isRecord(block) ? block.transactions : undefined
        if (!isRecord(header)) return Effect.fail(chainError(`block ${num} not available on this node yet`))
        if (Array.isArray(transactions) && transactions.length > 0) {
          return Effect.fail(chainError(`block ${num}: transaction infos not available on this node yet`))
        }
        return Effect.succeed<ReadonlyArray<unknown>>([])
      })

    const infosOfBlock = (num: bigint) =>
      Effect.flatMap(http.post(`${api}/gettransactioninfobyblocknum`, { num: Number(num) }), (infos) =>
        Array.isArray(infos) && infos.length > 0
          ? Effect.succeed(infos as ReadonlyArray<unknown>)
          : Array.isArray(infos) || isEmptyInfo(infos)
            ? confirmEmpty(num)
            : Effect.fail(chainError(`gettransactioninfobyblocknum ${num}: unexpected response shape`)),
      )

    const infoById = (api: "wallet" | "walletsolidity", txHash: string) =>
      Effect.flatMap(http.post(`${api}/gettransactioninfobyid`, { value: txHash }), (info) =>
        isRecord(info)
          ? Effect.succeed(info)
          : Effect.fail(chainError(`${api}/gettransactioninfobyid: not an object`)),
      )

    /** Confirmations to report for a block, given the head and (in solidified mode) the solid head. */
    const confirmationsOf = (block: bigint, headNum: bigint, solid: bigint | null): number => {
      const depth = headNum > block ? Number(headNum - block) : 0
      if (!solidified) return depth
      return solid !== null && block <= solid
        ? Math.max(depth, required)
        : Math.min(depth, Math.max(0, required - 1))
    }

    const verify = () =>
      Effect.gen(function* () {
        yield* head
        // Solidified finality (or scanning) needs the node's solidity API: refuse start-up without it.
        if (solidified || scanSolidified) yield* solidHead
        for (const token of tokens.values()) {
          const answer = yield* http.post("wallet/triggerconstantcontract", {
            // any existing account will do as the caller of a view function: the contract itself exists
            owner_address: tronAddressToHex(token.contract),
            contract_address: tronAddressToHex(token.contract),
            function_selector: "decimals()",
            parameter: "",
          })
          const words = isRecord(answer) ? answer.constant_result : undefined
          const word = Array.isArray(words) ? words[0] : undefined
          if (typeof word !== "string" || !/^[0-9a-fA-F]{64}$/.test(word)) {
            return yield* Effect.fail(
              chainError(
                `token ${token.symbol}: ${token.contract} did not answer decimals(); is it a TRC-20 contract?`,
                false,
              ),
            )
          }
          const decimals = BigInt(`0x${word}`)
          if (decimals !== BigInt(token.decimals)) {
            return yield* Effect.fail(
              chainError(
                `token ${token.symbol}: contract has ${decimals} decimals, config says ${token.decimals}`,
                false,
              ),
            )
          }
        }
      })

    const scan = <E>(input: {
      readonly cursor: string | null
      readonly watch: WatchSource<E>
      readonly now: Date
    }) =>
      Effect.gen(function* () {
        let start: bigint | null = null
        let tip: TronCursor["tip"]
        if (input.cursor !== null) {
          const decoded = decodeCursor(input.cursor)
          if (decoded === null) return yield* Effect.fail(chainError("unreadable Tron cursor", false))
          start = decoded.next
          tip = decoded.tip
        }
        const top = yield* headerOf(scanSolidified ? "walletsolidity" : "wallet")
        const headNum = top.num
        if (start === null) start = network.startBlock !== undefined ? BigInt(network.startBlock) : headNum
        if (tip !== undefined && !scanSolidified && headNum >= start - 1n) {
          // Is the block we ended on last time still the chain's block at that height? Free when the head is that
          // block or its child; one header request when the head moved on by two blocks or more.
          const tipNum = start - 1n
          const idNow =
            headNum === tipNum
              ? top.id
              : headNum === tipNum + 1n
                ? top.parentHash
                : (yield* headerOf("wallet", tipNum)).id
          if (idNow !== tip.id) {
            // A fork replaced it: scan again from below any height a fork can reach (above the solid head).
            const solid = yield* Effect.orElseSucceed(solidHead, () => null)
            let from = tipNum - FORK_REWIND + 1n
            if (solid !== null && from <= solid) from = solid + 1n
            start = from > tipNum ? tipNum : from < 0n ? 0n : from
            tip = undefined
          }
        }
        if (usedHint !== null) {
          const u = usedHint
          usedHint = null
          const spent = input.cursor === u.cursor && u.cursor !== u.start
          if (!spent && (rescanFrom === null || u.from < rescanFrom)) rescanFrom = u.from
        }
        // Cleared only when this scan returns, so a failed scan keeps the hint for the next one.
        const hint = rescanFrom
        if (hint !== null && hint < start) {
          start = hint
          tip = undefined
        }
        if (start > headNum) {
          // Nothing new (or this node is behind the one we last read): stay where we are.
          return {
            events: [],
            cursor: encodeCursor({ next: start, tip }),
            head: headNum,
            scannedTo: start - 1n,
            caughtUp: true,
          } satisfies ScanResult
        }
        // Only now, with the head fixed: a checkout created after this load is paid in a block above it.
        const watch = yield* loadWatch(input.watch)
        const last = headNum < start + maxRange - 1n ? headNum : start + maxRange - 1n
        const range: Array<bigint> = []
        for (let num = start; num <= last; num++) range.push(num)
        // The id of the range's last block, read BEFORE its transactions: if a fork replaces it in between, the
        // next scan sees a mismatch and rescans (reading it after could record the new id for old contents).
        const lastId = scanSolidified
          ? null
          : last === headNum
            ? top.id
            : (yield* headerOf("wallet", last)).id
        // After a block fails, later blocks are not requested (their results could not be used anyway).
        let failed = false
        const blocks = yield* Effect.forEach(
          range,
          (num) =>
            Effect.suspend(() =>
              failed
                ? Effect.succeed(Either.left(chainError(`block ${num} skipped after an earlier failure`)))
                : Effect.tap(Effect.either(infosOfBlock(num)), (e) => {
                    if (Either.isLeft(e)) failed = true
                  }),
            ),
          { concurrency: blockConcurrency },
        )
        const found: Array<{ readonly transfer: TronTransfer; readonly token: TokenConfig }> = []
        let scannedTo = start - 1n
        let stopped: ChainError | undefined
        for (const [i, infos] of blocks.entries()) {
          if (infos._tag === "Left") {
            // Keep the blocks already scanned: report them and let the next scan retry this one.
            if (i === 0) return yield* Effect.fail(infos.left)
            stopped = chainError(
              `scan stopped at block ${range[i]}: ${infos.left.message}`,
              infos.left.retryable,
            )
            break
          }
          for (const info of infos.right) {
            for (const transfer of transfersOfInfo(info, contracts)) {
              if (watch.hasAddress(transfer.to))
                found.push({ transfer, token: tokens.get(transfer.contract)! })
            }
          }
          scannedTo = range[i]!
        }
        // The solid head only matters when something was found (confirmations at observation time).
        const solid = scanSolidified
          ? headNum
          : solidified && found.length > 0
            ? yield* Effect.orElseSucceed(solidHead, () => null)
            : null
        const events: Array<ChainEvent> = found.map(
          ({ transfer, token }): PaymentObserved => ({
            _tag: "PaymentObserved",
            network: network.id,
            txHash: transfer.txHash,
            logIndex: transfer.logIndex,
            target: { kind: "address", address: transfer.to },
            token: token.symbol,
            tokenContract: token.contract,
            decimals: token.decimals,
            amount: transfer.amount,
            sender: transfer.from,
            blockNumber: transfer.blockNumber,
            blockHash: null,
            confirmations: scanSolidified
              ? Math.max(required, Number(headNum - transfer.blockNumber))
              : confirmationsOf(transfer.blockNumber, headNum, solid),
            observedAt: input.now,
          }),
        )
        // Remember the last block's id, so the next scan can detect a fork at or below it.
        const cursor = encodeCursor({
          next: scannedTo + 1n,
          tip: lastId !== null && scannedTo === last ? { id: lastId } : undefined,
        })
        if (hint !== null && rescanFrom === hint) {
          rescanFrom = null
          usedHint = { from: hint, start: input.cursor, cursor }
        }
        return {
          events,
          cursor,
          head: headNum,
          scannedTo,
          caughtUp: scannedTo >= headNum,
          ...(stopped === undefined ? {} : { error: stopped }),
        } satisfies ScanResult
      })

    /** Does block `num` (as this node has it now) hold transaction `txHash`? Null: the node lacks the block. */
    const blockHolds = (num: bigint, txHash: string) =>
      Effect.map(http.post("wallet/getblock", { id_or_num: num.toString(), detail: true }), (block) => {
        if (!isRecord(block) || !isRecord(block.block_header)) return null
        const txs = Array.isArray(block.transactions) ? block.transactions : []
        return txs.some((t) => isRecord(t) && typeof t.txID === "string" && t.txID.toLowerCase() === txHash)
      })

    /**
     * One pending payment, against the current head (and solid head in solidified mode). The transaction is
     * looked up on every recheck until final, so a fork that drops it is reported at once, and one that moves it
     * restarts its confirmations from the new block.
     */
    const recheckOne = (
      p: PendingPayment,
      headNum: bigint,
      solid: bigint | null,
      now: Date,
      walletInfo: (txHash: string) => Effect.Effect<Record<string, unknown>, ChainError>,
    ) =>
      Effect.gen(function* () {
        const key = { network: p.network, txHash: p.txHash, logIndex: p.logIndex }
        const reverted = (reason: string): ChainEvent => {
          if (p.blockNumber !== null && (rescanFrom === null || p.blockNumber < rescanFrom)) {
            rescanFrom = p.blockNumber
          }
          return { _tag: "PaymentReverted", ...key, reason }
        }
        const updated = (confirmations: number, block: bigint | null = p.blockNumber): ChainEvent => ({
          _tag: "PaymentConfirmationsUpdated",
          ...key,
          confirmations,
          ...(block !== null && block !== p.blockNumber
            ? { moved: { blockNumber: block, blockHash: null } }
            : {}),
        })
        const confirmed = (confirmations: number): ChainEvent => ({
          _tag: "PaymentConfirmed",
          ...key,
          confirmations,
          confirmedAt: now,
        })
        if (solid !== null && p.blockNumber !== null && p.blockNumber <= solid) {
          const final = yield* infoById("walletsolidity", p.txHash)
          if (!isEmptyInfo(final)) {
            const block = infoBlockNumber(final)
            return transferAt(final, p.logIndex, contracts) !== null && block !== null
              ? confirmed(confirmationsOf(block, headNum, solid))
              : reverted("the solidified transaction failed or carries no such token transfer")
          }
        }
        const info = yield* walletInfo(p.txHash)
        const block = infoBlockNumber(info)
        if (block !== null && transferAt(info, p.logIndex, contracts) !== null) {
          // Counted from the block it is in now (a fork may have moved it).
          const confirmations = confirmationsOf(block, headNum, solid)
          if (!solidified && confirmations >= required) return confirmed(confirmations)
          // Solidified mode: only the solidity node's answer above confirms.
          return updated(Math.min(confirmations, Math.max(0, required - 1)), block)
        }
        if (block !== null) return reverted("transaction failed or carries no such token transfer")
        // Unknown to this node. Gone only if the node has the block and the block no longer holds it (a node
        // behind, or one whose transaction index lags, must not revert a payment).
        const held = p.blockNumber === null ? null : yield* blockHolds(p.blockNumber, p.txHash.toLowerCase())
        if (held === false) {
          return reverted(
            solid !== null && p.blockNumber !== null && p.blockNumber <= solid
              ? "transaction no longer on chain before solidification"
              : `transaction no longer in block ${p.blockNumber} (fork)`,
          )
        }
        return updated(p.blockNumber === null ? 0 : confirmationsOf(p.blockNumber, headNum, solid))
      })

    const recheck = (pending: ReadonlyArray<PendingPayment>, now: Date) =>
      Effect.gen(function* () {
        const own = pending.filter((p) => p.network === network.id)
        if (own.length === 0) return []
        const headNum = yield* head
        const solid = solidified ? yield* solidHead : null
        // One lookup per transaction, however many of its transfers are pending.
        const infos = new Map<string, Record<string, unknown>>()
        const walletInfo = (txHash: string) => {
          const known = infos.get(txHash)
          return known !== undefined
            ? Effect.succeed(known)
            : Effect.tap(infoById("wallet", txHash), (info) => Effect.sync(() => infos.set(txHash, info)))
        }
        const events: Array<ChainEvent> = []
        for (const p of own) events.push(yield* recheckOne(p, headNum, solid, now, walletInfo))
        return events
      })

    const scanner: ChainScanner = { network, verify, scan, recheck, stats: http.stats }
    return Effect.succeed(scanner)
  })

/** The `ChainScannerFactory` of the Tron adapter (default HTTP options). */
export const tronScannerFactory: ChainScannerFactory = (network) => makeTronScanner(network)
