import type { FamilyRegistry, NetworkPlan } from "@inzi/core"
import { sweeperOf } from "./families.js"

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
export const renderPlan = (families: FamilyRegistry, plans: ReadonlyArray<NetworkPlan>): string => {
  if (plans.length === 0) return "nothing to sweep (no deposit address with recorded confirmed payments)"
  const out: string[] = []
  for (const p of plans) {
    const facts = sweeperOf(families, p.family)?.sweep
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
