import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { toTronAddress, tronAddressToHex } from "@inzi/adapter-tron"
import {
  recomputeTronTx,
  type TronTransaction,
  tronBandwidthBytes,
  tronSigner,
} from "@inzi/adapter-tron/sweep"
import { sha256 } from "ethers"

/**
 * A local stand-in for a java-tron full node's HTTP API (the calls a sweep makes), with real state: TRX
 * and TRC-20 balances, blocks, and transaction infos shaped like the recorded ones in
 * tooling/fixtures/tron (`gettransactioninfobyid`: id, fee, blockNumber, blockTimeStamp, contractResult,
 * contract_address, receipt {energy_usage_total, energy_fee, net_fee, result}, log; `result: "FAILED"` only on
 * failures). It validates what it is sent like a node would: txID = sha256(raw_data), raw_data_hex matching
 * the JSON, a signature recovering to the owner, not expired, not a duplicate, enough balance.
 *
 * Energy: a USDT transfer costs 130 285 energy to an address holding no USDT and 64 285 otherwise (two of
 * the recorded mainnet transfers); bandwidth is always paid in TRX (1 000 sun per byte, no free bandwidth).
 */
export interface FakeTronNode {
  readonly url: string
  readonly usdtHex: string
  /** Every transaction the node accepted (by broadcast), in order. */
  readonly accepted: Array<TronTransaction>
  /** Broadcast answers, in order (to see duplicates and refusals). */
  readonly answers: Array<{ txid: string; result?: boolean; code?: string }>
  readonly setTrx: (address: string, sun: bigint) => void
  readonly trx: (address: string) => bigint
  readonly exists: (address: string) => boolean
  readonly setToken: (address: string, amount: bigint) => void
  readonly token: (address: string) => bigint
  /** While true, accepted transactions wait in the pool (not in a block) until `mine()` or release. */
  hold: boolean
  /** Test hook, called after each broadcast answer. */
  afterBroadcast: ((answer: { txid: string; result?: boolean; code?: string }) => void) | undefined
  readonly mine: () => void
  /** Forgets the pool (as if the transactions never propagated). */
  readonly dropPool: () => void
  /** Moves the chain clock (an empty block `ms` later). */
  readonly advance: (ms: number) => void
  readonly close: () => Promise<void>
}

export const ENERGY_FEE = 210n
export const BYTE_FEE = 1_000n
export const CREATE_ACCOUNT_FEE = 100_000n
export const CREATE_NEW_ACCOUNT_FEE_SYSTEM = 1_000_000n
const ENERGY_TO_EMPTY = 130_285n
const ENERGY_TO_HOLDER = 64_285n

const hexMsg = (s: string) => Buffer.from(s, "utf8").toString("hex")
const word = (n: bigint) => n.toString(16).padStart(64, "0")

export const startFakeTronNode = async (usdt: string): Promise<FakeTronNode> => {
  const usdtHex = tronAddressToHex(usdt)
  const trx = new Map<string, bigint>() // hex → sun (present = activated account)
  const tokens = new Map<string, bigint>() // hex → USDT base units
  const infos = new Map<string, Record<string, unknown>>()
  const seen = new Set<string>()
  let pool: TronTransaction[] = []
  let head = { number: 60_000_000n, timestamp: 1_738_600_000_000 }
  const blockId = (n: bigint) =>
    sha256(`0x${word(n)}`)
      .slice(2)
      .replace(/^.{16}/, n.toString(16).padStart(16, "0"))
  const accepted: TronTransaction[] = []
  const answers: FakeTronNode["answers"] = []
  const hex = (a: string) => tronAddressToHex(a)

  const energyFor = (to: string) => ((tokens.get(to) ?? 0n) === 0n ? ENERGY_TO_EMPTY : ENERGY_TO_HOLDER)

  const decodeTransfer = (data: string) => {
    if (!/^a9059cbb[0-9a-f]{128}$/.test(data)) return null
    const w = data.slice(8, 72)
    if (!/^0{22}(00|41)$/.test(w.slice(0, 24))) return null
    return { to: `41${w.slice(24)}`, amount: BigInt(`0x${data.slice(72)}`) }
  }

  /** Applies an included transaction; returns its info (fixture shape). */
  const execute = (tx: TronTransaction, blockNumber: bigint, ts: number): Record<string, unknown> => {
    const c = tx.raw_data.contract[0]!
    const v = c.parameter.value as Record<string, string | number>
    const owner = String(v.owner_address)
    const netFee = tronBandwidthBytes(tx.raw_data_hex) * BYTE_FEE
    const base = { id: tx.txID, blockNumber: Number(blockNumber), blockTimeStamp: ts }
    if (c.type === "TransferContract") {
      const to = String(v.to_address)
      const amount = BigInt(v.amount as number)
      const create = trx.has(to) ? 0n : CREATE_ACCOUNT_FEE + CREATE_NEW_ACCOUNT_FEE_SYSTEM
      const fee = netFee + create
      trx.set(owner, (trx.get(owner) ?? 0n) - amount - fee)
      trx.set(to, (trx.get(to) ?? 0n) + amount)
      return { ...base, fee: Number(fee), contractResult: [""], receipt: { net_fee: Number(netFee) } }
    }
    const t = decodeTransfer(String(v.data))!
    const energy = energyFor(t.to)
    const energyFee = energy * ENERGY_FEE
    const feeLimit = BigInt(tx.raw_data.fee_limit ?? 0)
    if (energyFee > feeLimit) {
      trx.set(owner, (trx.get(owner) ?? 0n) - feeLimit - netFee)
      return {
        ...base,
        fee: Number(feeLimit + netFee),
        contractResult: [""],
        contract_address: usdtHex,
        receipt: {
          energy_usage_total: Number(feeLimit / ENERGY_FEE),
          net_fee: Number(netFee),
          result: "OUT_OF_ENERGY",
        },
        result: "FAILED",
        resMessage: hexMsg("Not enough energy"),
      }
    }
    trx.set(owner, (trx.get(owner) ?? 0n) - energyFee - netFee)
    tokens.set(owner, (tokens.get(owner) ?? 0n) - t.amount)
    tokens.set(t.to, (tokens.get(t.to) ?? 0n) + t.amount)
    return {
      ...base,
      fee: Number(energyFee + netFee),
      contractResult: [word(1n)],
      contract_address: usdtHex,
      receipt: {
        energy_fee: Number(energyFee),
        energy_usage_total: Number(energy),
        net_fee: Number(netFee),
        result: "SUCCESS",
      },
      log: [
        {
          address: usdtHex.slice(2),
          topics: [
            "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
            `000000000000000000000000${owner.slice(2)}`,
            `000000000000000000000000${t.to.slice(2)}`,
          ],
          data: word(t.amount),
        },
      ],
    }
  }

  const mine = () => {
    head = { number: head.number + 1n, timestamp: head.timestamp + 3_000 }
    for (const tx of pool) infos.set(tx.txID, execute(tx, head.number, head.timestamp))
    pool = []
  }

  /** java-tron's validation before a transaction enters the pool. */
  const validate = (tx: TronTransaction): { code: string; message: string } | null => {
    const again = recomputeTronTx(tx)
    if (again.txID !== tx.txID || again.raw_data_hex !== tx.raw_data_hex.toLowerCase())
      return { code: "SIGERROR", message: "raw_data and txID do not match" }
    if (sha256(`0x${tx.raw_data_hex}`).slice(2) !== tx.txID) return { code: "SIGERROR", message: "bad txID" }
    if (seen.has(tx.txID)) return { code: "DUP_TRANSACTION_ERROR", message: "dup transaction" }
    if (tx.raw_data.expiration <= head.timestamp)
      return { code: "TRANSACTION_EXPIRATION_ERROR", message: "transaction expired" }
    const c = tx.raw_data.contract[0]!
    const v = c.parameter.value as Record<string, string | number>
    const owner = String(v.owner_address)
    const signer = tronSigner(tx)
    if (signer === null || hex(signer) !== owner)
      return { code: "SIGERROR", message: "validate signature error: signer is not the owner" }
    const netFee = tronBandwidthBytes(tx.raw_data_hex) * BYTE_FEE
    const balance = trx.get(owner)
    if (balance === undefined) return { code: "CONTRACT_VALIDATE_ERROR", message: "account does not exist" }
    if (c.type === "TransferContract") {
      if (balance < BigInt(v.amount as number) + netFee)
        return { code: "CONTRACT_VALIDATE_ERROR", message: "balance is not sufficient" }
    } else {
      if (String(v.contract_address) !== usdtHex)
        return { code: "CONTRACT_VALIDATE_ERROR", message: "no contract" }
      const t = decodeTransfer(String(v.data))
      if (t === null) return { code: "CONTRACT_VALIDATE_ERROR", message: "unknown calldata" }
      if (balance < netFee) return { code: "BANDWITH_ERROR", message: "Account resource insufficient error." }
      if ((tokens.get(owner) ?? 0n) < t.amount)
        return { code: "CONTRACT_VALIDATE_ERROR", message: "transfer amount exceeds balance" }
    }
    return null
  }

  const routes: Record<string, (body: Record<string, unknown>) => unknown> = {
    "/wallet/getnowblock": () => ({
      blockID: blockId(head.number),
      block_header: { raw_data: { number: Number(head.number), timestamp: head.timestamp } },
    }),
    "/wallet/getaccount": (b) => {
      const h = hex(String(b.address))
      const bal = trx.get(h)
      return bal === undefined ? {} : { address: b.visible ? toTronAddress(h) : h, balance: Number(bal) }
    },
    "/wallet/getchainparameters": () => ({
      chainParameter: [
        { key: "getTransactionFee", value: Number(BYTE_FEE) },
        { key: "getCreateAccountFee", value: Number(CREATE_ACCOUNT_FEE) },
        { key: "getCreateNewAccountFeeInSystemContract", value: Number(CREATE_NEW_ACCOUNT_FEE_SYSTEM) },
        { key: "getEnergyFee", value: Number(ENERGY_FEE) },
      ],
    }),
    "/wallet/triggerconstantcontract": (b) => {
      if (hex(String(b.contract_address)) !== usdtHex)
        return {
          result: { code: "CONTRACT_VALIDATE_ERROR", message: hexMsg("Smart contract is not exist.") },
        }
      const data = String(b.data)
      const owner = hex(String(b.owner_address))
      if (data.startsWith("70a08231")) {
        const who = `41${data.slice(32, 72)}`
        return {
          result: { result: true },
          energy_used: 2_000,
          constant_result: [word(tokens.get(who) ?? 0n)],
        }
      }
      const t = decodeTransfer(data)
      if (t === null || (tokens.get(owner) ?? 0n) < t.amount)
        return { result: { code: "CONTRACT_EXE_ERROR", message: hexMsg("REVERT opcode executed") } }
      return { result: { result: true }, energy_used: Number(energyFor(t.to)), constant_result: [word(1n)] }
    },
    "/wallet/broadcasttransaction": (b) => {
      const tx = b as unknown as TronTransaction
      const bad = validate(tx)
      if (bad !== null) {
        answers.push({ txid: tx.txID, code: bad.code })
        return { code: bad.code, txid: tx.txID, message: hexMsg(bad.message) }
      }
      seen.add(tx.txID)
      accepted.push(tx)
      pool.push(tx)
      if (!fake.hold) mine()
      answers.push({ txid: tx.txID, result: true })
      return { result: true, txid: tx.txID }
    },
    "/wallet/gettransactioninfobyid": (b) => infos.get(String(b.value)) ?? {},
    // Solidified view: everything included at least one block ago (enough for a local test node).
    "/walletsolidity/gettransactioninfobyid": (b) => {
      const info = infos.get(String(b.value))
      return info !== undefined && BigInt(info.blockNumber as number) < head.number ? info : {}
    },
  }
  // The block producer: while not held, whatever waits in the pool goes into the next block.
  const producer = setInterval(() => {
    if (!fake.hold && pool.length > 0) mine()
  }, 20)
  producer.unref()
  const answer = (r: unknown) => {
    const a = r as { txid?: string; result?: boolean; code?: string }
    if (a.txid !== undefined) fake.afterBroadcast?.({ txid: a.txid, result: a.result, code: a.code })
    return r
  }
  const broadcastRoute = routes["/wallet/broadcasttransaction"]!
  routes["/wallet/broadcasttransaction"] = (b) => answer(broadcastRoute(b))
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    })
  const server: Server = createServer(async (req, res) => {
    const route = routes[(req.url ?? "").split("?")[0]!]
    const text = await readBody(req)
    if (route === undefined || req.method !== "POST") {
      res.writeHead(404).end()
      return
    }
    let body: Record<string, unknown> = {}
    try {
      body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)
    } catch {
      res.writeHead(400).end()
      return
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(route(body)))
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const fake: FakeTronNode = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    usdtHex,
    accepted,
    answers,
    setTrx: (a, sun) => void trx.set(hex(a), sun),
    trx: (a) => trx.get(hex(a)) ?? 0n,
    exists: (a) => trx.has(hex(a)),
    setToken: (a, amount) => void tokens.set(hex(a), amount),
    token: (a) => tokens.get(hex(a)) ?? 0n,
    hold: false,
    mine,
    dropPool: () => {
      for (const tx of pool) seen.delete(tx.txID)
      pool = []
    },
    advance: (ms) => {
      head = { number: head.number + 1n, timestamp: head.timestamp + ms }
    },
    afterBroadcast: undefined,
    close: () => {
      clearInterval(producer)
      return new Promise((r) => server.close(() => r()))
    },
  }
  return fake
}
