import { HDNodeWallet, Interface, JsonRpcProvider, getAddress } from "ethers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  DEVNET_ACCOUNTS,
  DEVNET_MNEMONIC,
  DEVNET_TOKENS,
  type Devnet,
  PAYER_SUPPLY_WHOLE_TOKENS,
  balanceOf,
  payTo,
  startDevnet,
} from "../src/index.js"

const ERC20 = new Interface([
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
])
const RECIPIENT = "0x00000000000000000000000000000000000000aa"

describe("devnet", () => {
  let devnet: Devnet
  beforeAll(async () => {
    devnet = await startDevnet()
  })
  afterAll(() => devnet?.stop())

  it("starts fast on 127.0.0.1 with a free port", () => {
    expect(devnet.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(devnet.port).toBeGreaterThan(0)
    expect(devnet.chainId).toBe(31337)
    // Measured ≈ 0.3 s on the 2-core dev box; the bound only catches a pathological regression.
    expect(devnet.startupMs).toBeLessThan(10_000)
  })

  it("answers JSON-RPC over HTTP", async () => {
    const provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true })
    try {
      expect(await provider.send("eth_chainId", [])).toBe("0x7a69")
    } finally {
      provider.destroy()
    }
  })

  it("deploys the tokens at fixed addresses with the right symbol and decimals", async () => {
    expect(devnet.tokens).toEqual(DEVNET_TOKENS)
    for (const token of Object.values(devnet.tokens)) {
      const decimals = await devnet.request("eth_call", [
        { to: token.address, data: ERC20.encodeFunctionData("decimals") },
        "latest",
      ])
      const symbol = await devnet.request("eth_call", [
        { to: token.address, data: ERC20.encodeFunctionData("symbol") },
        "latest",
      ])
      expect(Number(BigInt(decimals as string))).toBe(token.decimals)
      expect(ERC20.decodeFunctionResult("symbol", symbol as string)[0]).toBe(token.symbol)
    }
    expect(devnet.tokens.FAKE_USDT.symbol).toBe(devnet.tokens.USDT.symbol)
    expect(devnet.tokens.FAKE_USDT.decimals).toBe(devnet.tokens.USDT.decimals)
    expect(devnet.tokens.FAKE_USDT.address).not.toBe(devnet.tokens.USDT.address)
    expect(devnet.tokens.USDT18.decimals).toBe(18)
  })

  it("funds the payer with every token", async () => {
    for (const token of Object.values(devnet.tokens)) {
      const balance = await balanceOf({ rpcUrl: devnet.rpcUrl, token, owner: devnet.payer.address })
      expect(balance).toBeGreaterThan(0n)
      expect(balance).toBeLessThanOrEqual(PAYER_SUPPLY_WHOLE_TOKENS * 10n ** BigInt(token.decimals))
    }
  })

  it("uses the well-known Hardhat accounts of the test mnemonic", () => {
    DEVNET_ACCOUNTS.forEach((account, i) => {
      const wallet = HDNodeWallet.fromPhrase(DEVNET_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`)
      expect(account.address).toBe(wallet.address)
      expect(account.privateKey).toBe(wallet.privateKey)
    })
  })

  it("payTo transfers tokens and returns the mined block", async () => {
    const before = await balanceOf({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDC, owner: RECIPIENT })
    const paid = await payTo({
      rpcUrl: devnet.rpcUrl,
      token: devnet.tokens.USDC,
      to: RECIPIENT,
      amount: 1_234_567n,
    })
    expect(paid.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(paid.blockNumber).toBe(await devnet.blockNumber())
    const after = await balanceOf({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDC, owner: RECIPIENT })
    expect(after - before).toBe(1_234_567n)
  })

  it("mines blocks on demand", async () => {
    const head = await devnet.blockNumber()
    expect(await devnet.mine(5)).toBe(head + 5n)
  })

  it("reorgs with snapshot/revert: the payment's block and receipt disappear", async () => {
    const id = await devnet.snapshot()
    const paid = await payTo({ rpcUrl: devnet.rpcUrl, token: devnet.tokens.USDT, to: RECIPIENT, amount: 7n })
    expect(await devnet.request("eth_getTransactionReceipt", [paid.txHash])).not.toBeNull()
    expect(await devnet.revert(id)).toBe(true)
    expect(await devnet.request("eth_getTransactionReceipt", [paid.txHash])).toBeNull()
    await devnet.mine(1)
    const block = (await devnet.request("eth_getBlockByNumber", [
      `0x${paid.blockNumber!.toString(16)}`,
      false,
    ])) as {
      hash: string
    }
    expect(block.hash).not.toBe(paid.blockHash)
  })

  it("puts two transfers in one block when automine is off", async () => {
    await devnet.setAutomine(false)
    try {
      const a = await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: RECIPIENT,
        amount: 1n,
        wait: false,
      })
      const b = await payTo({
        rpcUrl: devnet.rpcUrl,
        token: devnet.tokens.USDT,
        to: RECIPIENT,
        amount: 2n,
        wait: false,
      })
      expect(a.blockNumber).toBeNull()
      const head = await devnet.mine(1)
      const ra = (await devnet.request("eth_getTransactionReceipt", [a.txHash])) as { blockNumber: string }
      const rb = (await devnet.request("eth_getTransactionReceipt", [b.txHash])) as { blockNumber: string }
      expect(BigInt(ra.blockNumber)).toBe(head)
      expect(BigInt(rb.blockNumber)).toBe(head)
    } finally {
      await devnet.setAutomine(true)
    }
  })
})

describe("devnet with interval mining", () => {
  it("mines blocks on its own and gives the same token addresses", async () => {
    const devnet = await startDevnet({ blockTimeMs: 50 })
    try {
      expect(getAddress(devnet.tokens.USDT.address)).toBe(DEVNET_TOKENS.USDT.address)
      const start = await devnet.blockNumber()
      const deadline = Date.now() + 10_000
      while ((await devnet.blockNumber()) < start + 3n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(await devnet.blockNumber()).toBeGreaterThanOrEqual(start + 3n)
    } finally {
      await devnet.stop()
    }
  })
})
