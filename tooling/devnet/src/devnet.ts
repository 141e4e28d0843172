import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { Interface, getAddress } from "ethers"
import { DEPLOYER, DEVNET_ACCOUNTS, type DevnetAccount, PAYER } from "./accounts.js"
import { TestToken } from "./contracts.js"
import {
  DEVNET_TOKEN_SPECS,
  type DevnetToken,
  type DevnetTokenKey,
  PAYER_SUPPLY_WHOLE_TOKENS,
} from "./tokens.js"

// Hardhat must never prompt or phone home: we do not go through its CLI (where the telemetry prompt and
// analytics live), and we set the documented opt-outs anyway for any code path that reads them.
process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT ??= "true"
process.env.HARDHAT_HIDE_SOLIDITY_SURVEY_MESSAGE ??= "true"
process.env.HARDHAT_ENABLE_SENTRY ??= "false"

const require = createRequire(import.meta.url)

export const DEVNET_CHAIN_ID = 31337

export interface StartDevnetOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number
  /** Also mine a block every `blockTimeMs` ms (interval mining), so confirmations grow on their own. */
  readonly blockTimeMs?: number
  /** Mine every transaction at once (default true). With false, blocks come from `mine` or the interval. */
  readonly automine?: boolean
}

export interface Devnet {
  readonly rpcUrl: string
  readonly port: number
  readonly chainId: number
  readonly tokens: Readonly<Record<DevnetTokenKey, DevnetToken>>
  /** Funded with every test token (and ETH for gas). */
  readonly payer: DevnetAccount
  readonly accounts: ReadonlyArray<DevnetAccount>
  /** Milliseconds `startDevnet` took. */
  readonly startupMs: number
  /** Mine `n` blocks (default 1) at once; returns the new head. */
  readonly mine: (n?: number) => Promise<bigint>
  readonly blockNumber: () => Promise<bigint>
  /** `evm_snapshot`: an id to `revert` to. A snapshot can be reverted to once. */
  readonly snapshot: () => Promise<string>
  /** `evm_revert`: drops every block after the snapshot (a reorg, as seen by a watcher). */
  readonly revert: (id: string) => Promise<boolean>
  readonly setAutomine: (on: boolean) => Promise<void>
  /** Raw JSON-RPC to the node, in-process. */
  readonly request: (method: string, params?: ReadonlyArray<unknown>) => Promise<unknown>
  readonly stop: () => Promise<void>
}

interface Eip1193 {
  request(args: { method: string; params?: ReadonlyArray<unknown> }): Promise<unknown>
}
interface HardhatJsonRpcServer {
  listen(): Promise<AddressInfo>
  close(): Promise<void>
}

const toQuantity = (n: bigint | number): string => `0x${BigInt(n).toString(16)}`

/**
 * Starts a Hardhat 2 (EDR) node in this process, listening on 127.0.0.1, deploys the test tokens at their
 * fixed addresses and funds the payer. No network access: no fork, no compiler download, no CLI.
 *
 * @example
 * const devnet = await startDevnet()
 * await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT.address, to, amount: 25_000_000n })
 * await devnet.mine(12)
 * await devnet.stop()
 */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const started = performance.now()
  const defaults = require("hardhat/internal/core/config/default-config.js")
  const { createHardhatNetworkProvider } = require("hardhat/internal/hardhat-network/provider/provider.js")
  const { JsonRpcServer } = require("hardhat/internal/hardhat-network/jsonrpc/server.js")
  const params = defaults.defaultHardhatNetworkParams

  const provider: Eip1193 = await createHardhatNetworkProvider(
    {
      chainId: DEVNET_CHAIN_ID,
      networkId: DEVNET_CHAIN_ID,
      hardfork: params.hardfork,
      blockGasLimit: params.blockGasLimit,
      initialBaseFeePerGas: defaults.HARDHAT_NETWORK_DEFAULT_INITIAL_BASE_FEE_PER_GAS,
      minGasPrice: params.minGasPrice,
      throwOnTransactionFailures: true,
      throwOnCallFailures: true,
      automine: true,
      intervalMining: 0,
      mempoolOrder: "fifo",
      chains: params.chains,
      genesisAccounts: DEVNET_ACCOUNTS.map((a) => ({
        privateKey: a.privateKey,
        balance: defaults.DEFAULT_HARDHAT_NETWORK_BALANCE,
      })),
      allowUnlimitedContractSize: false,
      allowBlocksWithSameTimestamp: false,
      enableTransientStorage: false,
      enableRip7212: false,
    },
    { enabled: false },
    undefined,
  )
  const request = (method: string, params: ReadonlyArray<unknown> = []) =>
    provider.request({ method, params: [...params] })

  await deployTokens(request)

  const automine = options.automine ?? true
  if (!automine) await request("evm_setAutomine", [false])
  if (options.blockTimeMs !== undefined && options.blockTimeMs > 0) {
    await request("evm_setIntervalMining", [options.blockTimeMs])
  }

  const server: HardhatJsonRpcServer = new JsonRpcServer({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    provider,
  })
  const address = await server.listen()
  const rpcUrl = `http://127.0.0.1:${address.port}`
  const tokens = Object.fromEntries(DEVNET_TOKEN_SPECS.map(({ key, ...token }) => [key, token])) as Record<
    DevnetTokenKey,
    DevnetToken
  >

  let stopped = false
  const blockNumber = async () => BigInt((await request("eth_blockNumber")) as string)
  return {
    rpcUrl,
    port: address.port,
    chainId: DEVNET_CHAIN_ID,
    tokens,
    payer: PAYER,
    accounts: DEVNET_ACCOUNTS,
    startupMs: Math.round(performance.now() - started),
    request,
    blockNumber,
    mine: async (n = 1) => {
      await request("hardhat_mine", [toQuantity(n)])
      return blockNumber()
    },
    snapshot: async () => (await request("evm_snapshot")) as string,
    revert: async (id) => (await request("evm_revert", [id])) as boolean,
    setAutomine: async (on) => {
      await request("evm_setAutomine", [on])
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      await request("evm_setIntervalMining", [0]).catch(() => undefined)
      await server.close()
    },
  }
}

async function deployTokens(request: (method: string, params?: ReadonlyArray<unknown>) => Promise<unknown>) {
  const iface = new Interface(TestToken.abi as Array<string>)
  for (const spec of DEVNET_TOKEN_SPECS) {
    const supply = PAYER_SUPPLY_WHOLE_TOKENS * 10n ** BigInt(spec.decimals)
    const args = iface.encodeDeploy([spec.name, spec.symbol, spec.decimals, PAYER.address, supply])
    const hash = (await request("eth_sendTransaction", [
      { from: DEPLOYER.address, data: TestToken.bytecode + args.slice(2), gas: toQuantity(3_000_000) },
    ])) as string
    const receipt = (await request("eth_getTransactionReceipt", [hash])) as { contractAddress: string | null }
    if (receipt.contractAddress === null || getAddress(receipt.contractAddress) !== spec.address) {
      throw new Error(
        `devnet: ${spec.key} deployed at ${receipt.contractAddress}, expected ${spec.address} (deployer nonce moved?)`,
      )
    }
  }
}
