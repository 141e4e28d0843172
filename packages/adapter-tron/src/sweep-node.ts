import type { NetworkConfig } from "@inzi/core"
import type { RefBlock, TronTransaction } from "./sweep-tx.js"

/**
 * The few java-tron HTTP calls a sweep needs (TronGrid and a full node answer them alike). Reads only; the
 * transactions are built and signed offline (tron-tx.ts) and this only broadcasts them.
 */
export interface TronNode {
  readonly nowBlock: () => Promise<RefBlock>
  /** TRX balance in sun; `exists: false` for an account never activated (it holds no TRX and no record). */
  readonly account: (address: string) => Promise<{ readonly exists: boolean; readonly balance: bigint }>
  /** A constant call: `balanceOf`, or a dry run of `transfer` for its energy. */
  readonly constantCall: (p: {
    readonly owner: string
    readonly contract: string
    readonly data: string
  }) => Promise<{ readonly result: string | null; readonly energyUsed: bigint | null }>
  readonly chainParameters: () => Promise<Readonly<Record<string, bigint>>>
  readonly broadcast: (
    tx: TronTransaction,
  ) => Promise<{ readonly ok: boolean; readonly code: string | null; readonly message: string | null }>
  /** `null` while the node does not know the transaction as included. `solid` reads the solidified view. */
  readonly transactionInfo: (txId: string, solid: boolean) => Promise<TronTxInfo | null>
}

export interface TronTxInfo {
  readonly id: string
  readonly blockNumber: number
  readonly fee?: number
  /** Present (as `FAILED`) only on failures. */
  readonly result?: string
  readonly receipt?: {
    readonly result?: string
    readonly energy_usage_total?: number
    readonly net_fee?: number
  }
}

export class TronNodeError extends Error {
  override readonly name = "TronNodeError"
}

const hexToText = (hex: string) => {
  try {
    return /^[0-9a-fA-F]*$/.test(hex) ? Buffer.from(hex, "hex").toString("utf8") : hex
  } catch {
    return hex
  }
}

export const makeTronNode = (network: NetworkConfig): TronNode => {
  const base = network.rpcUrls[0]?.replace(/\/+$/, "")
  if (base === undefined) throw new TronNodeError(`${network.id}: no API URL configured`)
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(network.headers ?? {}) },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new TronNodeError(`${path}: HTTP ${res.status}`)
    return (await res.json()) as T
  }
  return {
    nowBlock: async () => {
      const b = await post<{
        blockID: string
        block_header: { raw_data: { number: number; timestamp: number } }
      }>("/wallet/getnowblock", {})
      return {
        number: BigInt(b.block_header.raw_data.number),
        id: b.blockID,
        timestamp: b.block_header.raw_data.timestamp,
      }
    },
    account: async (address) => {
      const a = await post<{ address?: string; balance?: number }>("/wallet/getaccount", {
        address,
        visible: true,
      })
      return { exists: a.address !== undefined, balance: BigInt(a.balance ?? 0) }
    },
    constantCall: async ({ owner, contract, data }) => {
      const r = await post<{
        result?: { result?: boolean; message?: string }
        constant_result?: string[]
        energy_used?: number
      }>("/wallet/triggerconstantcontract", {
        owner_address: owner,
        contract_address: contract,
        data,
        visible: true,
      })
      if (r.result?.result !== true)
        throw new TronNodeError(`triggerconstantcontract: ${hexToText(r.result?.message ?? "no result")}`)
      return {
        result: r.constant_result?.[0] ?? null,
        energyUsed: r.energy_used === undefined ? null : BigInt(r.energy_used),
      }
    },
    chainParameters: async () => {
      const r = await post<{ chainParameter?: Array<{ key: string; value?: number }> }>(
        "/wallet/getchainparameters",
        {},
      )
      return Object.fromEntries((r.chainParameter ?? []).map((p) => [p.key, BigInt(p.value ?? 0)]))
    },
    broadcast: async (tx) => {
      const r = await post<{ result?: boolean; code?: string; message?: string }>(
        "/wallet/broadcasttransaction",
        tx,
      )
      return {
        ok: r.result === true,
        code: r.code ?? null,
        message: r.message === undefined ? null : hexToText(r.message),
      }
    },
    transactionInfo: async (txId, solid) => {
      const r = await post<Partial<TronTxInfo>>(
        solid ? "/walletsolidity/gettransactioninfobyid" : "/wallet/gettransactioninfobyid",
        { value: txId },
      )
      return r.id === undefined || r.blockNumber === undefined ? null : (r as TronTxInfo)
    },
  }
}
