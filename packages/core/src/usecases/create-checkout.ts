import { Duration, Effect, Either, Option } from "effect"
import type { CreateCheckoutInput } from "../api.js"
import type {
  ChainFamily,
  Checkout,
  Merchant,
  Mode,
  NetworkConfig,
  NetworkId,
  PayoutKeys,
  StoredTarget,
} from "../domain.js"
import {
  type ChainFamilyModule,
  depositLookup,
  type FamilyRegistry,
  familyModules,
  payoutKeyOf,
  storedTarget,
} from "../family.js"
import { checkoutIdWith, newCheckoutId } from "../ids.js"
import { AddressDerivation } from "../ports/AddressDerivation.js"
import {
  AddressPool,
  type DerivationSlot,
  type PooledCreateResult,
  type PoolSlot,
} from "../ports/AddressPool.js"
import {
  Checkouts,
  type CreateCheckoutResult,
  IdempotencyRecords,
  type IdempotencyInput,
  type MemoTaken,
  type NewCheckout,
} from "../ports/CheckoutStore.js"
import { DerivationError, StoreError } from "../ports/errors.js"
import { Ids } from "../ports/Ids.js"

/** The validated fields of a create request (what `validateCreateCheckout` returns; the currency is USD). */
export type CreateCheckoutCommand = Omit<CreateCheckoutInput, "currency">

/**
 * The networks a new checkout of `merchant` in `mode` can be paid on: those the operator configured for the
 * mode, that the merchant enabled, and for which the merchant gave a payout key of the family (an xpub or a
 * wallet). An empty merchant list means "every configured network of the mode".
 */
export const checkoutNetworks = (
  merchant: Merchant,
  mode: Mode,
  configured: ReadonlyArray<NetworkConfig>,
): ReadonlyArray<NetworkConfig> => {
  const enabled = merchant.networks[mode]
  return configured.filter(
    (n) =>
      n.mode === mode &&
      (enabled.length === 0 || enabled.includes(n.id)) &&
      payoutKeyOf(merchant, n.family) !== null,
  )
}

/** What a create is asked for: by whom, in which mode, the validated fields, the networks and the clock. */
export interface CreateCheckoutArgs {
  readonly merchant: Merchant
  readonly mode: Mode
  readonly command: CreateCheckoutCommand
  readonly networks: ReadonlyArray<NetworkConfig>
  readonly now: Date
  /** The family modules: how each family's deposit target is made (`deposit`). */
  readonly families: FamilyRegistry
}

/**
 * The families of the checkout's networks, each with its module and the merchant's payout key, split by how
 * their targets are made: `derived` (an address per checkout from the key) and `memos` (wallet + memo).
 */
const checkoutFamilies = ({ merchant, networks, families }: CreateCheckoutArgs) => {
  const derived: Array<ChainFamily> = []
  const memos: Array<ChainFamilyModule> = []
  const used = new Set(networks.map((n) => n.family))
  for (const module of familyModules(families)) {
    const family = module.family
    if (!used.has(family) || payoutKeyOf(merchant, family) === null) continue
    if (module.deposit.kind === "derived-address") derived.push(family)
    else memos.push(module)
  }
  return { derived, memos }
}

/** Fresh memos of the checkout's memo families, with their lookup keys, drawn from `draw`. */
const drawMemos = (
  merchantId: string,
  memos: ReadonlyArray<ChainFamilyModule>,
  draw: (n: number) => Uint8Array,
): ReadonlyArray<StoredTarget> =>
  memos.map((m) => {
    const target = {
      family: m.family,
      address: null,
      memo: m.deposit.kind === "wallet-memo" ? m.deposit.newMemo(draw) : null,
    }
    return { ...target, lookup: depositLookup(m.deposit, merchantId, target) }
  })

/**
 * Per derived family of the checkout, in order: the slot's pooled target of the family, or the family itself (its
 * address is to be derived at the slot's index). Both create paths derive exactly these.
 */
const slotTargets = (
  derived: ReadonlyArray<ChainFamily>,
  pooled: ReadonlyArray<StoredTarget>,
): ReadonlyArray<StoredTarget | ChainFamily> =>
  derived.map((family) => pooled.find((t) => t.family === family) ?? family)

/** The stored target of a derived family's address (with its lookup key). */
const derivedTarget = (args: CreateCheckoutArgs, family: ChainFamily, address: string): StoredTarget =>
  storedTarget(args.families, args.merchant.id, { family, address, memo: null })

/** The checkout's derived targets at a slot or index: the pooled address, else derived now. */
const derivedTargets = (
  args: CreateCheckoutArgs,
  derived: ReadonlyArray<ChainFamily>,
  index: bigint,
  pooled: ReadonlyArray<StoredTarget>,
) =>
  Effect.flatMap(AddressDerivation, (derivation) =>
    Effect.forEach(slotTargets(derived, pooled), (t) =>
      typeof t !== "string"
        ? Effect.succeed(t)
        : Effect.map(derivation.derive(t, payoutKeyOf(args.merchant, t) ?? "", index), (address) =>
            derivedTarget(args, t, address),
          ),
    ),
  )

/** A family's address at a derivation index from the merchant's payout key, as plain code (`syncDeriver`). */
export type SyncDerive = (
  family: ChainFamily,
  key: string,
  index: bigint,
) => Either.Either<string, DerivationError>

/**
 * The registry's derivers as plain code (`AddressDeriver.deriveSync`) for `createCheckoutWith`, or `null` when a
 * derived family's deriver has none (then inline creates take the use case's Effect).
 */
export const syncDeriver = (families: FamilyRegistry): SyncDerive | null => {
  const byFamily = new Map<ChainFamily, NonNullable<ChainFamilyModule["deriver"]>["deriveSync"]>()
  for (const m of familyModules(families)) {
    if (m.deposit.kind !== "derived-address") continue
    if (m.deriver?.deriveSync === undefined) return null
    byFamily.set(m.family, m.deriver.deriveSync)
  }
  return (family, key, index) => {
    const derive = byFamily.get(family)
    return derive !== undefined
      ? derive(key, index)
      : Either.left(new DerivationError({ family, message: `no address derivation for ${family}` }))
  }
}

/** The new checkout's fields but its deposit targets; times on whole seconds, as the API shows them. */
const checkoutFields = (
  { merchant, mode, command, networks, now }: CreateCheckoutArgs,
  id: string,
): Omit<NewCheckout, "targets"> => {
  const createdMs = Math.floor(now.getTime() / 1000) * 1000
  return {
    id,
    merchantId: merchant.id,
    mode,
    amountCents: command.amountCents,
    description: command.description,
    metadataJson: command.metadataJson,
    customerEmail: command.customerEmail,
    redirectUrl: command.redirectUrl,
    webhookUrl: command.webhookUrl,
    networks: networks.map((n): NetworkId => n.id),
    expiresAt: new Date(createdMs + command.expiresInSeconds * 1000),
    createdAt: new Date(createdMs),
  }
}

/**
 * Draws of the memos per create before it gives up (a merchant's TON comments collide with odds ≈ n / 31^8):
 * the pooled create's redraws and the general create's alike.
 */
export const MEMO_ATTEMPTS = 8

/**
 * A create on a pooled deposit slot, decided before any statement runs: the pool's single statement takes a slot
 * and inserts the checkout on it (`AddressPool.createCheckout`). The use case's Effect (`createCheckout`) and the
 * server's fiber-less path (`createCheckoutWith`) both run exactly these steps: `pooledCreatePlan`, then
 * for each draw of the memos `pooledCreateInput`, the statement, and `afterPooledCreate`.
 */
export interface PooledCreatePlan {
  /** The checkout's fields but its deposit targets. */
  readonly base: Omit<NewCheckout, "targets">
  /** The merchant's current payout keys: a slot must have been derived under exactly these. */
  readonly keys: PayoutKeys
  /** The derived families the checkout's networks use: the slot's address of each other family is left out. */
  readonly derived: ReadonlyArray<ChainFamily>
  /** The memo families the checkout's networks use: a memo of each is drawn per statement. */
  readonly memos: ReadonlyArray<ChainFamilyModule>
}

/**
 * The pooled create of `args` with checkout id `id`, or `null` when the checkout takes no pooled slot (payable
 * on memo families only: it needs no derived address, so it takes a plain index).
 */
export const pooledCreatePlan = (args: CreateCheckoutArgs, id: string): PooledCreatePlan | null => {
  const { derived, memos } = checkoutFamilies(args)
  if (derived.length === 0) return null
  return { base: checkoutFields(args, id), keys: args.merchant.payoutKeys, derived, memos }
}

/** The pooled statement's checkout for one draw of the memos (index and addresses come from the slot). */
export const pooledCreateInput = (plan: PooledCreatePlan, draw: (n: number) => Uint8Array): NewCheckout => ({
  ...plan.base,
  targets: { derivationIndex: -1n, entries: drawMemos(plan.base.merchantId, plan.memos, draw) },
})

/**
 * What a pooled create does after the statement of draw `attempt` (0 for the first): `Created` (done), `Redraw`
 * (the merchant already uses a memo: draw again and run the statement again), or `Fallback` (no slot for these
 * keys, or every draw taken; nothing was written: the create takes a slot or an index the general way).
 */
export type PooledCreateStep =
  | { readonly _tag: "Created"; readonly checkout: Checkout }
  | { readonly _tag: "Redraw" }
  | { readonly _tag: "Fallback" }

export const afterPooledCreate = (result: PooledCreateResult, attempt: number): PooledCreateStep =>
  result._tag === "Created"
    ? { _tag: "Created", checkout: result.checkout }
    : result._tag === "MemoTaken" && attempt + 1 < MEMO_ATTEMPTS
      ? { _tag: "Redraw" }
      : { _tag: "Fallback" }

/**
 * The checkout of an insert at derivation `index` (a slot taken, or an index allocated): the derived targets and
 * one draw of the memos. Every insert of a create, keyed or not, runs on one of these.
 */
export const slotCreateInput = (
  base: Omit<NewCheckout, "targets">,
  index: bigint,
  addresses: ReadonlyArray<StoredTarget>,
  memos: ReadonlyArray<ChainFamilyModule>,
  draw: (n: number) => Uint8Array,
): NewCheckout => ({
  ...base,
  targets: { derivationIndex: index, entries: [...addresses, ...drawMemos(base.merchantId, memos, draw)] },
})

/**
 * What a create does after the insert of draw `attempt` (0 for the first): `Done` (created, or replayed),
 * `Redraw` (the merchant already uses a memo: draw again), or `Failed` (every draw of `MEMO_ATTEMPTS` taken).
 */
export type InsertStep =
  | { readonly _tag: "Done"; readonly result: CreateCheckoutResult }
  | { readonly _tag: "Redraw" }
  | { readonly _tag: "Failed"; readonly error: StoreError }

export const afterInsert = (result: CreateCheckoutResult | MemoTaken, attempt: number): InsertStep =>
  result._tag !== "MemoTaken"
    ? { _tag: "Done", result }
    : attempt + 1 < MEMO_ATTEMPTS
      ? { _tag: "Redraw" }
      : {
          _tag: "Failed",
          error: new StoreError({
            message: `createCheckout: every memo drawn in ${MEMO_ATTEMPTS} attempts is taken`,
          }),
        }

/** A synchronous byte source over the `Ids` service (its `randomBytes` is synchronous: `idsOf`). */
const drawFrom = Effect.map(Ids, (ids) => (n: number) => Effect.runSync(ids.randomBytes(n)))

/**
 * Creates a checkout: takes a pre-derived deposit slot of the merchant from the `AddressPool` (when the
 * context has one), or, when the pool has none for the merchant's current payout keys (empty, being refilled,
 * a key just changed) or no pool is wired, allocates the merchant's next derivation index and derives the
 * addresses of the derived families inline; a create never fails for want of pooled slots. Then draws the memo
 * of each memo family and inserts everything (with the idempotency record when a key is given); a memo the
 * merchant already uses is drawn again.
 *
 * Without an Idempotency-Key, a pooled create is ONE statement (slot taken + checkout and targets inserted:
 * the slot is gone exactly when the checkout exists; the steps of `PooledCreatePlan`). With a key, a replay or a
 * conflict is answered first from the key's record (`findIdempotentReplay`), drawing nothing; otherwise the slot
 * is taken in its own statement before the insert transaction: should that fail, the process die, or a
 * concurrent request with the same key win, the index is simply never used (a gap in the merchant's sequence,
 * like any failed create). Either way an address is never handed out twice.
 */
export const createCheckout = (
  input: CreateCheckoutArgs & { readonly idempotency: IdempotencyInput | null },
) =>
  Effect.gen(function* () {
    const store = yield* Checkouts
    const idempotency = yield* IdempotencyRecords
    const pool = yield* Effect.serviceOption(AddressPool)
    const draw = yield* drawFrom
    const { merchant, mode } = input
    const { derived, memos } = checkoutFamilies(input)
    const id = yield* newCheckoutId(mode)
    const plan = Option.isSome(pool) ? pooledCreatePlan(input, id) : null
    // The common case in one statement: a create without a key, on a pool-wired store.
    if (plan !== null && Option.isSome(pool) && input.idempotency === null) {
      for (let attempt = 0; ; attempt++) {
        const r = yield* pool.value.createCheckout(pooledCreateInput(plan, draw), plan.keys, plan.derived)
        const step = afterPooledCreate(r, attempt)
        if (step._tag === "Created") {
          const created: CreateCheckoutResult = { _tag: "Created", checkout: step.checkout, response: null }
          return { ...created, addresses: "pooled" as CreateCheckoutAddresses }
        }
        if (step._tag === "Fallback") break
      }
    }
    // With a key: a replay (or a conflict) is answered before any slot is drawn.
    if (input.idempotency !== null) {
      const stored = yield* idempotency.findIdempotentReplay({
        merchantId: merchant.id,
        mode,
        key: input.idempotency.key,
        requestHash: input.idempotency.requestHash,
        now: input.now,
      })
      if (stored !== null) {
        const replayed: CreateCheckoutResult = { _tag: "Replayed", response: stored }
        return { ...replayed, addresses: "none" as CreateCheckoutAddresses }
      }
    }
    // With a key (or after an empty pool above: then the take draws a fresh index in the same statement).
    const slot =
      plan !== null && Option.isSome(pool)
        ? yield* pool.value.takeSlot(merchant.id, plan.keys)
        : { _tag: "Fresh" as const, index: yield* store.allocateDerivationIndex(merchant.id) }
    const index = slot.index
    const addresses = yield* derivedTargets(input, derived, index, slot._tag === "Pooled" ? slot.targets : [])
    const fields = checkoutFields(input, id)
    // Where the deposit addresses came from: `derived` on a pool-wired server means the merchant's pool is
    // empty (or a key just changed): a good moment to start a background refill (`makeAddressPoolRefiller`).
    const how: CreateCheckoutAddresses = derived.length === 0 ? "none" : addressesOf(slot)
    for (let attempt = 0; ; attempt++) {
      const result = yield* store.createCheckout(
        slotCreateInput(fields, index, addresses, memos, draw),
        input.idempotency,
      )
      const step = afterInsert(result, attempt)
      if (step._tag === "Done") return { ...step.result, addresses: how }
      if (step._tag === "Failed") return yield* Effect.fail(step.error)
    }
  })

/** Where a slot's derived addresses come from (`CreateCheckoutAddresses`). */
const addressesOf = (slot: DerivationSlot): CreateCheckoutAddresses =>
  slot._tag === "Pooled" ? "pooled" : "derived"

/**
 * How a create got its derived deposit addresses: from the pool, derived inline, or none (a checkout of memo
 * families only, or a replay answered from its Idempotency-Key's record before any address was drawn).
 */
export type CreateCheckoutAddresses = "pooled" | "derived" | "none"

/**
 * The callback statements `createCheckoutWith` runs on (adapter-postgres's fast path): each calls `done` once and
 * never throws.
 */
export interface CreateStatements {
  /** `AddressPool.createCheckout`: a pooled slot taken and the checkout inserted on it, in one statement. */
  readonly createPooled: (
    input: NewCheckout,
    keys: PayoutKeys,
    derived: ReadonlyArray<ChainFamily>,
    done: (result: Either.Either<PooledCreateResult, StoreError>) => void,
  ) => void
  /** `AddressPool.takeSlot`: a pooled slot, or a fresh index of the merchant's sequence, in one statement. */
  readonly takeSlot: (
    merchantId: string,
    keys: PayoutKeys,
    done: (result: Either.Either<DerivationSlot, StoreError>) => void,
  ) => void
  /** `Checkouts.createCheckout` without an Idempotency-Key: the checkout and its targets, in one statement. */
  readonly insert: (
    input: NewCheckout,
    done: (result: Either.Either<CreateCheckoutResult | MemoTaken, StoreError>) => void,
  ) => void
}

/**
 * `createCheckout` without an Idempotency-Key, without a fiber, for a server's hot path: the same steps on the
 * store's callback statements (`CreateStatements`), `randomBytes` (a synchronous byte source:
 * `cryptoRandomBytes`) and `derive` (`syncDeriver`): the pooled statement (`PooledCreatePlan`); on an empty pool
 * the take of a slot or a fresh index, the addresses derived inline, and the insert (`slotCreateInput`,
 * `afterInsert`). Without `derive`, a create the pool cannot serve ends at `null`. `done` is called once: with
 * the created checkout and where its addresses came from; with `null` when this path does not apply (a checkout
 * of memo families only; no pooled slot and no `derive`; every memo drawn for the pooled statement taken), nothing
 * having been written, so the caller runs `createCheckout`; or with the store's or the derivation's error.
 */
export const createCheckoutWith = (
  input: CreateCheckoutArgs,
  services: {
    readonly statements: CreateStatements
    readonly randomBytes: (n: number) => Uint8Array
    readonly derive: SyncDerive | null
  },
  done: (
    result: Either.Either<
      { readonly checkout: Checkout; readonly addresses: CreateCheckoutAddresses } | null,
      StoreError | DerivationError
    >,
  ) => void,
): void => {
  const { statements, randomBytes, derive } = services
  const plan = pooledCreatePlan(input, checkoutIdWith(input.mode, randomBytes))
  if (plan === null) {
    done(Either.right(null))
    return
  }
  const inline = (slot: DerivationSlot, derive: SyncDerive): void => {
    const addresses: Array<StoredTarget> = []
    for (const t of slotTargets(plan.derived, slot._tag === "Pooled" ? slot.targets : [])) {
      if (typeof t !== "string") {
        addresses.push(t)
        continue
      }
      const address = derive(t, payoutKeyOf(input.merchant, t) ?? "", slot.index)
      if (Either.isLeft(address)) {
        done(Either.left(address.left))
        return
      }
      addresses.push(derivedTarget(input, t, address.right))
    }
    let attempt = 0
    const insert = (): void =>
      statements.insert(slotCreateInput(plan.base, slot.index, addresses, plan.memos, randomBytes), (r) => {
        if (Either.isLeft(r)) return done(Either.left(r.left))
        const step = afterInsert(r.right, attempt++)
        if (step._tag === "Redraw") return insert()
        if (step._tag === "Failed") return done(Either.left(step.error))
        if (step.result._tag !== "Created")
          return done(Either.left(new StoreError({ message: "createCheckout: a replay without a key" })))
        done(Either.right({ checkout: step.result.checkout, addresses: addressesOf(slot) }))
      })
    insert()
  }
  let attempt = 0
  const pooled = (): void =>
    statements.createPooled(pooledCreateInput(plan, randomBytes), plan.keys, plan.derived, (r) => {
      if (Either.isLeft(r)) return done(Either.left(r.left))
      const step = afterPooledCreate(r.right, attempt++)
      if (step._tag === "Created") return done(Either.right({ checkout: step.checkout, addresses: "pooled" }))
      if (step._tag === "Redraw") return pooled()
      // No pooled slot (or every draw taken), as in `createCheckout`: the take draws a fresh index when the pool
      // has no slot, in the same statement.
      if (derive === null) return done(Either.right(null))
      statements.takeSlot(input.merchant.id, plan.keys, (slot) =>
        Either.isLeft(slot) ? done(Either.left(slot.left)) : inline(slot.right, derive),
      )
    })
  pooled()
}

/** The derived families of a registry (`deposit.kind` "derived-address"): the ones a pool slot holds. */
export const derivedFamilies = (families: FamilyRegistry): ReadonlyArray<ChainFamily> =>
  familyModules(families)
    .filter((m) => m.deposit.kind === "derived-address")
    .map((m) => m.family)

/**
 * Tops the merchant's address pool up to `target` usable slots: allocates indices of the merchant's sequence
 * `batch` at a time (one statement), derives the address of each derived family the merchant has a key for at
 * each with `AddressDerivation` (the CPU part; a batch per family at once with `deriveMany` when the
 * deriver has it) and stores them (one statement a batch). Between batches
 * it gives the event loop a turn, so a server can run it in the background (small batches keep each blocking
 * stretch short). Returns the slots added. Two refills of one merchant at once may overshoot the target (by one
 * batch each at most); harmless.
 * @example
 * // in a server, after a create, without waiting for it:
 * Effect.runFork(refillAddressPool(merchant, FAMILIES, { target: 500, batch: 16 }).pipe(Effect.provide(layer)))
 */
export const refillAddressPool = (
  merchant: Merchant,
  families: FamilyRegistry,
  opts: { readonly target: number; readonly batch?: number | undefined },
) =>
  Effect.gen(function* () {
    const derived = derivedFamilies(families).filter((f) => payoutKeyOf(merchant, f) !== null)
    if (derived.length === 0) return 0
    const pool = yield* AddressPool
    const derivation = yield* AddressDerivation
    const batch = Math.max(1, Math.floor(opts.batch ?? 100))
    let size = yield* pool.poolSize(merchant.id)
    let added = 0
    while (size < opts.target) {
      const indices = yield* pool.allocateIndices(merchant.id, Math.min(batch, opts.target - size))
      // Each family's addresses of the whole batch in one call (one field inversion for all of them).
      const byFamily: Array<ReadonlyArray<string>> = []
      for (const family of derived) {
        const key = payoutKeyOf(merchant, family) ?? ""
        byFamily.push(
          derivation.deriveMany !== undefined
            ? yield* derivation.deriveMany(family, key, indices)
            : yield* Effect.forEach(indices, (index) => derivation.derive(family, key, index)),
        )
      }
      const slots: Array<PoolSlot> = indices.map((index, i) => ({
        index,
        keys: merchant.payoutKeys,
        targets: derived.map((family, f) =>
          storedTarget(families, merchant.id, { family, address: byFamily[f]![i]!, memo: null }),
        ),
      }))
      const n = yield* pool.addSlots(merchant.id, slots)
      if (n === 0) break
      added += n
      size += n
      yield* Effect.sleep(Duration.zero)
    }
    return added
  })

/**
 * One pass of pool upkeep over every merchant: drops slots derived under replaced payout keys, then refills each
 * merchant with a key of a derived family whose usable pool is below `lowWater` up to `target`. A merchant
 * whose refill fails (an xpub that no longer derives) is reported in `failed` and does not stop the others.
 */
export const refillLowPools = (opts: {
  readonly families: FamilyRegistry
  readonly target: number
  readonly lowWater: number
  readonly batch?: number | undefined
}) =>
  Effect.gen(function* () {
    const pool = yield* AddressPool
    const dropped = yield* pool.dropStale()
    if (opts.target <= 0) return { dropped, refilled: 0, added: 0, failed: [] as ReadonlyArray<string> }
    const low = yield* pool.lowPools(Math.min(opts.lowWater, opts.target), derivedFamilies(opts.families))
    let added = 0
    const failed: Array<string> = []
    for (const { merchant } of low) {
      const r = yield* Effect.either(
        refillAddressPool(merchant, opts.families, { target: opts.target, batch: opts.batch }),
      )
      if (r._tag === "Right") added += r.right
      else failed.push(merchant.id)
    }
    return { dropped, refilled: low.length - failed.length, added, failed: failed as ReadonlyArray<string> }
  })

/**
 * Background refills for a server: `trigger(merchant)` starts a refill of that merchant's pool (a daemon fiber)
 * unless one is already running for it in this process, and returns at once. Call it when a create reports
 * `addresses: "derived"` (the pool was empty); the worker's periodic job does the rest.
 * @example
 * const refiller = makeAddressPoolRefiller({ families: FAMILIES, target: env.addressPool })
 * // after createCheckout, in the same runtime:
 * if (result.addresses === "derived" && env.addressPool > 0) yield* refiller.trigger(merchant)
 */
export const makeAddressPoolRefiller = (opts: {
  readonly families: FamilyRegistry
  readonly target: number
  /** Slots per batch between event-loop turns (default 16: ≈ 10 ms of derivation per stretch). */
  readonly batch?: number | undefined
}) => {
  const running = new Set<string>()
  return {
    trigger: (merchant: Merchant) =>
      Effect.suspend(() => {
        if (opts.target <= 0 || running.has(merchant.id)) return Effect.void
        running.add(merchant.id)
        return refillAddressPool(merchant, opts.families, {
          target: opts.target,
          batch: opts.batch ?? 16,
        }).pipe(
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => running.delete(merchant.id))),
          Effect.forkDaemon,
          Effect.asVoid,
        )
      }),
    /** Merchants with a refill in flight (for tests and metrics). */
    running: (): ReadonlySet<string> => running,
  }
}
