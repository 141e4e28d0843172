import { Context, type Effect } from "effect"
import type { Checkout, Merchant } from "../domain.js"
import type { NewCheckout } from "./CheckoutStore.js"
import type { StoreError } from "./errors.js"

/**
 * One pre-derived deposit slot: a derivation index of the merchant's sequence with the EVM and Tron addresses at
 * that index, and the xpubs they were derived from (`null` for a family the merchant had no xpub for).
 */
export interface PoolSlot {
  readonly index: bigint
  readonly evmXpub: string | null
  readonly evmAddress: string | null
  readonly tronXpub: string | null
  readonly tronAddress: string | null
}

/** The xpubs a slot must have been derived from to be handed out (the merchant's current ones). */
export interface PoolXpubs {
  readonly evmXpub: string | null
  readonly tronXpub: string | null
}

/** The families a pooled create fills an address of (the others' addresses are left empty). */
export interface PoolFamilies {
  readonly evm: boolean
  readonly tron: boolean
}

/**
 * What a create gets: a pooled slot (addresses already derived), or, when the pool holds no slot for these
 * xpubs, a fresh index of the merchant's sequence to derive at inline.
 */
export type DerivationSlot =
  | {
      readonly _tag: "Pooled"
      readonly index: bigint
      readonly evmAddress: string | null
      readonly tronAddress: string | null
    }
  | { readonly _tag: "Fresh"; readonly index: bigint }

/** What `createCheckout` of the pool did: created the checkout on a slot, found no slot, or hit a taken comment. */
export type PooledCreateResult =
  | { readonly _tag: "Created"; readonly checkout: Checkout }
  | { readonly _tag: "NoSlot" }
  | { readonly _tag: "CommentTaken" }

/**
 * Pre-derived deposit addresses per merchant, so a create does not pay the EVM/Tron derivation (the biggest CPU
 * item of a create) on the request path. Indices come from the merchant's own sequence (the same one as
 * `Checkouts.allocateDerivationIndex`), so a pooled and an inline index are never the same. A taken slot
 * is deleted: handed out once at most. A slot whose xpubs differ from the merchant's current ones is never
 * handed out (`dropStale` removes it).
 */
export class AddressPool extends Context.Tag("@inzi/core/AddressPool")<
  AddressPool,
  {
    /**
     * ONE statement: takes (deletes and returns) a slot of the merchant derived from exactly its current xpubs
     * (which must also equal `xpubs`, the merchant as the caller knows it); when none, allocates the next index
     * of the merchant's sequence instead (`Fresh`). Concurrent takers never get the same slot (SKIP LOCKED).
     * A taken slot whose checkout is then never written is a gap in the sequence, never a reused address.
     */
    readonly takeSlot: (merchantId: string, xpubs: PoolXpubs) => Effect.Effect<DerivationSlot, StoreError>
    /**
     * ONE statement: takes a slot as `takeSlot` does and inserts the checkout with its deposit targets on it
     * (`input.targets` gives only the TON comment; index and addresses come from the slot, an address only for
     * the families in `families`). Atomic: the slot is gone exactly when the checkout exists. `NoSlot` when
     * the pool has none for these xpubs (nothing written); `CommentTaken` when the merchant already uses the
     * comment (nothing written: draw another).
     */
    readonly createCheckout: (
      input: NewCheckout,
      xpubs: PoolXpubs,
      families: PoolFamilies,
    ) => Effect.Effect<PooledCreateResult, StoreError>
    /** Slots that `takeSlot` could hand out now (derived from the merchant's current xpubs). */
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
    /** Deletes slots derived from xpubs the merchant no longer has (all merchants when none given). */
    readonly dropStale: (merchantId?: string) => Effect.Effect<number, StoreError>
    /** Merchants with an EVM or Tron xpub whose usable pool holds fewer than `below` slots, with that size. */
    readonly lowPools: (
      below: number,
    ) => Effect.Effect<ReadonlyArray<{ readonly merchant: Merchant; readonly size: number }>, StoreError>
  }
>() {}
