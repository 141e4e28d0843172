import {
  type ChainFamily,
  type Checkout,
  Checkouts,
  type DepositAddress,
  type FamilyRegistry,
  depositTargetOf,
  MODES,
  type NetworkConfig,
  type NetworkId,
  type StoreError,
} from "@inzi/core"
import { Effect } from "effect"
import { sameAddress, sweepableFamilies, sweeperOf } from "./families.js"

/** Payments whose money is on the deposit address: confirmed ones, and late ones (they never count, but the money is there). */
const HOLDS_MONEY = new Set(["confirmed", "late"])

/**
 * The deposit addresses of these checkouts that received recorded confirmed (or late) payments on the given
 * networks, grouped per network and address, ordered by derivation index. Families without a sweeper (TON)
 * are never listed: their payments land in the merchant's own wallet. Pure: tests and embedders call it with checkouts from anywhere.
 */
export const depositsFromCheckouts = (
  families: FamilyRegistry,
  checkouts: ReadonlyArray<Checkout>,
  networks: ReadonlyArray<NetworkConfig>,
): ReadonlyArray<DepositAddress> => {
  const byKey = new Map<
    string,
    { d: Omit<DepositAddress, "checkoutIds" | "recorded">; ids: Set<string>; rec: Map<string, bigint> }
  >()
  for (const c of checkouts) {
    for (const p of c.payments) {
      if (!HOLDS_MONEY.has(p.status)) continue
      const net = networks.find((n) => n.id === p.network)
      const sweeper = net === undefined ? undefined : sweeperOf(families, net.family)
      if (net === undefined || sweeper === undefined) continue
      const address = depositTargetOf(c.targets, net.family)?.address ?? null
      if (address === null || !sameAddress(families, net.family, address, p.recipient)) continue
      const key = `${net.id}\u0000${address}`
      let entry = byKey.get(key)
      if (entry === undefined) {
        entry = {
          d: { network: net.id, family: net.family, address, derivationIndex: c.targets.derivationIndex },
          ids: new Set(),
          rec: new Map(),
        }
        byKey.set(key, entry)
      }
      entry.ids.add(c.id)
      const contract = p.tokenContract.toLowerCase()
      entry.rec.set(contract, (entry.rec.get(contract) ?? 0n) + p.amount)
    }
  }
  return [...byKey.values()]
    .map(({ d, ids, rec }) => ({ ...d, checkoutIds: [...ids], recorded: Object.fromEntries(rec) }))
    .sort((a, b) =>
      a.network === b.network
        ? a.derivationIndex < b.derivationIndex
          ? -1
          : a.derivationIndex > b.derivationIndex
            ? 1
            : 0
        : a.network < b.network
          ? -1
          : 1,
    )
}

/** One allocated derivation index and the addresses derived at it. */
export interface UsedIndex {
  readonly index: bigint
  readonly address: string
  readonly checkoutId: string
  /** A payment (any status but reverted) arrived at it. */
  readonly paid: boolean
}

/** Per sweepable family, its allocated indices. */
export type UsedIndices = { readonly [F in ChainFamily]?: ReadonlyArray<UsedIndex> }

/**
 * Every derivation index the merchant's checkouts allocated, per family (paid or not), ascending. Wallet
 * software that stops scanning after 20 unused addresses needs `max index + 1` as its gap limit, or this list.
 */
export const usedIndicesOf = (
  families: FamilyRegistry,
  checkouts: ReadonlyArray<Checkout>,
  networks: ReadonlyArray<NetworkConfig>,
  network?: NetworkId,
): UsedIndices => {
  const familyOf = (id: NetworkId) => networks.find((n) => n.id === id)?.family
  const wanted = network === undefined ? undefined : familyOf(network)
  const asc = (a: UsedIndex, b: UsedIndex) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0)
  const out: { [F in ChainFamily]?: ReadonlyArray<UsedIndex> } = {}
  for (const family of sweepableFamilies(families)) {
    const used: UsedIndex[] = []
    for (const c of checkouts) {
      if (network !== undefined && !c.networks.includes(network)) continue
      const address = depositTargetOf(c.targets, family)?.address ?? null
      if (address === null || (wanted !== undefined && wanted !== family)) continue
      const paid = c.payments.some((p) => p.status !== "reverted" && familyOf(p.network) === family)
      used.push({ index: c.targets.derivationIndex, address, checkoutId: c.id, paid })
    }
    out[family] = used.sort(asc)
  }
  return out
}

/** Every checkout of a merchant, both modes, read page by page through the `Checkouts` port. */
export const merchantCheckouts = (
  merchantId: string,
  now: Date = new Date(),
): Effect.Effect<ReadonlyArray<Checkout>, StoreError, Checkouts> =>
  Effect.gen(function* () {
    const store = yield* Checkouts
    const all: Checkout[] = []
    for (const mode of MODES)
      for (let offset = 0; ; offset += 100) {
        const page = yield* store.listCheckouts({ merchantId, mode, limit: 100, offset, now })
        all.push(...page.data)
        if (page.data.length < 100) break
      }
    return all
  })
