import {
  type ChainFamily,
  type ChainFamilyModule,
  type FamilyRegistry,
  familyModules,
  type NetworkConfig,
  SweepError,
} from "@inzi/core"

/** A family module with a sweep (facts and runner): the families whose deposits land on derived addresses. */
export type SweepableModule = ChainFamilyModule & { readonly sweep: NonNullable<ChainFamilyModule["sweep"]> }

/**
 * The families the tool can sweep, in the registry's order: those whose module has a `sweep` (families without
 * one — wallet-memo deposits such as TON's — have nothing to sweep). The rest of the tool asks the registry it
 * is given, never a family name.
 */
export const sweepableFamilies = (families: FamilyRegistry): ReadonlyArray<ChainFamily> =>
  familyModules(families)
    .filter((m) => m.sweep !== undefined)
    .map((m) => m.family)

/** The sweepable module of a family, or undefined when its deposits land in the merchant's own wallet. */
export const sweeperOf = (families: FamilyRegistry, family: ChainFamily): SweepableModule | undefined => {
  const m = families[family] as ChainFamilyModule | undefined
  return m?.sweep === undefined ? undefined : (m as SweepableModule)
}

/** The network's sweepable module, or the error of a family that has nothing to sweep. */
export const sweeperFor = (families: FamilyRegistry, network: NetworkConfig): SweepableModule => {
  const sweeper = sweeperOf(families, network.family)
  if (sweeper === undefined)
    throw new SweepError(
      `${network.id} needs no sweep: its family (${network.family}) has no sweeper, payments land in the merchant's own wallet`,
    )
  return sweeper
}

/** Whether two recorded addresses of a family are the same (hex families compare case-insensitively). */
export const sameAddress = (families: FamilyRegistry, family: ChainFamily, a: string, b: string): boolean => {
  const d = sweeperOf(families, family)?.deposit
  return d?.kind === "derived-address" && d.caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b
}
