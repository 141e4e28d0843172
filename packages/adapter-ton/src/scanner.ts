import {
  type ChainEvent,
  ChainError,
  type ChainScanner,
  type ChainScannerFactory,
  loadWatch,
  type NetworkConfig,
  type PaymentConfirmed,
  type TokenConfig,
  type WatchSet,
  type WatchSource,
} from "@inzi/core"
import { Address } from "@ton/core"
import { Effect, Either } from "effect"
import { type AccountCursor, decodeCursor, emptyCursor, encodeCursor, type MasterCursor } from "./cursor.js"
import type { ForwardPayload } from "./jetton.js"
import { cellOfStackEntry, makeJettonWalletResolver } from "./jetton-wallet.js"
import { normalizeMemo } from "./memo.js"
import { makeToncenterClient, type ToncenterClientOptions } from "./toncenter.js"
import { type Arrival, scanMaster } from "./transfers-source.js"
import {
  creditOf,
  decodeToncenterTransaction,
  MalformedTransaction,
  notificationOf,
  type TonTransaction,
} from "./transaction.js"

export interface TonScannerOptions extends ToncenterClientOptions {
  /**
   * Items per page (at least 2): `getTransactions` transactions (default 50, toncenter allows ≤ 100), or v3
   * jetton transfers for `"jetton-transfers"` (default 1000, the most toncenter answers).
   */
  readonly pageSize?: number | undefined
  /** Pages per account (per jetton master) per scan; a longer catch-up continues in the next scan (default 20). */
  readonly maxPagesPerAccount?: number | undefined
  /**
   * `"jetton-transfers"`: how long (chain seconds before the newest transfer read) the index may still add a
   * transfer with a lower lt than one already read; that range is read again each scan (default 60).
   */
  readonly settleSeconds?: number | undefined
  /**
   * Per-wallet sources: the toncenter request budget. Requests are spaced `1000 / requestsPerSecond` ms apart
   * (unless `minIntervalMs` is set) and one scan makes about `requestsPerSecond × pollIntervalMs / 1000`
   * of them: wallets with open checkouts first, in turn, then the others with what is left. The detection
   * delay this implies is logged (and `detectionDelayMs()`). Default: no budget, every wallet every scan.
   */
  readonly requestsPerSecond?: number | undefined
  /**
   * How far back a wallet seen for the first time (no cursor entry) is scanned, in seconds (default 86 400).
   * `network.startBlock`, when set, is read as a unix time in seconds and wins.
   */
  readonly newAccountLookbackSeconds?: number | undefined
  /**
   * Where jetton arrivals are read (README, "Two sources"). Choose once per deployment: payments are keyed by
   * the transaction they were read from, so switching re-keys them.
   * - `"jetton-wallet"` (default): the successful `internal_transfer` transactions of the merchant's genuine
   *   jetton wallet, for every transfer. Immune to fake jettons by construction and to toncenter v2 losing the
   *   history of a never-deployed merchant wallet.
   * - `"notifications"`: the `transfer_notification`s in the merchant wallet whose source is the genuine
   *   jetton wallet, plus the jetton wallet for transfers sent with `forward_ton_amount` 0.
   * - `"jetton-transfers"`: every transfer of the configured jetton masters from toncenter **v3**
   *   (`/api/v3/jetton/transfers`), matched locally: calls per scan do not depend on the number of merchants.
   */
  readonly source?: TonPaymentSource | undefined
}

export type TonPaymentSource = "jetton-wallet" | "notifications" | "jetton-transfers"

/** A `ChainScanner` for TON, plus the genuine jetton wallet lookup (for the CLI and diagnostics). */
export interface TonScanner extends ChainScanner {
  readonly jettonWalletOf: (master: string, owner: string) => Effect.Effect<string, ChainError>
  /**
   * Per-wallet sources with `requestsPerSecond`: how long a wallet with open checkouts may wait for its next
   * read, as of the last scan (null without a budget, or for `"jetton-transfers"`).
   */
  readonly detectionDelayMs: () => number | null
}

interface Token {
  readonly config: TokenConfig
  readonly master: Address
}

interface AccountScan {
  /** Oldest first. */
  readonly txs: ReadonlyArray<TonTransaction>
  readonly state: AccountCursor
  readonly caughtUp: boolean
  readonly head: bigint
  /** A later page failed: `txs` and `state` cover the pages read before it. */
  readonly error?: ChainError | undefined
}

const reasonOf = (p: ForwardPayload, memo: string | null): string => {
  switch (p.kind) {
    case "none":
      return "missing comment"
    case "encrypted":
      return "encrypted comment"
    case "binary":
      return "forward payload is not a text comment"
    case "text":
      return memo === "" ? "empty comment" : "unknown comment"
  }
}

/**
 * Builds the TON scanner of one network: USDT (or any configured jetton) paid to the merchants' own
 * wallets, attributed by comment. See the package README for paging, finality and the genuine-wallet rule.
 *
 * @example
 * const scanner = yield* makeTonScanner({ ...tonMainnet, headers: { "X-API-Key": key } })
 * const { events, cursor } = yield* scanner.scan({ cursor: saved, watch, now: new Date() })
 */
export const makeTonScanner = (
  network: NetworkConfig,
  options: TonScannerOptions = {},
): Effect.Effect<TonScanner, ChainError> =>
  Effect.gen(function* () {
    const configError = (message: string) =>
      new ChainError({ network: network.id, message, retryable: false })
    if (network.family !== "ton")
      return yield* Effect.fail(configError(`network family is ${network.family}`))
    if (network.rpcUrls.length === 0) return yield* Effect.fail(configError("no toncenter URL configured"))
    const tokens: Array<Token> = []
    for (const t of network.tokens) {
      try {
        tokens.push({ config: t, master: Address.parse(t.contract) })
      } catch {
        return yield* Effect.fail(configError(`token ${t.symbol}: ${t.contract} is not a TON address`))
      }
    }
    if (network.startBlock !== undefined && !/^\d+$/.test(network.startBlock)) {
      return yield* Effect.fail(
        configError(`startBlock must be a unix time in seconds, got ${network.startBlock}`),
      )
    }
    const source: TonPaymentSource = options.source ?? "jetton-wallet"
    const perWallet = source !== "jetton-transfers"
    const pageSize = Math.max(2, options.pageSize ?? (perWallet ? 50 : 1000))
    const maxPages = Math.max(1, options.maxPagesPerAccount ?? 20)
    const lookback = options.newAccountLookbackSeconds ?? 86_400
    const rps = perWallet ? options.requestsPerSecond : undefined
    if (rps !== undefined && !(rps > 0))
      return yield* Effect.fail(configError("requestsPerSecond must be > 0"))
    /** Requests one scan may make under the budget. */
    const perScan =
      rps === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(1, Math.floor((rps * network.pollIntervalMs) / 1000))
    const client = makeToncenterClient(network, {
      ...options,
      ...(rps !== undefined && options.minIntervalMs === undefined
        ? { minIntervalMs: Math.ceil(1000 / rps) }
        : {}),
    })
    const resolver = makeJettonWalletResolver(client, network.id)

    const startUtime = (now: Date): number =>
      network.startBlock !== undefined
        ? Number(network.startBlock)
        : Math.floor(now.getTime() / 1000) - lookback

    const decodeTx = (json: Parameters<typeof decodeToncenterTransaction>[0]) =>
      Effect.try({
        try: () => decodeToncenterTransaction(json),
        catch: (e) =>
          new ChainError({
            network: network.id,
            message:
              e instanceof MalformedTransaction ? e.message : `cannot decode transaction: ${String(e)}`,
            retryable: true,
          }),
      })

    /**
     * New transactions of one account since its cursor. toncenter v2 pages newest first from (lt, hash)
     * inclusive down to `to_lt` exclusive; the pages are walked down to the cursor and returned oldest first.
     */
    const scanAccount = (account: string, prev: AccountCursor | undefined, now: Date) =>
      Effect.gen(function* () {
        const state: AccountCursor = prev ?? { lt: "0", hash: "", since: startUtime(now) }
        const toLt = BigInt(state.lt)
        const since = toLt === 0n ? state.since : undefined
        let head = state.backfill ? { lt: state.backfill.headLt, hash: state.backfill.headHash } : undefined
        let start = state.backfill ? { lt: state.backfill.nextLt, hash: state.backfill.nextHash } : undefined
        const collected: Array<TonTransaction> = []
        let reachedEnd = false
        let stopped: ChainError | undefined
        for (let pages = 0; pages < maxPages && !reachedEnd; pages++) {
          const read = yield* Effect.either(
            client.getTransactions({
              address: account,
              limit: pageSize,
              lt: start === undefined ? undefined : BigInt(start.lt),
              hashBase64: start?.hash,
              toLt,
            }),
          )
          if (Either.isLeft(read)) {
            if (pages === 0) return yield* Effect.fail(read.left)
            // Keep the pages read: the cursor's backfill resumes below them, as after `maxPages`.
            stopped = read.left
            break
          }
          const page = read.right
          // A liteserver behind the one we last read (toncenter balances across several) may name an older
          // newest transaction: never move the cursor back.
          if (head === undefined && page[0] !== undefined && BigInt(page[0].transaction_id.lt) > toLt) {
            head = { lt: page[0].transaction_id.lt, hash: page[0].transaction_id.hash }
          }
          const fresh = start !== undefined && page[0]?.transaction_id.lt === start.lt ? page.slice(1) : page
          for (const json of fresh) {
            const tx = yield* decodeTx(json)
            if (tx.lt <= toLt || (since !== undefined && tx.utime < since)) {
              reachedEnd = true
              break
            }
            collected.push(tx)
          }
          const last = page[page.length - 1]
          if (page.length < pageSize || last === undefined) reachedEnd = true
          else start = { lt: last.transaction_id.lt, hash: last.transaction_id.hash }
        }
        const headLt = head === undefined ? toLt : BigInt(head.lt)
        let next: AccountCursor
        if (!reachedEnd && head !== undefined && start !== undefined) {
          next = {
            ...state,
            backfill: { headLt: head.lt, headHash: head.hash, nextLt: start.lt, nextHash: start.hash },
          }
        } else if (head !== undefined) {
          next = { lt: head.lt, hash: head.hash }
        } else {
          next = {
            lt: state.lt,
            hash: state.hash,
            ...(state.since === undefined ? {} : { since: state.since }),
          }
        }
        return {
          txs: collected.reverse(),
          state: next,
          caughtUp: reachedEnd,
          head: headLt,
          ...(stopped === undefined ? {} : { error: stopped }),
        } satisfies AccountScan
      })

    const memoOf = (a: Arrival): string | null =>
      a.payload.kind === "text" ? normalizeMemo(a.payload.text) : null

    /** One jetton arrival, matched to a checkout by memo or reported as unmatched. Never dropped. */
    const eventOf = (input: Arrival, watch: WatchSet): ChainEvent => {
      const { tx, wallet, token, amount, payload } = input
      const text = payload.kind === "text" ? payload.text : null
      const memo = memoOf(input)
      const common = {
        network: network.id,
        txHash: tx.hash,
        logIndex: 0,
        token: token.symbol,
        tokenContract: token.contract,
        decimals: token.decimals,
        amount,
        sender: input.sender?.toRawString() ?? null,
        observedAt: new Date(tx.utime * 1000),
      }
      if (memo !== null && memo !== "" && watch.hasMemo(wallet, memo)) {
        return {
          _tag: "PaymentObserved",
          ...common,
          target: { kind: "memo", wallet, memo },
          blockNumber: null,
          blockHash: null,
          confirmations: network.confirmations,
        }
      }
      return { _tag: "UnmatchedTransfer", ...common, wallet, memo: text, reason: reasonOf(payload, memo) }
    }

    /** Where the next scan starts in each wallet list (per-wallet sources under a budget). */
    const rotation = { open: 0, idle: 0 }
    const rotate = <A>(list: ReadonlyArray<A>, at: number): Array<A> =>
      list.length === 0 ? [] : [...list.slice(at % list.length), ...list.slice(0, at % list.length)]
    /** Wallets with open checkouts first, then the rest, each list continuing where the last scan stopped. */
    const readingOrder = (watch: WatchSet) => {
      const all = [...new Set(watch.wallets)]
      const openSet = new Set(watch.openWallets ?? all)
      const open = all.filter((w) => openSet.has(w))
      const idle = all.filter((w) => !openSet.has(w))
      return {
        order: [...rotate(open, rotation.open), ...rotate(idle, rotation.idle)],
        openCount: open.length,
        idleCount: idle.length,
      }
    }
    let delayMs: number | null = null
    /** Logs the detection delay the budget implies, whenever it changes. */
    const reportDelay = (openWallets: number) =>
      Effect.gen(function* () {
        if (rps === undefined) return
        const callsPerWallet = tokens.length * (source === "notifications" ? 2 : 1)
        const scans = Math.max(1, Math.ceil((openWallets * callsPerWallet) / perScan))
        const next = scans * network.pollIntervalMs
        if (next === delayMs) return
        delayMs = next
        yield* Effect.logInfo(
          `TON scanner (${network.id}): ${openWallets} wallet(s) with open checkouts, ${callsPerWallet} toncenter call(s) each, budget ${rps} req/s (${perScan} per ${network.pollIntervalMs} ms scan): each is read every ≈ ${(next / 1000).toFixed(1)} s, so a payment is detected up to ≈ ${(next / 1000).toFixed(1)} s after it lands`,
        )
      })

    const settleSeconds = Math.max(0, options.settleSeconds ?? 60)
    /**
     * The `"jetton-transfers"` source: one paged v3 read per jetton master, whatever the number of merchants
     * (see `scanMaster`). A cursor left by a per-wallet source starts at the present instead of looking back,
     * so the switch counts nothing twice under new keys.
     */
    const scanTransfers = <E>(parsed: typeof emptyCursor, watchSource: WatchSource<E>, now: Date) =>
      Effect.gen(function* () {
        const first = yield* loadWatch(watchSource)
        const wallets = new Map<string, string>()
        for (const w of first.wallets) {
          try {
            wallets.set(Address.parse(w).toRawString(), w)
          } catch {
            yield* Effect.logWarning(`TON scanner (${network.id}): skipping unreadable wallet ${w}`)
          }
        }
        const switched = parsed.masters === undefined && Object.keys(parsed.accounts).length > 0
        const masters: Record<string, MasterCursor> = { ...(parsed.masters ?? {}) }
        const arrivals: Array<Arrival> = []
        let caughtUp = true
        let head = 0n
        let scannedTo: bigint | null = null
        let stopped: ChainError | undefined
        let read = 0
        for (const token of tokens) {
          const key = token.master.toRawString()
          const prev: MasterCursor = masters[key] ?? {
            floor: "0",
            start: switched ? Math.floor(now.getTime() / 1000) : startUtime(now),
            seen: [],
          }
          const r = yield* Effect.either(
            scanMaster(
              { network, client, resolver, pageSize, maxPages, settleSeconds },
              token,
              prev,
              wallets,
            ),
          )
          if (Either.isLeft(r)) {
            if (read === 0) return yield* Effect.fail(r.left)
            stopped = r.left
            break
          }
          read++
          masters[key] = r.right.state
          arrivals.push(...r.right.arrivals)
          caughtUp &&= r.right.caughtUp
          if (r.right.head > head) head = r.right.head
          const at = BigInt(r.right.state.resume?.lt ?? r.right.state.floor)
          if (scannedTo === null || at < scannedTo) scannedTo = at
          if (r.right.error !== undefined) {
            stopped = r.right.error
            break
          }
        }
        const unknown = arrivals.some((a) => {
          const memo = memoOf(a)
          return memo !== null && memo !== "" && !first.hasMemo(a.wallet, memo)
        })
        const watch = unknown ? yield* loadWatch(watchSource) : first
        return {
          events: arrivals.map((a) => eventOf(a, watch)),
          cursor: encodeCursor({ ...parsed, v: 1, masters }),
          head,
          scannedTo: scannedTo ?? head,
          caughtUp: caughtUp && stopped === undefined,
          ...(stopped === undefined ? {} : { error: stopped }),
        }
      })

    const scan: ChainScanner["scan"] = ({ cursor, watch: watchSource, now }) =>
      Effect.gen(function* () {
        let parsed = emptyCursor
        if (cursor !== null) {
          const d = decodeCursor(cursor)
          if (Either.isLeft(d))
            return yield* Effect.fail(configError(`invalid TON cursor: ${d.left.message}`))
          parsed = d.right
        }
        const accounts: Record<string, AccountCursor> = { ...parsed.accounts }
        if (!perWallet) return yield* scanTransfers(parsed, watchSource, now)
        const arrivals: Array<Arrival> = []
        let caughtUp = true
        let head = 0n
        let scannedTo: bigint | null = null
        let stopped: ChainError | undefined
        const record = (key: string, r: AccountScan) => {
          accounts[key] = r.state
          caughtUp &&= r.caughtUp
          if (r.head > head) head = r.head
          const at = BigInt(r.state.lt)
          if (scannedTo === null || at < scannedTo) scannedTo = at
          if (r.error !== undefined) stopped = r.error
        }
        let read = 0
        /**
         * One account; null when it failed after another account was read: the scan then stops and returns
         * what it has (the failed account's cursor does not move).
         */
        const readAccount = (key: string) =>
          Effect.gen(function* () {
            const r = yield* Effect.either(scanAccount(key, accounts[key], now))
            if (Either.isLeft(r)) {
              if (read === 0) return yield* Effect.fail(r.left)
              stopped = r.left
              return null
            }
            read++
            record(key, r.right)
            return r.right
          })
        // The wallet list comes first (it says which accounts to read); memos are matched once all is read.
        const first = yield* loadWatch(watchSource)
        const callsBefore = client.stats().rpcCalls
        const { order, openCount, idleCount } = readingOrder(first)
        let openRead = 0
        let idleRead = 0
        wallets: for (const [i, wallet] of order.entries()) {
          if (client.stats().rpcCalls - callsBefore >= perScan) break
          if (i < openCount) openRead++
          else idleRead++
          let owner: Address
          try {
            owner = Address.parse(wallet)
          } catch {
            yield* Effect.logWarning(`TON scanner (${network.id}): skipping unreadable wallet ${wallet}`)
            continue
          }
          const ownerKey = owner.toRawString()
          const resolved = yield* Effect.either(
            Effect.forEach(tokens, (token) =>
              resolver
                .resolve(token.master, owner)
                .pipe(Effect.map((jettonWallet) => ({ token, jettonWallet }))),
            ),
          )
          if (Either.isLeft(resolved)) {
            if (read === 0) return yield* Effect.fail(resolved.left)
            stopped = resolved.left
            break
          }
          const genuine = resolved.right
          if (source === "notifications") {
            const o = yield* readAccount(ownerKey)
            if (o === null) break
            for (const tx of o.txs) {
              const n = notificationOf(tx)
              if (n === null) continue
              const g = genuine.find((j) => j.jettonWallet.equals(n.jettonWallet))
              if (g === undefined) {
                // A fake jetton (or any other contract) imitating a notification: never a payment, not even an
                // unmatched one an operator could assign by mistake.
                yield* Effect.logDebug(
                  `TON scanner: ignored notification from ${n.jettonWallet.toRawString()} in tx ${tx.hash}`,
                )
                continue
              }
              if (n.notification.amount === 0n) continue
              arrivals.push({
                tx,
                wallet,
                token: g.token.config,
                amount: n.notification.amount,
                sender: n.notification.sender,
                payload: n.notification.forwardPayload,
              })
            }
            if (stopped !== undefined) break
          }
          for (const g of genuine) {
            const r = yield* readAccount(g.jettonWallet.toRawString())
            if (r === null) break wallets
            for (const tx of r.txs) {
              const credit = creditOf(tx)
              if (credit === null || credit.amount === 0n) continue
              // In "notifications" mode a transfer with forward_ton_amount > 0 also reaches the owner as a
              // notification and is counted there: count it once.
              if (source === "notifications" && credit.forwardTonAmount > 0n) continue
              arrivals.push({
                tx,
                wallet,
                token: g.token.config,
                amount: credit.amount,
                sender: credit.from,
                payload: credit.forwardPayload,
              })
            }
            if (stopped !== undefined) break wallets
          }
        }
        // A memo the first set does not know may belong to a checkout created while the accounts were read:
        // match against a set loaded now, after every transaction matched was read.
        const unknown = arrivals.some((a) => {
          const memo = memoOf(a)
          return memo !== null && memo !== "" && !first.hasMemo(a.wallet, memo)
        })
        const watch = unknown ? yield* loadWatch(watchSource) : first
        rotation.open = openCount === 0 ? 0 : (rotation.open + openRead) % openCount
        rotation.idle = idleCount === 0 ? 0 : (rotation.idle + idleRead) % idleCount
        yield* reportDelay(openCount)
        return {
          events: arrivals.map((a) => eventOf(a, watch)),
          cursor: encodeCursor({ ...parsed, v: 1, accounts }),
          head,
          scannedTo: scannedTo ?? head,
          caughtUp: caughtUp && stopped === undefined,
          ...(stopped === undefined ? {} : { error: stopped }),
        }
      })

    const verify: ChainScanner["verify"] = () =>
      Effect.forEach(
        tokens,
        (t) =>
          client
            .runGetMethod(t.master.toRawString(), "get_jetton_data", [])
            .pipe(
              Effect.flatMap((r) =>
                r.exitCode === 0 && r.stack.length >= 5 && cellOfStackEntry(r.stack[4]) !== null
                  ? Effect.void
                  : Effect.fail(
                      configError(
                        `${t.config.symbol} master ${t.config.contract} is not a jetton master on ${network.id} (get_jetton_data exit ${r.exitCode})`,
                      ),
                    ),
              ),
            ),
        { discard: true },
      )

    const recheck: ChainScanner["recheck"] = (pending, now) =>
      Effect.succeed(
        pending.map(
          (p): PaymentConfirmed => ({
            _tag: "PaymentConfirmed",
            network: p.network,
            txHash: p.txHash,
            logIndex: p.logIndex,
            confirmations: network.confirmations,
            confirmedAt: now,
          }),
        ),
      )

    const jettonWalletOf: TonScanner["jettonWalletOf"] = (master, owner) =>
      Effect.try({
        try: () => ({ m: Address.parse(master), o: Address.parse(owner) }),
        catch: () => configError(`not a TON address: ${master} / ${owner}`),
      }).pipe(
        Effect.flatMap(({ m, o }) => resolver.resolve(m, o)),
        Effect.map((a) => a.toRawString()),
      )

    return {
      network,
      verify,
      scan,
      recheck,
      stats: client.stats,
      jettonWalletOf,
      detectionDelayMs: () => delayMs,
    }
  })

/** `makeTonScanner` with default options, as core's `ChainScannerFactory`. */
export const tonScannerFactory: ChainScannerFactory = (network) => makeTonScanner(network)
