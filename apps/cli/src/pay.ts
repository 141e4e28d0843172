import { readHolder } from "@inzi/adapter-postgres/dataDir"
import { parseUnits } from "@inzi/core"
import { type Args, str, UsageError } from "./args.js"
import type { DevAnnouncement } from "./dev.js"
import { loadDevnet } from "./devnet.js"
import { jsonText, terminalSafe } from "./text.js"

interface PublicOption {
  readonly network: string
  readonly crypto_currency: string
  readonly amount_crypto: string
  readonly address: string
}

/**
 * `inzi pay <checkout id>`: pays a checkout on the local devnet from the funded payer account. It reads the
 * deposit address and amount from the running server's public status endpoint (no API key needed). The server
 * and devnet addresses come from flags, else from the running `inzi dev` (announced in its data folder's lock).
 */
export const runPay = async (args: Args) => {
  const id = args.positionals[0]
  if (!id || !/^chk_(live|test)_[a-z0-9]{24}$/.test(id))
    throw new UsageError("pay needs a checkout id (chk_test_…)")
  const dev = readHolder(process.env.INZI_DATA_DIR || "./.inzi")?.extra.dev as DevAnnouncement | undefined
  const publicUrl = (
    str(args, "server") ??
    dev?.publicUrl ??
    process.env.PUBLIC_URL ??
    `http://127.0.0.1:${process.env.PORT ?? 3000}`
  ).replace(/\/+$/, "")
  const rpcUrl =
    str(args, "rpc-url") ?? dev?.rpcUrl ?? `http://127.0.0.1:${process.env.INZI_DEVNET_PORT ?? 8545}`
  const network = str(args, "network") ?? "devnet"
  const symbol = (str(args, "token") ?? "USDT").toUpperCase()
  const { DEVNET_TOKENS, payTo } = await loadDevnet()
  const token = (DEVNET_TOKENS as Record<string, { address: string; decimals: number }>)[symbol]
  if (token === undefined)
    throw new UsageError(`--token must be one of ${Object.keys(DEVNET_TOKENS).join(", ")}`)
  const res = await fetch(`${publicUrl}/p/${id.slice(-24)}/status`).catch((e: unknown) => {
    throw new Error(`cannot reach the server at ${publicUrl} (is "npm run dev" running?): ${String(e)}`)
  })
  if (res.status === 404) throw new Error(`no checkout ${id} on ${publicUrl}`)
  const status = (await res.json()) as { status: string; payment_options?: ReadonlyArray<PublicOption> }
  const options = status.payment_options ?? []
  const option =
    options.find((o) => o.network === network && o.crypto_currency === symbol) ??
    options.find((o) => o.network === network)
  if (option === undefined) throw new Error(`checkout ${id} has no ${network} payment option`)
  const amountText = str(args, "amount") ?? option.amount_crypto
  const amount = parseUnits(amountText, token.decimals)
  if (amount === null)
    throw new UsageError(`--amount must be a decimal with at most ${token.decimals} decimals`)
  const r = await payTo({ rpcUrl, token: token.address, to: option.address, amount })
  const out = {
    checkout: id,
    network,
    token: symbol,
    contract: token.address,
    to: option.address,
    amount: amountText,
    tx_hash: r.txHash,
    block: r.blockNumber?.toString() ?? null,
  }
  process.stdout.write(
    args.flags.json
      ? jsonText(out)
      : `paid ${terminalSafe(amountText)} ${symbol} to ${terminalSafe(option.address)} on ${terminalSafe(network)}\ntx ${r.txHash} (block ${out.block})\n`,
  )
  return 0
}
