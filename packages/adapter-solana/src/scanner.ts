import {
  type ChainEvent,
  ChainError,
  type ChainScanner,
  loadWatch,
  type NetworkConfig,
  type TokenConfig,
  type WatchSet,
} from "@inzi/core"
import { type Address, getBase64Encoder } from "@solana/kit"
import { getMintDecoder, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token"
import { Effect, Either, Schema } from "effect"
import { associatedTokenAccount, parseSolanaAddress } from "./address.js"
import { type AccountCursor, decodeCursor, emptyCursor, encodeCursor } from "./cursor.js"
import type { SolanaOptions } from "./options.js"
import { makeSolanaRpc, type SolanaRpcOptions } from "./rpc.js"
import {
  AccountInfo,
  type SignatureInfo,
  SignatureInfos,
  SignatureStatuses,
  TransactionResponse,
} from "./shapes.js"
import { type Credit, creditOf } from "./transfer.js"

export interface SolanaScannerOptions
  extends Omit<SolanaOptions, "timeoutMs" | "maxAttempts" | "batchSize">,
    SolanaRpcOptions {}

interface Token {
  readonly config: TokenConfig
  readonly mint: Address
}

interface Read {
  readonly info: SignatureInfo
  readonly tx: NonNullable<TransactionResponse>
}

interface AccountScan {
  /** Successful transactions, oldest first. */
  readonly txs: ReadonlyArray<Read>
  readonly state: AccountCursor
  readonly caughtUp: boolean
  readonly head: number
  /** A later page failed: `txs` and `state` cover the pages read before it. */
  readonly error?: ChainError | undefined
}

/** A credit to a merchant's token account, before it is matched to a checkout. */
interface Arrival {
  readonly read: Read
  readonly wallet: string
  readonly token: TokenConfig
  readonly credit: Credit
}

const UNMATCHED_REASON = "no reference of an open checkout among the transaction's accounts"

/**
 * The Solana scanner of one network: SPL tokens paid to the merchants' own wallets (their associated token
 * accounts), attributed to a checkout by the Solana Pay `reference` among the transaction's account keys. See
 * the package README for paging, finality and what counts.
 *
 * @example
 * const scanner = yield* makeSolanaScanner({ ...SOLANA_MAINNET, rpcUrls: [myRpc] })
 * const { events, cursor } = yield* scanner.scan({ cursor: saved, watch, now: new Date() })
 */
export const makeSolanaScanner = (
  network: NetworkConfig,
  options: SolanaScannerOptions = {},
): Effect.Effect<ChainScanner, ChainError> =>
  Effect.gen(function* () {
    const configError = (message: string) =>
      new ChainError({ network: network.id, message, retryable: false })
    if (network.family !== "solana")
      return yield* Effect.fail(configError(`network family is ${network.family}`))
    if (network.rpcUrls.length === 0) return yield* Effect.fail(configError("no RPC URL configured"))
    const tokens: Array<Token> = []
    for (const t of network.tokens) {
      const mint = parseSolanaAddress(t.contract)
      if (mint === null)
        return yield* Effect.fail(configError(`token ${t.symbol}: ${t.contract} is not a Solana address`))
      tokens.push({ config: t, mint })
    }
    if (network.startBlock !== undefined && !/^\d+$/.test(network.startBlock))
      return yield* Effect.fail(configError(`startBlock must be a slot, got ${network.startBlock}`))
    const processing = options.processingCommitment ?? "confirmed"
    const completed = options.completedCommitment ?? "finalized"
    if (processing === "finalized" && completed === "confirmed")
      return yield* Effect.fail(
        configError('options: completedCommitment "confirmed" is below processingCommitment "finalized"'),
      )
    const pageSize = options.pageSize ?? 1000
    const maxPages = options.maxPagesPerAccount ?? 10
    const lookback = options.newAccountLookbackSeconds ?? 86_400
    const droppedAfterSlots = options.droppedAfterSlots ?? 300
    const startSlot = network.startBlock === undefined ? undefined : Number(network.startBlock)
    const rpc = makeSolanaRpc({
      network: network.id,
      urls: network.rpcUrls,
      headers: network.headers,
      options,
    })

    const decode =
      <A, I>(schema: Schema.Schema<A, I>, what: string) =>
      (u: unknown) =>
        Schema.decodeUnknown(schema)(u).pipe(
          Effect.mapError(
            (e) =>
              new ChainError({
                network: network.id,
                message: `unexpected ${what} answer: ${e.message.slice(0, 300)}`,
                retryable: true,
              }),
          ),
        )

    const atas = new Map<string, Address>()
    const ataOf = (wallet: Address, token: Token) =>
      Effect.promise(async () => {
        const key = `${wallet}|${token.mint}`
        const known = atas.get(key)
        if (known !== undefined) return known
        const ata = await associatedTokenAccount(wallet, token.mint)
        atas.set(key, ata)
        return ata
      })

    const isFinal = (status: SignatureInfo["confirmationStatus"]) =>
      status === "finalized" || (completed === "confirmed" && status === "confirmed")

    /**
     * New transactions of one token account since its cursor: `getSignaturesForAddress` pages newest first
     * down to the cursor's signature (`until`), then the successful ones are fetched in batches.
     */
    const scanAccount = (account: string, prev: AccountCursor | undefined, now: Date) =>
      Effect.gen(function* () {
        const state: AccountCursor = prev ?? {
          sig: null,
          slot: 0,
          ...(startSlot === undefined ? { since: Math.floor(now.getTime() / 1000) - lookback } : {}),
        }
        let head = state.backfill ? { sig: state.backfill.headSig, slot: state.backfill.headSlot } : undefined
        let before = state.backfill?.before
        const collected: Array<SignatureInfo> = []
        let reachedEnd = false
        let stopped: ChainError | undefined
        const isOld = (e: SignatureInfo) =>
          e.signature === state.sig ||
          // Below the cursor's slot everything was read, also when the cursor's own transaction was dropped.
          e.slot < state.slot ||
          (state.sig === null && startSlot !== undefined && e.slot < startSlot) ||
          (state.sig === null &&
            state.since !== undefined &&
            e.blockTime !== null &&
            e.blockTime < state.since)
        for (let pages = 0; pages < maxPages && !reachedEnd; pages++) {
          const page = yield* Effect.either(
            rpc
              .call("getSignaturesForAddress", [
                account,
                {
                  commitment: processing,
                  limit: pageSize,
                  ...(before === undefined ? {} : { before }),
                  ...(state.sig === null ? {} : { until: state.sig }),
                },
              ])
              .pipe(Effect.flatMap(decode(SignatureInfos, "getSignaturesForAddress"))),
          )
          if (Either.isLeft(page)) {
            if (pages === 0) return yield* Effect.fail(page.left)
            stopped = page.left
            break
          }
          const entries = page.right
          if (head === undefined && entries[0] !== undefined && !isOld(entries[0]))
            head = { sig: entries[0].signature, slot: entries[0].slot }
          for (const e of entries) {
            if (isOld(e)) {
              reachedEnd = true
              break
            }
            collected.push(e)
          }
          const last = entries[entries.length - 1]
          if (entries.length < pageSize || last === undefined) reachedEnd = true
          else before = last.signature
        }
        // Failed transactions never count: they are not fetched.
        const wanted = collected.filter((e) => e.err === null).reverse()
        const answers = yield* rpc.batch(
          wanted.map((e) => ({
            method: "getTransaction",
            params: [
              e.signature,
              { encoding: "json", maxSupportedTransactionVersion: 0, commitment: processing },
            ],
          })),
        )
        const txs: Array<Read> = []
        for (let i = 0; i < wanted.length; i++) {
          const tx = yield* decode(TransactionResponse, "getTransaction")(answers[i])
          if (tx === null)
            return yield* Effect.fail(
              new ChainError({
                network: network.id,
                message: `getTransaction: ${wanted[i]!.signature} is listed but not served yet`,
                retryable: true,
              }),
            )
          txs.push({ info: wanted[i]!, tx })
        }
        let next: AccountCursor
        if (!reachedEnd && head !== undefined && before !== undefined)
          next = { ...state, backfill: { headSig: head.sig, headSlot: head.slot, before } }
        else if (head !== undefined) next = { sig: head.sig, slot: head.slot }
        else
          next = {
            sig: state.sig,
            slot: state.slot,
            ...(state.since === undefined ? {} : { since: state.since }),
          }
        return {
          txs,
          state: next,
          // A backfill that ended here read down to the cursor only below its head: what arrived after the head
          // is read from the new cursor next time, so the account is not caught up yet.
          caughtUp: reachedEnd && state.backfill === undefined,
          head: head?.slot ?? state.slot,
          ...(stopped === undefined ? {} : { error: stopped }),
        } satisfies AccountScan
      })

    const eventOf = (a: Arrival, watch: WatchSet, now: Date): ChainEvent => {
      const { read, wallet, token, credit } = a
      const common = {
        network: network.id,
        txHash: read.info.signature,
        logIndex: credit.accountIndex,
        token: token.symbol,
        tokenContract: token.contract,
        decimals: token.decimals,
        amount: credit.amount,
        sender: credit.sender,
        observedAt: now,
      }
      const reference = credit.keys.find((k) => watch.hasMemo(wallet, k))
      if (reference === undefined)
        return { _tag: "UnmatchedTransfer", ...common, wallet, memo: null, reason: UNMATCHED_REASON }
      return {
        _tag: "PaymentObserved",
        ...common,
        target: { kind: "memo", wallet, memo: reference },
        blockNumber: BigInt(read.tx.slot),
        blockHash: null,
        confirmations: isFinal(read.info.confirmationStatus) ? network.confirmations : 0,
      }
    }

    const scan: ChainScanner["scan"] = ({ cursor, watch: watchSource, now }) =>
      Effect.gen(function* () {
        let parsed = emptyCursor
        if (cursor !== null) {
          const d = decodeCursor(cursor)
          if (Either.isLeft(d))
            return yield* Effect.fail(configError(`invalid Solana cursor: ${d.left.message}`))
          parsed = d.right
        }
        const accounts: Record<string, AccountCursor> = { ...parsed.accounts }
        const arrivals: Array<Arrival> = []
        let caughtUp = true
        // The cluster's slot, for lag metrics (`inzi status`) also while no account has new transactions.
        let head = yield* rpc
          .call("getSlot", [{ commitment: processing }])
          .pipe(Effect.flatMap(decode(Schema.Number, "getSlot")))
        let behind: number | null = null
        let stopped: ChainError | undefined
        let read = 0
        // The wallets say which accounts to read, so the set is loaded first; references are matched against
        // a second load when the first does not know one (a checkout created while the accounts were read).
        const first = yield* loadWatch(watchSource)
        wallets: for (const raw of new Set(first.wallets)) {
          const wallet = parseSolanaAddress(raw)
          if (wallet === null) {
            yield* Effect.logWarning(`Solana scanner (${network.id}): skipping unreadable wallet ${raw}`)
            continue
          }
          for (const token of tokens) {
            const ata = yield* ataOf(wallet, token)
            const r = yield* Effect.either(scanAccount(ata, accounts[ata], now))
            if (Either.isLeft(r)) {
              if (read === 0) return yield* Effect.fail(r.left)
              stopped = r.left
              break wallets
            }
            read++
            const s = r.right
            accounts[ata] = s.state
            caughtUp &&= s.caughtUp
            if (s.head > head) head = s.head
            if (!s.caughtUp && (behind === null || s.state.slot < behind)) behind = s.state.slot
            for (const x of s.txs) {
              const credit = creditOf(x.tx, ata, token.mint)
              if (credit !== null) arrivals.push({ read: x, wallet, token: token.config, credit })
            }
            if (s.error !== undefined) {
              stopped = s.error
              break wallets
            }
          }
        }
        const unknown = arrivals.some((a) => !a.credit.keys.some((k) => first.hasMemo(a.wallet, k)))
        const watch = unknown ? yield* loadWatch(watchSource) : first
        return {
          events: arrivals.map((a) => eventOf(a, watch, now)),
          cursor: encodeCursor({ v: 1, accounts }),
          head: BigInt(head),
          scannedTo: BigInt(behind ?? head),
          caughtUp: caughtUp && stopped === undefined,
          ...(stopped === undefined ? {} : { error: stopped }),
        }
      })

    const recheck: ChainScanner["recheck"] = (pending, now) =>
      Effect.gen(function* () {
        if (pending.length === 0) return []
        const chunks: Array<ReadonlyArray<(typeof pending)[number]>> = []
        for (let i = 0; i < pending.length; i += 256) chunks.push(pending.slice(i, i + 256))
        const answers = yield* rpc.batch(
          chunks.map((c) => ({
            method: "getSignatureStatuses",
            params: [c.map((p) => p.txHash), { searchTransactionHistory: true }],
          })),
        )
        const events: Array<ChainEvent> = []
        for (let c = 0; c < chunks.length; c++) {
          const statuses = yield* decode(SignatureStatuses, "getSignatureStatuses")(answers[c])
          chunks[c]!.forEach((p, i) => {
            const key = { network: p.network, txHash: p.txHash, logIndex: p.logIndex }
            const s = statuses.value[i] ?? null
            if (s === null) {
              // Unknown is final only once its blockhash has long expired: before, a lagging node may not
              // have it yet, or another fork may still include it.
              if (
                p.blockNumber !== null &&
                statuses.context.slot >= Number(p.blockNumber) + droppedAfterSlots
              )
                events.push({
                  _tag: "PaymentReverted",
                  ...key,
                  reason: `not known to the cluster ${statuses.context.slot - Number(p.blockNumber)} slots after it: dropped before finalization`,
                })
              return
            }
            if (s.err !== null) {
              events.push({ _tag: "PaymentReverted", ...key, reason: "the transaction failed" })
              return
            }
            if (isFinal(s.confirmationStatus)) {
              events.push({
                _tag: "PaymentConfirmed",
                ...key,
                confirmations: network.confirmations,
                confirmedAt: now,
              })
              return
            }
            const moved = p.blockNumber === null || p.blockNumber !== BigInt(s.slot)
            events.push({
              _tag: "PaymentConfirmationsUpdated",
              ...key,
              confirmations: Math.min(s.confirmations ?? 0, Math.max(0, network.confirmations - 1)),
              ...(moved ? { moved: { blockNumber: BigInt(s.slot), blockHash: null } } : {}),
            })
          })
        }
        return events
      })

    const base64 = getBase64Encoder()
    const verify: ChainScanner["verify"] = () =>
      Effect.gen(function* () {
        const answers = yield* rpc.batch(
          tokens.map((t) => ({
            method: "getAccountInfo",
            params: [t.mint, { encoding: "base64", commitment: processing }],
          })),
        )
        for (let i = 0; i < tokens.length; i++) {
          const { config: t } = tokens[i]!
          const info = yield* decode(AccountInfo, "getAccountInfo")(answers[i])
          const where = `${t.symbol} mint ${t.contract} on ${network.id}`
          if (info.value === null) return yield* Effect.fail(configError(`${where} does not exist`))
          if (info.value.owner !== TOKEN_PROGRAM_ADDRESS)
            return yield* Effect.fail(
              configError(
                `${where} is owned by ${info.value.owner}, not the SPL Token program (Token-2022 is not supported)`,
              ),
            )
          let decimals: number
          try {
            const mint = getMintDecoder().decode(new Uint8Array(base64.encode(info.value.data[0])))
            if (!mint.isInitialized) throw new Error("not initialized")
            decimals = mint.decimals
          } catch {
            return yield* Effect.fail(configError(`${where} is not an initialized SPL Token mint`))
          }
          if (decimals !== t.decimals)
            return yield* Effect.fail(
              configError(`${where} has ${decimals} decimals, the config says ${t.decimals}`),
            )
        }
      })

    return {
      network,
      verify,
      scan,
      recheck,
      stats: () => {
        const s = rpc.stats()
        return { rpcCalls: s.rpcCalls, rpcErrors: s.rpcErrors }
      },
    } satisfies ChainScanner
  })
