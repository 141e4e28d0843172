/** Child process: the local EVM devnet (Hardhat), so its CPU is not the gateway's. Interval mining 1 s. */
import { startDevnet } from "@inzi/devnet"
import { signalReady } from "../lib/proc.js"

const devnet = await startDevnet({ port: 0, blockTimeMs: Number(process.argv[2] ?? 1000) })
process.on("SIGTERM", () => {
  devnet.stop().finally(() => process.exit(0))
})
signalReady({
  rpcUrl: devnet.rpcUrl,
  usdt: devnet.tokens.USDT.address,
  decimals: devnet.tokens.USDT.decimals,
})
