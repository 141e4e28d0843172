import { describe, expect, it } from "vitest"
import * as api from "../src/index.js"

describe("public surface", () => {
  it("exports exactly these names (a change here is an API change)", () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "CURSOR_CHECKPOINTS",
        "EVM_PRESETS",
        "EvmAddressDeriver",
        "EvmNetworkConfigSchema",
        "EvmOptionsSchema",
        "EvmTokenConfigSchema",
        "RangeTooLarge",
        "TRANSFER_TOPIC",
        "classifyRpcError",
        "decodeCursor",
        "decodeEvmNetwork",
        "encodeCursor",
        "evmFamily",
        "evmNetwork",
        "evmScannerFactory",
        "makeEvmRpc",
        "makeEvmScanner",
        "matchTransfers",
        "normalizeEvmAddress",
        "parseQuantity",
        "parseTransferLog",
        "parseTransferLogs",
        "toChecksumAddress",
      ]
    `)
  })
})
