import { ChainError, type NetworkConfig, type TokenConfig } from "@inzi/core"
import { Address, Cell } from "@ton/core"
import { Effect, Either } from "effect"
import type { MasterCursor } from "./cursor.js"
import { type ForwardPayload, parseJettonTransfer, readPayload } from "./jetton.js"
import type { makeJettonWalletResolver } from "./jetton-wallet.js"
import type { ToncenterClient } from "./toncenter.js"
import { decodeToncenterTransaction } from "./transaction.js"
import type { JettonTransferV3 } from "./v3.js"

/** A jetton arrival read from the chain, before it is matched (shared by every source). */
export interface Arrival {
  readonly tx: { readonly hash: string; readonly utime: number }
  readonly wallet: string
  readonly token: TokenConfig
  readonly amount: bigint
  readonly sender: Address | null
  readonly payload: ForwardPayload
}

export interface MasterScan {
  readonly arrivals: ReadonlyArray<Arrival>
  readonly state: MasterCursor
  readonly caughtUp: boolean
  readonly head: bigint
  /** A later page failed: `arrivals` and `state` cover the pages read before it. */
  readonly error?: ChainError | undefined
}

export interface TransfersSourceSettings {
  readonly network: NetworkConfig
  readonly client: ToncenterClient
  readonly resolver: ReturnType<typeof makeJettonWalletResolver>
  readonly pageSize: number
  readonly maxPages: number
  readonly settleSeconds: number
}

const hexOf = (base64: string): string => Buffer.from(base64, "base64").toString("hex")
const parseAddress = (s: string): Address | null => {
  try {
    return Address.parse(s)
  } catch {
    return null
  }
}

/**
 * The `"jetton-transfers"` source: every transfer of one jetton master since the master's cursor, read from
 * toncenter v3 in pages of up to `pageSize` (one call per page whatever the number of merchants), matched
 * locally against the watched wallets (`wallets`: raw form → the string as the watch set holds it).
 *
 * A transfer counts only when `source_wallet` is the master's own answer to `get_wallet_address(source)`
 * (cached): toncenter's `jetton_master` label is not trusted. Its payload comes from `forward_payload`; when
 * that is null (toncenter keeps only a payload sent in a reference cell) the sender's transaction is read once
 * through toncenter v2 and the payload taken from its `transfer` body, checked against the record.
 */
export const scanMaster = (
  settings: TransfersSourceSettings,
  token: { readonly config: TokenConfig; readonly master: Address },
  prev: MasterCursor,
  wallets: ReadonlyMap<string, string>,
) =>
  Effect.gen(function* () {
    const { client, resolver, network, pageSize, maxPages, settleSeconds } = settings
    const master = token.master.toRawString()
    let state = prev
    if (state.start !== undefined) {
      // A fresh start: the floor goes to the newest transfer before the start (by time: the lt of transfers
      // of one second is in no order); the ones between it and the start are skipped by `since`.
      const before = yield* client.getJettonTransfers({
        jettonMaster: master,
        limit: 1,
        sort: "desc",
        endUtime: state.start - 1,
      })
      state = { floor: before.jetton_transfers[0]?.transaction_lt ?? "0", since: state.start, seen: [] }
    }
    let start = state.resume ?? { lt: state.floor, skip: 0 }
    const rows: Array<JettonTransferV3> = []
    const read = new Set<string>()
    let reachedEnd = false
    let stopped: ChainError | undefined
    for (let pages = 0; pages < maxPages && !reachedEnd; pages++) {
      const page = yield* Effect.either(
        client.getJettonTransfers({
          jettonMaster: master,
          limit: pageSize,
          sort: "asc",
          startLt: BigInt(start.lt),
          offset: start.skip,
        }),
      )
      if (Either.isLeft(page)) {
        if (pages === 0) return yield* Effect.fail(page.left)
        stopped = page.left
        break
      }
      const list = page.right.jetton_transfers
      for (const row of list) {
        if (read.has(row.transaction_hash)) continue
        read.add(row.transaction_hash)
        rows.push(row)
      }
      const last = list[list.length - 1]
      if (list.length < pageSize || last === undefined) {
        reachedEnd = true
        break
      }
      // Next page: from the last lt again, past the transfers of that lt already read (lt is not unique
      // across accounts, so a page can end in the middle of one lt).
      const atLast = list.filter((r) => r.transaction_lt === last.transaction_lt).length
      start = {
        lt: last.transaction_lt,
        skip: last.transaction_lt === start.lt ? start.skip + atLast : atLast,
      }
    }

    const seen = new Set(state.seen.map((s) => s.hash))
    const arrivals: Array<Arrival> = []
    const reported: Array<{ lt: string; hash: string }> = []
    for (const row of rows) {
      if (row.transaction_aborted) continue
      if (state.since !== undefined && row.transaction_now < state.since) continue
      const destination = parseAddress(row.destination)
      const wallet = destination === null ? undefined : wallets.get(destination.toRawString())
      if (wallet === undefined) continue
      const hash = hexOf(row.transaction_hash)
      if (seen.has(hash)) continue
      const amount = /^\d+$/.test(row.amount) ? BigInt(row.amount) : 0n
      const labelled = parseAddress(row.jetton_master)
      const source = parseAddress(row.source)
      const sourceWallet = parseAddress(row.source_wallet)
      if (amount === 0n || labelled === null || !labelled.equals(token.master)) continue
      if (source === null || sourceWallet === null) continue
      const resolved = yield* Effect.either(resolver.resolve(token.master, source))
      if (Either.isLeft(resolved)) {
        // The master has no wallet to name for this sender: nothing proves the transfer genuine.
        if (resolved.left.retryable) return yield* Effect.fail(resolved.left)
        yield* Effect.logWarning(`TON scanner: ignored transfer ${hash}: ${resolved.left.message}`)
        continue
      }
      if (!resolved.right.equals(sourceWallet)) {
        // A look-alike (or a mislabelled record): never a payment, not even an unmatched one.
        yield* Effect.logDebug(
          `TON scanner: ignored transfer ${hash}: ${row.source_wallet} is not ${network.id}'s ${token.config.symbol} wallet of its sender`,
        )
        continue
      }
      const payload =
        row.forward_payload !== null
          ? payloadOfRef(row.forward_payload)
          : yield* payloadFromTransaction(settings, row, sourceWallet, destination!, amount)
      if (payload === null) continue
      seen.add(hash)
      reported.push({ lt: row.transaction_lt, hash })
      arrivals.push({
        tx: { hash, utime: row.transaction_now },
        wallet,
        token: token.config,
        amount,
        sender: source,
        payload,
      })
    }

    let head = 0n
    let maxNow = 0
    for (const r of rows) {
      if (BigInt(r.transaction_lt) > head) head = BigInt(r.transaction_lt)
      if (r.transaction_now > maxNow) maxNow = r.transaction_now
    }
    let floor = BigInt(state.floor)
    if (reachedEnd && rows.length > 0 && stopped === undefined) {
      // Transfers older than the settle window before the newest one read are final in the index; from the
      // oldest transfer inside it on, the range is read again next time.
      const windowStart = maxNow - settleSeconds
      if (rows[0]!.transaction_now < windowStart) {
        let oldest: bigint | null = null
        for (const r of rows)
          if (r.transaction_now >= windowStart && (oldest === null || BigInt(r.transaction_lt) < oldest))
            oldest = BigInt(r.transaction_lt)
        if (oldest !== null && oldest > floor) floor = oldest
      }
    }
    const next: MasterCursor = {
      floor: floor.toString(),
      ...(state.since === undefined ? {} : { since: state.since }),
      seen: [...state.seen, ...reported].filter((s) => BigInt(s.lt) >= floor),
      ...(reachedEnd ? {} : { resume: start }),
    }
    return {
      arrivals,
      state: next,
      caughtUp: reachedEnd,
      head,
      ...(stopped === undefined ? {} : { error: stopped }),
    } satisfies MasterScan
  })

const payloadOfRef = (boc: string): ForwardPayload => {
  try {
    return readPayload(Cell.fromBase64(boc).beginParse())
  } catch {
    return { kind: "binary", op: null }
  }
}

/**
 * The payload of a transfer whose record has none: toncenter v3 drops an inline `forward_payload`, so the
 * sender's jetton wallet transaction is read (toncenter v2, lt + hash, hash-checked BOC) and its `transfer`
 * body decoded. Null when that transaction does not say what the record says (the transfer is then skipped).
 */
const payloadFromTransaction = (
  settings: TransfersSourceSettings,
  row: JettonTransferV3,
  sourceWallet: Address,
  destination: Address,
  amount: bigint,
) =>
  Effect.gen(function* () {
    const { client, network } = settings
    const page = yield* client.getTransactions({
      address: sourceWallet.toRawString(),
      limit: 1,
      lt: BigInt(row.transaction_lt),
      hashBase64: row.transaction_hash,
    })
    const json = page[0]
    const fail = (why: string) =>
      new ChainError({
        network: network.id,
        message: `toncenter: transaction ${row.transaction_hash} of ${row.source_wallet}: ${why}`,
        retryable: true,
      })
    if (json === undefined || json.transaction_id.hash !== row.transaction_hash)
      return yield* Effect.fail(fail("not served by toncenter v2 yet"))
    const tx = yield* Effect.try({
      try: () => decodeToncenterTransaction(json),
      catch: (e) => fail(String(e)),
    })
    const m = tx.inMessage
    const body = m === null || m.bounced || tx.aborted ? null : parseJettonTransfer(m.body)
    if (
      body === null ||
      body.amount !== amount ||
      body.destination === null ||
      !body.destination.equals(destination)
    ) {
      yield* Effect.logWarning(
        `TON scanner (${network.id}): transfer ${row.transaction_hash} disagrees with its transaction; skipped`,
      )
      return null
    }
    return body.forwardPayload
  })
