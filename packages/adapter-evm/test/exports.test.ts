import { describe, expect, it } from "vitest"
import * as api from "../src/index.js"

describe("public surface", () => {
  it("exports exactly these names (a change here is an API change)", () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "CURSOR_CHECKPOINTS",
        "DEFAULT_GAS_MARGIN_PERCENT",
        "EVM_PRESETS",
        "EvmAddressDeriver",
        "EvmNetworkConfigSchema",
        "EvmOptionsSchema",
        "EvmTokenConfigSchema",
        "NATIVE_TRANSFER_GAS",
        "RangeTooLarge",
        "RpcError",
        "TRANSFER_TOPIC",
        "classifyRpcError",
        "decodeCursor",
        "decodeEvmNetwork",
        "encodeCursor",
        "evmFamily",
        "evmNetwork",
        "evmScannerFactory",
        "evmSweepRunner",
        "makeEvmRpc",
        "makeEvmScanner",
        "makeJsonRpc",
        "matchTransfers",
        "normalizeEvmAddress",
        "parseQuantity",
        "parseTransferLog",
        "parseTransferLogs",
        "planEvm",
        "runEvm",
        "toChecksumAddress",
      ]
    `)
  })
})
