import { randomBytes } from "node:crypto"
import { type LogoContentType, MerchantNotFound, type MerchantStore } from "@inzi/core"
import type { Context } from "effect"
import { type Kysely, sql } from "kysely"
import { Fail, run, sqlState } from "./errors.js"
import { P, precompile } from "./precompiled.js"
import { apiKeyFromRow, merchantFromRow } from "./rows.js"
import type { DB } from "./schema.js"
import { type SecretBox, sealSecret } from "./secrets.js"

/** `MerchantStore` over kysely. Each merchant gets its own derivation-index sequence, created with it. */
/** `box`: webhook secrets are sealed with it when written and opened when read (clear without one). */
export const makeMerchantStore = (
  db: Kysely<DB>,
  box: SecretBox | null = null,
): Context.Tag.Service<typeof MerchantStore> => {
  const fromRow = (r: Parameters<typeof merchantFromRow>[0]) => merchantFromRow(r, box)
  const keyByHash = precompile(
    db,
    (hash: string) =>
      db
        .selectFrom("api_keys as k")
        .innerJoin("merchants as m", "m.id", "k.merchant_id")
        .selectAll("m")
        .select([
          "k.id as key_id",
          "k.mode as key_mode",
          "k.prefix as key_prefix",
          "k.created_at as key_created_at",
          "k.revoked_at as key_revoked_at",
        ])
        .where("k.hash", "=", hash)
        .where("k.revoked_at", "is", null),
    P("hash"),
  )
  return {
    createMerchant: (m) =>
      run("createMerchant", () =>
        db.transaction().execute(async (trx) => {
          const now = new Date()
          // With a key the test secret is drawn here (the database's default would store it in clear).
          const testSecret =
            m.testWebhookSecret ?? (box ? `whsec_${randomBytes(32).toString("hex")}` : undefined)
          const row = await trx
            .insertInto("merchants")
            .values({
              id: m.id,
              name: m.name,
              webhook_url: m.webhookUrl,
              webhook_secret: sealSecret(box, m.webhookSecret, {
                merchantId: m.id,
                column: "webhook_secret",
              }),
              test_webhook_url: m.testWebhookUrl ?? null,
              ...(testSecret !== undefined
                ? {
                    test_webhook_secret: sealSecret(box, testSecret, {
                      merchantId: m.id,
                      column: "test_webhook_secret",
                    }),
                  }
                : {}),
              evm_xpub: m.evmXpub,
              tron_xpub: m.tronXpub,
              ton_wallet: m.tonWallet,
              networks: JSON.stringify({ live: m.networks.live, test: m.networks.test }),
              allowed_redirect_hosts: JSON.stringify(m.allowedRedirectHosts ?? []),
              allowed_webhook_hosts: JSON.stringify(m.allowedWebhookHosts ?? []),
              ...(m.branding !== undefined ? { branding: JSON.stringify(m.branding) } : {}),
              created_at: now,
              updated_at: now,
            })
            .returning("seq_no")
            .executeTakeFirstOrThrow()
          // A sequence per merchant: allocation is a `nextval`, never a hot counter row that serializes every create of a merchant.
          const seqName = `merchant_index_${String(row.seq_no)}`
          await sql.raw(`CREATE SEQUENCE ${seqName} AS bigint MINVALUE 0 START 0`).execute(trx)
          const done = await trx
            .updateTable("merchants")
            .set({ index_sequence: seqName })
            .where("id", "=", m.id)
            .returningAll()
            .executeTakeFirstOrThrow()
          return fromRow(done)
        }),
      ),

    updateMerchant: (id, patch) =>
      run<ReturnType<typeof merchantFromRow>, MerchantNotFound>("updateMerchant", async () => {
        const set: Record<string, unknown> = { updated_at: new Date() }
        if (patch.name !== undefined) set.name = patch.name
        if (patch.webhookUrl !== undefined) set.webhook_url = patch.webhookUrl
        if (patch.webhookSecret !== undefined)
          set.webhook_secret = sealSecret(box, patch.webhookSecret, {
            merchantId: id,
            column: "webhook_secret",
          })
        if (patch.testWebhookUrl !== undefined) set.test_webhook_url = patch.testWebhookUrl
        if (patch.testWebhookSecret !== undefined)
          set.test_webhook_secret = sealSecret(box, patch.testWebhookSecret, {
            merchantId: id,
            column: "test_webhook_secret",
          })
        if (patch.evmXpub !== undefined) set.evm_xpub = patch.evmXpub
        if (patch.tronXpub !== undefined) set.tron_xpub = patch.tronXpub
        if (patch.tonWallet !== undefined) set.ton_wallet = patch.tonWallet
        if (patch.allowedRedirectHosts !== undefined)
          set.allowed_redirect_hosts = JSON.stringify(patch.allowedRedirectHosts)
        if (patch.allowedWebhookHosts !== undefined)
          set.allowed_webhook_hosts = JSON.stringify(patch.allowedWebhookHosts)
        if (patch.branding !== undefined) set.branding = JSON.stringify(patch.branding)
        if (patch.networks !== undefined)
          set.networks = JSON.stringify({ live: patch.networks.live, test: patch.networks.test })
        const row = await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable("merchants")
            .set(set)
            .where("id", "=", id)
            .returningAll()
            .executeTakeFirst()
          // A logo no merchant points at any more (replaced or cleared) is dropped.
          if (updated !== undefined && patch.branding !== undefined)
            await trx
              .deleteFrom("merchant_logos")
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom("merchants")
                      .select(sql<number>`1`.as("one"))
                      .where(sql<boolean>`branding->'logo'->>'sha256' = merchant_logos.sha256`),
                  ),
                ),
              )
              .execute()
          return updated
        })
        if (row === undefined) throw new Fail(new MerchantNotFound({ id }))
        return fromRow(row)
      }),

    getMerchant: (id) =>
      run<ReturnType<typeof merchantFromRow>, MerchantNotFound>("getMerchant", async () => {
        const row = await db.selectFrom("merchants").selectAll().where("id", "=", id).executeTakeFirst()
        if (row === undefined) throw new Fail(new MerchantNotFound({ id }))
        return fromRow(row)
      }),

    listMerchants: () =>
      run("listMerchants", async () => {
        const rows = await db.selectFrom("merchants").selectAll().orderBy("seq_no").execute()
        return rows.map(fromRow)
      }),

    createApiKey: (k) =>
      run<ReturnType<typeof apiKeyFromRow>, MerchantNotFound>("createApiKey", async () => {
        try {
          const row = await db
            .insertInto("api_keys")
            .values({
              id: k.id,
              merchant_id: k.merchantId,
              mode: k.mode,
              prefix: k.prefix,
              hash: k.hash,
              created_at: new Date(),
              revoked_at: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow()
          return apiKeyFromRow(row)
        } catch (e) {
          if (sqlState(e) === "23503") throw new Fail(new MerchantNotFound({ id: k.merchantId }))
          throw e
        }
      }),

    findActiveKeyByHash: (hash) =>
      run("findActiveKeyByHash", async () => {
        // One round trip on the hot path (every API request), compiled once.
        const row = (await keyByHash.execute(hash))[0]
        if (row === undefined) return null
        const key = apiKeyFromRow({
          id: row.key_id,
          merchant_id: row.id,
          mode: row.key_mode,
          prefix: row.key_prefix,
          hash,
          created_at: row.key_created_at,
          revoked_at: row.key_revoked_at,
        })
        return { key, merchant: fromRow(row) }
      }),

    revokeApiKey: (idOrPrefix, at) =>
      run("revokeApiKey", async () => {
        const row = await db
          .updateTable("api_keys")
          .set({ revoked_at: sql<Date>`coalesce(revoked_at, ${at})` })
          .where((eb) => eb.or([eb("id", "=", idOrPrefix), eb("prefix", "=", idOrPrefix)]))
          .returningAll()
          .executeTakeFirst()
        return row === undefined ? null : apiKeyFromRow(row)
      }),

    saveLogo: (image) =>
      run("saveLogo", async () => {
        await db
          .insertInto("merchant_logos")
          .values({
            sha256: image.sha256,
            content_type: image.contentType,
            body: image.bytes,
            created_at: new Date(),
          })
          .onConflict((oc) => oc.column("sha256").doNothing())
          .execute()
      }),

    getLogo: (sha256) =>
      run("getLogo", async () => {
        const row = await db
          .selectFrom("merchant_logos")
          .select(["sha256", "content_type", "body"])
          .where("sha256", "=", sha256)
          .executeTakeFirst()
        return row === undefined
          ? null
          : {
              sha256: row.sha256,
              contentType: row.content_type as LogoContentType,
              bytes: new Uint8Array(row.body),
            }
      }),

    listApiKeys: (merchantId) =>
      run("listApiKeys", async () => {
        const rows = await db
          .selectFrom("api_keys")
          .selectAll()
          .where("merchant_id", "=", merchantId)
          .orderBy("created_at")
          .orderBy("id")
          .execute()
        return rows.map(apiKeyFromRow)
      }),
  }
}
