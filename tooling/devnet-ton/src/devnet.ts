import { Address } from "@ton/core"
import { type JettonWorld, makeJettonWorld } from "./jetton-world.js"

/** The devnet's USDT jetton has 6 decimals like Tether's; the payer starts with 1 000 USDT. */
export const TON_DEVNET_USDT_DECIMALS = 6

export interface TonDevnet {
  /** toncenter v2 base URL (`…/api/v2`) serving the emulator's transactions and get-methods. */
  readonly toncenterUrl: string
  /** The USDT jetton master (user-friendly form). */
  readonly jettonMaster: string
  /** The funded payer's wallet. */
  readonly payer: string
  /** A wallet of the devnet's own, for a merchant to receive on (never the payer). */
  readonly merchantWallet: string
  /** The payer sends `amount` base units of USDT to `toWallet`'s owner with a text comment. */
  readonly pay: (toWallet: string, amount: bigint, comment: string) => Promise<TonDevnetPayment>
  readonly world: JettonWorld
  readonly stop: () => Promise<void>
}

export interface TonDevnetPayment {
  /** The payer wallet's transaction (hex hash) and logical time. */
  readonly txHash: string
  readonly lt: string
}

const PAY_PATH = "/devnet/pay"

/**
 * A local TON chain: the @ton/sandbox emulator with a USDT-like TEP-74 jetton, served over HTTP like
 * toncenter v2 (what the TON scanner reads). Besides toncenter's routes it answers `POST /devnet/pay`
 * (`{ "to", "amount", "comment" }`, amount in base units) so another process can pay from the funded payer,
 * as a local EVM node's unlocked accounts do. State lives in memory: every start is a fresh chain.
 */
export const startTonDevnet = async (options: { readonly port?: number } = {}): Promise<TonDevnet> => {
  let pay: TonDevnet["pay"] = async () => {
    throw new Error("the TON devnet is starting")
  }
  const world = await makeJettonWorld({
    ...(options.port !== undefined ? { port: options.port } : {}),
    routes: (path, body) => {
      if (path !== PAY_PATH) return undefined
      return payRoute(body, pay)
    },
  })
  pay = async (toWallet, amount, comment) => {
    const to = Address.parse(toWallet)
    const txs = await world.pay(to, amount, { ref: comment })
    // The owner's transfer_notification may abort (a sandbox treasury has no state to run it): the jetton
    // wallets' transfer and credit are what move the tokens.
    const toHex = to.hash.toString("hex")
    const aborted = txs.filter(
      (t) =>
        t.description.type === "generic" &&
        t.description.aborted &&
        t.address.toString(16).padStart(64, "0") !== toHex,
    )
    if (aborted.length > 0) throw new Error(`the transfer aborted in ${aborted.length} transaction(s)`)
    const first = txs[0]!
    return { txHash: first.hash().toString("hex"), lt: first.lt.toString() }
  }
  return {
    toncenterUrl: world.server.url,
    jettonMaster: world.genuine.address.toString(),
    payer: world.payer.address.toString(),
    merchantWallet: world.merchant.address.toString(),
    pay,
    world,
    stop: () => world.server.stop(),
  }
}

const payRoute = async (body: string, pay: TonDevnet["pay"]): Promise<[number, unknown]> => {
  let to: string
  let amount: bigint
  let comment: string
  try {
    const req = JSON.parse(body) as { to?: unknown; amount?: unknown; comment?: unknown }
    if (typeof req.to !== "string") throw new Error("to must be an address")
    Address.parse(req.to)
    if (typeof req.amount !== "string" || !/^[1-9][0-9]{0,30}$/.test(req.amount))
      throw new Error("amount must be a positive integer of base units, as a string")
    if (typeof req.comment !== "string" || req.comment.length > 120)
      throw new Error("comment must be a string of at most 120 characters")
    to = req.to
    amount = BigInt(req.amount)
    comment = req.comment
  } catch (e) {
    return [400, { ok: false, error: (e as Error).message, code: 400 }]
  }
  try {
    const r = await pay(to, amount, comment)
    return [200, { ok: true, result: { tx_hash: r.txHash, lt: r.lt } }]
  } catch (e) {
    return [500, { ok: false, error: (e as Error).message, code: 500 }]
  }
}

/** Pays from the payer of a TON devnet running in another process (see `startTonDevnet`). */
export const payOnTonDevnet = async (p: {
  readonly toncenterUrl: string
  readonly to: string
  readonly amount: bigint
  readonly comment: string
}): Promise<TonDevnetPayment> => {
  const url = new URL(PAY_PATH, p.toncenterUrl)
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ to: p.to, amount: p.amount.toString(), comment: p.comment }),
  }).catch((e: unknown) => {
    throw new Error(`cannot reach the TON devnet at ${url.origin} (is "inzi dev" running?): ${String(e)}`)
  })
  const answer = (await res.json().catch(() => null)) as {
    ok?: boolean
    error?: string
    result?: { tx_hash: string; lt: string }
  } | null
  if (!res.ok || answer?.ok !== true || answer.result === undefined)
    throw new Error(`the TON devnet refused the payment: ${answer?.error ?? `HTTP ${res.status}`}`)
  return { txHash: answer.result.tx_hash, lt: answer.result.lt }
}
