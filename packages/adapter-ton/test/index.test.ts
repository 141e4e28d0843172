import { expect, it } from "vitest"
import * as api from "../src/index.js"

it("public surface (review changes to this list)", () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "MalformedTransaction",
      "OP_ENCRYPTED_COMMENT",
      "OP_INTERNAL_TRANSFER",
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
      "parseTransferNotification",
      "readForwardPayload",
      "tonFamily",
      "tonMainnet",
      "tonScannerFactory",
      "tonTestnet",
    ]
  `)
})
