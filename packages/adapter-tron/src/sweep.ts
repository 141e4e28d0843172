import {
  type DepositAddress,
  type JournalIntent,
  type MovedTransfer,
  type NetworkConfig,
  type NetworkPlan,
  type PlannedAddress,
  type PlannedTransfer,
  type RunEvent,
  type RunParameters,
  type RunReport,
  SweepError,
  type TopUp,
} from "@inzi/core"
import { toTronAddress, tronAddressFromBytes, tronAddressToHex } from "./address.js"
import { makeTronNode, type TronNode, type TronTxInfo } from "./sweep-node.js"
import { tronAddressOfKey } from "./sweep-runner.js"
import {
  buildTrc20Transfer,
  buildTrxTransfer,
  type RefBlock,
  signTronTransaction,
  type TronTransaction,
  tronBandwidthBytes,
  trc20TransferData,
} from "./sweep-tx.js"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const newRunId = () => `run_${Date.now().toString(36)}_${process.pid}`

/**
 * Energy of a USDT transfer when the node gives no estimate: the largest total (base + dynamic-energy penalty)
 * among the recorded mainnet transfers (130 285, to an address that held no USDT), rounded up.
 */
export const DEFAULT_TRC20_ENERGY = 131_000n
/** Used when the node does not report `getEnergyFee` (sun per energy unit). */
export const DEFAULT_ENERGY_PRICE = 210n
/** Used when the node does not report `getTransactionFee` (sun per bandwidth byte). */
export const DEFAULT_BANDWIDTH_PRICE = 1_000n
export const DEFAULT_ENERGY_MARGIN_PERCENT = 10n

const ZERO_ADDRESS = tronAddressFromBytes(new Uint8Array(20))
const balanceOfData = (owner: string) => `70a08231${tronAddressToHex(owner).slice(2).padStart(64, "0")}`

export interface TronPlanParameters {
  readonly network: NetworkConfig
  readonly deposits: ReadonlyArray<DepositAddress>
  readonly treasury: string | null
  readonly node?: TronNode | undefined
  readonly energyMarginPercent?: bigint | undefined
}

/** Up to `n` promises at a time (the Tron HTTP API has no batch call). */
const mapLimit = async <A, B>(xs: ReadonlyArray<A>, n: number, f: (a: A) => Promise<B>): Promise<B[]> => {
  const out: B[] = new Array(xs.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      for (;;) {
        const i = next++
        if (i >= xs.length) return
        out[i] = await f(xs[i]!)
      }
    }),
  )
  return out
}

/**
 * Reads the TRX and token balances of the network's deposit addresses and prices each transfer:
 * energy from a dry run of the transfer (`triggerconstantcontract`'s `energy_used`, which includes the dynamic
 * energy penalty; {@link DEFAULT_TRC20_ENERGY} when the node gives none) + margin, × `getEnergyFee`; plus its
 * bandwidth (the signed transaction's bytes + 64) × `getTransactionFee`, counted as if no free bandwidth were
 * left (a conservative top-up: unused TRX stays on the address and is counted by the next plan).
 */
export const planTron = async (params: TronPlanParameters): Promise<NetworkPlan> => {
  const { network } = params
  const node = params.node ?? makeTronNode(network)
  const margin = params.energyMarginPercent ?? DEFAULT_ENERGY_MARGIN_PERCENT
  const deposits = params.deposits.filter((d) => d.network === network.id)
  const [chain, ref] = await Promise.all([node.chainParameters(), node.nowBlock()])
  const energyPrice = chain.getEnergyFee ?? DEFAULT_ENERGY_PRICE
  const bytePrice = chain.getTransactionFee ?? DEFAULT_BANDWIDTH_PRICE
  const createFee =
    (chain.getCreateAccountFee ?? 100_000n) + (chain.getCreateNewAccountFeeInSystemContract ?? 1_000_000n)
  const to = params.treasury ?? ZERO_ADDRESS
  const totals: Record<string, bigint> = {}
  let overhead = 0n
  const rows = await mapLimit(deposits, 8, async (d) => {
    const account = await node.account(d.address)
    const transfers: PlannedTransfer[] = []
    for (const t of network.tokens) {
      const bal = await node.constantCall({
        owner: d.address,
        contract: t.contract,
        data: balanceOfData(d.address),
      })
      const amount = bal.result === null || bal.result === "" ? 0n : BigInt(`0x${bal.result}`)
      if (amount === 0n) continue
      const dry = await node.constantCall({
        owner: d.address,
        contract: t.contract,
        data: trc20TransferData(to, amount),
      })
      const energy = ((dry.energyUsed ?? DEFAULT_TRC20_ENERGY) * (100n + margin) + 99n) / 100n
      const sample = buildTrc20Transfer({
        owner: d.address,
        contract: t.contract,
        to,
        amount,
        feeLimit: energy * energyPrice,
        ref,
      })
      const bandwidth = tronBandwidthBytes(sample.raw_data_hex)
      transfers.push({
        symbol: t.symbol,
        contract: t.contract,
        decimals: t.decimals,
        amount,
        gasLimit: energy,
        fee: energy * energyPrice + bandwidth * bytePrice,
      })
    }
    return { d, account, transfers }
  })
  const addresses: PlannedAddress[] = []
  for (const { d, account, transfers } of rows) {
    if (transfers.length === 0) continue
    for (const t of transfers) totals[t.symbol] = (totals[t.symbol] ?? 0n) + t.amount
    const gasNeeded = transfers.reduce((s, t) => s + t.fee, 0n)
    const topUp = gasNeeded > account.balance ? gasNeeded - account.balance : 0n
    if (topUp > 0n) {
      const sample = buildTrxTransfer({ owner: d.address, to: d.address, amount: topUp, ref })
      overhead += tronBandwidthBytes(sample.raw_data_hex) * bytePrice + (account.exists ? 0n : createFee)
    }
    addresses.push({
      address: d.address,
      derivationIndex: d.derivationIndex,
      checkoutIds: d.checkoutIds,
      nativeBalance: account.balance,
      transfers,
      gasNeeded,
      topUp,
    })
  }
  return {
    network: network.id,
    family: network.family,
    treasury: params.treasury,
    nativeUnit: "sun",
    gasPrice: energyPrice,
    addresses,
    totals,
    gasNeeded: addresses.reduce((s, a) => s + a.gasNeeded, 0n),
    topUpTotal: addresses.reduce((s, a) => s + a.topUp, 0n),
    gasAccountOverhead: overhead,
    estimate: `per token transfer: energy from a dry run (triggerconstantcontract energy_used, incl. the dynamic penalty; ${DEFAULT_TRC20_ENERGY} if the node gives none) + ${margin}%, × ${energyPrice} sun/energy, plus its bandwidth (signed bytes + 64) × ${bytePrice} sun/byte as if no free bandwidth were left; the gas account also pays its top-up's bandwidth and, for an address never activated, the account creation fees (${createFee} sun)`,
  }
}

const failed = (info: TronTxInfo) =>
  info.result === "FAILED" || (info.receipt?.result !== undefined && info.receipt.result !== "SUCCESS")

/**
 * Sweeps one Tron network like {@link runEvm}: settle the journal, re-plan from the chain, top up TRX, send
 * each TRC-20 balance. Tron has no nonces, so a journaled transaction that the chain does not know is
 * re-broadcast (same signed bytes, same id: a duplicate is refused by the node) until its expiration; after
 * it, the chain can never include it, so it is marked dropped and the balance is read again.
 */
export const runTron = async (params: RunParameters & { readonly node?: TronNode }): Promise<RunReport> => {
  const { network, journal } = params
  const node = params.node ?? makeTronNode(network)
  const runId = params.runId ?? newRunId()
  const pollMs = params.pollMs ?? 1_000
  const timeoutMs = params.timeoutMs ?? 600_000
  const solid = (params.confirmations ?? network.confirmations) > 1
  const emit = async (e: RunEvent) => params.onEvent?.(e)
  let treasury: string
  try {
    treasury = toTronAddress(params.treasury)
  } catch {
    throw new SweepError(`${network.id}: treasury ${params.treasury} is not a Tron address`)
  }

  const waitFor = async (txId: string, expiration: number | undefined): Promise<TronTxInfo | null> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const info = await node.transactionInfo(txId, solid)
      if (info !== null) return info
      if (expiration !== undefined && !solid) {
        const head = await node.nowBlock()
        if (head.timestamp > expiration) {
          // Expired and not in the (unsolidified) chain: it can never be included.
          const again = await node.transactionInfo(txId, false)
          if (again === null) return null
        }
      }
      if (Date.now() > deadline)
        throw new SweepError(`${txId} not confirmed after ${timeoutMs} ms; re-run to resume`)
      await sleep(pollMs)
    }
  }

  const settle = async (intent: JournalIntent, info: TronTxInfo | null, note?: string) => {
    const status = info === null ? "dropped" : failed(info) ? "failed" : "confirmed"
    const fee = BigInt(info?.fee ?? 0)
    journal.append({
      kind: "outcome",
      id: intent.id,
      at: new Date().toISOString(),
      status,
      blockNumber: info === null ? null : String(info.blockNumber),
      fee: fee.toString(),
      gasUsed:
        info?.receipt?.energy_usage_total === undefined ? undefined : String(info.receipt.energy_usage_total),
      note,
    })
    await emit({ type: "settled", intent, status, fee })
    return { status, fee } as const
  }

  const broadcast = async (tx: TronTransaction) => {
    const r = await node.broadcast(tx)
    if (r.ok || r.code === "DUP_TRANSACTION_ERROR") return null
    return `${r.code ?? "refused"}: ${r.message ?? ""}`
  }

  // 1. Settle what an earlier run left behind.
  const resumed: Array<{ txHash: string; status: "confirmed" | "failed" | "dropped" }> = []
  for (const intent of journal.pending(network.id)) {
    await emit({ type: "resumed", intent })
    let info = await node.transactionInfo(intent.txHash, false)
    if (info === null) {
      const head = await node.nowBlock()
      if (intent.expiration !== undefined && head.timestamp >= intent.expiration) {
        const { status } = await settle(intent, null, "expired without being included")
        resumed.push({ txHash: intent.txHash, status })
        continue
      }
      const refused = await broadcast(JSON.parse(intent.signed) as TronTransaction)
      if (refused !== null) {
        const { status } = await settle(intent, null, `re-broadcast refused: ${refused}`)
        resumed.push({ txHash: intent.txHash, status })
        continue
      }
    }
    info = await waitFor(intent.txHash, intent.expiration)
    const { status } = await settle(intent, info)
    resumed.push({ txHash: intent.txHash, status })
  }

  // 2. Fresh plan, then execute.
  const plan = await planTron({ network, deposits: params.keys.map((k) => k.deposit), treasury, node })
  const keyOf = new Map(params.keys.map((k) => [k.deposit.address, k]))
  const gasAddress = tronAddressOfKey(params.gasKey)
  const topUps: TopUp[] = []
  const moved: MovedTransfer[] = []

  const send = async (
    base: Omit<
      JournalIntent,
      "kind" | "id" | "at" | "runId" | "txHash" | "signed" | "from" | "maxFee" | "expiration"
    >,
    from: string,
    key: string,
    build: (ref: RefBlock) => TronTransaction,
    maxFee: bigint,
  ) => {
    const tx = signTronTransaction(build(await node.nowBlock()), key)
    const intent: JournalIntent = {
      kind: "intent",
      id: `${network.id}:${tx.txID}`,
      at: new Date().toISOString(),
      runId,
      ...base,
      from,
      txHash: tx.txID,
      signed: JSON.stringify(tx),
      expiration: tx.raw_data.expiration,
      maxFee: maxFee.toString(),
    }
    journal.append(intent)
    await emit({ type: "intent", intent })
    const refused = await broadcast(tx)
    if (refused !== null) {
      await settle(intent, null, `broadcast refused: ${refused}`)
      throw new SweepError(`${network.id}: ${intent.role} ${tx.txID} refused by the node: ${refused}`)
    }
    await emit({ type: "broadcast", intent })
    const outcome = await settle(intent, await waitFor(tx.txID, tx.raw_data.expiration))
    if (outcome.status !== "confirmed")
      throw new SweepError(`${network.id}: ${intent.role} ${tx.txID} ${outcome.status}; stopped`)
    return { hash: tx.txID, fee: outcome.fee }
  }

  for (const a of plan.addresses) {
    const key = keyOf.get(a.address)
    if (key === undefined) continue
    const common = {
      merchantId: params.merchantId,
      network: network.id,
      family: network.family,
      address: a.address,
      derivationIndex: a.derivationIndex.toString(),
    }
    if (a.topUp > 0n) {
      const r = await send(
        { ...common, role: "topup", to: a.address, contract: null, token: null, amount: a.topUp.toString() },
        gasAddress,
        params.gasKey,
        (ref) => buildTrxTransfer({ owner: gasAddress, to: a.address, amount: a.topUp, ref }),
        plan.gasAccountOverhead,
      )
      topUps.push({ address: a.address, amount: a.topUp, txHash: r.hash, fee: r.fee })
    }
    for (const t of a.transfers) {
      const feeLimit = t.gasLimit * plan.gasPrice
      const r = await send(
        {
          ...common,
          role: "transfer",
          to: treasury,
          contract: t.contract,
          token: t.symbol,
          amount: t.amount.toString(),
        },
        a.address,
        key.privateKey,
        (ref) =>
          buildTrc20Transfer({
            owner: a.address,
            contract: t.contract,
            to: treasury,
            amount: t.amount,
            feeLimit,
            ref,
          }),
        t.fee,
      )
      moved.push({
        address: a.address,
        derivationIndex: a.derivationIndex,
        symbol: t.symbol,
        contract: t.contract,
        amount: t.amount,
        txHash: r.hash,
        fee: r.fee,
      })
    }
  }
  return { network: network.id, treasury, resumed, topUps, moved, plan }
}
