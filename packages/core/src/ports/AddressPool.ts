import { Context, type Effect } from "effect"
import type { ChainFamily, Checkout, Merchant, PayoutKeys, StoredTarget } from "../domain.js"
import type { NewCheckout } from "./CheckoutStore.js"
import type { StoreError } from "./errors.js"

/**
 * One pre-derived deposit slot: a derivation index of the merchant's sequence with the address of each derived
 * family at that index (with its lookup key), and the merchant's payout keys they were derived under.
 */
export interface PoolSlot {
  readonly index: bigint
  /** All the merchant's payout keys at derivation: the slot is handed out only while they are its keys. */
  readonly keys: PayoutKeys
  readonly targets: ReadonlyArray<StoredTarget>
}

/**
 * What a create gets: a pooled slot (addresses already derived), or, when the pool holds no slot for these
 * keys, a fresh index of the merchant's sequence to derive at inline.
 */
export type DerivationSlot =
  | { readonly _tag: "Pooled"; readonly index: bigint; readonly targets: ReadonlyArray<StoredTarget> }
  | { readonly _tag: "Fresh"; readonly index: bigint }

/** What `createCheckout` of the pool did: created the checkout on a slot, found no slot, or hit a taken memo. */
export type PooledCreateResult =
  | { readonly _tag: "Created"; readonly checkout: Checkout }
  | { readonly _tag: "NoSlot" }
  | { readonly _tag: "MemoTaken" }

/**
 * Pre-derived deposit addresses per merchant, so a create does not pay the address derivation (the biggest CPU
 * item of a create) on the request path. Indices come from the merchant's own sequence (the same one as
 * `Checkouts.allocateDerivationIndex`), so a pooled and an inline index are never the same. A taken slot
 * is deleted: handed out once at most. A slot whose keys differ from the merchant's current payout keys (any
 * family's: a changed wallet too) is never handed out (`dropStale` removes it).
 */
export class AddressPool extends Context.Tag("@inzi/core/AddressPool")<
  AddressPool,
  {
    /**
     * ONE statement: takes (deletes and returns) a slot of the merchant derived under exactly its current payout
     * keys (which must also equal `keys`, the merchant as the caller knows it); when none, allocates the next
     * index of the merchant's sequence instead (`Fresh`). Concurrent takers never get the same slot (SKIP
     * LOCKED). A taken slot whose checkout is then never written is a gap in the sequence, never a reused address.
     * An implementation may hand out, with no statement, indices of the sequence it drew ahead in such a statement
     * (e.g. while the pool is known empty): never twice; those never handed out are gaps too.
     */
    readonly takeSlot: (merchantId: string, keys: PayoutKeys) => Effect.Effect<DerivationSlot, StoreError>
    /**
     * ONE statement: takes a slot as `takeSlot` does and inserts the checkout with its deposit targets on it
     * (`input.targets` gives only the memos; index and addresses come from the slot, an address only for the
     * families in `derived`), all targets in one multi-row insert. Atomic: the slot is gone exactly when the
     * checkout exists. `NoSlot` when the pool has none for these keys (nothing written); `MemoTaken` when the
     * merchant already uses a memo (nothing written: draw again).
     */
    readonly createCheckout: (
      input: NewCheckout,
      keys: PayoutKeys,
      derived: ReadonlyArray<ChainFamily>,
    ) => Effect.Effect<PooledCreateResult, StoreError>
    /** Slots that `takeSlot` could hand out now (derived under the merchant's current payout keys). */
    readonly poolSize: (merchantId: string) => Effect.Effect<number, StoreError>
    /** `count` fresh indices of the merchant's sequence, in one statement (ascending; gaps possible). */
    readonly allocateIndices: (
      merchantId: string,
      count: number,
    ) => Effect.Effect<ReadonlyArray<bigint>, StoreError>
    /** Stores derived slots; returns how many were added (an index already pooled is skipped). */
    readonly addSlots: (
      merchantId: string,
      slots: ReadonlyArray<PoolSlot>,
    ) => Effect.Effect<number, StoreError>
    /** Deletes slots derived under keys the merchant no longer has (all merchants when none given). */
    readonly dropStale: (merchantId?: string) => Effect.Effect<number, StoreError>
    /**
     * Merchants with a payout key of one of the `derived` families whose usable pool holds fewer than `below`
     * slots, with that size.
     */
    readonly lowPools: (
      below: number,
      derived: ReadonlyArray<ChainFamily>,
    ) => Effect.Effect<ReadonlyArray<{ readonly merchant: Merchant; readonly size: number }>, StoreError>
  }
>() {}
