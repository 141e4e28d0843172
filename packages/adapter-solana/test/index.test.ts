import { expect, it } from "vitest"
import * as api from "../src/index.js"

it("public surface (review changes to this list)", () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "SOLANA_DEVNET",
      "SOLANA_MAINNET",
      "SOLANA_PAY_MAX_URI",
      "SolanaOptionsSchema",
      "USDC_DEVNET_MINT",
      "USDC_MAINNET_MINT",
      "USDT_MAINNET_MINT",
      "accountKeysOf",
      "associatedTokenAccount",
      "creditOf",
      "isSolanaAddress",
      "makeSolanaRpc",
      "makeSolanaScanner",
      "newSolanaReference",
      "parseSolanaAddress",
      "solanaFamily",
      "solanaPayAmount",
      "solanaPayRequest",
      "solanaPayUri",
      "solanaReferenceWith",
    ]
  `)
})
