import { type ChainEvent, makeWatchSet, type PaymentObserved } from "@inzi/core"
import { scanToHead } from "@inzi/conformance"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeSolanaScanner, newSolanaReference, type SolanaScannerOptions } from "../src/index.js"
import { FINALITY_DEPTH } from "@inzi/devnet-solana"
import { fast, makeSolanaWorld, type SolanaWorld } from "./support/world.js"

let w: SolanaWorld
const IDLE = newSolanaReference()
beforeAll(async () => {
  w = await makeSolanaWorld()
}, 60_000)
afterAll(() => w.server.stop())

const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const scannerWith = (options: SolanaScannerOptions = {}) =>
  run(makeSolanaScanner(w.network, { ...fast, ...options }))
/** The merchant's wallet with these open references (and one nobody pays, so the wallet is always watched). */
const watching = (...refs: ReadonlyArray<string>) =>
  makeWatchSet({
    addresses: [],
    memos: [...refs, IDLE].map((memo) => ({ wallet: w.merchant.address, memo })),
  })
/** Where a scanner of the merchant's wallet stands now. */
const cursorNow = async () => (await run(scanToHead(await scannerWith(), watching(), null))).cursor
const scanFrom = async (cursor: string, watch = watching(), options: SolanaScannerOptions = {}) =>
  run(scanToHead(await scannerWith(options), watch, cursor))
const money = (events: ReadonlyArray<ChainEvent>) =>
  events.filter((e) => e._tag === "PaymentObserved" || e._tag === "UnmatchedTransfer")
const pay = (amount: bigint, extraKeys: ReadonlyArray<string>, more: { checked?: boolean } = {}) =>
  w.ledger.transfer({
    from: w.payer,
    mint: w.usdc,
    decimals: 6,
    toTokenAccount: w.merchantUsdc,
    amount,
    extraKeys,
    ...more,
  })

describe("Solana scanner on litesvm", () => {
  it("verify() accepts the mint and its decimals, and refuses wrong decimals, a wallet and a missing account", async () => {
    await run((await scannerWith()).verify())
    const check = async (tokens: typeof w.network.tokens) =>
      run(Effect.flip((await run(makeSolanaScanner({ ...w.network, tokens }, fast))).verify()))
    const decimals = await check([{ symbol: "USDC", contract: w.usdc, decimals: 9 }])
    expect(decimals).toMatchObject({
      retryable: false,
      message: expect.stringContaining("has 6 decimals, the config says 9"),
    })
    const wallet = await check([{ symbol: "USDC", contract: w.payer.address, decimals: 6 }])
    expect(wallet).toMatchObject({
      retryable: false,
      message: expect.stringContaining("not the SPL Token program"),
    })
    const missing = await check([{ symbol: "USDC", contract: newSolanaReference(), decimals: 6 }])
    expect(missing).toMatchObject({ retryable: false, message: expect.stringContaining("does not exist") })
  })

  it("a payment without a known reference is unmatched money of the merchant's wallet", async () => {
    const cursor = await cursorNow()
    const ref = newSolanaReference()
    const bare = await pay(4_200_000n, [])
    const unknown = await pay(4_300_000n, [newSolanaReference()])
    const matched = await pay(4_400_000n, [ref])
    const r = await scanFrom(cursor, watching(ref))
    expect(money(r.events).map((e) => [e._tag, e.txHash, "amount" in e ? e.amount : null])).toEqual([
      ["UnmatchedTransfer", bare.signature, 4_200_000n],
      ["UnmatchedTransfer", unknown.signature, 4_300_000n],
      ["PaymentObserved", matched.signature, 4_400_000n],
    ])
    expect(r.events[0]).toMatchObject({
      _tag: "UnmatchedTransfer",
      wallet: w.merchant.address,
      memo: null,
      token: "USDC",
      tokenContract: w.usdc,
      sender: w.payer.address,
      reason: expect.stringContaining("no reference"),
    })
  })

  it("a transfer to another account that lists the reference and the merchant's token account is ignored", async () => {
    const cursor = await cursorNow()
    const ref = newSolanaReference()
    const elsewhere = await w.ledger.openAta(w.attacker, w.attacker.address, w.usdc)
    const decoy = await w.ledger.transfer({
      from: w.payer,
      mint: w.usdc,
      decimals: 6,
      toTokenAccount: elsewhere,
      amount: 9_000_000n,
      extraKeys: [ref, w.merchantUsdc],
    })
    expect(decoy.failed).toBe(false)
    const r = await scanFrom(cursor, watching(ref))
    expect(money(r.events)).toEqual([])
    // It was read (the merchant's token account is among its keys), not missed.
    const again = await pay(1_000_000n, [ref])
    expect(money((await scanFrom(cursor, watching(ref))).events).map((e) => e.txHash)).toEqual([
      again.signature,
    ])
  })

  it("tokens minted into the merchant's token account with a reference are not a payment (no transfer)", async () => {
    const cursor = await cursorNow()
    const ref = newSolanaReference()
    const { getMintToInstruction } = await import("@solana-program/token")
    const ix = getMintToInstruction({
      mint: w.usdc,
      token: w.merchantUsdc,
      mintAuthority: w.issuer,
      amount: 7_000_000n,
    })
    const minted = await w.ledger.send(w.issuer, [
      { ...ix, accounts: [...ix.accounts, { address: ref as never, role: 0 }] },
    ])
    expect(minted.failed).toBe(false)
    expect(money((await scanFrom(cursor, watching(ref))).events)).toEqual([])
  })

  it("a plain `transfer` counts like `transferChecked`; two transfers in one transaction are one credit of their sum", async () => {
    const cursor = await cursorNow()
    const ref = newSolanaReference()
    const plain = await pay(1_230_000n, [ref], { checked: false })
    const r = await scanFrom(cursor, watching(ref))
    expect(money(r.events)).toMatchObject([
      { _tag: "PaymentObserved", txHash: plain.signature, amount: 1_230_000n },
    ])

    const source = await w.ledger.ata(w.payer.address, w.usdc)
    const { getTransferCheckedInstruction } = await import("@solana-program/token")
    const ix = (amount: bigint) =>
      getTransferCheckedInstruction({
        source,
        mint: w.usdc,
        destination: w.merchantUsdc,
        authority: w.payer,
        amount,
        decimals: 6,
      })
    const ref2 = newSolanaReference()
    const first = ix(1_000_000n)
    const two = await w.ledger.send(w.payer, [
      { ...first, accounts: [...first.accounts, { address: ref2 as never, role: 0 }] },
      ix(500_000n),
    ])
    const r2 = await scanFrom(r.cursor, watching(ref2))
    expect(money(r2.events)).toMatchObject([
      { _tag: "PaymentObserved", txHash: two.signature, amount: 1_500_000n },
    ])
  })

  it("confirmed is processing, finalized completes: observed at depth 0, confirmed by recheck once finalized", async () => {
    const cursor = await cursorNow()
    const ref = newSolanaReference()
    const paid = await pay(2_500_000n, [ref])
    const scanner = await scannerWith()
    const r = await run(scanToHead(scanner, watching(ref), cursor))
    const seen = r.events[0] as PaymentObserved
    // head is the cluster's slot (lag metrics), and a caught-up scan stands at it.
    expect(r.last).toMatchObject({
      head: BigInt(w.ledger.head),
      scannedTo: BigInt(w.ledger.head),
      caughtUp: true,
    })
    expect(seen).toMatchObject({
      txHash: paid.signature,
      confirmations: 0,
      blockNumber: BigInt(w.ledger.head),
    })
    const pending = {
      network: seen.network,
      txHash: seen.txHash,
      logIndex: seen.logIndex,
      blockNumber: seen.blockNumber,
      blockHash: null,
      confirmations: 0,
    }
    w.ledger.advance(5)
    expect(await run(scanner.recheck([pending], new Date()))).toEqual([
      {
        _tag: "PaymentConfirmationsUpdated",
        network: seen.network,
        txHash: seen.txHash,
        logIndex: seen.logIndex,
        confirmations: 5,
      },
    ])
    w.ledger.advance(FINALITY_DEPTH)
    expect(await run(scanner.recheck([pending], new Date()))).toMatchObject([
      { _tag: "PaymentConfirmed", txHash: seen.txHash, confirmations: w.network.confirmations },
    ])
    // Read again once finalized, it is complete at once.
    const late = await run(scanToHead(await scannerWith(), watching(ref), cursor))
    expect(late.events[0]).toMatchObject({ txHash: paid.signature, confirmations: w.network.confirmations })
    // completedCommitment "confirmed": complete as soon as confirmed.
    const ref2 = newSolanaReference()
    await pay(2_600_000n, [ref2])
    const eager = await scanFrom(late.cursor, watching(ref2), { completedCommitment: "confirmed" })
    expect(eager.events[0]).toMatchObject({ amount: 2_600_000n, confirmations: w.network.confirmations })
  })

  it("processingCommitment finalized reads only finalized transactions", async () => {
    const cursor = await cursorNow()
    const ref = newSolanaReference()
    const paid = await pay(3_100_000n, [ref])
    const early = await scanFrom(cursor, watching(ref), { processingCommitment: "finalized" })
    expect(money(early.events)).toEqual([])
    w.ledger.advance(FINALITY_DEPTH)
    const later = await scanFrom(early.cursor, watching(ref), { processingCommitment: "finalized" })
    expect(money(later.events).map((e) => e.txHash)).toEqual([paid.signature])
    await expect(
      scannerWith({ processingCommitment: "finalized", completedCommitment: "confirmed" }),
    ).rejects.toThrow(/below processingCommitment/)
  })

  it("a transaction unknown to the cluster is reverted only after its blockhash could no longer land it", async () => {
    const scanner = await scannerWith({ droppedAfterSlots: 150 })
    const ghost = {
      network: w.network.id,
      txHash: "1".repeat(64),
      logIndex: 2,
      blockNumber: BigInt(w.ledger.head),
      blockHash: null,
      confirmations: 0,
    }
    expect(await run(scanner.recheck([ghost], new Date()))).toEqual([])
    w.ledger.advance(150)
    expect(await run(scanner.recheck([ghost], new Date()))).toMatchObject([
      { _tag: "PaymentReverted", txHash: ghost.txHash },
    ])
  })

  it("a wallet seen for the first time is read back `newAccountLookbackSeconds`, older history is skipped", async () => {
    const ref = newSolanaReference()
    const paid = await pay(5_500_000n, [ref])
    const fresh = await run(scanToHead(await scannerWith(), watching(ref), null))
    expect(money(fresh.events).map((e) => e.txHash)).toContain(paid.signature)
    // The same history seen from two days later: nothing within a day of it.
    const later = new Date(Date.now() + 2 * 86_400_000)
    const old = await run(scanToHead(await scannerWith(), watching(ref), null, later))
    expect(money(old.events)).toEqual([])
  })

  it("remote calls do not grow with the number of open references of a wallet", async () => {
    const cursor = await cursorNow()
    const refs = Array.from({ length: 10_000 }, () => newSolanaReference())
    await pay(1_000_001n, [refs[0]!])
    const calls = async (watch: ReturnType<typeof watching>) => {
      const s = await scannerWith()
      await run(scanToHead(s, watch, cursor))
      return s.stats().rpcCalls
    }
    expect(await calls(watching(refs[0]!))).toBe(await calls(watching(...refs)))
  })

  it("an unreadable cursor is a non-retryable error", async () => {
    const scanner = await scannerWith()
    const e = await run(Effect.flip(scanner.scan({ cursor: '{"v":9}', watch: watching(), now: new Date() })))
    expect(e).toMatchObject({ retryable: false, message: expect.stringContaining("invalid Solana cursor") })
  })
})
