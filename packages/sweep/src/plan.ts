import type { ChainFamily } from "@inzi/core"
import { sweeperOf } from "./families.js"
import type { NetworkId } from "@inzi/core"

/** One token balance to move from a deposit address to the treasury. */
export interface PlannedTransfer {
  readonly symbol: string
  readonly contract: string
  readonly decimals: number
  /** Token base units, read from the chain (not from the recorded payments). */
  readonly amount: bigint
  /** EVM: gas limit of the transfer (estimate + margin). Tron: energy estimate. */
  readonly gasLimit: bigint
  /** Native coin reserved for it (wei / sun): gasLimit × gasPrice, or energy × energy price + bandwidth. */
  readonly fee: bigint
}

export interface PlannedAddress {
  readonly address: string
  readonly derivationIndex: bigint
  readonly checkoutIds: ReadonlyArray<string>
  /** Native coin already on the address (wei / sun). */
  readonly nativeBalance: bigint
  readonly transfers: ReadonlyArray<PlannedTransfer>
  /** Σ fee of its transfers. */
  readonly gasNeeded: bigint
  /** What the gas account sends first: max(0, gasNeeded − nativeBalance). */
  readonly topUp: bigint
}

/** The sweep of one network: what is where, what it costs, where it goes. */
export interface NetworkPlan {
  readonly network: NetworkId
  readonly family: ChainFamily
  readonly treasury: string | null
  /** `wei` (EVM) or `sun` (Tron). */
  readonly nativeUnit: "wei" | "sun"
  /** EVM gas price (wei) or Tron energy price (sun per energy unit) used for the estimate. */
  readonly gasPrice: bigint
  /** Only addresses holding a configured token (zero balances are dropped). */
  readonly addresses: ReadonlyArray<PlannedAddress>
  /** Base units per token symbol. */
  readonly totals: Readonly<Record<string, bigint>>
  readonly gasNeeded: bigint
  readonly topUpTotal: bigint
  /** Native coin the gas account spends beyond the top-ups (its own transaction fees; Tron account activation). */
  readonly gasAccountOverhead: bigint
  /** How the gas figures were estimated. */
  readonly estimate: string
}

/** A JSON-friendly copy (bigints as decimal strings). */
export const planToJson = (plans: ReadonlyArray<NetworkPlan>): unknown =>
  JSON.parse(JSON.stringify(plans, (_k, v) => (typeof v === "bigint" ? v.toString() : v)))

/** Formats base units with decimals, exactly (no floating point). */
export const formatUnits = (amount: bigint, decimals: number): string => {
  const neg = amount < 0n
  const s = (neg ? -amount : amount).toString().padStart(decimals + 1, "0")
  const int = s.slice(0, s.length - decimals)
  const frac = s.slice(s.length - decimals).replace(/0+$/, "")
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`
}

/** Human-readable plan, one block per network. */
export const renderPlan = (plans: ReadonlyArray<NetworkPlan>): string => {
  if (plans.length === 0) return "nothing to sweep (no deposit address with recorded confirmed payments)"
  const out: string[] = []
  for (const p of plans) {
    const facts = sweeperOf(p.family)?.module.sweep
    const native = facts?.nativeDecimals ?? 0
    const coin = facts?.nativeCoin ?? "native coin"
    out.push(`${p.network} (${p.family}) → treasury ${p.treasury ?? "(not set: pass --treasury)"}`)
    if (p.addresses.length === 0) out.push("  no token balances on the deposit addresses")
    for (const a of p.addresses) {
      const tokens = a.transfers.map((t) => `${formatUnits(t.amount, t.decimals)} ${t.symbol}`).join(", ")
      out.push(
        `  #${a.derivationIndex}  ${a.address}  ${tokens}  gas ${formatUnits(a.gasNeeded, native)} ${coin} (has ${formatUnits(a.nativeBalance, native)}, top-up ${formatUnits(a.topUp, native)})`,
      )
    }
    const totals = Object.entries(p.totals)
      .map(([sym, v]) => {
        const d = p.addresses.flatMap((a) => a.transfers).find((t) => t.symbol === sym)?.decimals ?? 0
        return `${formatUnits(v, d)} ${sym}`
      })
      .join(", ")
    out.push(
      `  total ${totals || "0"}; gas needed ${formatUnits(p.gasNeeded, native)} ${coin}, top-ups ${formatUnits(p.topUpTotal, native)} + gas account overhead ${formatUnits(p.gasAccountOverhead, native)}`,
    )
    out.push(`  estimate: ${p.estimate}`)
  }
  return out.join("\n")
}
