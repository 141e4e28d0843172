import { isTronAddress } from "@inzi/adapter-tron"
import type { Checkout, NetworkConfig } from "@inzi/core"
import { depositsFromCheckouts, isSweepable } from "./deposits.js"
import { planEvm, runEvm } from "./evm.js"
import { journalFile, openJournal } from "./journal.js"
import { deriveDepositKeys } from "./keys.js"
import type { NetworkPlan } from "./plan.js"
import { type RunEvent, type RunReport, SweepError } from "./run.js"
import { planTron, runTron } from "./tron.js"

/** Treasury per chain family (an operator may pass one of each). */
export interface Treasuries {
  readonly evm?: string | undefined
  readonly tron?: string | undefined
}

/** Sorts `0x…` and `T…` addresses into their family; throws on anything else. */
export const parseTreasuries = (list: ReadonlyArray<string>): Treasuries => {
  const out: { evm?: string; tron?: string } = {}
  for (const raw of list) {
    const a = raw.trim()
    if (/^0x[0-9a-fA-F]{40}$/.test(a)) {
      if (out.evm !== undefined) throw new SweepError("two EVM treasuries given")
      out.evm = a
    } else if (isTronAddress(a) && a.startsWith("T")) {
      if (out.tron !== undefined) throw new SweepError("two Tron treasuries given")
      out.tron = a
    } else throw new SweepError(`treasury "${a}" is neither an EVM (0x…) nor a Tron (T…) address`)
  }
  return out
}

const networksWithDeposits = (
  checkouts: ReadonlyArray<Checkout>,
  networks: ReadonlyArray<NetworkConfig>,
  only?: string,
  indices?: ReadonlyArray<bigint>,
) => {
  const chosen = networks.filter((n) => only === undefined || n.id === only)
  const deposits = depositsFromCheckouts(checkouts, chosen).filter(
    (d) => indices === undefined || indices.includes(d.derivationIndex),
  )
  return {
    deposits,
    networks: chosen.filter((n) => isSweepable(n.family) && deposits.some((d) => d.network === n.id)),
  }
}

/** A network of a family without a sweep runner: its payments land in the merchant's own wallet. */
const noSweep = (n: NetworkConfig) =>
  new SweepError(`${n.id}: the ${n.family} family needs no sweep: payments land in the merchant's own wallet`)

export interface PlanSweepParameters {
  /** The merchant's checkouts (e.g. `merchantCheckouts`). */
  readonly checkouts: ReadonlyArray<Checkout>
  readonly networks: ReadonlyArray<NetworkConfig>
  /** Only this network. */
  readonly network?: string | undefined
  readonly treasuries?: Treasuries | undefined
  /** Only these derivation indices. */
  readonly indices?: ReadonlyArray<bigint> | undefined
}

/**
 * The plan of every network (or one) where the merchant's deposit addresses received recorded confirmed
 * payments: balances read from the chain, gas needed, treasury. Reads only.
 */
export const planSweep = async (p: PlanSweepParameters): Promise<ReadonlyArray<NetworkPlan>> => {
  if (p.network !== undefined) {
    const n = p.networks.find((x) => x.id === p.network)
    if (n === undefined) throw new SweepError(`unknown network "${p.network}" (not in the network config)`)
    if (!isSweepable(n.family)) throw noSweep(n)
  }
  const { deposits, networks } = networksWithDeposits(p.checkouts, p.networks, p.network, p.indices)
  const plans: NetworkPlan[] = []
  for (const network of networks) {
    try {
      plans.push(
        network.family === "evm"
          ? await planEvm({ network, deposits, treasury: p.treasuries?.evm ?? null })
          : await planTron({ network, deposits, treasury: p.treasuries?.tron ?? null }),
      )
    } catch (e) {
      throw new SweepError(
        `${network.id}: cannot read the chain at ${network.rpcUrls[0] ?? "?"}: ${e instanceof Error ? e.message : String(e)}`,
      )
    }
  }
  return plans
}

export interface RunSweepParameters {
  readonly merchantId: string
  readonly checkouts: ReadonlyArray<Checkout>
  readonly network: NetworkConfig
  readonly treasury: string
  /** Only these derivation indices (default: every one with recorded payments). */
  readonly indices?: ReadonlyArray<bigint> | undefined
  /** The merchant's BIP-39 mnemonic: used in memory to derive the listed indices only; never stored. */
  readonly mnemonic: string
  readonly passphrase?: string | undefined
  /** Private key of the gas account. */
  readonly gasKey: string
  /** The journal lives in `<dataDir>/sweep-journal.jsonl`. */
  readonly dataDir: string
  readonly confirmations?: number | undefined
  readonly pollMs?: number | undefined
  readonly timeoutMs?: number | undefined
  readonly onEvent?: ((event: RunEvent) => void | Promise<void>) | undefined
}

/** Executes the sweep of one network (see {@link runEvm} / {@link runTron}), journaled in the data dir. */
export const runSweep = async (p: RunSweepParameters): Promise<RunReport> => {
  if (!isSweepable(p.network.family)) throw noSweep(p.network)
  const { deposits } = networksWithDeposits(p.checkouts, [p.network], undefined, p.indices)
  const keys = deriveDepositKeys(p.mnemonic, deposits, p.passphrase)
  const journal = openJournal(journalFile(p.dataDir))
  try {
    const common = {
      network: p.network,
      merchantId: p.merchantId,
      treasury: p.treasury,
      journal,
      keys,
      gasKey: p.gasKey,
      confirmations: p.confirmations,
      pollMs: p.pollMs,
      timeoutMs: p.timeoutMs,
      onEvent: p.onEvent,
    }
    return p.network.family === "evm" ? await runEvm(common) : await runTron(common)
  } finally {
    journal.close()
  }
}
