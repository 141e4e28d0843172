import { evmFamily } from "@inzi/adapter-evm"
import { isTronAddress, tronAddressFromBytes, tronFamily } from "@inzi/adapter-tron"
import type { ChainFamily, ChainFamilyModule, NetworkConfig } from "@inzi/core"
import { getBytes, type HDNodeWallet } from "ethers"
import type { DepositAddress } from "./deposits.js"
import { planEvm, runEvm } from "./evm.js"
import type { NetworkPlan } from "./plan.js"
import type { RunParameters, RunReport } from "./run.js"
import { planTron, runTron } from "./tron.js"

/** The sweep of one family: its module (label, `sweep` facts, deposit rules), its chain runner and its keys. */
export interface Sweeper {
  readonly module: ChainFamilyModule & { readonly sweep: NonNullable<ChainFamilyModule["sweep"]> }
  /** Whether `address` is a treasury address of the family (`--treasury`). */
  readonly isTreasury: (address: string) => boolean
  /** The deposit address a derived key controls, as Inzi records it. */
  readonly addressOfKey: (node: HDNodeWallet) => string
  readonly plan: (p: {
    readonly network: NetworkConfig
    readonly deposits: ReadonlyArray<DepositAddress>
    readonly treasury: string | null
  }) => Promise<NetworkPlan>
  readonly run: (p: RunParameters) => Promise<RunReport>
}

const sweepable = <F extends ChainFamily>(m: ChainFamilyModule<F>): Sweeper["module"] => {
  if (m.sweep === undefined) throw new Error(`${m.label}: its family module has no sweep facts`)
  return m as Sweeper["module"]
}

/**
 * The sweep tool's runners, one per family whose module has `sweep` facts (families without one — wallet-memo
 * deposits such as TON's — have nothing to sweep). The rest of the tool asks this table, never a family name.
 */
export const SWEEPERS: { readonly [F in ChainFamily]?: Sweeper } = {
  evm: {
    module: sweepable(evmFamily),
    isTreasury: (a) => /^0x[0-9a-fA-F]{40}$/.test(a),
    addressOfKey: (node) => node.address.toLowerCase(),
    // Called through arrows: this table and the runners import each other's modules.
    plan: (p) => planEvm(p),
    run: (p) => runEvm(p),
  },
  tron: {
    module: sweepable(tronFamily),
    isTreasury: (a) => isTronAddress(a) && a.startsWith("T"),
    addressOfKey: (node) => tronAddressFromBytes(getBytes(node.address)),
    plan: (p) => planTron(p),
    run: (p) => runTron(p),
  },
}

/** BIP-44 external chains the xpubs Inzi derives from, per sweepable family (`m/44'/60'/0'/0` for EVM …). */
export const CHAIN_PATH: { readonly [F in ChainFamily]?: string } = Object.fromEntries(
  Object.entries(SWEEPERS).map(([f, s]) => [f, s.module.sweep.chainPath]),
)

/** The families the tool can sweep, in the table's order. */
export const sweepableFamilies = (): ReadonlyArray<ChainFamily> => Object.keys(SWEEPERS) as Array<ChainFamily>

/** The sweeper of a family, or undefined when its deposits land in the merchant's own wallet. */
export const sweeperOf = (family: ChainFamily): Sweeper | undefined => SWEEPERS[family]

/** Whether two recorded addresses of a family are the same (hex families compare case-insensitively). */
export const sameAddress = (family: ChainFamily, a: string, b: string): boolean => {
  const d = SWEEPERS[family]?.module.deposit
  return d?.kind === "derived-address" && d.caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b
}
