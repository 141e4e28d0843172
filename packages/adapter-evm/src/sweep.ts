import {
  type DepositAddress,
  type JournalIntent,
  type MovedTransfer,
  type NetworkConfig,
  type NetworkPlan,
  type PlannedAddress,
  type PlannedTransfer,
  type RunParameters,
  type RunReport,
  SweepError,
  type SweepRunner,
  type TopUp,
} from "@inzi/core"
import { computeAddress, Interface, keccak256, Transaction, Wallet } from "ethers"
import { type JsonRpc, makeJsonRpc, RpcError } from "./sweep-rpc.js"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const newRunId = () => `run_${Date.now().toString(36)}_${process.pid}`

const ERC20 = new Interface([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
])

/** Gas of a plain native transfer (the top-up). */
export const NATIVE_TRANSFER_GAS = 21_000n
/** Added to each `eth_estimateGas` result: state can change between plan and send. */
export const DEFAULT_GAS_MARGIN_PERCENT = 10n
/** Recipient used for estimates when no treasury is given yet (a plan without `--treasury`). */
const PLACEHOLDER_RECIPIENT = "0x000000000000000000000000000000000000dEaD"

export interface EvmPlanParameters {
  readonly network: NetworkConfig
  readonly deposits: ReadonlyArray<DepositAddress>
  readonly treasury: string | null
  readonly rpc?: JsonRpc | undefined
  readonly gasMarginPercent?: bigint | undefined
}

export const evmRpcOf = (network: NetworkConfig): JsonRpc => {
  const url = network.rpcUrls[0]
  if (url === undefined) throw new SweepError(`${network.id}: no RPC URL configured`)
  return makeJsonRpc(url, network.headers ?? {})
}

/**
 * Reads, in two JSON-RPC batches, the native and token balances of every deposit address of the network
 * (`eth_getBalance` + one `balanceOf` `eth_call` per configured token) and the gas of each non-zero transfer
 * (`eth_estimateGas` from the deposit address to the treasury, plus a margin), priced at `eth_gasPrice`.
 */
export const planEvm = async (params: EvmPlanParameters): Promise<NetworkPlan> => {
  const { network } = params
  const rpc = params.rpc ?? evmRpcOf(network)
  const margin = params.gasMarginPercent ?? DEFAULT_GAS_MARGIN_PERCENT
  const deposits = params.deposits.filter((d) => d.network === network.id)
  const tokens = network.tokens
  const calls: Array<{ method: string; params: ReadonlyArray<unknown> }> = [
    { method: "eth_gasPrice", params: [] },
  ]
  for (const d of deposits) {
    calls.push({ method: "eth_getBalance", params: [d.address, "latest"] })
    for (const t of tokens)
      calls.push({
        method: "eth_call",
        params: [{ to: t.contract, data: ERC20.encodeFunctionData("balanceOf", [d.address]) }, "latest"],
      })
  }
  const replies = await rpc.batch<string>(calls)
  const gasPrice = BigInt(replies[0]!)
  const per = 1 + tokens.length
  const balances = deposits.map((d, i) => ({
    d,
    native: BigInt(replies[1 + i * per]!),
    tokens: tokens.map((t, j) => ({ t, amount: BigInt(replies[2 + i * per + j]!) })),
  }))
  const to = params.treasury ?? PLACEHOLDER_RECIPIENT
  const nonZero = balances.flatMap((b) => b.tokens.filter((x) => x.amount > 0n).map((x) => ({ b, ...x })))
  const estimates = await rpc.batch<string>(
    nonZero.map((x) => ({
      method: "eth_estimateGas",
      params: [
        {
          from: x.b.d.address,
          to: x.t.contract,
          data: ERC20.encodeFunctionData("transfer", [to, x.amount]),
        },
      ],
    })),
  )
  const gasOf = new Map<string, bigint>()
  nonZero.forEach((x, i) => {
    const est = BigInt(estimates[i]!)
    gasOf.set(`${x.b.d.address}\u0000${x.t.contract}`, (est * (100n + margin) + 99n) / 100n)
  })
  const addresses: PlannedAddress[] = []
  const totals: Record<string, bigint> = {}
  for (const b of balances) {
    const transfers: PlannedTransfer[] = b.tokens
      .filter((x) => x.amount > 0n)
      .map((x) => {
        const gasLimit = gasOf.get(`${b.d.address}\u0000${x.t.contract}`)!
        totals[x.t.symbol] = (totals[x.t.symbol] ?? 0n) + x.amount
        return {
          symbol: x.t.symbol,
          contract: x.t.contract,
          decimals: x.t.decimals,
          amount: x.amount,
          gasLimit,
          fee: gasLimit * gasPrice,
        }
      })
    if (transfers.length === 0) continue
    const gasNeeded = transfers.reduce((s, t) => s + t.fee, 0n)
    const topUp = gasNeeded > b.native ? gasNeeded - b.native : 0n
    addresses.push({
      address: b.d.address,
      derivationIndex: b.d.derivationIndex,
      checkoutIds: b.d.checkoutIds,
      nativeBalance: b.native,
      transfers,
      gasNeeded,
      topUp,
    })
  }
  const topUps = addresses.filter((a) => a.topUp > 0n).length
  return {
    network: network.id,
    family: network.family,
    treasury: params.treasury,
    nativeUnit: "wei",
    gasPrice,
    addresses,
    totals,
    gasNeeded: addresses.reduce((s, a) => s + a.gasNeeded, 0n),
    topUpTotal: addresses.reduce((s, a) => s + a.topUp, 0n),
    gasAccountOverhead: BigInt(topUps) * NATIVE_TRANSFER_GAS * gasPrice,
    estimate: `per token transfer: eth_estimateGas (from the deposit address to ${params.treasury === null ? "a placeholder recipient" : "the treasury"}) + ${margin}%, × eth_gasPrice ${gasPrice} wei (legacy transactions, so the price paid is exactly this); each top-up costs the gas account ${NATIVE_TRANSFER_GAS} gas`,
  }
}

interface Receipt {
  readonly status: string
  readonly blockNumber: string
  readonly gasUsed: string
  readonly effectiveGasPrice?: string
}

const signLegacy = async (
  key: string,
  tx: {
    to: string
    data?: string
    value?: bigint
    gasLimit: bigint
    gasPrice: bigint
    nonce: number
    chainId: bigint
  },
) => {
  const raw = await new Wallet(key).signTransaction({ type: 0, ...tx })
  return { raw, hash: keccak256(raw), from: Transaction.from(raw).from! }
}

/**
 * Sweeps one EVM network: settles what an earlier run left in the journal, re-reads the chain, tops up gas
 * from the gas account where an address lacks it, moves each token balance to the treasury, waits for
 * confirmations, and journals every transaction (intent + hash before broadcast, outcome after).
 */
export const runEvm = async (params: RunParameters & { readonly rpc?: JsonRpc }): Promise<RunReport> => {
  const { network, journal } = params
  const rpc = params.rpc ?? evmRpcOf(network)
  const runId = params.runId ?? newRunId()
  const pollMs = params.pollMs ?? 250
  const timeoutMs = params.timeoutMs ?? 600_000
  const confirmations = params.confirmations ?? network.confirmations
  const emit = async (e: Parameters<NonNullable<RunParameters["onEvent"]>>[0]) => params.onEvent?.(e)
  const chainId = BigInt(await rpc.call<string>("eth_chainId"))
  if (network.chainId !== undefined && BigInt(network.chainId) !== chainId)
    throw new SweepError(`${network.id}: the RPC answers chain ${chainId}, expected ${network.chainId}`)
  if (!/^0x[0-9a-fA-F]{40}$/.test(params.treasury))
    throw new SweepError(`${network.id}: treasury ${params.treasury} is not an EVM address`)

  const waitFor = async (hash: string): Promise<Receipt> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const r = await rpc.call<Receipt | null>("eth_getTransactionReceipt", [hash])
      if (r?.blockNumber) {
        if (confirmations <= 1) return r
        const head = BigInt(await rpc.call<string>("eth_blockNumber"))
        if (head - BigInt(r.blockNumber) + 1n >= BigInt(confirmations)) {
          // Still there at that depth (not reorged away)?
          const again = await rpc.call<Receipt | null>("eth_getTransactionReceipt", [hash])
          if (again !== null && again.blockNumber === r.blockNumber) return again
          continue
        }
      }
      if (Date.now() > deadline)
        throw new SweepError(`${hash} not confirmed after ${timeoutMs} ms; re-run to resume`)
      await sleep(pollMs)
    }
  }

  const settle = async (intent: JournalIntent, receipt: Receipt) => {
    const fee = BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice ?? "0")
    const status = receipt.status === "0x1" ? "confirmed" : "failed"
    journal.append({
      kind: "outcome",
      id: intent.id,
      at: new Date().toISOString(),
      status,
      blockNumber: BigInt(receipt.blockNumber).toString(),
      fee: fee.toString(),
      gasUsed: BigInt(receipt.gasUsed).toString(),
    })
    await emit({ type: "settled", intent, status, fee })
    return { status, fee } as const
  }

  const broadcast = async (raw: string) => {
    try {
      await rpc.call("eth_sendRawTransaction", [raw])
    } catch (e) {
      // Already in the pool or mined (a re-broadcast after a crash): the receipt wait decides.
      if (
        !(e instanceof RpcError) ||
        !/already known|known transaction|nonce too low|already imported/i.test(e.message)
      )
        throw e
    }
  }

  // 1. Settle what an earlier run left behind (never sign anything new before that).
  const resumed: Array<{ txHash: string; status: "confirmed" | "failed" | "dropped" }> = []
  for (const intent of journal.pending(network.id)) {
    await emit({ type: "resumed", intent })
    let receipt = await rpc.call<Receipt | null>("eth_getTransactionReceipt", [intent.txHash])
    if (receipt === null) {
      const used = BigInt(await rpc.call<string>("eth_getTransactionCount", [intent.from, "latest"]))
      if (intent.nonce !== undefined && used > BigInt(intent.nonce)) {
        journal.append({
          kind: "outcome",
          id: intent.id,
          at: new Date().toISOString(),
          status: "dropped",
          blockNumber: null,
          fee: "0",
          note: "its nonce was used by another transaction",
        })
        resumed.push({ txHash: intent.txHash, status: "dropped" })
        continue
      }
      await broadcast(intent.signed)
    }
    receipt = await waitFor(intent.txHash)
    const { status } = await settle(intent, receipt)
    resumed.push({ txHash: intent.txHash, status })
  }

  // 2. Fresh plan from the chain, then execute it address by address.
  const plan = await planEvm({
    network,
    deposits: params.keys.map((k) => k.deposit),
    treasury: params.treasury,
    rpc,
  })
  const keyOf = new Map(params.keys.map((k) => [k.deposit.address.toLowerCase(), k]))
  const gasWallet = new Wallet(params.gasKey)
  const topUps: TopUp[] = []
  const moved: MovedTransfer[] = []

  const send = async (
    intentBase: Omit<
      JournalIntent,
      "kind" | "id" | "at" | "runId" | "txHash" | "signed" | "from" | "nonce" | "maxFee"
    >,
    key: string,
    tx: { to: string; data?: string; value?: bigint; gasLimit: bigint },
  ) => {
    const from = new Wallet(key).address
    const nonce = Number(BigInt(await rpc.call<string>("eth_getTransactionCount", [from, "pending"])))
    const signed = await signLegacy(key, { ...tx, gasPrice: plan.gasPrice, nonce, chainId })
    const intent: JournalIntent = {
      kind: "intent",
      id: `${network.id}:${signed.hash}`,
      at: new Date().toISOString(),
      runId,
      ...intentBase,
      from: from.toLowerCase(),
      txHash: signed.hash,
      signed: signed.raw,
      nonce,
      maxFee: (tx.gasLimit * plan.gasPrice).toString(),
    }
    journal.append(intent)
    await emit({ type: "intent", intent })
    await broadcast(signed.raw)
    await emit({ type: "broadcast", intent })
    const receipt = await waitFor(signed.hash)
    const outcome = await settle(intent, receipt)
    if (outcome.status !== "confirmed")
      throw new SweepError(`${network.id}: ${intent.role} ${signed.hash} reverted on chain; stopped`)
    return { hash: signed.hash, fee: outcome.fee }
  }

  for (const a of plan.addresses) {
    const key = keyOf.get(a.address.toLowerCase())
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
        gasWallet.privateKey,
        { to: a.address, value: a.topUp, gasLimit: NATIVE_TRANSFER_GAS },
      )
      topUps.push({ address: a.address, amount: a.topUp, txHash: r.hash, fee: r.fee })
    }
    for (const t of a.transfers) {
      const r = await send(
        {
          ...common,
          role: "transfer",
          to: params.treasury.toLowerCase(),
          contract: t.contract.toLowerCase(),
          token: t.symbol,
          amount: t.amount.toString(),
        },
        key.privateKey,
        {
          to: t.contract,
          data: ERC20.encodeFunctionData("transfer", [params.treasury, t.amount]),
          gasLimit: t.gasLimit,
        },
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
  return { network: network.id, treasury: params.treasury, resumed, topUps, moved, plan }
}

/** The EVM family's sweep runner (`evmFamily.sweep.runner`). */
export const evmSweepRunner: SweepRunner = {
  isTreasury: (a) => /^0x[0-9a-fA-F]{40}$/.test(a),
  addressOfKey: (privateKey) => computeAddress(privateKey).toLowerCase(),
  plan: (p) => planEvm(p),
  run: (p) => runEvm(p),
}
