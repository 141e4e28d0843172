import { expect, it } from "vitest"
import * as api from "../src/index.js"

it("public surface (review changes to this list)", () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "JettonTransferV3",
      "JettonTransfersV3",
      "MalformedTransaction",
      "OP_ENCRYPTED_COMMENT",
      "OP_INTERNAL_TRANSFER",
      "OP_JETTON_TRANSFER",
      "OP_TEXT_COMMENT",
      "OP_TRANSFER_NOTIFICATION",
      "TonOptionsSchema",
      "ToncenterTransaction",
      "USDT_MAINNET_MASTER",
      "creditOf",
      "decodeToncenterTransaction",
      "isTonWalletAddress",
      "makeTonScanner",
      "makeToncenterClient",
      "normalizeMemo",
      "notificationOf",
      "parseInternalTransfer",
      "parseJettonTransfer",
      "parseTransferNotification",
      "readForwardPayload",
      "tonFamily",
      "tonMainnet",
      "tonScannerFactory",
      "tonTestnet",
    ]
  `)
})

it("the network file's TON options take the v3 source and the v2 budget, and refuse nonsense", async () => {
  const { Schema, Either } = await import("effect")
  const decode = Schema.decodeUnknownEither(api.TonOptionsSchema, { onExcessProperty: "error" })
  const ok = decode({
    source: "jetton-transfers",
    v3Urls: ["https://toncenter.com/api/v3"],
    settleSeconds: 120,
    pageSize: 1000,
  })
  expect(Either.isRight(ok)).toBe(true)
  expect(Either.isRight(decode({ source: "jetton-wallet", requestsPerSecond: 9.5 }))).toBe(true)
  expect(Either.isLeft(decode({ requestsPerSecond: 0 }))).toBe(true)
  expect(Either.isLeft(decode({ source: "v3" }))).toBe(true)
  expect(Either.isLeft(decode({ v3Urls: ["toncenter.com"] }))).toBe(true)
})
