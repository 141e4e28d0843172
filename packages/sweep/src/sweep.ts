import {
  type ChainFamily,
  type Checkout,
  type FamilyRegistry,
  type NetworkConfig,
  type NetworkPlan,
  type RunEvent,
  type RunReport,
  SweepError,
} from "@inzi/core"
import { depositsFromCheckouts } from "./deposits.js"
import { sweepableFamilies, sweeperFor, sweeperOf } from "./families.js"
import { journalFile, openJournal } from "./journal.js"
import { deriveDepositKeys } from "./keys.js"

/** Treasury per chain family (an operator may pass one of each). */
export type Treasuries = { readonly [F in ChainFamily]?: string | undefined }

/** Sorts treasury addresses into their family (the sweeper whose `isTreasury` takes it); throws on anything else. */
export const parseTreasuries = (families: FamilyRegistry, list: ReadonlyArray<string>): Treasuries => {
  const out: { [F in ChainFamily]?: string } = {}
  for (const raw of list) {
    const a = raw.trim()
    const family = sweepableFamilies(families).find((f) => sweeperOf(families, f)?.sweep.runner.isTreasury(a))
    if (family === undefined) {
      const labels = sweepableFamilies(families).map((f) => families[f].label)
      throw new SweepError(`treasury "${a}" is not an address of ${labels.join(" or ")}`)
    }
    if (out[family] !== undefined) throw new SweepError(`two ${families[family].label} treasuries given`)
    out[family] = a
  }
  return out
}

const networksWithDeposits = (
  families: FamilyRegistry,
  checkouts: ReadonlyArray<Checkout>,
  networks: ReadonlyArray<NetworkConfig>,
  only?: string,
  indices?: ReadonlyArray<bigint>,
) => {
  const chosen = networks.filter((n) => only === undefined || n.id === only)
  const deposits = depositsFromCheckouts(families, checkouts, chosen).filter(
    (d) => indices === undefined || indices.includes(d.derivationIndex),
  )
  return {
    deposits,
    networks: chosen.filter(
      (n) => sweeperOf(families, n.family) !== undefined && deposits.some((d) => d.network === n.id),
    ),
  }
}

export interface PlanSweepParameters {
  /** The family modules (the CLI's `FAMILIES`): each sweepable family's runner. */
  readonly families: FamilyRegistry
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
    sweeperFor(p.families, n)
  }
  const { deposits, networks } = networksWithDeposits(
    p.families,
    p.checkouts,
    p.networks,
    p.network,
    p.indices,
  )
  const plans: NetworkPlan[] = []
  for (const network of networks) {
    try {
      const treasury = p.treasuries?.[network.family] ?? null
      plans.push(await sweeperFor(p.families, network).sweep.runner.plan({ network, deposits, treasury }))
    } catch (e) {
      throw new SweepError(
        `${network.id}: cannot read the chain at ${network.rpcUrls[0] ?? "?"}: ${e instanceof Error ? e.message : String(e)}`,
      )
    }
  }
  return plans
}

export interface RunSweepParameters {
  /** The family modules (the CLI's `FAMILIES`): each sweepable family's runner. */
  readonly families: FamilyRegistry
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

/** Executes the sweep of one network with its family module's runner, journaled in the data dir. */
export const runSweep = async (p: RunSweepParameters): Promise<RunReport> => {
  const sweeper = sweeperFor(p.families, p.network)
  const { deposits } = networksWithDeposits(p.families, p.checkouts, [p.network], undefined, p.indices)
  const keys = deriveDepositKeys(p.families, p.mnemonic, deposits, p.passphrase)
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
    return await sweeper.sweep.runner.run(common)
  } finally {
    journal.close()
  }
}
