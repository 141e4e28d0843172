import { readHolder } from "@inzi/adapter-postgres/dataDir"
import { parseUnits } from "@inzi/core"
import { type Args, str, UsageError } from "./args.js"
import type { DevAnnouncement } from "./dev.js"
import { loadDevnet, loadTonDevnet, TON_DEVNET } from "./devnet.js"
import { jsonText, terminalSafe } from "./text.js"

interface PublicOption {
  readonly network: string
  readonly crypto_currency: string
  readonly amount_crypto: string
  readonly address: string
  readonly memo: string | null
}

/**
 * `inzi pay <checkout id>`: pays a checkout on the local devnet (or, with `--network ton-devnet`, the local TON
 * chain: the USDT jetton with the checkout's memo as comment) from the funded payer account. It reads the
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
  const network = str(args, "network") ?? "devnet"
  const ton = network === TON_DEVNET
  const rpcUrl =
    str(args, "rpc-url") ??
    (ton ? dev?.tonToncenterUrl : dev?.rpcUrl) ??
    (ton ? undefined : `http://127.0.0.1:${process.env.INZI_DEVNET_PORT ?? 8545}`)
  if (rpcUrl === undefined)
    throw new UsageError(
      `no running "inzi dev" announces a TON devnet: start it, or pass --rpc-url <toncenter URL>`,
    )
  const symbol = (str(args, "token") ?? "USDT").toUpperCase()
  const { DEVNET_TOKENS, payTo } = await loadDevnet()
  const { payOnTonDevnet, TON_DEVNET_USDT_DECIMALS } = await loadTonDevnet()
  const tokens: Record<string, { address: string; decimals: number }> = ton
    ? { USDT: { address: "", decimals: TON_DEVNET_USDT_DECIMALS } }
    : DEVNET_TOKENS
  const token = tokens[symbol]
  if (token === undefined) throw new UsageError(`--token must be one of ${Object.keys(tokens).join(", ")}`)
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
  const base = { checkout: id, network, token: symbol, to: option.address, amount: amountText }
  let out: Record<string, string | null>
  let where: string
  if (ton) {
    if (option.memo === null) throw new Error(`checkout ${id} has no memo for ${network}`)
    const r = await payOnTonDevnet({ toncenterUrl: rpcUrl, to: option.address, amount, comment: option.memo })
    out = { ...base, memo: option.memo, tx_hash: r.txHash, lt: r.lt }
    where = `lt ${r.lt}, memo ${terminalSafe(option.memo)}`
  } else {
    const r = await payTo({ rpcUrl, token: token.address, to: option.address, amount })
    out = { ...base, contract: token.address, tx_hash: r.txHash, block: r.blockNumber?.toString() ?? null }
    where = `block ${out.block}`
  }
  process.stdout.write(
    args.flags.json
      ? jsonText(out)
      : `paid ${terminalSafe(amountText)} ${symbol} to ${terminalSafe(option.address)} on ${terminalSafe(network)}\ntx ${out.tx_hash} (${where})\n`,
  )
  return 0
}
