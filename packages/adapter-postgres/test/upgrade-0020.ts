import type { ChainEvent, Checkout, NewCheckout } from "@inzi/core"
import { type Kysely, Migrator, sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type DB, MIGRATIONS, makeStores, migrate, type PgStores } from "../src/index.js"
import { fail, runP } from "./contract.js"

/**
 * Migration 0020 (payout keys and deposit targets as rows by family) on a database filled through the schema
 * before it (0019): merchants with all, some and one of the three keys, pending and completed checkouts with
 * their payments, pool slots (usable and stale). Everything is then read back through the stores, paid through
 * the ingestion path, taken from the pool, and new checkouts are created next to the old ones.
 */
export const upgrade0020Contract = (
  name: string,
  open: () => Promise<{
    readonly db: Kysely<DB>
    readonly schema: string
    readonly close: () => Promise<void>
  }>,
) =>
  describe(name, () => {
    let db: Kysely<DB>
    let close: () => Promise<void> = async () => {}
    let s: PgStores
    const T0 = new Date("2026-12-01T00:00:00Z")
    const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
    const WALLET = `0:${"ab".repeat(32)}`
    const TON_ONLY_WALLET = `0:${"cd".repeat(32)}`
    const EVM_PENDING = "0xAbCdEf0000000000000000000000000000000001"
    const TRON_PENDING = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
    const EVM_ONLY = "0x00000000000000000000000000000000000000e1"

    beforeAll(async () => {
      const opened = await open()
      db = opened.db
      close = opened.close
      const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([n]) => n < "0020"))
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => before },
        migrationTableSchema: opened.schema,
      })
      expect((await migrator.migrateToLatest()).error).toBeUndefined()

      // The previous schema, filled as the code of 0019 wrote it.
      await sql`INSERT INTO merchants (id, name, webhook_url, webhook_secret, test_webhook_url, evm_xpub, tron_xpub,
          ton_wallet, networks, index_sequence, created_at, updated_at)
        VALUES
          ('mer_full', 'Full', NULL, 's', 'https://shop.example/test', 'xpub-evm-full', 'xpub-tron-full', ${WALLET},
            '{"live":[],"test":["devnet","tron-nile","ton-testnet"]}', 'merchant_index_u1', ${T0}, ${T0}),
          ('mer_evm', 'Evm', NULL, 's', NULL, 'xpub-evm-only', NULL, NULL,
            '{"live":[],"test":["devnet"]}', 'merchant_index_u2', ${T0}, ${T0}),
          ('mer_ton', 'Ton', NULL, 's', NULL, NULL, NULL, ${TON_ONLY_WALLET},
            '{"live":[],"test":["ton-testnet"]}', 'merchant_index_u3', ${T0}, ${T0})`.execute(db)
      for (const [seq, start] of [
        ["merchant_index_u1", 20],
        ["merchant_index_u2", 5],
        ["merchant_index_u3", 1],
      ] as const)
        await sql.raw(`CREATE SEQUENCE ${seq} AS bigint MINVALUE 0 START ${start}`).execute(db)
      await sql`INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, networks, expires_at, created_at,
          updated_at)
        VALUES
          ('chk_test_pending000000000000001', 'mer_full', 'test', 'pending', 2500,
            '["devnet","tron-nile","ton-testnet"]', ${at(3600)}, ${T0}, ${T0}),
          ('chk_test_done00000000000000000001', 'mer_full', 'test', 'completed', 1000,
            '["devnet","tron-nile","ton-testnet"]', ${at(3600)}, ${T0}, ${T0}),
          ('chk_test_tononly0000000000000001', 'mer_ton', 'test', 'pending', 2500, '["ton-testnet"]',
            ${at(3600)}, ${T0}, ${T0}),
          ('chk_test_evmonly0000000000000001', 'mer_evm', 'test', 'pending', 2500, '["devnet"]',
            ${at(3600)}, ${T0}, ${T0})`.execute(db)
      await sql`INSERT INTO deposit_targets (checkout_id, merchant_id, derivation_index, evm_address, tron_address,
          ton_comment)
        VALUES
          ('chk_test_pending000000000000001', 'mer_full', 0, ${EVM_PENDING}, ${TRON_PENDING}, 'K7P2M9QX'),
          ('chk_test_done00000000000000000001', 'mer_full', 1, '0x00000000000000000000000000000000000000d1',
            'TDoneAddress00000000000000000001', 'D0NE2345'),
          ('chk_test_tononly0000000000000001', 'mer_ton', 0, NULL, NULL, 'AB12CD34'),
          ('chk_test_evmonly0000000000000001', 'mer_evm', 4, ${EVM_ONLY}, NULL, 'EV4ONLY2')`.execute(db)
      await sql`INSERT INTO payments (network, tx_hash, log_index, checkout_id, token, token_contract, decimals,
          amount, recipient, block_number, block_hash, status, confirmations, detected_at, confirmed_at, updated_at)
        VALUES ('devnet', '0xdone', 0, 'chk_test_done00000000000000000001', 'USDT', '0xusdt', 6, 10000000,
          '0x00000000000000000000000000000000000000d1', 10, '0x10', 'confirmed', 3, ${T0}, ${T0}, ${T0})`.execute(
        db,
      )
      // Pool slots: two of mer_full's current xpubs, one of an xpub it no longer has, one of mer_evm.
      await sql`INSERT INTO address_pool (merchant_id, derivation_index, evm_xpub, evm_address, tron_xpub,
          tron_address)
        VALUES
          ('mer_full', 10, 'xpub-evm-full', '0xAAAA00000000000000000000000000000000000a', 'xpub-tron-full',
            'TSlot10000000000000000000000000000'),
          ('mer_full', 11, 'xpub-evm-full', '0xaaaa00000000000000000000000000000000000b', 'xpub-tron-full',
            'TSlot11000000000000000000000000000'),
          ('mer_full', 12, 'xpub-evm-replaced', '0xaaaa00000000000000000000000000000000000c', 'xpub-tron-full',
            'TSlot12000000000000000000000000000'),
          ('mer_evm', 3, 'xpub-evm-only', '0x00000000000000000000000000000000000000e3', NULL, NULL)`.execute(
        db,
      )

      expect((await migrate(db)).applied).toEqual([
        "0020_family_rows",
        "0022_ops_counts",
        "0023_watch_cursor",
        "0024_wallet_cursor",
      ])
      s = makeStores(db)
    })
    afterAll(async () => {
      await close()
    })

    const get = (id: string, merchantId: string) =>
      runP(s.checkouts.getCheckout({ id, merchantId, mode: "test", now: at(60) }))
    const apply = (network: string, events: ReadonlyArray<ChainEvent>, now = at(120)) =>
      runP(
        s.checkouts.applyChainEvents({
          network,
          mode: "test",
          requiredConfirmations: 3,
          events,
          cursor: null,
          now,
        }),
      )
    const paid = (
      network: string,
      target: Extract<ChainEvent, { _tag: "PaymentObserved" }>["target"],
      txHash: string,
    ): ChainEvent => ({
      _tag: "PaymentObserved",
      network,
      txHash,
      logIndex: 0,
      target,
      token: "USDT",
      tokenContract: "0xusdt",
      decimals: 6,
      amount: 25_000_000n,
      sender: "0xpayer",
      blockNumber: 100n,
      blockHash: "0xblock",
      confirmations: 3,
      observedAt: at(100),
    })

    it("moves every merchant's keys to rows by family and drops the old columns", async () => {
      expect((await runP(s.merchants.getMerchant("mer_full"))).payoutKeys).toEqual({
        evm: "xpub-evm-full",
        tron: "xpub-tron-full",
        ton: WALLET,
      })
      expect((await runP(s.merchants.getMerchant("mer_evm"))).payoutKeys).toEqual({ evm: "xpub-evm-only" })
      expect((await runP(s.merchants.getMerchant("mer_ton"))).payoutKeys).toEqual({ ton: TON_ONLY_WALLET })
      const gone = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('merchants', 'deposit_targets', 'address_pool')
          AND column_name IN ('evm_xpub', 'tron_xpub', 'ton_wallet', 'evm_address', 'tron_address', 'ton_comment',
            'xpubs_key')`.execute(db)
      expect(gone.rows).toEqual([])
    })

    it("reads every checkout with its targets by family and its payments", async () => {
      const pending = await get("chk_test_pending000000000000001", "mer_full")
      expect(pending.targets).toEqual({
        derivationIndex: 0n,
        entries: [
          { family: "evm", address: EVM_PENDING, memo: null },
          { family: "ton", address: null, memo: "K7P2M9QX" },
          { family: "tron", address: TRON_PENDING, memo: null },
        ],
      })
      const done = await get("chk_test_done00000000000000000001", "mer_full")
      expect(done.status).toBe("completed")
      expect(done.payments.map((p) => [p.txHash, p.amount, p.status])).toEqual([
        ["0xdone", 10_000_000n, "confirmed"],
      ])
      expect((await get("chk_test_tononly0000000000000001", "mer_ton")).targets).toEqual({
        derivationIndex: 0n,
        entries: [{ family: "ton", address: null, memo: "AB12CD34" }],
      })
      // The watchers' open targets: EVM in lower case, Tron as stored, TON as (merchant wallet, comment).
      const q = { mode: "test" as const, since: at(0) }
      const evm = await runP(
        s.checkouts.openTargets({
          ...q,
          network: "devnet",
          family: "evm",
          deposit: { kind: "derived-address", caseInsensitive: true },
        }),
      )
      expect([...evm.addresses].sort()).toEqual(
        [EVM_PENDING.toLowerCase(), "0x00000000000000000000000000000000000000d1", EVM_ONLY].sort(),
      )
      const ton = await runP(
        s.checkouts.openTargets({
          ...q,
          network: "ton-testnet",
          family: "ton",
          deposit: { kind: "wallet-memo", memoName: "comment", newMemo: () => "X", caseInsensitive: true },
        }),
      )
      expect([...ton.memos].sort((a, b) => a.memo.localeCompare(b.memo))).toEqual([
        { wallet: TON_ONLY_WALLET, memo: "AB12CD34" },
        { wallet: WALLET, memo: "D0NE2345" },
        { wallet: WALLET, memo: "K7P2M9QX" },
      ])
      expect([...(ton.wallets ?? [])].sort()).toEqual([WALLET, TON_ONLY_WALLET].sort())
    })

    it("credits payments to an old checkout's address (any case) and comment (typed loosely)", async () => {
      expect(
        await apply("devnet", [
          paid("devnet", { kind: "address", address: EVM_PENDING.toUpperCase() }, "0xup1"),
        ]),
      ).toMatchObject({ applied: 1 })
      expect((await get("chk_test_pending000000000000001", "mer_full")).status).toBe("completed")
      expect(
        await apply("tron-nile", [
          paid("tron-nile", { kind: "address", address: EVM_ONLY.replace("0x", "0X") }, "0xcase"),
        ]),
      ).toMatchObject({ applied: 1 })
      expect((await get("chk_test_evmonly0000000000000001", "mer_evm")).payments).toHaveLength(1)
      await apply("ton-testnet", [
        paid("ton-testnet", { kind: "memo", wallet: TON_ONLY_WALLET, memo: " ab12cd34 " }, "0xton1"),
      ])
      expect((await get("chk_test_tononly0000000000000001", "mer_ton")).status).toBe("completed")
      // The same comment to another merchant's wallet is nobody's.
      await apply("ton-testnet", [
        paid("ton-testnet", { kind: "memo", wallet: WALLET, memo: "AB12CD34" }, "0xton2"),
      ])
      expect((await runP(s.checkouts.listUnmatched("ton-testnet"))).map((u) => u.txHash)).toEqual(["0xton2"])
    })

    it("hands out the usable pool slots (not the stale one) and keeps creating checkouts", async () => {
      const keys = { evm: "xpub-evm-full", tron: "xpub-tron-full", ton: WALLET }
      expect(await runP(s.addressPool.poolSize("mer_full"))).toBe(2)
      expect(await runP(s.addressPool.takeSlot("mer_full", keys))).toEqual({
        _tag: "Pooled",
        index: 10n,
        targets: [
          {
            family: "evm",
            address: "0xAAAA00000000000000000000000000000000000a",
            memo: null,
            lookup: "0xaaaa00000000000000000000000000000000000a",
          },
          {
            family: "tron",
            address: "TSlot10000000000000000000000000000",
            memo: null,
            lookup: "TSlot10000000000000000000000000000",
          },
        ],
      })
      expect(await runP(s.addressPool.poolSize("mer_evm"))).toBe(1)
      // A pooled create on the last usable slot; an old checkout's comment is still the merchant's.
      const input = (id: string, memo: string): NewCheckout => ({
        id,
        merchantId: "mer_full",
        mode: "test",
        amountCents: 500n,
        description: null,
        metadataJson: null,
        customerEmail: null,
        redirectUrl: null,
        webhookUrl: null,
        networks: ["devnet", "tron-nile", "ton-testnet"],
        targets: {
          derivationIndex: -1n,
          entries: [{ family: "ton", address: null, memo, lookup: `mer_full:${memo}` }],
        },
        expiresAt: at(3600),
        createdAt: at(1),
      })
      expect(
        await runP(
          s.addressPool.createCheckout(input("chk_test_new0000000000000000001", "K7P2M9QX"), keys, ["evm"]),
        ),
      ).toEqual({ _tag: "MemoTaken" })
      const pooled = await runP(
        s.addressPool.createCheckout(input("chk_test_new0000000000000000001", "N3WC0MNT"), keys, [
          "evm",
          "tron",
        ]),
      )
      expect(pooled._tag === "Created" && pooled.checkout.targets.derivationIndex).toBe(11n)
      expect(
        await runP(
          s.addressPool.createCheckout(input("chk_test_new0000000000000000002", "N3WC0MN2"), keys, ["evm"]),
        ),
      ).toEqual({
        _tag: "NoSlot",
      })
      // The merchant's sequence continues where it was; a plain create next to the old checkouts.
      const index = await runP(s.checkouts.allocateDerivationIndex("mer_full"))
      expect(index).toBe(20n)
      const plain = await runP(
        s.checkouts.createCheckout(
          {
            ...input("chk_test_new0000000000000000003", "N3WC0MN3"),
            targets: {
              derivationIndex: index,
              entries: [
                {
                  family: "evm",
                  address: "0x00000000000000000000000000000000000000f1",
                  memo: null,
                  lookup: "0x00000000000000000000000000000000000000f1",
                },
                { family: "ton", address: null, memo: "N3WC0MN3", lookup: "mer_full:N3WC0MN3" },
              ],
            },
          },
          null,
        ),
      )
      expect(plain._tag).toBe("Created")
      // An old checkout's address is still taken.
      const reuse = await fail(
        s.checkouts.createCheckout(
          {
            ...input("chk_test_new0000000000000000004", "N3WC0MN4"),
            targets: {
              derivationIndex: 21n,
              entries: [{ family: "evm", address: EVM_ONLY, memo: null, lookup: EVM_ONLY }],
            },
          },
          null,
        ),
      )
      expect(reuse._tag).toBe("StoreError")
      const listed = await runP(
        s.checkouts.listCheckouts({
          merchantId: "mer_full",
          mode: "test",
          limit: 10,
          offset: 0,
          now: at(60),
        }),
      )
      expect(listed.data.map((c: Checkout) => c.id).sort()).toEqual(
        [
          "chk_test_done00000000000000000001",
          "chk_test_new0000000000000000001",
          "chk_test_new0000000000000000003",
          "chk_test_pending000000000000001",
        ].sort(),
      )
    })
  })
