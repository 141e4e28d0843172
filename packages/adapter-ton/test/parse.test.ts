import { readFileSync } from "node:fs"
import { Address, beginCell, Cell } from "@ton/core"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  creditOf,
  decodeToncenterTransaction,
  normalizeMemo,
  notificationOf,
  parseInternalTransfer,
  parseTransferNotification,
  ToncenterTransaction,
} from "../src/index.js"

const fixturePath = new URL(
  "../../../tooling/fixtures/ton/toncenter_v2_getTransactions_item_jetton_transfer_notification.json",
  import.meta.url,
)
const fixture = JSON.parse(readFileSync(fixturePath, "utf8"))

describe("the recorded toncenter v2 transaction (real data)", () => {
  const tx = decodeToncenterTransaction(Schema.decodeUnknownSync(ToncenterTransaction)(fixture))

  it("decodes the data BOC and checks it against transaction_id", () => {
    expect(tx.lt).toBe(22838801000001n)
    expect(Buffer.from(tx.hash, "hex").toString("base64")).toBe(
      "aUdQDGIcWZq08gSzYD0Bkni3v/KHu9PojqgBf5/Oln4=",
    )
    expect(tx.utime).toBe(1718942823)
  })

  it("is aborted (undeployed owner wallet, no gas) and yet carries a valid jetton notification", () => {
    expect(tx.aborted).toBe(true)
    expect(tx.succeeded).toBe(false)
    const n = notificationOf(tx)
    expect(n).not.toBeNull()
    expect(n!.jettonWallet.toRawString()).toBe(
      "0:96649a8f62655bb26ee58ce80cda5c42b644b7732639d6602240f02ff75c03ab",
    )
    expect(n!.jettonWallet.equals(Address.parse(fixture.in_msg.source))).toBe(true)
    expect(n!.notification.queryId).toBe(6083770387200273746n)
    expect(n!.notification.amount).toBe(10000000000n)
    expect(n!.notification.sender?.toRawString()).toBe(
      "0:9bd705c0ef158165067a082fcbb34a406e975f47fffec8c62a490ba74cf0b4d8",
    )
    expect(n!.notification.forwardPayload).toEqual({
      kind: "text",
      text: "7ade4478ebe27e4272de295952b307f1b1affe6a070fa8accf594c14d75f1df4",
    })
  })

  it("the JSON in_msg body is the same cell as the one inside the data BOC", () => {
    const body = Cell.fromBase64(fixture.in_msg.msg_data.body)
    expect(body.hash().toString("base64")).toBe(fixture.in_msg.body_hash)
    expect(body.equals(tx.inMessage!.body)).toBe(true)
  })

  it("refuses a data BOC that does not hash to transaction_id", () => {
    const forged = {
      ...fixture,
      transaction_id: { ...fixture.transaction_id, hash: Buffer.alloc(32).toString("base64") },
    }
    expect(() => decodeToncenterTransaction(Schema.decodeUnknownSync(ToncenterTransaction)(forged))).toThrow(
      /hash/,
    )
  })
})

describe("forward payload variants (cells built with @ton/core)", () => {
  const sender = Address.parseRaw("0:9bd705c0ef158165067a082fcbb34a406e975f47fffec8c62a490ba74cf0b4d8")
  const head = () =>
    beginCell().storeUint(0x7362d09c, 32).storeUint(7, 64).storeCoins(25_000_000n).storeAddress(sender)

  it("inline text comment", () => {
    const body = head().storeBit(false).storeUint(0, 32).storeStringTail("k7p2m9qx").endCell()
    expect(parseTransferNotification(body)?.forwardPayload).toEqual({ kind: "text", text: "k7p2m9qx" })
  })
  it("comment in a reference cell, continuing over snake refs", () => {
    const long = "A".repeat(200)
    const payload = beginCell().storeUint(0, 32).storeStringTail(long).endCell()
    const body = head().storeBit(true).storeRef(payload).endCell()
    expect(parseTransferNotification(body)?.forwardPayload).toEqual({ kind: "text", text: long })
  })
  it("no payload, with and without the Either bit", () => {
    expect(parseTransferNotification(head().endCell())?.forwardPayload).toEqual({ kind: "none" })
    expect(parseTransferNotification(head().storeBit(false).endCell())?.forwardPayload).toEqual({
      kind: "none",
    })
  })
  it("encrypted and binary payloads are not comments", () => {
    const enc = head().storeBit(false).storeUint(0x2167da4b, 32).storeUint(1, 64).endCell()
    expect(parseTransferNotification(enc)?.forwardPayload).toEqual({ kind: "encrypted" })
    const bin = head().storeBit(false).storeUint(0xdeadbeef, 32).endCell()
    expect(parseTransferNotification(bin)?.forwardPayload).toEqual({ kind: "binary", op: 0xdeadbeef })
  })
  it("other ops and truncated bodies are not notifications", () => {
    expect(parseTransferNotification(beginCell().storeUint(0x0f8a7ea5, 32).endCell())).toBeNull()
    expect(
      parseTransferNotification(beginCell().storeUint(0x7362d09c, 32).storeUint(1, 8).endCell()),
    ).toBeNull()
    expect(parseTransferNotification(beginCell().endCell())).toBeNull()
  })
  it("internal_transfer with forward_ton_amount 0", () => {
    const body = beginCell()
      .storeUint(0x178d4519, 32)
      .storeUint(1, 64)
      .storeCoins(5n)
      .storeAddress(sender)
      .storeAddress(null)
      .storeCoins(0n)
      .storeBit(true)
      .storeRef(beginCell().storeUint(0, 32).storeStringTail("MEMO1234").endCell())
      .endCell()
    const t = parseInternalTransfer(body)
    expect(t?.amount).toBe(5n)
    expect(t?.forwardTonAmount).toBe(0n)
    expect(t?.from?.equals(sender)).toBe(true)
    expect(t?.responseAddress).toBeNull()
    expect(t?.forwardPayload).toEqual({ kind: "text", text: "MEMO1234" })
  })
})

describe("normalizeMemo", () => {
  it("trims and upper-cases, nothing else", () => {
    expect(normalizeMemo("  k7p2m9qx\n")).toBe("K7P2M9QX")
    expect(normalizeMemo("K7P2 M9QX")).toBe("K7P2 M9QX")
  })
})

describe("a data BOC newer than @ton/core", () => {
  it("falls back to toncenter's in_msg JSON for notifications, and never reports a credit from it", () => {
    // A cell that is not a Transaction, whose hash toncenter nevertheless reports as the transaction's.
    const data = beginCell().storeUint(0xffff, 16).endCell()
    const json = {
      ...fixture,
      data: data.toBoc().toString("base64"),
      transaction_id: { ...fixture.transaction_id, hash: data.hash().toString("base64") },
    }
    const tx = decodeToncenterTransaction(Schema.decodeUnknownSync(ToncenterTransaction)(json))
    expect(tx.decodedFrom).toBe("json")
    expect(tx.succeeded).toBe(false)
    expect(notificationOf(tx)?.notification.amount).toBe(10000000000n)
    expect(creditOf(tx)).toBeNull()
  })
})

describe("isTonWalletAddress", () => {
  it("accepts friendly and raw forms, refuses typos and garbage", async () => {
    const { isTonWalletAddress } = await import("../src/index.js")
    expect(isTonWalletAddress("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs")).toBe(true)
    expect(isTonWalletAddress("0:417aa856918d9289f3482511bbfee985a91ea48d3a7aa1221dc955cd0138b1b9")).toBe(
      true,
    )
    expect(isTonWalletAddress("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDt")).toBe(false)
    expect(isTonWalletAddress("not a wallet")).toBe(false)
    expect(isTonWalletAddress("")).toBe(false)
  })
})
