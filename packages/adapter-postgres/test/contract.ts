import type {
  ChainEvent,
  Checkout,
  IdempotencyInput,
  Mode,
  NewCheckout,
  PaymentObserved,
  UnmatchedTransfer,
} from "@inzi/core"
import { checkLogoImage, depositTargetOf, makeWatchIndex, makeWatchSet } from "@inzi/core"
import { Effect, Either } from "effect"
import { type Kysely, sql } from "kysely"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import {
  type CheckoutStoreOptions,
  type DB,
  hotStatements,
  listQuarantined,
  listWatcherStatus,
  quarantineSummary,
  recordWatcherStatus,
  makeConsoleStore,
  makeStores,
  migrate,
  migrationsApplied,
  type PgStores,
} from "../src/index.js"

/** A node of EXPLAIN (ANALYZE, FORMAT JSON)'s plan, as far as the tests read it. */
interface PlanNode {
  readonly "Node Type": string
  readonly "Subplan Name"?: string
  readonly "Actual Loops": number
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** What a backend gives the contract suite: an open, migrated database and how to close it. */
export interface ContractBackend {
  readonly db: Kysely<DB>
  /** Real concurrency (a pg pool); PGlite serializes everything, so heavy concurrency runs smaller there. */
  readonly concurrent: boolean
  readonly close: () => Promise<void>
}

const TABLES = [
  "webhook_attempts",
  "outbox_events",
  "payments",
  "unmatched_payments",
  "idempotency_keys",
  "deposit_targets",
  "checkouts",
  "api_keys",
  "merchants",
  "chain_cursors",
  "leases",
  "watcher_status",
  "watcher_samples",
  "quarantined_events",
]

export const runP = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)
export const fail = async <A, E>(e: Effect.Effect<A, E>): Promise<E> => {
  const r = await Effect.runPromise(Effect.either(e))
  if (Either.isRight(r)) throw new Error("expected a failure")
  return r.left
}

const T0 = new Date("2026-04-04T12:00:00.000Z")
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

/** The renderer the tests inject: proves the store stores exactly what the app renders. */
const renderEventBody: CheckoutStoreOptions["renderEventBody"] = (event, checkout, merchant) =>
  `{"id":"${event.id}","type":"${event.type}","livemode":${event.livemode},"sequence":${event.sequence},"payment":${JSON.stringify(event.payment?.txHash ?? null)},"status":"${checkout.status}","paid":${checkout.payments.length},"wallet":${JSON.stringify(merchant.payoutKeys.ton ?? null)},"metadata":${checkout.metadataJson ?? "null"}}`

/**
 * A checkout's deposit targets as the tests write them (any of an EVM address, a Tron address, a TON comment),
 * with their lookup keys as core's `depositLookup` makes them for these families.
 */
const keyedTargets = (
  merchantId: string,
  index: bigint,
  t: { readonly evm?: string | null; readonly tron?: string | null; readonly ton?: string | null },
): NewCheckout["targets"] => ({
  derivationIndex: index,
  entries: [
    ...(t.evm ? [{ family: "evm" as const, address: t.evm, memo: null, lookup: t.evm.toLowerCase() }] : []),
    ...(t.tron ? [{ family: "tron" as const, address: t.tron, memo: null, lookup: t.tron }] : []),
    ...(t.ton
      ? [
          {
            family: "ton" as const,
            address: null,
            memo: t.ton,
            lookup: `${merchantId}:${t.ton.trim().toUpperCase()}`,
          },
        ]
      : []),
  ],
})
/** A checkout's address of `family`, or its TON comment. */
const addressOf = (c: Checkout, family: "evm" | "tron"): string | null =>
  depositTargetOf(c.targets, family)?.address ?? null
const commentOf = (c: Checkout): string => depositTargetOf(c.targets, "ton")?.memo ?? ""

let seq = 0
const uid = (p: string) => `${p}_${process.pid}_${++seq}`
const token24 = () => {
  const s = `${Date.now().toString(36)}${(++seq).toString(36)}${Math.random().toString(36).slice(2)}`
  return s
    .padEnd(24, "x")
    .slice(-24)
    .replace(/[^a-z0-9]/g, "z")
}

/**
 * The storage contract: every port method against one backend. Registered once per backend (PGlite, real
 * Postgres); each test starts from empty tables.
 */
export const storeContract = (name: string, open: () => Promise<ContractBackend>) =>
  describe(name, () => {
    let backend: ContractBackend
    let s: PgStores
    let db: Kysely<DB>

    beforeAll(async () => {
      backend = await open()
      db = backend.db
      s = makeStores(db, { renderEventBody })
    })
    afterAll(async () => {
      await backend?.close()
    })
    beforeEach(async () => {
      await sql.raw(`TRUNCATE ${TABLES.join(", ")} CASCADE`).execute(db)
    })

    const merchant = async (
      over: Partial<{
        webhookUrl: string | null
        testWebhookUrl: string | null
        tonWallet: string | null
      }> = {},
    ) =>
      runP(
        s.merchants.createMerchant({
          id: uid("mer"),
          name: "Acme",
          webhookUrl: over.webhookUrl === undefined ? "https://acme.test/hook" : over.webhookUrl,
          webhookSecret: "whsec_live",
          // Test events have their own endpoint and secret (the same URL here unless a test says otherwise).
          testWebhookUrl:
            over.testWebhookUrl !== undefined
              ? over.testWebhookUrl
              : over.webhookUrl === undefined
                ? "https://acme.test/hook"
                : over.webhookUrl,
          testWebhookSecret: "whsec_test",
          payoutKeys: {
            evm: "xpub-evm",
            tron: "xpub-tron",
            ...(over.tonWallet === null ? {} : { ton: over.tonWallet ?? `0:${"ab".repeat(32)}` }),
          },
          networks: { live: ["ton", "base"], test: ["devnet", "ton-testnet", "tron-nile"] },
        }),
      )

    const newCheckout = async (
      merchantId: string,
      over: Partial<NewCheckout> = {},
      stores: PgStores = s,
      idem: IdempotencyInput | null = null,
    ) => {
      const mode: Mode = over.mode ?? "test"
      const index = await runP(stores.checkouts.allocateDerivationIndex(merchantId))
      const input: NewCheckout = {
        id: `chk_${mode}_${token24()}`,
        merchantId,
        mode,
        amountCents: 2500n,
        description: "Order #1",
        metadataJson: null,
        customerEmail: null,
        redirectUrl: null,
        webhookUrl: null,
        networks: ["devnet", "ton-testnet", "tron-nile"],
        targets: keyedTargets(merchantId, index, {
          evm: `0xAbC${merchantId.replace(/[^0-9a-f]/g, "").padStart(8, "0")}${index.toString(16).padStart(29, "0")}`,
          tron: `T${merchantId}${index}`,
          ton: `C${index.toString().padStart(7, "0")}`,
        }),
        expiresAt: at(1800),
        createdAt: T0,
        ...over,
      }
      return runP(stores.checkouts.createCheckout(input, idem))
    }
    const created = async (merchantId: string, over: Partial<NewCheckout> = {}) => {
      const r = await newCheckout(merchantId, over)
      if (r._tag !== "Created") throw new Error("expected Created")
      return r.checkout
    }

    const observed = (c: Checkout, over: Partial<PaymentObserved> = {}): PaymentObserved => ({
      _tag: "PaymentObserved",
      network: "devnet",
      txHash: `0x${token24()}`,
      logIndex: 0,
      target: { kind: "address", address: addressOf(c, "evm")!.toLowerCase() },
      token: "USDT",
      tokenContract: "0xusdt",
      decimals: 6,
      amount: 25_000_000n,
      sender: "0xpayer",
      blockNumber: 100n,
      blockHash: "0xblock",
      confirmations: 1,
      observedAt: at(60),
      ...over,
    })
    /** `o`'s payment now `confirmations` deep. */
    const deeper = (o: PaymentObserved, confirmations: number): ChainEvent => ({
      _tag: "PaymentConfirmationsUpdated",
      network: o.network,
      txHash: o.txHash,
      logIndex: o.logIndex,
      confirmations,
    })

    const apply = (
      events: ReadonlyArray<ChainEvent>,
      now = at(61),
      cursor: string | null = null,
      mode: Mode = "test",
    ) =>
      runP(
        s.checkouts.applyChainEvents({
          network: "devnet",
          mode,
          requiredConfirmations: 3,
          events,
          cursor,
          now,
        }),
      )

    const get = (c: Checkout, now = at(120)) =>
      runP(s.checkouts.getCheckout({ id: c.id, merchantId: c.merchantId, mode: c.mode, now }))

    describe("migrations", () => {
      it("are applied and a second run is a no-op", async () => {
        expect(await migrationsApplied(db)).toBe(true)
        expect((await migrate(db)).applied).toEqual([])
      })
    })

    describe("MerchantStore", () => {
      it("creates, reads, updates and lists merchants", async () => {
        const m = await merchant()
        expect(m.networks).toEqual({ live: ["ton", "base"], test: ["devnet", "ton-testnet", "tron-nile"] })
        expect(await runP(s.merchants.getMerchant(m.id))).toEqual(m)
        const u = await runP(
          s.merchants.updateMerchant(m.id, {
            name: "Acme 2",
            webhookUrl: null,
            networks: { live: [], test: ["devnet"] },
          }),
        )
        expect(u).toMatchObject({
          name: "Acme 2",
          webhookUrl: null,
          webhookSecret: "whsec_live",
          testWebhookUrl: "https://acme.test/hook",
          testWebhookSecret: "whsec_test",
          payoutKeys: { evm: "xpub-evm", tron: "xpub-tron", ton: `0:${"ab".repeat(32)}` },
        })
        // Payout keys per family: one replaced, one removed, the others kept.
        const keys = await runP(
          s.merchants.updateMerchant(m.id, { payoutKeys: { evm: "xpub-evm-2", ton: null } }),
        )
        expect(keys.payoutKeys).toEqual({ evm: "xpub-evm-2", tron: "xpub-tron" })
        expect((await runP(s.merchants.getMerchant(m.id))).payoutKeys).toEqual(keys.payoutKeys)
        expect(u.networks).toEqual({ live: [], test: ["devnet"] })
        const m2 = await merchant()
        expect((await runP(s.merchants.listMerchants())).map((x) => x.id)).toEqual([m.id, m2.id])
      })

      it("stores the host allow-lists (empty by default) and updates them", async () => {
        const m = await merchant()
        expect(m).toMatchObject({ allowedRedirectHosts: [], allowedWebhookHosts: [] })
        const u = await runP(
          s.merchants.updateMerchant(m.id, {
            allowedRedirectHosts: ["shop.example", "*.shop.example"],
            allowedWebhookHosts: ["hooks.example"],
          }),
        )
        expect(u).toMatchObject({
          allowedRedirectHosts: ["shop.example", "*.shop.example"],
          allowedWebhookHosts: ["hooks.example"],
        })
        expect(await runP(s.merchants.getMerchant(m.id))).toEqual(u)
        const cleared = await runP(s.merchants.updateMerchant(m.id, { allowedWebhookHosts: [] }))
        expect(cleared).toMatchObject({
          allowedRedirectHosts: ["shop.example", "*.shop.example"],
          allowedWebhookHosts: [],
        })
      })

      it("stores the branding (defaults at first) and uploaded logos by SHA-256, dropping replaced ones", async () => {
        const m = await merchant()
        expect(m.branding).toEqual({ displayName: null, logo: null, accentColor: null })
        const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
        const first = checkLogoImage(png)
        if ("problem" in first) throw new Error(first.problem)
        await runP(s.merchants.saveLogo(first))
        await runP(s.merchants.saveLogo(first)) // idempotent
        const branded = await runP(
          s.merchants.updateMerchant(m.id, {
            branding: {
              displayName: "Acme <Coffee>",
              logo: { kind: "image", sha256: first.sha256, contentType: first.contentType },
              accentColor: "#0a7f5c",
            },
          }),
        )
        expect(branded.branding).toEqual({
          displayName: "Acme <Coffee>",
          logo: { kind: "image", sha256: first.sha256, contentType: "image/png" },
          accentColor: "#0a7f5c",
        })
        expect(await runP(s.merchants.getMerchant(m.id))).toEqual(branded)
        const stored = await runP(s.merchants.getLogo(first.sha256))
        expect(stored?.contentType).toBe("image/png")
        expect(Array.from(stored?.bytes ?? [])).toEqual(Array.from(png))
        expect(await runP(s.merchants.getLogo("0".repeat(64)))).toBeNull()
        // Replaced by a URL: the uploaded image is no merchant's any more and goes.
        await runP(
          s.merchants.updateMerchant(m.id, {
            branding: { ...branded.branding!, logo: { kind: "url", url: "https://cdn.shop.example/l.png" } },
          }),
        )
        expect(await runP(s.merchants.getLogo(first.sha256))).toBeNull()
        expect((await runP(s.merchants.getMerchant(m.id))).branding?.logo).toEqual({
          kind: "url",
          url: "https://cdn.shop.example/l.png",
        })
      })

      it("never leaves a merchant pointing at a logo another merchant's update dropped", async () => {
        const [a, b, c] = [await merchant(), await merchant(), await merchant()]
        const none = { displayName: null, logo: null, accentColor: null } as const
        const imageOf = (i: number) => {
          const img = checkLogoImage(
            new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, i, a.id.length]),
          )
          if ("problem" in img) throw new Error(img.problem)
          return img
        }
        const pointAt = (img: ReturnType<typeof imageOf>) => ({
          branding: {
            ...none,
            logo: { kind: "image" as const, sha256: img.sha256, contentType: img.contentType },
          },
        })
        const dangling = async (id: string) => {
          const logo = (await runP(s.merchants.getMerchant(id))).branding?.logo
          return logo?.kind === "image" && (await runP(s.merchants.getLogo(logo.sha256))) === null
        }
        // Saved, then another merchant's branding change sweeps it before it is pointed at.
        const late = imageOf(0)
        await runP(s.merchants.saveLogo(late))
        await runP(s.merchants.updateMerchant(b.id, { branding: { ...none, displayName: "B" } }))
        await Effect.runPromise(Effect.either(s.merchants.updateMerchant(a.id, pointAt(late))))
        expect(await dangling(a.id)).toBe(false)
        // A pointed at the logo C leaves, in transactions that overlap.
        for (let i = 1; i <= 15; i++) {
          const img = imageOf(i)
          await runP(s.merchants.saveLogo(img))
          await runP(s.merchants.updateMerchant(c.id, pointAt(img)))
          await Promise.all([
            // Refused when C's sweep ran first (the image is gone): fine, as long as nothing dangles.
            Effect.runPromise(Effect.either(s.merchants.updateMerchant(a.id, pointAt(img)))),
            runP(s.merchants.updateMerchant(c.id, { branding: none })),
          ])
          expect(await dangling(a.id)).toBe(false)
        }
      })

      it("reports unknown merchants as MerchantNotFound", async () => {
        expect(await fail(s.merchants.getMerchant("mer_nope"))).toMatchObject({
          _tag: "MerchantNotFound",
          id: "mer_nope",
        })
        expect(await fail(s.merchants.updateMerchant("mer_nope", { name: "x" }))).toMatchObject({
          _tag: "MerchantNotFound",
        })
        expect(
          await fail(
            s.merchants.createApiKey({
              id: "key_x",
              merchantId: "mer_nope",
              mode: "test",
              prefix: "sk_test_x",
              hash: "h",
            }),
          ),
        ).toMatchObject({ _tag: "MerchantNotFound", id: "mer_nope" })
      })

      it("a duplicate merchant id is a StoreError, not a driver error", async () => {
        const m = await merchant()
        const e = await fail(
          s.merchants.createMerchant({
            ...m,
            webhookSecret: "whsec_other",
            networks: { live: [], test: [] },
          }),
        )
        expect(e).toMatchObject({ _tag: "StoreError" })
        expect(String((e as { message: string }).message)).not.toContain("whsec_other")
      })

      it("stores API keys by hash, finds active ones, revokes by id or prefix", async () => {
        const m = await merchant()
        const k1 = await runP(
          s.merchants.createApiKey({
            id: "key_1",
            merchantId: m.id,
            mode: "test",
            prefix: "sk_test_ab12",
            hash: "h1",
          }),
        )
        await runP(
          s.merchants.createApiKey({
            id: "key_2",
            merchantId: m.id,
            mode: "live",
            prefix: "sk_live_cd34",
            hash: "h2",
          }),
        )
        expect(k1).toMatchObject({
          id: "key_1",
          merchantId: m.id,
          mode: "test",
          prefix: "sk_test_ab12",
          revokedAt: null,
        })
        const found = await runP(s.merchants.findActiveKeyByHash("h1"))
        expect(found?.key.id).toBe("key_1")
        expect(found?.merchant.id).toBe(m.id)
        expect(await runP(s.merchants.findActiveKeyByHash("nope"))).toBeNull()

        const revoked = await runP(s.merchants.revokeApiKey("sk_test_ab12", at(5)))
        expect(revoked?.revokedAt?.toISOString()).toBe(at(5).toISOString())
        expect(await runP(s.merchants.findActiveKeyByHash("h1"))).toBeNull()
        // Revoking again keeps the first revocation time.
        expect((await runP(s.merchants.revokeApiKey("key_1", at(9))))?.revokedAt?.toISOString()).toBe(
          at(5).toISOString(),
        )
        expect(await runP(s.merchants.revokeApiKey("key_unknown", at(9)))).toBeNull()
        expect((await runP(s.merchants.revokeApiKey("key_2", at(7))))?.id).toBe("key_2")
        const keys = await runP(s.merchants.listApiKeys(m.id))
        expect(keys.map((k) => [k.id, k.revokedAt !== null])).toEqual([
          ["key_1", true],
          ["key_2", true],
        ])
      })
    })

    describe("CheckoutStore: creation and reads", () => {
      it("allocates derivation indices per merchant from 0, never twice", async () => {
        const a = await merchant()
        const b = await merchant()
        const ia = [
          await runP(s.checkouts.allocateDerivationIndex(a.id)),
          await runP(s.checkouts.allocateDerivationIndex(a.id)),
          await runP(s.checkouts.allocateDerivationIndex(a.id)),
        ]
        expect(ia).toEqual([0n, 1n, 2n])
        expect(await runP(s.checkouts.allocateDerivationIndex(b.id))).toBe(0n)
        expect(await fail(s.checkouts.allocateDerivationIndex("mer_nope"))).toMatchObject({
          _tag: "StoreError",
        })
      })

      it("creates a checkout and reads it back exactly (metadata bytes, amounts, targets)", async () => {
        const m = await merchant()
        const metadata = '{"z":1,"a":{"é":"ü","n":[1,2.50,null]},"big":12345678901234567890}'
        const c = await created(m.id, {
          amountCents: 100_000_000n,
          metadataJson: metadata,
          customerEmail: "a@b.test",
          redirectUrl: "https://acme.test/ok",
          webhookUrl: "https://acme.test/override",
        })
        const back = await get(c)
        expect(back).toEqual({ ...c, status: "pending" })
        expect(back.metadataJson).toBe(metadata)
        expect(back.amountCents).toBe(100_000_000n)
        expect(back.targets.derivationIndex).toBe(0n)
        expect(back.networks).toEqual(["devnet", "ton-testnet", "tron-nile"])
        expect(await runP(s.checkouts.getCheckoutByToken(c.id.slice("chk_test_".length), at(10)))).toEqual(
          back,
        )
      })

      it("scopes reads to merchant and mode", async () => {
        const m = await merchant()
        const other = await merchant()
        const c = await created(m.id)
        const q = { id: c.id, merchantId: other.id, mode: "test" as const, now: at(1) }
        expect(await fail(s.checkouts.getCheckout(q))).toMatchObject({ _tag: "CheckoutNotFound", id: c.id })
        expect(await fail(s.checkouts.getCheckout({ ...q, merchantId: m.id, mode: "live" }))).toMatchObject({
          _tag: "CheckoutNotFound",
        })
        expect(await fail(s.checkouts.getCheckoutByToken("x".repeat(24), at(1)))).toMatchObject({
          _tag: "CheckoutNotFound",
        })
      })

      it("the fast path's getCheckout answers through its callback exactly as getCheckout (found, foreign, driver error)", async () => {
        const m = await merchant()
        const other = await merchant()
        const c = await created(m.id)
        const direct = s.fastPath.getCheckout
        const read = (q: Parameters<typeof direct>[0]) =>
          new Promise<Either.Either<unknown, unknown>>((resolve) => {
            let calls = 0
            direct(q, (r) => {
              calls++
              // answered once: a second call would resolve nothing and show here
              setTimeout(() => (calls === 1 ? resolve(r) : resolve(Either.left("answered twice"))), 20)
            })
          })
        const q = { id: c.id, merchantId: m.id, mode: "test" as const, now: at(1) }
        expect(await read(q)).toEqual(Either.right(await get(c)))
        expect(await read({ ...q, now: at(1800) })).toEqual(Either.right(await get(c, at(1800))))
        for (const foreign of [
          { merchantId: other.id },
          { mode: "live" as const },
          { id: `chk_test_${"0".repeat(24)}` },
        ]) {
          const r = await read({ ...q, ...foreign })
          expect(Either.isLeft(r) && r.left).toMatchObject({ _tag: "CheckoutNotFound" })
        }
        // Postgres refuses a NUL in text (22021): a StoreError naming the operation, not a thrown driver error
        const bad = await read({ ...q, id: "chk_test_\u0000" })
        expect(Either.isLeft(bad) && bad.left).toMatchObject({ _tag: "StoreError" })
        expect(Either.isLeft(bad) && String((bad.left as { message: string }).message)).toMatch(
          /^getCheckout failed/,
        )
      })

      it("a read of an unchanged checkout hands back the same object; any change is read anew, exactly", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const first = await get(c, at(1))
        expect(await get(c, at(2))).toBe(first)
        // Overdue: another object (expired), the stored one again before the deadline.
        const overdue = await get(c, at(1800))
        expect(overdue).toEqual({ ...first, status: "expired" })
        expect(await get(c, at(1801))).toBe(overdue)
        expect(await get(c, at(3))).toBe(first)
        // The fast path shares the port's decoded checkouts: the very same object.
        const direct = (now: Date) =>
          new Promise<unknown>((resolve) =>
            s.fastPath.getCheckout({ id: c.id, merchantId: m.id, mode: "test", now }, (r) =>
              resolve(Either.getOrThrow(r)),
            ),
          )
        expect(await direct(at(4))).toBe(first)
        // A payment, then its confirmations: each change is a new object with the stored data.
        const obs = observed(c)
        await apply([obs], at(61))
        const paid = await get(c, at(62))
        expect(paid).not.toBe(first)
        expect(paid.status).toBe("processing")
        expect(paid.payments.map((p) => [p.txHash, p.confirmations])).toEqual([[obs.txHash, 1]])
        expect(await direct(at(62))).toBe(paid)
        await apply([deeper(obs, 2)])
        const more = await get(c, at(63))
        expect(more.payments[0]?.confirmations).toBe(2)
        expect(await get(c, at(64))).toBe(more)
      })

      it("checkoutVersions: one call for many checkouts; a version changes with any stored change, only its own", async () => {
        const m = await merchant()
        const a = await created(m.id)
        const b = await created(m.id)
        const unknown = `chk_test_${"0".repeat(24)}`
        expect((await runP(s.checkouts.checkoutVersions([]))).size).toBe(0)
        const v1 = await runP(s.checkouts.checkoutVersions([a.id, b.id, unknown, a.id]))
        expect([...v1.keys()].sort()).toEqual([a.id, b.id].sort())
        expect(v1.get(a.id)).toMatch(/^[0-9a-f]{32}$/)
        expect(v1.get(a.id)).not.toBe(v1.get(b.id))
        expect(await runP(s.checkouts.checkoutVersions([a.id, b.id]))).toEqual(v1)
        // A payment to a, then its confirmations: a's version changes each time, b's never.
        const obs = observed(a)
        await apply([obs], at(61))
        const v2 = await runP(s.checkouts.checkoutVersions([a.id, b.id]))
        expect(v2.get(a.id)).not.toBe(v1.get(a.id))
        expect(v2.get(b.id)).toBe(v1.get(b.id))
        await apply([deeper(obs, 2)])
        const v3 = await runP(s.checkouts.checkoutVersions([a.id, b.id]))
        expect(v3.get(a.id)).not.toBe(v2.get(a.id))
        expect(v3.get(b.id)).toBe(v1.get(b.id))
      })

      it("reads an overdue pending checkout as expired", async () => {
        const m = await merchant()
        const c = await created(m.id)
        expect((await get(c, at(1799))).status).toBe("pending")
        expect((await get(c, at(1800))).status).toBe("expired")
        expect((await runP(s.checkouts.getCheckoutByToken(c.id.slice(9), at(1800)))).status).toBe("expired")
      })

      it("answers MemoTaken for a TON comment the merchant already uses, and writes nothing", async () => {
        const m = await merchant()
        const idem = (key: string): IdempotencyInput => ({
          key,
          requestHash: "h",
          render: (c) => ({ status: 201, body: c.id }),
        })
        const first = await newCheckout(m.id, { targets: await target(m.id, 0, "TAKEN001") })
        expect(first._tag).toBe("Created")
        // Taken in any case and with blanks (the comment is matched so): plain and idempotent creates alike.
        for (const comment of ["TAKEN001", "taken001", " TAKEN001"]) {
          expect((await newCheckout(m.id, { targets: await target(m.id, 1, comment) }))._tag).toBe(
            "MemoTaken",
          )
          const keyed = await newCheckout(m.id, { targets: await target(m.id, 2, comment) }, s, idem(comment))
          expect(keyed._tag).toBe("MemoTaken")
        }
        expect((await runP(s.checkouts.listCheckouts(listQ(m.id)))).total).toBe(1)
        // The idempotency key's claim was rolled back with it: the key is free for the next draw.
        const again = await newCheckout(
          m.id,
          { targets: await target(m.id, 3, "FRESH002") },
          s,
          idem("TAKEN001"),
        )
        expect(again._tag === "Created" && commentOf(again.checkout)).toBe("FRESH002")
        // Another merchant may use the same comment.
        const other = await merchant()
        const third = await newCheckout(other.id, { targets: await target(other.id, 0, "TAKEN001") })
        expect(third._tag === "Created" && commentOf(third.checkout)).toBe("TAKEN001")
      })

      it("refuses a reused address with a StoreError and writes nothing", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const e = await fail(
          s.checkouts.createCheckout(
            {
              id: `chk_test_${token24()}`,
              merchantId: m.id,
              mode: "test",
              amountCents: 100n,
              description: null,
              metadataJson: null,
              customerEmail: null,
              redirectUrl: null,
              webhookUrl: null,
              networks: ["devnet"],
              targets: keyedTargets(m.id, c.targets.derivationIndex, {
                evm: addressOf(c, "evm"),
                ton: "OTHER001",
              }),
              expiresAt: at(1800),
              createdAt: at(1),
            },
            null,
          ),
        )
        expect(e).toMatchObject({ _tag: "StoreError" })
        expect((await runP(s.checkouts.listCheckouts(listQ(m.id)))).total).toBe(1)
      })

      const target = async (merchantId: string, i: number, comment = `U${i}`) =>
        keyedTargets(merchantId, await runP(s.checkouts.allocateDerivationIndex(merchantId)), {
          evm: `0x${merchantId.replace(/[^0-9a-f]/g, "")}e${i}`,
          tron: `T${merchantId}t${i}`,
          ton: comment,
        })

      const listQ = (merchantId: string, over: Record<string, unknown> = {}) => ({
        merchantId,
        mode: "test" as const,
        limit: 100,
        offset: 0,
        now: at(10),
        ...over,
      })

      it("replays an idempotent create and refuses the key with another request", async () => {
        const m = await merchant()
        const idem = (hash: string): IdempotencyInput => ({
          key: "idem-1",
          requestHash: hash,
          render: (c) => ({ status: 201, body: JSON.stringify({ id: c.id, status: c.status }) }),
        })
        const first = await newCheckout(m.id, {}, s, idem("h1"))
        if (first._tag !== "Created") throw new Error("expected Created")
        expect(first.response).toEqual({
          status: 201,
          body: JSON.stringify({ id: first.checkout.id, status: "pending" }),
        })
        const again = await newCheckout(m.id, { createdAt: at(60) }, s, idem("h1"))
        expect(again).toEqual({ _tag: "Replayed", response: first.response })
        expect(
          await fail(s.checkouts.createCheckout({ ...(await inputOf(m.id)), createdAt: at(61) }, idem("h2"))),
        ).toMatchObject({
          _tag: "IdempotencyConflict",
          key: "idem-1",
        })
        // Same key, other mode: another world.
        expect((await newCheckout(m.id, { mode: "live" }, s, idem("h2")))._tag).toBe("Created")
        // After 24 hours the key is free again.
        expect((await newCheckout(m.id, { createdAt: at(24 * 3600 + 1) }, s, idem("h2")))._tag).toBe(
          "Created",
        )
        expect((await runP(s.checkouts.listCheckouts(listQ(m.id, { now: at(1) })))).total).toBe(2)
      })

      it("finds a key's stored answer before a create: replay, conflict, none, in flight, expired", async () => {
        const m = await merchant()
        const find = (key: string, requestHash: string, now: Date, mode: Mode = "test") =>
          s.checkouts.findIdempotentReplay!({ merchantId: m.id, mode, key, requestHash, now })
        expect(await runP(find("idem-2", "h1", at(1)))).toBeNull()
        const first = await newCheckout(m.id, {}, s, {
          key: "idem-2",
          requestHash: "h1",
          render: (c) => ({ status: 201, body: `{"id":"${c.id}"}` }),
        })
        if (first._tag !== "Created") throw new Error("expected Created")
        expect(await runP(find("idem-2", "h1", at(60)))).toEqual(first.response)
        expect(await fail(find("idem-2", "h2", at(60)))).toMatchObject({
          _tag: "IdempotencyConflict",
          key: "idem-2",
        })
        // Another mode or merchant: no record.
        expect(await runP(find("idem-2", "h1", at(60), "live"))).toBeNull()
        expect(
          await runP(
            s.checkouts.findIdempotentReplay!({
              merchantId: (await merchant()).id,
              mode: "test",
              key: "idem-2",
              requestHash: "h1",
              now: at(60),
            }),
          ),
        ).toBeNull()
        // At the retention (24 h) the record is no longer live: the next create takes the key over.
        expect(await runP(find("idem-2", "h2", at(24 * 3600)))).toBeNull()
        // A claim whose create has not answered yet: null, the create's own claim decides.
        await db
          .insertInto("idempotency_keys")
          .values({
            merchant_id: m.id,
            mode: "test",
            key: "idem-3",
            request_hash: "h1",
            response_status: null,
            response_body: null,
            checkout_id: null,
            created_at: T0,
          })
          .execute()
        expect(await runP(find("idem-3", "h1", at(1)))).toBeNull()
        expect(await fail(find("idem-3", "h2", at(1)))).toMatchObject({ _tag: "IdempotencyConflict" })
      })

      const inputOf = async (merchantId: string): Promise<NewCheckout> => {
        const t = await target(
          merchantId,
          Number(await runP(s.checkouts.allocateDerivationIndex(merchantId))),
        )
        return {
          id: `chk_test_${token24()}`,
          merchantId,
          mode: "test",
          amountCents: 100n,
          description: null,
          metadataJson: null,
          customerEmail: null,
          redirectUrl: null,
          webhookUrl: null,
          networks: ["devnet"],
          targets: t,
          expiresAt: at(1800),
          createdAt: T0,
        }
      }

      it("lists newest first with status, exclusive date bounds, limit/offset and total", async () => {
        const m = await merchant()
        const other = await merchant()
        await created(other.id)
        await created(m.id, { mode: "live" })
        const c1 = await created(m.id, { createdAt: at(1), expiresAt: at(5) }) // overdue at now=10 → expired
        const c2 = await created(m.id, { createdAt: at(2) })
        const c3 = await created(m.id, { createdAt: at(3) })
        const c3b = await created(m.id, { createdAt: at(3) }) // same time: id breaks the tie
        const c4 = await created(m.id, { createdAt: at(4) })
        await apply([observed(c2)], at(61))
        const ids = (r: { data: ReadonlyArray<Checkout> }) => r.data.map((c) => c.id)
        const tie = [c3, c3b]
          .map((c) => c.id)
          .sort()
          .reverse()
        const all = await runP(s.checkouts.listCheckouts(listQ(m.id)))
        expect(all.total).toBe(5)
        expect(ids(all)).toEqual([c4.id, ...tie, c2.id, c1.id])
        expect(all.data.find((c) => c.id === c1.id)?.status).toBe("expired")
        expect(all.data.find((c) => c.id === c2.id)?.payments).toHaveLength(1)

        const page = await runP(s.checkouts.listCheckouts(listQ(m.id, { limit: 2, offset: 1 })))
        expect(ids(page)).toEqual(tie)
        expect(page.total).toBe(5)
        const beyond = await runP(s.checkouts.listCheckouts(listQ(m.id, { offset: 10 })))
        expect(beyond).toEqual({ data: [], total: 5 })

        const bounded = await runP(
          s.checkouts.listCheckouts(listQ(m.id, { createdAfter: at(1), createdBefore: at(4) })),
        )
        expect(ids(bounded)).toEqual([...tie, c2.id])
        expect(bounded.total).toBe(3)

        const expired = await runP(s.checkouts.listCheckouts(listQ(m.id, { status: "expired" })))
        expect(ids(expired)).toEqual([c1.id])
        const pending = await runP(s.checkouts.listCheckouts(listQ(m.id, { status: "pending" })))
        expect(ids(pending)).toEqual([c4.id, ...tie])
        const processing = await runP(s.checkouts.listCheckouts(listQ(m.id, { status: "processing" })))
        expect(ids(processing)).toEqual([c2.id])
        expect(processing.total).toBe(1)
        const none = await runP(s.checkouts.listCheckouts(listQ(m.id, { status: "completed" })))
        expect(none).toEqual({ data: [], total: 0 })
      })
    })

    describe("CheckoutStore: watchers", () => {
      it("lists open targets per family, network, mode, and recent-expiry window", async () => {
        const m = await merchant()
        const open = await created(m.id)
        const old = await created(m.id, { createdAt: at(-7200), expiresAt: at(-3600) })
        await runP(s.checkouts.sweepExpired(at(0), 10))
        const notDevnet = await created(m.id, { networks: ["ton-testnet"] })
        const live = await created(m.id, { mode: "live", networks: ["devnet"] })
        const q = { mode: "test" as const, network: "devnet", since: at(-60) }
        // The deposit kinds of the evm, tron and ton family modules.
        const hex = { kind: "derived-address", caseInsensitive: true } as const
        const base58 = { kind: "derived-address", caseInsensitive: false } as const
        const memo = {
          kind: "wallet-memo",
          memoName: "comment",
          newMemo: () => "X",
          caseInsensitive: true,
        } as const
        const evm = await runP(s.checkouts.openTargets({ ...q, family: "evm", deposit: hex }))
        expect(evm.addresses).toEqual([addressOf(open, "evm")!.toLowerCase()])
        expect(evm.memos).toEqual([])
        // A wider window includes the recently expired one (late payments are still recorded).
        const wide = await runP(
          s.checkouts.openTargets({ ...q, since: at(-7200), family: "evm", deposit: hex }),
        )
        expect([...wide.addresses].sort()).toEqual(
          [open, old].map((c) => addressOf(c, "evm")!.toLowerCase()).sort(),
        )
        const tron = await runP(s.checkouts.openTargets({ ...q, family: "tron", deposit: base58 }))
        expect(tron.addresses).toEqual([addressOf(open, "tron")])
        const ton = await runP(
          s.checkouts.openTargets({ ...q, network: "ton-testnet", family: "ton", deposit: memo }),
        )
        expect(ton.addresses).toEqual([])
        expect([...ton.memos].map((x) => x.memo).sort()).toEqual(
          [open, notDevnet].map((c) => commentOf(c)).sort(),
        )
        expect(ton.memos.every((x) => x.wallet === m.payoutKeys.ton)).toBe(true)
        expect(ton.wallets).toEqual([m.payoutKeys.ton])
        const liveTon = await runP(
          s.checkouts.openTargets({ ...q, mode: "live", network: "ton", family: "ton", deposit: memo }),
        )
        expect(liveTon.memos).toEqual([])
        expect(liveTon.wallets).toEqual([m.payoutKeys.ton])
        expect(live.mode).toBe("live")
      })

      // The deposit kinds of the evm, tron and ton family modules, and how a test finds a checkout's key.
      const WATCHED = [
        {
          family: "evm",
          network: "devnet",
          deposit: { kind: "derived-address", caseInsensitive: true },
          key: (c: Checkout) => addressOf(c, "evm")!.toLowerCase(),
        },
        {
          family: "tron",
          network: "devnet",
          deposit: { kind: "derived-address", caseInsensitive: false },
          key: (c: Checkout) => addressOf(c, "tron")!,
        },
        {
          family: "ton",
          network: "ton-testnet",
          deposit: { kind: "wallet-memo", memoName: "comment", newMemo: () => "X", caseInsensitive: true },
          key: commentOf,
        },
      ] as const

      it("a watch set kept from cursor reads answers exactly as a whole read, step by step", async () => {
        const m = await merchant()
        const idle = await merchant({ tonWallet: `0:${"cd".repeat(32)}` }) // scanned, no checkout
        const checkouts: Array<Checkout> = []
        const indexes = WATCHED.map(() => makeWatchIndex())
        const agree = async (since: Date) => {
          for (const [i, w] of WATCHED.entries()) {
            const q = {
              family: w.family,
              deposit: w.deposit,
              mode: "test" as const,
              network: w.network,
              since,
            }
            const whole = makeWatchSet(await runP(s.checkouts.openTargets(q)))
            const index = indexes[i]!
            const read = await runP(
              s.checkouts.watchTargets({ ...q, after: index.cursorFor(since.getTime()) }),
            )
            const kept = index.apply(read, since.getTime(), w.family === "ton")
            for (const c of checkouts) {
              const wallet = m.payoutKeys.ton!
              const [a, b] =
                w.family === "ton"
                  ? [kept.hasMemo(wallet, w.key(c)), whole.hasMemo(wallet, w.key(c))]
                  : [kept.hasAddress(w.key(c)), whole.hasAddress(w.key(c))]
              expect({ family: w.family, checkout: c.id, since: since.toISOString(), watched: a }).toEqual({
                family: w.family,
                checkout: c.id,
                since: since.toISOString(),
                watched: b,
              })
            }
            expect([...kept.wallets].sort()).toEqual([...whole.wallets].sort())
            expect([...(kept.openWallets ?? [])].sort()).toEqual([...(whole.openWallets ?? [])].sort())
          }
        }
        checkouts.push(await created(m.id))
        // Past its expiry but not swept yet: watched for its status (pending) alone.
        checkouts.push(await created(m.id, { expiresAt: at(-120) }))
        await agree(at(-60))
        expect(indexes.every((i) => i.cursorFor(at(-60).getTime()) !== null)).toBe(true)
        // Stored after the first read: brought by the next, from its cursor.
        const soon = await created(m.id, { expiresAt: at(30) })
        const recent = await created(m.id, { createdAt: at(-600), expiresAt: at(-30) })
        const live = await created(m.id, { mode: "live", networks: ["devnet", "ton"] })
        checkouts.push(soon, recent, live)
        await runP(s.checkouts.sweepExpired(at(0), 10)) // the held one is expired now: only its time counts
        await agree(at(-60))
        await agree(at(-30)) // `recent` expires exactly at `since`: out
        await agree(at(30)) // `soon` too
        // Paid late and waiting for confirmations: processing keeps it watched past its window.
        const paid = await created(m.id, { expiresAt: at(60) })
        checkouts.push(paid)
        await apply([observed(paid, { confirmations: 1 })], at(50))
        await agree(at(120))
        expect(idle.payoutKeys.ton).toBeDefined()
      })

      it("a whole read of more targets than one fetch brings each once, with its expiry, as `openTargets`", async (ctx) => {
        // PGlite runs the same statements (one fetch) in the tests above; 50 000 rows take it half a minute.
        if (!backend.concurrent) ctx.skip()
        const m = await merchant()
        // 50 000 rows a fetch: 50 002 stored, one of them expired, one in live mode.
        await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at,
              updated_at)
            SELECT 'chk_test_whole' || lpad(i::text, 18, '0'), ${m.id}, CASE WHEN i = 2 THEN 'live' ELSE 'test' END,
              'pending', 100, '["devnet"]'::jsonb, ${at(600)}::timestamptz + i * interval '1 millisecond'
                - CASE WHEN i = 1 THEN interval '1 day' ELSE interval '0' END, ${T0}, ${T0}
            FROM generate_series(1, 50002) AS i`.execute(db)
        await sql`INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, lookup)
            SELECT 'chk_test_whole' || lpad(i::text, 18, '0'), 'evm', ${m.id}, i, '0x' || lpad(to_hex(i), 40, '0'),
              '0x' || lpad(to_hex(i), 40, '0')
            FROM generate_series(1, 50002) AS i`.execute(db)
        const w = WATCHED[0]
        const q = {
          family: w.family,
          deposit: w.deposit,
          mode: "test" as const,
          network: w.network,
          since: at(0),
        }
        const d = await runP(s.checkouts.watchTargets({ ...q, after: null }))
        expect(d.full).toBe(true)
        const keys = d.added.map((t) => t.key)
        expect(new Set(keys).size).toBe(keys.length)
        expect(keys.length).toBe(50_000)
        // The expired one is watched for its status (pending) alone.
        expect(d.held.map((t) => t.key)).toEqual([`0x${"1".padStart(40, "0")}`])
        expect([...keys, ...d.held.map((t) => t.key)].sort()).toEqual(
          [...(await runP(s.checkouts.openTargets(q))).addresses].sort(),
        )
        const last = d.added.find((t) => t.key === `0x${(50_002).toString(16).padStart(40, "0")}`)
        expect(last?.expiresAtMs).toBe(at(600).getTime() + 50_002)
        // Page by page: the same targets, none in `added`.
        const pages: Array<number> = []
        const paged: Array<string> = []
        const p = await runP(
          s.checkouts.watchTargets({
            ...q,
            after: null,
            onPage: (page) => {
              pages.push(page.length)
              for (const t of page) paged.push(t.key)
            },
          }),
        )
        expect(p.added).toEqual([])
        expect(pages[0]).toBe(50_000)
        expect(paged.sort()).toEqual([...keys].sort())
      })

      it("a read from a cursor brings the wallets of the merchants changed since, and only theirs", async () => {
        const [a, b, c] = [
          await merchant(),
          await merchant(),
          await merchant({ tonWallet: `0:${"cc".repeat(32)}` }),
        ]
        const w = WATCHED[2]
        const q = {
          family: w.family,
          deposit: w.deposit,
          mode: "test" as const,
          network: w.network,
          since: at(-60),
        }
        const index = makeWatchIndex()
        const read = async () => {
          const d = await runP(s.checkouts.watchTargets({ ...q, after: index.cursorFor(q.since.getTime()) }))
          const kept = index.apply(d, q.since.getTime(), true)
          const whole = makeWatchSet(await runP(s.checkouts.openTargets(q)))
          expect([...kept.wallets].sort()).toEqual([...whole.wallets].sort())
          return { d, kept }
        }
        const first = await read()
        expect(first.d.wallets?.map((x) => x.merchantId)).toEqual(expect.arrayContaining([a.id, b.id, c.id]))
        // Nothing changed: no wallet is read again.
        expect((await read()).d.wallets).toEqual([])
        const moved = `0:${"dd".repeat(32)}`
        await runP(s.merchants.updateMerchant(a.id, { payoutKeys: { ton: moved } }))
        await runP(s.merchants.updateMerchant(b.id, { payoutKeys: { ton: null } }))
        await runP(s.merchants.updateMerchant(c.id, { networks: { live: [], test: ["devnet"] } }))
        await runP(s.merchants.updateMerchant(c.id, { name: "Renamed" })) // not a wallet change
        const after = await read()
        expect([...(after.d.wallets ?? [])].sort((x, y) => x.merchantId.localeCompare(y.merchantId))).toEqual(
          [
            { merchantId: a.id, wallet: moved, scanned: true },
            { merchantId: b.id, wallet: null, scanned: true },
            { merchantId: c.id, wallet: `0:${"cc".repeat(32)}`, scanned: false },
          ].sort((x, y) => x.merchantId.localeCompare(y.merchantId)),
        )
        expect(after.kept.wallets).toContain(moved)
        expect(after.kept.wallets).not.toContain(`0:${"cc".repeat(32)}`) // left the network, no open checkout
        expect((await read()).d.wallets).toEqual([])
      })

      it("a target whose transaction commits after a later one's is read by the next read, not skipped", async (ctx) => {
        if (!backend.concurrent) ctx.skip() // one connection (PGlite): transactions never interleave
        const m = await merchant()
        const w = WATCHED[0]
        const q = {
          family: w.family,
          deposit: w.deposit,
          mode: "test" as const,
          network: w.network,
          since: at(-60),
        }
        const index = makeWatchIndex()
        index.apply(await runP(s.checkouts.watchTargets({ ...q, after: null })), q.since.getTime(), false)
        // Transaction A stores its target first and stays open; B stores one and commits; a read runs; then A
        // commits. A's transaction id is below B's, and below the cursor of a read that only took B's commit
        // into account if the cursor were "the highest id seen".
        let commitA!: () => void
        const aMayCommit = new Promise<void>((r) => {
          commitA = r
        })
        let aWrote!: () => void
        const aHasWritten = new Promise<void>((r) => {
          aWrote = r
        })
        const insert = async (trx: Kysely<DB>, id: string, address: string) => {
          await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at,
                created_at, updated_at)
              VALUES (${id}, ${m.id}, 'test', 'pending', 100, '["devnet"]'::jsonb, ${at(1800)}, ${T0}, ${T0})`.execute(
            trx,
          )
          await sql`INSERT INTO deposit_targets (checkout_id, family, merchant_id, derivation_index, address, lookup)
              VALUES (${id}, 'evm', ${m.id}, ${Number.parseInt(id.slice(-2), 16)}, ${address}, ${address})`.execute(
            trx,
          )
        }
        const A = "0x00000000000000000000000000000000000000a1"
        const B = "0x00000000000000000000000000000000000000b2"
        const txA = db.transaction().execute(async (trx) => {
          await insert(trx, "chk_test_ooo0000000000000000000a1", A)
          aWrote()
          await aMayCommit
        })
        await aHasWritten
        await db.transaction().execute((trx) => insert(trx, "chk_test_ooo0000000000000000000b2", B))
        const between = index.apply(
          await runP(s.checkouts.watchTargets({ ...q, after: index.cursorFor(q.since.getTime()) })),
          q.since.getTime(),
          false,
        )
        expect([between.hasAddress(A), between.hasAddress(B)]).toEqual([false, true])
        commitA()
        await txA
        const next = index.apply(
          await runP(s.checkouts.watchTargets({ ...q, after: index.cursorFor(q.since.getTime()) })),
          q.since.getTime(),
          false,
        )
        expect([next.hasAddress(A), next.hasAddress(B)]).toEqual([true, true])
      })

      it("reads payments back exactly: 18-decimal amounts and block numbers beyond 2^53, timestamps, order", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const big = observed(c, {
          decimals: 18,
          token: "USDT18",
          amount: 25_000_000_000_000_000_123n,
          blockNumber: 2n ** 60n + 7n,
          observedAt: at(61),
          txHash: "0xbbb",
        })
        const small = observed(c, { amount: 1_000_001n, observedAt: at(60), txHash: "0xaaa", logIndex: 3 })
        await apply([big, small], at(62))
        const byId = await runP(
          s.checkouts.getCheckout({ id: c.id, merchantId: m.id, mode: "test", now: at(62) }),
        )
        const byToken = await runP(s.checkouts.getCheckoutByToken(c.id.slice(-24), at(62)))
        for (const got of [byId, byToken]) {
          expect(
            got.payments.map((p) => [p.txHash, p.logIndex, p.amount, p.decimals, p.blockNumber]),
          ).toEqual([
            ["0xaaa", 3, 1_000_001n, 6, 100n],
            ["0xbbb", 0, 25_000_000_000_000_000_123n, 18, 2n ** 60n + 7n],
          ])
          expect(got.payments[0]!.detectedAt).toEqual(at(60))
          expect(got.payments[1]!.detectedAt).toEqual(at(61))
          expect(got.payments[1]!.confirmedAt).toBeNull()
        }
        const listed = await runP(
          s.checkouts.listCheckouts({ merchantId: m.id, mode: "test", limit: 10, offset: 0, now: at(62) }),
        )
        expect(listed.data[0]!.payments).toEqual(byId.payments)
      })

      it("GET's read runs its payments' ordered aggregate only for a checkout that has payments", async () => {
        // The aggregate sets a sort up on every execution, even over no rows (bench/RESULTS.md, api: a malloc'd and
        // freed sort per read cost some backends two brk calls per GET). Its subplan must not run for most reads.
        const m = await merchant()
        const none = await created(m.id)
        const paid = await created(m.id)
        await apply([observed(paid)], at(61))
        const { checkoutById } = hotStatements(db)
        const aggregateLoops = async (id: string) => {
          // Checkout ids are [a-z0-9_]: safe as a literal in place of the statement's one parameter.
          expect(id).toMatch(/^[a-z0-9_]+$/)
          const text = checkoutById.sql.replaceAll("$1", `'${id}'`)
          const r = await sql
            .raw<{ "QUERY PLAN": unknown }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) ${text}`)
            .execute(db)
          const raw = r.rows[0]!["QUERY PLAN"]
          const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>
          const loops: number[] = []
          const walk = (n: PlanNode) => {
            if (n["Node Type"] === "Aggregate" && n["Subplan Name"] !== undefined)
              loops.push(n["Actual Loops"])
            for (const child of n.Plans ?? []) walk(child)
          }
          walk(plan[0]!.Plan)
          return loops
        }
        expect(await aggregateLoops(none.id)).toEqual([0])
        expect(await aggregateLoops(paid.id)).toEqual([1])
      })

      it("applies an observed then confirmed payment: processing, completed, events in the outbox, cursor", async () => {
        const m = await merchant()
        const c = await created(m.id, { metadataJson: '{"order":"42"}' })
        const obs = observed(c)
        expect(await apply([obs], at(61), "cursor-1")).toEqual({ applied: 1, emitted: 1 })
        expect(await runP(s.checkouts.getCursor("devnet"))).toBe("cursor-1")
        const p1 = await get(c)
        expect(p1.status).toBe("processing")
        expect(p1.payments).toEqual([
          expect.objectContaining({
            txHash: obs.txHash,
            amount: 25_000_000n,
            status: "detected",
            blockNumber: 100n,
          }),
        ])
        expect(await runP(s.checkouts.pendingPayments("devnet"))).toEqual([
          {
            network: "devnet",
            txHash: obs.txHash,
            logIndex: 0,
            blockNumber: 100n,
            blockHash: "0xblock",
            confirmations: 1,
          },
        ])
        // Recording the same payment again is a no-op.
        expect(await apply([obs], at(62), "cursor-2")).toEqual({ applied: 0, emitted: 0 })
        expect(await runP(s.checkouts.getCursor("devnet"))).toBe("cursor-2")
        expect((await get(c)).payments).toHaveLength(1)

        const key = { network: "devnet", txHash: obs.txHash, logIndex: 0 }
        expect(await apply([{ _tag: "PaymentConfirmationsUpdated", ...key, confirmations: 2 }])).toEqual({
          applied: 1,
          emitted: 0,
        })
        expect((await get(c)).payments[0]?.confirmations).toBe(2)
        expect(
          await apply([{ _tag: "PaymentConfirmed", ...key, confirmations: 3, confirmedAt: at(90) }], at(91)),
        ).toEqual({
          applied: 1,
          emitted: 1,
        })
        const done = await get(c)
        expect(done.status).toBe("completed")
        expect(done.payments[0]).toMatchObject({ status: "confirmed", confirmations: 3 })
        expect(done.payments[0]?.confirmedAt?.toISOString()).toBe(at(90).toISOString())
        expect(await runP(s.checkouts.pendingPayments("devnet"))).toEqual([])

        const events = await runP(s.outbox.listEvents({ checkoutId: c.id, limit: 10 }))
        expect(events.map((e) => [e.type, e.status, e.url])).toEqual([
          ["checkout.completed", "pending", "https://acme.test/hook"],
          ["checkout.processing", "pending", "https://acme.test/hook"],
        ])
        const claimed = await runP(
          s.outbox.claimDue({ worker: "w1", now: at(100), limit: 10, leaseMs: 30_000 }),
        )
        expect(claimed.map((d) => JSON.parse(d.body))).toEqual([
          {
            id: claimed[0]?.eventId,
            type: "checkout.processing",
            livemode: false,
            sequence: 1,
            payment: null,
            status: "processing",
            paid: 1,
            wallet: m.payoutKeys.ton,
            metadata: { order: "42" },
          },
          {
            id: claimed[1]?.eventId,
            type: "checkout.completed",
            livemode: false,
            sequence: 2,
            payment: null,
            status: "completed",
            paid: 1,
            wallet: m.payoutKeys.ton,
            metadata: { order: "42" },
          },
        ])
        // Events for an unknown payment are ignored (the watcher may know more than the store).
        expect(
          await apply([
            {
              _tag: "PaymentConfirmed",
              network: "devnet",
              txHash: "0xunknown",
              logIndex: 0,
              confirmations: 3,
              confirmedAt: at(1),
            },
          ]),
        ).toEqual({ applied: 0, emitted: 0 })
      })

      it("an event whose own data cannot be stored is quarantined; the rest of the batch and the cursor commit", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const genuine = observed(c)
        const unmatchedOf = (over: Partial<UnmatchedTransfer>): UnmatchedTransfer => ({
          _tag: "UnmatchedTransfer",
          network: "devnet",
          txHash: `0x${token24()}`,
          logIndex: 0,
          wallet: m.payoutKeys.ton!,
          memo: null,
          token: "USDT",
          tokenContract: "EQjetton",
          decimals: 6,
          amount: 1n,
          sender: null,
          observedAt: at(50),
          reason: "unknown comment",
          ...over,
        })
        // Free text is sanitised (stored, U+FFFD in place of NUL, names no checkout); identity that cannot be
        // stored (a NUL in the hash, an index out of int4 range, a hash too long for its index) is set aside.
        const sanitised = unmatchedOf({
          memo: `${commentOf(c)}\u0000`,
          sender: "\u0000evil\uD800",
          reason: "unknown comment",
        })
        const nulHash = unmatchedOf({ txHash: "0xbad\u0000hash", memo: "x\u0000" })
        const hugeIndex = observed(c, { txHash: "0xbig", logIndex: 2 ** 40 })
        const hugeHash = unmatchedOf({
          txHash: Array.from({ length: 400 }, () => Math.random().toString(36).slice(2, 12)).join(""),
        })
        const batch = [nulHash, genuine, hugeIndex, sanitised, hugeHash]
        expect(await apply(batch, at(61), "cursor-1")).toEqual({ applied: 2, emitted: 1, quarantined: 3 })
        expect(await runP(s.checkouts.getCursor("devnet"))).toBe("cursor-1")
        const paid = await get(c)
        expect(paid.status).toBe("processing")
        expect(paid.payments.map((p) => p.txHash)).toEqual([genuine.txHash])
        expect(
          (await runP(s.checkouts.listUnmatched())).map((u) => [u.txHash, u.memo, u.sender, u.reason]),
        ).toEqual([[sanitised.txHash, `${commentOf(c)}\uFFFD`, "\uFFFDevil\uFFFD", "unknown comment"]])

        const q = await runP(listQuarantined(db))
        expect(q.map((r) => [r.network, r.txHash, r.logIndex, r.event, r.sqlstate])).toEqual(
          expect.arrayContaining([
            ["devnet", "0xbad\\u0000hash", "0", "UnmatchedTransfer", "22021"],
            ["devnet", "0xbig", String(2 ** 40), "PaymentObserved", "22003"],
            ["devnet", expect.stringMatching(/…sha256:[0-9a-f]{64}$/), "0", "UnmatchedTransfer", "54000"],
          ]),
        )
        expect(q).toHaveLength(3)
        const bad = q.find((r) => r.sqlstate === "22021")!
        expect(bad.reason).toMatch(/0x00/)
        // The event as the scanner emitted it: bigints as strings, NUL escaped, nothing lost.
        expect(bad.body).toEqual({
          ...nulHash,
          txHash: "0xbad\\u0000hash",
          memo: "x\\u0000",
          amount: "1",
          observedAt: at(50).toISOString(),
        })
        expect((q.find((r) => r.sqlstate === "54000")!.body as { txHash: string }).txHash).toBe(
          hugeHash.txHash,
        )
        expect(await runP(quarantineSummary(db))).toEqual([
          {
            network: "devnet",
            count: 3,
            latestSqlstate: expect.stringMatching(/^(22021|22003|54000)$/),
            latestReason: expect.any(String),
            latestAt: at(61),
          },
        ])

        // The same batch again (a rescan): nothing counted twice, one quarantine row per event.
        expect(await apply(batch, at(70), "cursor-2")).toEqual({ applied: 0, emitted: 0, quarantined: 3 })
        expect(await runP(s.checkouts.getCursor("devnet"))).toBe("cursor-2")
        expect(await runP(listQuarantined(db))).toEqual(q)
        expect((await get(c)).payments).toHaveLength(1)
        expect(await runP(s.checkouts.listUnmatched())).toHaveLength(1)
        expect(await runP(s.outbox.listEvents({ checkoutId: c.id, limit: 10 }))).toHaveLength(1)
      })

      it("an event rolled back to its savepoint takes no sequence number: the checkout's events stay 1, 2, …", async () => {
        const m = await merchant()
        const c = await created(m.id)
        // A data error raised after the checkout's counter was bumped (the outbox insert), for one event type.
        await sql
          .raw(`CREATE FUNCTION inzi_test_bad_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.type = 'checkout.completed' THEN RAISE EXCEPTION 'bad event' USING ERRCODE = '22023'; END IF;
              RETURN NEW;
            END $$`)
          .execute(db)
        await sql
          .raw(`CREATE TRIGGER inzi_test_bad_event BEFORE INSERT ON outbox_events
            FOR EACH ROW EXECUTE FUNCTION inzi_test_bad_event()`)
          .execute(db)
        const a = observed(c)
        const key = { network: "devnet", txHash: a.txHash, logIndex: a.logIndex }
        try {
          const r = await apply(
            [
              a,
              { _tag: "PaymentConfirmed", ...key, confirmations: 3, confirmedAt: at(61) },
              { _tag: "PaymentReverted", ...key, reason: "reorg" },
            ],
            at(61),
            "cursor-seq",
          )
          expect(r).toEqual({ applied: 2, emitted: 2, quarantined: 1 })
        } finally {
          await sql.raw(`DROP TRIGGER inzi_test_bad_event ON outbox_events`).execute(db)
          await sql.raw(`DROP FUNCTION inzi_test_bad_event()`).execute(db)
        }
        const rows = await sql<{ type: string; sequence: number }>`
          SELECT type, sequence FROM outbox_events WHERE checkout_id = ${c.id} ORDER BY sequence`.execute(db)
        expect(rows.rows).toEqual([
          { type: "checkout.processing", sequence: 1 },
          { type: "checkout.payment_reverted", sequence: 2 },
        ])
        const counter = await sql<{
          event_seq: number
        }>`SELECT event_seq FROM checkouts WHERE id = ${c.id}`.execute(db)
        expect(counter.rows[0]?.event_seq).toBe(2)
        expect(await runP(s.checkouts.getCursor("devnet"))).toBe("cursor-seq")
      })

      it("rolls back the whole batch, cursor included, on a transient error: never quarantined", async () => {
        const m = await merchant()
        const c = await created(m.id)
        // A real 40001 (serialization failure) from Postgres itself, raised by a trigger for one marked row.
        await sql
          .raw(`CREATE FUNCTION inzi_test_transient() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.memo = 'TRANSIENT' THEN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END IF;
              RETURN NEW;
            END $$`)
          .execute(db)
        await sql
          .raw(`CREATE TRIGGER inzi_test_transient BEFORE INSERT ON unmatched_payments
            FOR EACH ROW EXECUTE FUNCTION inzi_test_transient()`)
          .execute(db)
        try {
          const transient: UnmatchedTransfer = {
            _tag: "UnmatchedTransfer",
            network: "devnet",
            txHash: "0xtransient",
            logIndex: 0,
            wallet: m.payoutKeys.ton!,
            memo: "TRANSIENT",
            token: "USDT",
            tokenContract: "EQjetton",
            decimals: 6,
            amount: 1n,
            sender: null,
            observedAt: at(50),
            reason: "unknown comment",
          }
          // With a quarantinable event in the batch too, so the isolated path (savepoints) is taken as well.
          for (const events of [
            [observed(c), transient],
            [observed(c), observed(c, { txHash: "0xbad\u0000" }), transient],
          ]) {
            const e = await fail(
              s.checkouts.applyChainEvents({
                network: "devnet",
                mode: "test",
                requiredConfirmations: 3,
                events,
                cursor: "never",
                now: at(61),
              }),
            )
            expect(e).toMatchObject({ _tag: "StoreError", message: expect.stringContaining("40001") })
            expect(await runP(s.checkouts.getCursor("devnet"))).toBeNull()
            expect((await get(c)).payments).toEqual([])
            expect(await runP(s.outbox.listEvents({ limit: 10 }))).toEqual([])
            expect(await runP(listQuarantined(db))).toEqual([])
          }
        } finally {
          await sql.raw(`DROP TRIGGER inzi_test_transient ON unmatched_payments`).execute(db)
          await sql.raw(`DROP FUNCTION inzi_test_transient()`).execute(db)
        }
      })

      it("underpaid, top-up, reorg revert, and late payment follow the core machine", async () => {
        const m = await merchant({ webhookUrl: null })
        const c = await created(m.id, { webhookUrl: "https://acme.test/per-checkout" })
        const small = observed(c, { amount: 10_000_000n, confirmations: 3 })
        expect(await apply([small])).toEqual({ applied: 1, emitted: 1 })
        expect((await get(c)).status).toBe("underpaid")
        const topUp = observed(c, { amount: 15_000_000n, confirmations: 3, logIndex: 1, observedAt: at(70) })
        await apply([topUp], at(71))
        expect((await get(c)).status).toBe("completed")
        // A reorg deeper than the confirmations: the top-up stops counting, the checkout is underpaid again.
        expect(
          await apply(
            [
              {
                _tag: "PaymentReverted",
                network: "devnet",
                txHash: topUp.txHash,
                logIndex: 1,
                reason: "reorg",
              },
            ],
            at(72),
          ),
        ).toEqual({ applied: 1, emitted: 2 })
        const after = await get(c)
        expect(after.status).toBe("underpaid")
        expect(after.payments.find((p) => p.logIndex === 1)?.status).toBe("reverted")
        // Late: seen after expiry; told once confirmed.
        const late = observed(c, { logIndex: 5, observedAt: at(4000) })
        expect(await apply([late], at(4001))).toEqual({ applied: 1, emitted: 0 })
        expect((await get(c, at(4002))).payments.find((p) => p.logIndex === 5)?.status).toBe("late")
        expect(await runP(s.checkouts.pendingPayments("devnet"))).toHaveLength(1) // late, awaiting confirmation
        const lateKey = { network: "devnet", txHash: late.txHash, logIndex: 5 }
        expect(
          await apply(
            [{ _tag: "PaymentConfirmed", ...lateKey, confirmations: 3, confirmedAt: at(4010) }],
            at(4010),
          ),
        ).toEqual({ applied: 1, emitted: 1 })
        const events = await runP(s.outbox.listEvents({ checkoutId: c.id, limit: 10 }))
        const stored = await db
          .selectFrom("outbox_events")
          .select(["body"])
          .where("checkout_id", "=", c.id)
          .orderBy("sequence", "desc")
          .execute()
        expect(events.map((e) => [e.type, e.url])).toEqual([
          ["checkout.late_payment", "https://acme.test/per-checkout"],
          ["checkout.underpaid", "https://acme.test/per-checkout"],
          ["checkout.payment_reverted", "https://acme.test/per-checkout"],
          ["checkout.completed", "https://acme.test/per-checkout"],
          ["checkout.underpaid", "https://acme.test/per-checkout"],
        ])
        const bodies = stored.map((e) => JSON.parse(e.body) as { sequence: number; payment: string | null })
        expect(bodies.map((b) => [b.sequence, b.payment])).toEqual([
          [5, late.txHash],
          [4, null],
          [3, topUp.txHash],
          [2, null],
          [1, null],
        ])
      })

      describe("a transaction mined again under another log index (deep reorg)", () => {
        const stored = (c: Checkout) =>
          db
            .selectFrom("payments")
            .select(["log_index", "status", "detected_at"])
            .where("checkout_id", "=", c.id)
            .orderBy("log_index")
            .execute()
        const types = async (c: Checkout) =>
          (
            await db
              .selectFrom("outbox_events")
              .select(["type", "body"])
              .where("checkout_id", "=", c.id)
              .orderBy("sequence")
              .execute()
          ).map((e) => [e.type, (JSON.parse(e.body) as { payment: string | null }).payment])

        it("copy scanned while completed, revert next: held, then counted in the original's place", async () => {
          const m = await merchant()
          const c = await created(m.id)
          const first = observed(c, { logIndex: 3, blockHash: "0xb1", confirmations: 3 })
          expect(await apply([first], at(61))).toEqual({ applied: 1, emitted: 1 })
          const key = { network: "devnet", txHash: first.txHash }
          const copy = { ...first, logIndex: 0, blockHash: "0xb2", blockNumber: 101n, confirmations: 1 }
          expect(await apply([{ ...copy, observedAt: at(600) }], at(600))).toEqual({ applied: 1, emitted: 0 })
          // Held: stored, not counted, not watched.
          expect((await stored(c)).map((r) => [Number(r.log_index), r.status])).toEqual([
            [0, "duplicate"],
            [3, "confirmed"],
          ])
          const held = await get(c)
          expect([held.status, held.payments.length]).toEqual(["completed", 2])
          expect(await runP(s.checkouts.pendingPayments("devnet"))).toEqual([])
          // The revert of the original: the copy counts in its place, written in the same transaction.
          expect(
            await apply([{ _tag: "PaymentReverted", ...key, logIndex: 3, reason: "deep reorg" }], at(601)),
          ).toEqual({ applied: 1, emitted: 2 })
          expect((await stored(c)).map((r) => [Number(r.log_index), r.status])).toEqual([
            [0, "detected"],
            [3, "reverted"],
          ])
          expect((await get(c)).status).toBe("processing")
          expect(await runP(s.checkouts.pendingPayments("devnet"))).toEqual([
            expect.objectContaining({ ...key, logIndex: 0 }),
          ])
          await apply(
            [{ _tag: "PaymentConfirmed", ...key, logIndex: 0, confirmations: 3, confirmedAt: at(602) }],
            at(602),
          )
          const done = await get(c)
          expect(done.status).toBe("completed")
          expect(done.payments.find((p) => p.logIndex === 0)).toMatchObject({
            status: "confirmed",
            detectedAt: at(60),
          })
          expect(await types(c)).toEqual([
            ["checkout.completed", null],
            ["checkout.payment_reverted", first.txHash],
            ["checkout.processing", null],
            ["checkout.completed", null],
          ])
        })

        it("revert then copy after expiry, in one batch: paid in time, no late payment", async () => {
          const m = await merchant()
          const c = await created(m.id)
          const first = observed(c, { logIndex: 3, blockHash: "0xb1", confirmations: 3 })
          await apply([first], at(61))
          const copy: PaymentObserved = {
            ...first,
            logIndex: 0,
            blockHash: "0xb2",
            blockNumber: 101n,
            observedAt: at(2400),
          }
          const revert: ChainEvent = {
            _tag: "PaymentReverted",
            network: "devnet",
            txHash: first.txHash,
            logIndex: 3,
            reason: "deep reorg",
          }
          expect(await apply([revert, copy], at(2400))).toEqual({ applied: 2, emitted: 3 })
          const after = await get(c, at(2401))
          expect(after.status).toBe("completed")
          expect(after.payments.find((p) => p.logIndex === 0)).toMatchObject({
            status: "confirmed",
            detectedAt: at(60),
          })
          expect((await types(c)).map(([t]) => t)).toEqual([
            "checkout.completed",
            "checkout.payment_reverted",
            "checkout.expired",
            "checkout.completed",
          ])
        })
      })

      it("a confirmed late payment stays in the deep-reorg re-check and is told when reverted", async () => {
        const m = await merchant()
        const c = await created(m.id)
        await apply([observed(c, { confirmations: 3 })], at(61))
        const late = observed(c, { logIndex: 1, confirmations: 3, observedAt: at(100) })
        expect(await apply([late], at(100))).toEqual({ applied: 1, emitted: 1 }) // late_payment
        expect(await runP(s.checkouts.pendingPayments("devnet"))).toEqual([])
        const recent = await runP(s.checkouts.pendingPayments("devnet", { confirmedSince: at(90) }))
        expect(recent.find((p) => p.logIndex === 1)).toMatchObject({ txHash: late.txHash, confirmed: true })
        const key = { network: "devnet", txHash: late.txHash, logIndex: 1 }
        expect(await apply([{ _tag: "PaymentReverted", ...key, reason: "deep reorg" }], at(200))).toEqual({
          applied: 1,
          emitted: 1,
        })
        expect((await get(c)).status).toBe("completed")
      })

      it("numbers each checkout's events 1, 2, … in the transaction that stores them; a re-sent event keeps its number", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const other = await created(m.id)
        const obs = observed(c)
        const key = { network: "devnet", txHash: obs.txHash, logIndex: 0 }
        await apply([obs, observed(other)], at(61))
        // Reorganised away while processing: back to pending, told with payment_reverted (no pending event).
        expect(await apply([{ _tag: "PaymentReverted", ...key, reason: "reorg" }], at(62))).toEqual({
          applied: 1,
          emitted: 1,
        })
        expect((await get(c)).status).toBe("pending")
        // Mined again, confirmed, then reverted by a reorg deeper than the confirmations.
        await apply([observed(c, { txHash: obs.txHash, observedAt: at(63) })], at(63))
        await apply([{ _tag: "PaymentConfirmed", ...key, confirmations: 3, confirmedAt: at(64) }], at(64))
        expect((await get(c)).status).toBe("completed")
        // Recently confirmed payments are handed back only when asked for.
        expect(await runP(s.checkouts.pendingPayments("devnet"))).toEqual([
          expect.objectContaining({ txHash: expect.not.stringMatching(obs.txHash) }),
        ])
        expect(await runP(s.checkouts.pendingPayments("devnet", { confirmedSince: at(65) }))).toHaveLength(1)
        const recent = await runP(s.checkouts.pendingPayments("devnet", { confirmedSince: at(64) }))
        expect(recent.find((p) => p.txHash === obs.txHash)).toEqual({
          network: "devnet",
          txHash: obs.txHash,
          logIndex: 0,
          blockNumber: 100n,
          blockHash: "0xblock",
          confirmations: 3,
          confirmed: true,
        })
        expect(await apply([{ _tag: "PaymentReverted", ...key, reason: "deep reorg" }], at(66))).toEqual({
          applied: 1,
          emitted: 1,
        })
        const after = await get(c)
        expect(after.status).toBe("pending")
        expect(after.payments[0]).toMatchObject({ status: "reverted", confirmedAt: null })

        const rows = await db
          .selectFrom("outbox_events")
          .select(["checkout_id", "type", "sequence", "body"])
          .orderBy("sequence")
          .execute()
        const mine = rows.filter((r) => r.checkout_id === c.id)
        expect(mine.map((r) => [r.sequence, r.type])).toEqual([
          [1, "checkout.processing"],
          [2, "checkout.payment_reverted"],
          [3, "checkout.processing"],
          [4, "checkout.completed"],
          [5, "checkout.payment_reverted"],
        ])
        for (const r of mine) expect(JSON.parse(r.body).sequence).toBe(r.sequence)
        expect(JSON.parse(mine[1]!.body)).toMatchObject({ payment: obs.txHash, status: "pending" })
        // Another checkout counts its own events.
        expect(rows.filter((r) => r.checkout_id === other.id).map((r) => r.sequence)).toEqual([1])
        const counter = await db
          .selectFrom("checkouts")
          .select("event_seq")
          .where("id", "=", c.id)
          .executeTakeFirstOrThrow()
        expect(counter.event_seq).toBe(5)

        // Events of one transaction are claimed in their order.
        const topUp = await created(m.id)
        await apply([observed(topUp, { amount: 10_000_000n, confirmations: 3 })], at(70))
        const two = observed(topUp, { amount: 15_000_000n, confirmations: 3, logIndex: 1 })
        await apply([two], at(71))
        await apply(
          [{ _tag: "PaymentReverted", network: "devnet", txHash: two.txHash, logIndex: 1, reason: "r" }],
          at(72),
        )
        await db
          .updateTable("outbox_events")
          .set({ status: "delivered" })
          .where("created_at", "<", at(72))
          .execute()
        const claimed = await runP(s.outbox.claimDue({ worker: "w", now: at(80), limit: 10, leaseMs: 1000 }))
        expect(claimed.map((d) => [d.type, JSON.parse(d.body).sequence])).toEqual([
          ["checkout.payment_reverted", 3],
          ["checkout.underpaid", 4],
        ])
        // A re-sent event is the same stored body: same id, same number.
        const first = mine[0]!
        const id = (JSON.parse(first.body) as { id: string }).id
        await db.updateTable("outbox_events").set({ status: "failed" }).where("id", "=", id).execute()
        expect(await runP(s.outbox.resend(id, at(90)))).toBe(true)
        const again = await runP(s.outbox.claimDue({ worker: "w", now: at(91), limit: 10, leaseMs: 1000 }))
        expect(again.filter((d) => d.eventId === id).map((d) => JSON.parse(d.body).sequence)).toEqual([1])
      })

      it("records money to an unknown target as unmatched, and the operator assigns it", async () => {
        const m = await merchant({ webhookUrl: null })
        const c = await created(m.id)
        const unknownMemo = observed(c, {
          network: "ton-testnet",
          target: { kind: "memo", wallet: m.payoutKeys.ton!, memo: "NOSUCH01" },
          observedAt: at(30),
        })
        const noMemo: UnmatchedTransfer = {
          _tag: "UnmatchedTransfer",
          network: "ton-testnet",
          txHash: "tx-nomemo",
          logIndex: 0,
          wallet: m.payoutKeys.ton!,
          memo: null,
          token: "USDT",
          tokenContract: "EQjetton",
          decimals: 6,
          amount: 7_000_000n,
          sender: "UQpayer",
          observedAt: at(40),
          reason: "missing comment",
        }
        expect(await apply([unknownMemo, noMemo, noMemo], at(41))).toEqual({ applied: 2, emitted: 0 })
        const list = await runP(s.checkouts.listUnmatched("ton-testnet"))
        expect(list.map((u) => [u.txHash, u.memo, u.amount, u.assignedCheckoutId])).toEqual([
          [unknownMemo.txHash, "NOSUCH01", 25_000_000n, null],
          ["tx-nomemo", null, 7_000_000n, null],
        ])
        expect(await runP(s.checkouts.listUnmatched("devnet"))).toEqual([])
        expect(await runP(s.checkouts.listUnmatched())).toHaveLength(2)

        expect(await fail(s.checkouts.assignUnmatched(list[0]!.id, "chk_test_nope", at(50)))).toMatchObject({
          _tag: "CheckoutNotFound",
        })
        expect(await fail(s.checkouts.assignUnmatched("unm_nope", c.id, at(50)))).toMatchObject({
          _tag: "StoreError",
        })
        expect(await runP(s.checkouts.assignUnmatched(list[0]!.id, c.id, at(50)))).toEqual({
          applied: 1,
          emitted: 1,
        })
        const paid = await get(c)
        expect(paid.status).toBe("completed")
        expect(paid.payments[0]).toMatchObject({
          txHash: unknownMemo.txHash,
          status: "confirmed",
          recipient: m.payoutKeys.ton,
        })
        // Assigning twice is a no-op.
        expect(await runP(s.checkouts.assignUnmatched(list[0]!.id, c.id, at(51)))).toEqual({
          applied: 0,
          emitted: 0,
        })
        expect((await runP(s.checkouts.listUnmatched()))[0]?.assignedCheckoutId).toBe(c.id)
        // No webhook URL anywhere: the event is kept, marked skipped, never claimed.
        expect(
          (await runP(s.outbox.listEvents({ checkoutId: c.id, limit: 5 }))).map((e) => e.status),
        ).toEqual(["skipped"])
        expect(await runP(s.outbox.claimDue({ worker: "w", now: at(100), limit: 5, leaseMs: 1000 }))).toEqual(
          [],
        )
      })

      it("matches a TON memo case-insensitively against the merchant wallet", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const e = observed(c, {
          network: "ton-testnet",
          target: { kind: "memo", wallet: m.payoutKeys.ton!, memo: ` ${commentOf(c).toLowerCase()} ` },
        })
        expect(await apply([e])).toEqual({ applied: 1, emitted: 1 })
        expect((await get(c)).status).toBe("processing")
        // A payment in the other mode never matches this checkout.
        const wrongMode = observed(c, { txHash: "0xlive" })
        expect(await apply([wrongMode], at(61), null, "live")).toEqual({ applied: 1, emitted: 0 })
        expect((await runP(s.checkouts.listUnmatched())).map((u) => u.txHash)).toEqual(["0xlive"])
      })

      it("sweeps overdue pending checkouts to expired with their event", async () => {
        const m = await merchant()
        const due1 = await created(m.id, { expiresAt: at(10) })
        const due2 = await created(m.id, { expiresAt: at(20) })
        const later = await created(m.id, { expiresAt: at(1000) })
        const paying = await created(m.id, { expiresAt: at(10) })
        await apply([observed(paying, { observedAt: at(5) })], at(6))
        expect(await runP(s.checkouts.sweepExpired(at(30), 1))).toBe(1)
        expect(await runP(s.checkouts.sweepExpired(at(30), 10))).toBe(1)
        expect(await runP(s.checkouts.sweepExpired(at(30), 10))).toBe(0)
        for (const c of [due1, due2]) {
          const back = await runP(
            s.checkouts.getCheckout({ id: c.id, merchantId: m.id, mode: "test", now: at(0) }),
          )
          expect(back.status).toBe("expired") // stored, not only read as expired
        }
        expect((await get(later, at(0))).status).toBe("pending")
        expect((await get(paying, at(30))).status).toBe("processing")
        const expiredEvents = await runP(s.outbox.listEvents({ status: "pending", limit: 10 }))
        expect(
          expiredEvents
            .filter((e) => e.type === "checkout.expired")
            .map((e) => e.checkoutId)
            .sort(),
        ).toEqual([due1.id, due2.id].sort())
      })
    })

    describe("idempotency records", () => {
      it("are forgotten by the sweep after 24 hours", async () => {
        const m = await merchant()
        const idem: IdempotencyInput = {
          key: "old",
          requestHash: "h",
          render: () => ({ status: 201, body: "{}" }),
        }
        await newCheckout(m.id, {}, s, idem)
        const keys = () => db.selectFrom("idempotency_keys").select("key").execute()
        await runP(s.checkouts.sweepExpired(at(24 * 3600 - 1), 10))
        expect(await keys()).toEqual([{ key: "old" }])
        await runP(s.checkouts.sweepExpired(at(24 * 3600), 10))
        expect(await keys()).toEqual([])
      })
    })

    describe("Outbox", () => {
      const withEvents = async (n: number) => {
        const m = await merchant()
        const cs: Checkout[] = []
        for (let i = 0; i < n; i++) cs.push(await created(m.id, { expiresAt: at(10 + i) }))
        await runP(s.checkouts.sweepExpired(at(100), 100))
        return { m, cs }
      }

      it("claims due events under a lease; no double claim; an expired lease is taken over", async () => {
        const { m } = await withEvents(3)
        const a = await runP(s.outbox.claimDue({ worker: "A", now: at(100), limit: 2, leaseMs: 10_000 }))
        expect(a).toHaveLength(2)
        expect(a[0]).toMatchObject({
          type: "checkout.expired",
          url: "https://acme.test/hook",
          secret: "whsec_test",
          attempts: 0,
          merchantId: m.id,
          mode: "test",
        })
        const b = await runP(s.outbox.claimDue({ worker: "B", now: at(101), limit: 10, leaseMs: 10_000 }))
        expect(b).toHaveLength(1)
        expect(a.map((d) => d.eventId)).not.toContain(b[0]?.eventId)
        expect(
          await runP(s.outbox.claimDue({ worker: "B", now: at(105), limit: 10, leaseMs: 10_000 })),
        ).toEqual([])
        // A's lease ran out: B takes both over.
        const taken = await runP(s.outbox.claimDue({ worker: "B", now: at(110), limit: 10, leaseMs: 10_000 }))
        expect(taken.map((d) => d.eventId).sort()).toEqual(a.map((d) => d.eventId).sort())
        // A's late failure report no longer counts (B holds the lease); a success would.
        await runP(
          s.outbox.recordAttempt({
            attempt: {
              eventId: a[0]!.eventId,
              at: at(112),
              statusCode: 500,
              latencyMs: 12,
              error: "HTTP 500",
              ok: false,
            },
            worker: "A",
            nextAttemptAt: at(200),
          }),
        )
        const ev = (await runP(s.outbox.listEvents({ status: "delivering", limit: 10 }))).map(
          (e) => e.eventId,
        )
        expect(ev).toContain(a[0]!.eventId)
        expect(await runP(s.outbox.listAttempts(a[0]!.eventId))).toHaveLength(1)
      })

      it("each mode has its own default endpoint and secret; a test event never goes to the live one", async () => {
        const m = await merchant({
          webhookUrl: "https://acme.test/live",
          testWebhookUrl: "https://acme.test/test",
        })
        const bare = await merchant({ webhookUrl: "https://acme.test/live-only", testWebhookUrl: null })
        const test = await created(m.id, { expiresAt: at(10) })
        const live = await created(m.id, { mode: "live", expiresAt: at(10) })
        const orphan = await created(bare.id, { expiresAt: at(10) })
        await runP(s.checkouts.sweepExpired(at(100), 100))
        const claimed = await runP(
          s.outbox.claimDue({ worker: "W", now: at(100), limit: 10, leaseMs: 10_000 }),
        )
        const byCheckout = new Map(claimed.map((d) => [d.checkoutId, d]))
        expect(byCheckout.get(test.id)).toMatchObject({
          mode: "test",
          url: "https://acme.test/test",
          secret: "whsec_test",
        })
        expect(byCheckout.get(live.id)).toMatchObject({
          mode: "live",
          url: "https://acme.test/live",
          secret: "whsec_live",
        })
        // No test endpoint: the test event is kept but skipped, not sent to the live endpoint.
        expect(byCheckout.has(orphan.id)).toBe(false)
        const [skipped] = await runP(s.outbox.listEvents({ checkoutId: orphan.id, limit: 10 }))
        expect(skipped).toMatchObject({ status: "skipped", url: null })
        // A merchant created without a test secret gets a strong random one of its own, never the live one.
        const drawn = await runP(
          s.merchants.createMerchant({
            id: uid("mer"),
            name: "Drawn",
            webhookUrl: null,
            webhookSecret: "whsec_live",
            payoutKeys: {},
            networks: { live: [], test: [] },
          }),
        )
        expect(drawn.testWebhookSecret).toMatch(/^whsec_[0-9a-f]{64}$/)
        expect(drawn.testWebhookSecret).not.toBe(drawn.webhookSecret)
        const rotated = await runP(
          s.merchants.updateMerchant(drawn.id, {
            testWebhookSecret: "whsec_rotated",
            testWebhookUrl: "https://x.test/t",
          }),
        )
        expect(rotated).toMatchObject({
          webhookSecret: "whsec_live",
          testWebhookSecret: "whsec_rotated",
          testWebhookUrl: "https://x.test/t",
        })
      })

      it("renews only the holder's live claims; a renewed claim is not taken over", async () => {
        await withEvents(3)
        const [e1, e2] = await runP(
          s.outbox.claimDue({ worker: "A", now: at(100), limit: 2, leaseMs: 10_000 }),
        )
        const [e3] = await runP(s.outbox.claimDue({ worker: "B", now: at(100), limit: 1, leaseMs: 10_000 }))
        const ids = [e1!.eventId, e2!.eventId, e3!.eventId]
        // At 108 A renews its two (B's is not A's to renew): leased until 118 now.
        const renewed = await runP(
          s.outbox.renewClaims({ worker: "A", eventIds: ids, now: at(108), leaseMs: 10_000 }),
        )
        expect([...renewed].sort()).toEqual([e1!.eventId, e2!.eventId].sort())
        // At 112 B's lease (until 110) is over, A's are not: C takes only B's.
        const c = await runP(s.outbox.claimDue({ worker: "C", now: at(112), limit: 10, leaseMs: 10_000 }))
        expect(c.map((d) => d.eventId)).toEqual([e3!.eventId])
        // B can no longer renew what C holds; A's lease lapses at 118 and cannot be renewed after that.
        expect(
          await runP(s.outbox.renewClaims({ worker: "B", eventIds: ids, now: at(113), leaseMs: 10_000 })),
        ).toEqual([])
        expect(
          await runP(s.outbox.renewClaims({ worker: "A", eventIds: ids, now: at(118), leaseMs: 10_000 })),
        ).toEqual([])
        expect(
          await runP(s.outbox.renewClaims({ worker: "A", eventIds: [], now: at(118), leaseMs: 10_000 })),
        ).toEqual([])
      })

      it("records a batch of attempts in one call: each judged on its own lease, all written", async () => {
        await withEvents(4)
        // e1 is claimed with a short lease that runs out; the others with a long one.
        const [e1] = await runP(s.outbox.claimDue({ worker: "W", now: at(100), limit: 1, leaseMs: 1000 }))
        const rest = await runP(s.outbox.claimDue({ worker: "W", now: at(100), limit: 10, leaseMs: 60_000 }))
        expect(rest).toHaveLength(3)
        const [e2, e3, e4] = rest
        // X takes e1 over once W's lease on it ended.
        const taken = await runP(s.outbox.claimDue({ worker: "X", now: at(102), limit: 10, leaseMs: 60_000 }))
        expect(taken.map((d) => d.eventId)).toEqual([e1!.eventId])
        const failure = (eventId: string, t: number, error = "HTTP 500") => ({
          eventId,
          at: at(t),
          statusCode: 500,
          latencyMs: 3,
          error,
          ok: false,
        })
        const moved = await runP(
          s.outbox.recordAttempts({
            worker: "W",
            attempts: [
              // W lost e1's lease: its failure is written but does not move the event.
              { attempt: failure(e1!.eventId, 103), nextAttemptAt: at(200) },
              {
                attempt: {
                  eventId: e2!.eventId,
                  at: at(103),
                  statusCode: 204,
                  latencyMs: 2.4,
                  error: null,
                  ok: true,
                },
                nextAttemptAt: null,
              },
              { attempt: failure(e3!.eventId, 104), nextAttemptAt: at(170) },
              // A NUL byte (Postgres text cannot hold it) does not sink the batch.
              { attempt: failure(e4!.eventId, 104, "refused: bad\u0000name"), nextAttemptAt: null },
            ],
          }),
        )
        expect(moved).toBe(3)
        const byId = new Map((await runP(s.outbox.listEvents({ limit: 10 }))).map((e) => [e.eventId, e]))
        expect(byId.get(e1!.eventId)).toMatchObject({ status: "delivering", attempts: 0 })
        expect(byId.get(e2!.eventId)).toMatchObject({ status: "delivered", attempts: 1, lastError: null })
        expect(byId.get(e3!.eventId)).toMatchObject({ status: "pending", attempts: 1, lastError: "HTTP 500" })
        expect(byId.get(e3!.eventId)?.nextAttemptAt?.toISOString()).toBe(at(170).toISOString())
        expect(byId.get(e4!.eventId)).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: null })
        expect(byId.get(e4!.eventId)?.lastError).toBe("refused: bad\uFFFDname")
        // Every attempt is written once, the lost-lease one included.
        expect(await runP(s.outbox.listAttempts(e1!.eventId))).toEqual([
          { eventId: e1!.eventId, at: at(103), statusCode: 500, latencyMs: 3, error: "HTTP 500", ok: false },
        ])
        expect(await runP(s.outbox.listAttempts(e2!.eventId))).toEqual([
          { eventId: e2!.eventId, at: at(103), statusCode: 204, latencyMs: 2, error: null, ok: true },
        ])
        for (const e of [e3, e4]) expect(await runP(s.outbox.listAttempts(e!.eventId))).toHaveLength(1)
        // X still holds e1 and can finish it; nothing else is due before e3's retry.
        expect(
          await runP(
            s.outbox.recordAttempts({
              worker: "X",
              attempts: [
                {
                  attempt: {
                    eventId: e1!.eventId,
                    at: at(105),
                    statusCode: 200,
                    latencyMs: 1,
                    error: null,
                    ok: true,
                  },
                  nextAttemptAt: null,
                },
              ],
            }),
          ),
        ).toBe(1)
        expect(
          await runP(s.outbox.claimDue({ worker: "W", now: at(169), limit: 10, leaseMs: 1000 })),
        ).toEqual([])
        expect(await runP(s.outbox.recordAttempts({ worker: "W", attempts: [] }))).toBe(0)
      })

      it("a batch is all or nothing; the events of a batch that failed stay claimed and come back after the lease", async () => {
        await withEvents(2)
        const [d1, d2] = await runP(
          s.outbox.claimDue({ worker: "W", now: at(100), limit: 10, leaseMs: 10_000 }),
        )
        const ok = (eventId: string) => ({
          attempt: { eventId, at: at(101), statusCode: 200, latencyMs: 1, error: null, ok: true },
          nextAttemptAt: null,
        })
        // An attempt for an unknown event fails the statement: nothing of the batch is written.
        await fail(s.outbox.recordAttempts({ worker: "W", attempts: [ok(d1!.eventId), ok("evt_unknown")] }))
        expect(await runP(s.outbox.listAttempts(d1!.eventId))).toEqual([])
        expect(
          (await runP(s.outbox.listEvents({ status: "delivering", limit: 10 }))).map((e) => e.eventId).sort(),
        ).toEqual([d1!.eventId, d2!.eventId].sort())
        // As after a crash between send and record: due again once the lease is over, no attempt counted.
        const again = await runP(s.outbox.claimDue({ worker: "V", now: at(110), limit: 10, leaseMs: 10_000 }))
        expect(again.map((d) => [d.eventId, d.attempts]).sort()).toEqual(
          [
            [d1!.eventId, 0],
            [d2!.eventId, 0],
          ].sort(),
        )
      })

      it("an event twice in one batch is recorded in order, as by two calls", async () => {
        await withEvents(2)
        const [d1, d2] = await runP(
          s.outbox.claimDue({ worker: "W", now: at(100), limit: 10, leaseMs: 60_000 }),
        )
        const moved = await runP(
          s.outbox.recordAttempts({
            worker: "W",
            attempts: [
              {
                attempt: {
                  eventId: d1!.eventId,
                  at: at(101),
                  statusCode: 503,
                  latencyMs: 1,
                  error: "HTTP 503",
                  ok: false,
                },
                nextAttemptAt: at(160),
              },
              {
                attempt: {
                  eventId: d2!.eventId,
                  at: at(101),
                  statusCode: 200,
                  latencyMs: 1,
                  error: null,
                  ok: true,
                },
                nextAttemptAt: null,
              },
              // The event is pending again by now (not delivering): written, but it does not move.
              {
                attempt: {
                  eventId: d1!.eventId,
                  at: at(102),
                  statusCode: 200,
                  latencyMs: 1,
                  error: null,
                  ok: true,
                },
                nextAttemptAt: null,
              },
            ],
          }),
        )
        expect(moved).toBe(2)
        expect((await runP(s.outbox.listAttempts(d1!.eventId))).map((a) => a.statusCode)).toEqual([503, 200])
        const byId = new Map((await runP(s.outbox.listEvents({ limit: 10 }))).map((e) => [e.eventId, e]))
        expect(byId.get(d1!.eventId)).toMatchObject({ status: "pending", attempts: 1 })
        expect(byId.get(d2!.eventId)).toMatchObject({ status: "delivered", attempts: 1 })
      })

      it("records attempts: retry scheduled, delivered, failed; stats; resend; release", async () => {
        const { cs } = await withEvents(3)
        const claimed = await runP(
          s.outbox.claimDue({ worker: "W", now: at(100), limit: 10, leaseMs: 60_000 }),
        )
        expect(claimed).toHaveLength(3)
        const [d1, d2, d3] = claimed
        await runP(
          s.outbox.recordAttempt({
            attempt: {
              eventId: d1!.eventId,
              at: at(101),
              statusCode: 503,
              latencyMs: 40.6,
              error: null,
              ok: false,
            },
            worker: "W",
            nextAttemptAt: at(160),
          }),
        )
        await runP(
          s.outbox.recordAttempt({
            attempt: {
              eventId: d2!.eventId,
              at: at(102),
              statusCode: 200,
              latencyMs: 15,
              error: null,
              ok: true,
            },
            worker: "W",
            nextAttemptAt: null,
          }),
        )
        await runP(
          s.outbox.recordAttempt({
            attempt: {
              eventId: d3!.eventId,
              at: at(103),
              statusCode: null,
              latencyMs: 10_000,
              error: "timeout",
              ok: false,
            },
            worker: "W",
            nextAttemptAt: null,
          }),
        )
        const byId = new Map((await runP(s.outbox.listEvents({ limit: 10 }))).map((e) => [e.eventId, e]))
        expect(byId.get(d1!.eventId)).toMatchObject({ status: "pending", attempts: 1, lastError: "HTTP 503" })
        expect(byId.get(d1!.eventId)?.nextAttemptAt?.toISOString()).toBe(at(160).toISOString())
        expect(byId.get(d2!.eventId)).toMatchObject({
          status: "delivered",
          attempts: 1,
          lastError: null,
          nextAttemptAt: null,
        })
        expect(byId.get(d3!.eventId)).toMatchObject({ status: "failed", attempts: 1, lastError: "timeout" })
        expect(await runP(s.outbox.listAttempts(d1!.eventId))).toEqual([
          { eventId: d1!.eventId, at: at(101), statusCode: 503, latencyMs: 41, error: null, ok: false },
        ])
        expect(
          (await runP(s.outbox.listEvents({ status: "failed", limit: 10 }))).map((e) => e.eventId),
        ).toEqual([d3!.eventId])
        expect(
          (await runP(s.outbox.listEvents({ checkoutId: cs[0]!.id, limit: 10 }))).every(
            (e) => e.checkoutId === cs[0]!.id,
          ),
        ).toBe(true)

        expect(await runP(s.outbox.stats(at(150)))).toEqual({
          pending: 1,
          failed: 1,
          oldestPendingAgeSeconds: 50,
        })
        // Not due before its retry time; due after, with the attempt count.
        expect(
          await runP(s.outbox.claimDue({ worker: "W", now: at(159), limit: 10, leaseMs: 1000 })),
        ).toEqual([])
        const retry = await runP(s.outbox.claimDue({ worker: "W", now: at(160), limit: 10, leaseMs: 1000 }))
        expect(retry.map((d) => [d.eventId, d.attempts])).toEqual([[d1!.eventId, 1]])
        // Graceful shutdown gives the claim back at once, without counting an attempt.
        await runP(s.outbox.release(d1!.eventId, "someone-else"))
        expect(
          await runP(s.outbox.claimDue({ worker: "V", now: at(160), limit: 10, leaseMs: 1000 })),
        ).toEqual([])
        await runP(s.outbox.release(d1!.eventId, "W"))
        expect(
          (await runP(s.outbox.claimDue({ worker: "V", now: at(160), limit: 10, leaseMs: 1000 })))[0]
            ?.attempts,
        ).toBe(1)
        // A release with notBefore (a dispatcher deferring a claim) is not due again before then.
        await runP(s.outbox.release(d1!.eventId, "V", at(170)))
        expect(
          await runP(s.outbox.claimDue({ worker: "V", now: at(169), limit: 10, leaseMs: 1000 })),
        ).toEqual([])
        expect(
          (await runP(s.outbox.claimDue({ worker: "V", now: at(170), limit: 10, leaseMs: 1000 }))).map(
            (d) => [d.eventId, d.attempts],
          ),
        ).toEqual([[d1!.eventId, 1]])

        expect(await runP(s.outbox.resend(d3!.eventId, at(300)))).toBe(true)
        expect(await runP(s.outbox.resend("evt_unknown", at(300)))).toBe(false)
        const again = await runP(s.outbox.claimDue({ worker: "W", now: at(300), limit: 10, leaseMs: 1000 }))
        expect(again.map((d) => d.eventId)).toContain(d3!.eventId)
        expect(await runP(s.outbox.stats(at(300)))).toMatchObject({ failed: 0 })
      })
    })

    describe("watcher status", () => {
      it("upserts per network, keeps the last heights on an error-only report", async () => {
        expect(await runP(listWatcherStatus(db))).toEqual([])
        await runP(
          recordWatcherStatus(db, {
            network: "devnet",
            head: 120n,
            scannedTo: 100n,
            lastError: null,
            at: at(1),
            rpcCalls: 7,
            rpcErrors: 1,
          }),
        )
        await runP(
          recordWatcherStatus(db, {
            network: "base",
            head: 2n ** 70n,
            scannedTo: 5n,
            lastError: null,
            at: at(1),
          }),
        )
        await runP(
          recordWatcherStatus(db, {
            network: "devnet",
            head: null,
            scannedTo: null,
            lastError: "rpc down",
            at: at(2),
          }),
        )
        expect(await runP(listWatcherStatus(db))).toEqual([
          {
            network: "base",
            head: 2n ** 70n,
            scannedTo: 5n,
            lastError: null,
            updatedAt: at(1),
            rpcCalls: 0,
            rpcErrors: 0,
          },
          {
            network: "devnet",
            head: 120n,
            scannedTo: 100n,
            lastError: "rpc down",
            updatedAt: at(2),
            rpcCalls: 7,
            rpcErrors: 1,
          },
        ])
        await runP(
          recordWatcherStatus(db, {
            network: "devnet",
            head: 130n,
            scannedTo: 130n,
            lastError: null,
            at: at(3),
          }),
        )
        expect((await runP(listWatcherStatus(db)))[1]).toMatchObject({
          head: 130n,
          scannedTo: 130n,
          lastError: null,
        })
        expect(await runP(s.checkouts.getCursor("nowhere"))).toBeNull()
      })

      it("keeps one sample per network and minute (its last report), 48 hours, read back in order", async () => {
        const history = makeConsoleStore(db).watcherHistory
        const report = (network: string, seconds: number, head: bigint | null, calls?: number) =>
          runP(
            recordWatcherStatus(db, {
              network,
              head,
              scannedTo: head === null ? null : head - 3n,
              lastError: head === null ? "down" : null,
              at: at(seconds),
              rpcCalls: calls,
              rpcErrors: calls === undefined ? undefined : 1,
            }),
          )
        // T0 is on a minute: 0 s and 30 s share one; 61 s is the next.
        await report("devnet", 0, 100n, 10)
        await report("devnet", 30, 110n, 20)
        await report("base", 5, 7n, 2)
        // An error-only report samples the heights and counts it keeps.
        await report("devnet", 61, null)
        const minute = (m: number) => new Date(T0.getTime() + m * 60_000)
        expect(await runP(history(T0))).toEqual([
          { network: "base", minute: minute(0), head: 7n, scannedTo: 4n, rpcCalls: 2, rpcErrors: 1 },
          { network: "devnet", minute: minute(0), head: 110n, scannedTo: 107n, rpcCalls: 20, rpcErrors: 1 },
          { network: "devnet", minute: minute(1), head: 110n, scannedTo: 107n, rpcCalls: 20, rpcErrors: 1 },
        ])
        expect((await runP(history(minute(1)))).map((x) => x.network)).toEqual(["devnet"])
        // 48 hours after minute 1, minutes 0 and 1 of devnet are dropped; base's are its own to prune.
        await report("devnet", 48 * 3600 + 60, 500n, 3)
        expect((await runP(history(T0))).map((x) => [x.network, x.minute.getTime() - T0.getTime()])).toEqual([
          ["base", 0],
          ["devnet", (48 * 60 + 1) * 60_000],
        ])
        const rows = await db.selectFrom("watcher_samples").select("network").execute()
        expect(rows.length).toBe(2)
      })
    })

    describe("Leases", () => {
      it("takes, refuses, renews, expires and releases", async () => {
        expect(await runP(s.leases.acquire("watcher:devnet", "A", at(0), 10_000))).toBe(true)
        expect(await runP(s.leases.acquire("watcher:devnet", "B", at(5), 10_000))).toBe(false)
        expect(await runP(s.leases.acquire("watcher:devnet", "A", at(8), 10_000))).toBe(true) // renewed to 18
        expect(await runP(s.leases.acquire("watcher:devnet", "B", at(15), 10_000))).toBe(false)
        expect(await runP(s.leases.acquire("watcher:devnet", "B", at(18), 10_000))).toBe(true) // expired
        expect(await runP(s.leases.acquire("watcher:other", "A", at(18), 10_000))).toBe(true)
        await runP(s.leases.release("watcher:devnet", "A")) // not the holder: no effect
        expect(await runP(s.leases.acquire("watcher:devnet", "A", at(19), 10_000))).toBe(false)
        await runP(s.leases.release("watcher:devnet", "B"))
        expect(await runP(s.leases.acquire("watcher:devnet", "A", at(19), 10_000))).toBe(true)
      })
    })

    describe("under concurrency", () => {
      it("200 concurrent creates: distinct derivation indices, a TON comment never twice", async () => {
        const m = await merchant()
        const n = backend.concurrent ? 200 : 60
        // Half the creates draw the same comment: exactly one of them gets it, the others are told MemoTaken.
        const stores = makeStores(db, { renderEventBody })
        const results = await Promise.all(
          Array.from({ length: n }, async (_, i) => {
            const index = await runP(stores.checkouts.allocateDerivationIndex(m.id))
            const r = await runP(
              stores.checkouts.createCheckout(
                {
                  id: `chk_test_${token24()}`,
                  merchantId: m.id,
                  mode: "test",
                  amountCents: 100n + BigInt(i),
                  description: null,
                  metadataJson: null,
                  customerEmail: null,
                  redirectUrl: null,
                  webhookUrl: null,
                  networks: ["devnet"],
                  targets: keyedTargets(m.id, index, {
                    evm: `0xc${index}`,
                    tron: `Tc${index}`,
                    ton: i % 2 === 0 ? "SAMECMNT" : `U${i}`,
                  }),
                  expiresAt: at(1800),
                  createdAt: at(i),
                },
                null,
              ),
            )
            if (r._tag === "Replayed") throw new Error("expected Created or MemoTaken")
            return r._tag === "Created" ? r.checkout : null
          }),
        )
        const made = results.filter((c) => c !== null)
        const indices = new Set(made.map((c) => c.targets.derivationIndex))
        const comments = made.map((c) => commentOf(c))
        expect(made).toHaveLength(n / 2 + 1)
        expect(indices.size).toBe(made.length)
        expect(new Set(comments).size).toBe(made.length)
        expect(comments.filter((x) => x === "SAMECMNT")).toHaveLength(1)
        const stored = await runP(
          s.checkouts.listCheckouts({ merchantId: m.id, mode: "test", limit: 100, offset: 0, now: at(0) }),
        )
        expect(stored.total).toBe(made.length)
      })

      it("two concurrent creates with one idempotency key create one checkout", async () => {
        const m = await merchant()
        for (let round = 0; round < 5; round++) {
          const idem: IdempotencyInput = {
            key: `race-${round}`,
            requestHash: "same",
            render: (c) => ({ status: 201, body: `{"id":"${c.id}"}` }),
          }
          const rs = await Promise.all([newCheckout(m.id, {}, s, idem), newCheckout(m.id, {}, s, idem)])
          const createdOnes = rs.filter((r) => r._tag === "Created")
          expect(createdOnes).toHaveLength(1)
          const replay = rs.find((r) => r._tag === "Replayed")
          expect(replay?._tag === "Replayed" && replay.response).toEqual(
            createdOnes[0]?._tag === "Created" && createdOnes[0].response,
          )
        }
        expect(
          (
            await runP(
              s.checkouts.listCheckouts({
                merchantId: m.id,
                mode: "test",
                limit: 100,
                offset: 0,
                now: at(0),
              }),
            )
          ).total,
        ).toBe(5)
      })

      it("concurrent dispatchers never claim the same event", async () => {
        const m = await merchant()
        for (let i = 0; i < 40; i++) await created(m.id, { expiresAt: at(1) })
        expect(await runP(s.checkouts.sweepExpired(at(10), 100))).toBe(40)
        const workers = Array.from({ length: 6 }, (_, w) => `w${w}`)
        const claims = await Promise.all(
          workers.flatMap((w) =>
            [0, 1, 2].map(() =>
              runP(s.outbox.claimDue({ worker: w, now: at(20), limit: 5, leaseMs: 60_000 })),
            ),
          ),
        )
        const ids = claims.flat().map((d) => d.eventId)
        expect(new Set(ids).size).toBe(ids.length)
        expect(ids.length).toBe(40)
      })

      it("the same chain events applied by two watchers at once count once", async () => {
        const m = await merchant()
        const c = await created(m.id)
        const e = observed(c, { confirmations: 3 })
        const rs = await Promise.all([apply([e]), apply([e]), apply([e])])
        expect(rs.reduce((a, r) => a + r.applied, 0)).toBe(1)
        expect(rs.reduce((a, r) => a + r.emitted, 0)).toBe(1)
        const back = await get(c)
        expect(back.status).toBe("completed")
        expect(back.payments).toHaveLength(1)
      })

      it("concurrent lease takers: exactly one holder", async () => {
        const rs = await Promise.all(
          Array.from({ length: 8 }, (_, i) => runP(s.leases.acquire("watcher:race", `h${i}`, at(0), 5000))),
        )
        expect(rs.filter(Boolean)).toHaveLength(1)
      })
    })
  })
