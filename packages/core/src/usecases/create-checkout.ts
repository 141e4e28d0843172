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
import { AddressPool, type PooledCreateResult, type PoolSlot } from "../ports/AddressPool.js"
import {
  Checkouts,
  type CreateCheckoutResult,
  IdempotencyRecords,
  type IdempotencyInput,
  type NewCheckout,
} from "../ports/CheckoutStore.js"
import { StoreError } from "../ports/errors.js"
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

/** The checkout's derived targets at a slot or index: the pooled address, else derived now. */
const derivedTargets = (
  args: CreateCheckoutArgs,
  derived: ReadonlyArray<ChainFamily>,
  index: bigint,
  pooled: ReadonlyArray<StoredTarget>,
) =>
  Effect.gen(function* () {
    const derivation = yield* AddressDerivation
    const out: Array<StoredTarget> = []
    for (const family of derived) {
      const got = pooled.find((t) => t.family === family)
      if (got !== undefined) {
        out.push(got)
        continue
      }
      const key = payoutKeyOf(args.merchant, family) ?? ""
      const address = yield* derivation.derive(family, key, index)
      out.push(storedTarget(args.families, args.merchant.id, { family, address, memo: null }))
    }
    return out
  })

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
 * server's fiber-less path (`createPooledCheckoutWith`) both run exactly these steps: `pooledCreatePlan`, then
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
    for (let attempt = 0; attempt < MEMO_ATTEMPTS; attempt++) {
      const entries = [...addresses, ...drawMemos(merchant.id, memos, draw)]
      const result = yield* store.createCheckout(
        { ...fields, targets: { derivationIndex: index, entries } },
        input.idempotency,
      )
      if (result._tag === "MemoTaken") continue
      // Where the deposit addresses came from: `derived` on a pool-wired server means the merchant's pool is
      // empty (or a key just changed): a good moment to start a background refill (`makeAddressPoolRefiller`).
      const how: CreateCheckoutAddresses =
        derived.length === 0 ? "none" : slot._tag === "Pooled" ? "pooled" : "derived"
      return { ...result, addresses: how } as CreateCheckoutResult & {
        readonly addresses: CreateCheckoutAddresses
      }
    }
    return yield* Effect.fail(
      new StoreError({ message: `createCheckout: every memo drawn in ${MEMO_ATTEMPTS} attempts is taken` }),
    )
  })

/**
 * How a create got its derived deposit addresses: from the pool, derived inline, or none (a checkout of memo
 * families only, or a replay answered from its Idempotency-Key's record before any address was drawn).
 */
export type CreateCheckoutAddresses = "pooled" | "derived" | "none"

/**
 * `createCheckout`'s common case without a fiber, for a server's hot path: a create without an Idempotency-Key
 * on a pooled slot, the same steps (`PooledCreatePlan`) with `statement` — the pool's single statement with a
 * callback (adapter-postgres's fast path) — and `randomBytes`, a synchronous byte source (`cryptoRandomBytes`).
 * `done` is called once: with the created checkout; with `null` when this path does not apply or cannot finish
 * (a checkout of memo families only, no pooled slot, every memo drawn taken), nothing having been written, so
 * the caller runs `createCheckout`; or with the store's error.
 */
export const createPooledCheckoutWith = (
  input: CreateCheckoutArgs,
  services: {
    readonly statement: (
      input: NewCheckout,
      keys: PayoutKeys,
      derived: ReadonlyArray<ChainFamily>,
      done: (result: Either.Either<PooledCreateResult, StoreError>) => void,
    ) => void
    readonly randomBytes: (n: number) => Uint8Array
  },
  done: (result: Either.Either<Checkout | null, StoreError>) => void,
): void => {
  const plan = pooledCreatePlan(input, checkoutIdWith(input.mode, services.randomBytes))
  if (plan === null) {
    done(Either.right(null))
    return
  }
  let attempt = 0
  const next = (): void =>
    services.statement(pooledCreateInput(plan, services.randomBytes), plan.keys, plan.derived, (r) => {
      if (Either.isLeft(r)) return done(Either.left(r.left))
      const step = afterPooledCreate(r.right, attempt++)
      if (step._tag === "Created") return done(Either.right(step.checkout))
      if (step._tag === "Redraw") return next()
      done(Either.right(null))
    })
  next()
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
