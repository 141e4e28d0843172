/**
 * A real Inzi server for the client's tests: `startServer` from @inzi/server on an ephemeral port over an
 * in-memory PGlite database, with merchants and API keys created through core's store port (as the CLI does).
 */
import { EVM_PRESETS } from "@inzi/adapter-evm"
import { issueApiKey, type Mode, registerMerchant } from "@inzi/core"
import { readEnv } from "@inzi/platform"
import { startServer } from "@inzi/server"
import { Effect } from "effect"
import { HDNodeWallet, Mnemonic } from "ethers"

/** The BIP-39 test mnemonic "abandon … about": public, never funded; merchants get its account xpubs. */
const ROOT = HDNodeWallet.fromSeed(
  Mnemonic.fromPhrase(
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
  ).computeSeed(),
)

/** Account-level EVM xpub `m/44'/60'/<account>'` (each merchant its own: addresses must never collide). */
export const evmXpub = (account: number): string =>
  ROOT.derivePath(`m/44'/60'/${account}'`).neuter().extendedKey

export interface TestMerchant {
  readonly id: string
  readonly webhookSecret: string
  /** A fresh API key of this merchant (each test takes its own: the rate limit is per key). */
  readonly key: (mode: Mode) => Promise<string>
}

export interface TestServer {
  readonly url: string
  readonly merchant: () => Promise<TestMerchant>
  readonly close: () => Promise<void>
}

export const startTestServer = async (opts: { readonly rateLimit: number }): Promise<TestServer> => {
  const env = readEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    INZI_DATA_DIR: "memory://",
    INZI_RATE_LIMIT: String(opts.rateLimit),
    LOG_LEVEL: process.env.INZI_TEST_LOG_LEVEL ?? "error",
  })
  const s = await startServer({ env, networks: [EVM_PRESETS.devnet, EVM_PRESETS.base] })
  let n = 0
  const merchant = () =>
    s.runtime.runPromise(
      Effect.gen(function* () {
        const { id, webhookSecret } = yield* registerMerchant({
          name: `Client test shop ${n}`,
          payoutKeys: { evm: evmXpub(n) },
        })
        const key = (mode: Mode) =>
          s.runtime.runPromise(
            Effect.gen(function* () {
              return (yield* issueApiKey(id, mode)).key
            }),
          )
        n++
        return { id, webhookSecret, key }
      }),
    )
  return { url: s.url, merchant, close: () => s.close() }
}
