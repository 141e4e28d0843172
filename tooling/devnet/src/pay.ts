import { Interface, JsonRpcProvider, Wallet } from "ethers"
import { PAYER } from "./accounts.js"

const ERC20 = new Interface([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
])

export interface PayToParameters {
  readonly rpcUrl: string
  /** Token contract address (or a devnet token). */
  readonly token: string | { readonly address: string }
  readonly to: string
  /** Token base units. */
  readonly amount: bigint
  /** Private key of the sender (default: the devnet payer). */
  readonly from?: string
  /** Wait until the transfer is mined (default true). With false, returns as soon as the node accepted it. */
  readonly wait?: boolean
  /** Give up waiting after this many ms (default 30 000). */
  readonly timeoutMs?: number
}

export interface PayToReturnType {
  readonly txHash: string
  /** Null when `wait: false` and not mined yet. */
  readonly blockNumber: bigint | null
  readonly blockHash: string | null
}

/**
 * Sends an ERC-20 `transfer` from the funded payer (or `from`) and waits for it to be mined.
 * Used by `inzi pay` and the tests.
 *
 * @example
 * const { txHash, blockNumber } = await payTo({ rpcUrl, token: devnet.tokens.USDT, to: depositAddress, amount: 25_000_000n })
 */
export async function payTo(params: PayToParameters): Promise<PayToReturnType> {
  const provider = new JsonRpcProvider(params.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true })
  try {
    const wallet = new Wallet(params.from ?? PAYER.privateKey, provider)
    const token = typeof params.token === "string" ? params.token : params.token.address
    const tx = await wallet.sendTransaction({
      to: token,
      data: ERC20.encodeFunctionData("transfer", [params.to, params.amount]),
      gasLimit: 100_000n,
    })
    if (params.wait === false) return { txHash: tx.hash, blockNumber: null, blockHash: null }
    const deadline = Date.now() + (params.timeoutMs ?? 30_000)
    for (;;) {
      const receipt = (await provider.send("eth_getTransactionReceipt", [tx.hash])) as {
        blockNumber: string
        blockHash: string
        status: string
      } | null
      if (receipt !== null) {
        if (receipt.status !== "0x1") throw new Error(`transfer ${tx.hash} reverted`)
        return { txHash: tx.hash, blockNumber: BigInt(receipt.blockNumber), blockHash: receipt.blockHash }
      }
      if (Date.now() > deadline)
        throw new Error(`transfer ${tx.hash} not mined after ${params.timeoutMs ?? 30_000} ms`)
      await new Promise((r) => setTimeout(r, 25))
    }
  } finally {
    provider.destroy()
  }
}

/** ERC-20 `balanceOf` in base units. */
export async function balanceOf(params: {
  readonly rpcUrl: string
  readonly token: string | { readonly address: string }
  readonly owner: string
}): Promise<bigint> {
  const provider = new JsonRpcProvider(params.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true })
  try {
    const token = typeof params.token === "string" ? params.token : params.token.address
    const out = await provider.send("eth_call", [
      { to: token, data: ERC20.encodeFunctionData("balanceOf", [params.owner]) },
      "latest",
    ])
    return BigInt(out as string)
  } finally {
    provider.destroy()
  }
}
