import { randomBytes } from "node:crypto"
import { type LogoContentType, MerchantNotFound, type MerchantStore, StoreError } from "@inzi/core"
import type { Context } from "effect"
import { type Kysely, sql, type Transaction } from "kysely"
import { Fail, run, sqlState } from "./errors.js"
import { P, precompile } from "./precompiled.js"
import { apiKeyFromRow, type MerchantRow, merchantFromRow, payoutKeysColumn } from "./rows.js"
import type { DB } from "./schema.js"
import { type SecretBox, sealSecret } from "./secrets.js"

/** `MerchantStore` over kysely. Each merchant gets its own derivation-index sequence, created with it. */
/** `box`: webhook secrets are sealed with it when written and opened when read (clear without one). */
/** Advisory lock key taken by every branding change (serializes the logo sweep with logo pointers). */
const LOGO_LOCK = 7_150_001

/** The merchants rows with their payout keys (`payoutKeysColumn`), merchants aliased `m`. */
export const selectMerchants = (db: Kysely<DB> | Transaction<DB>) =>
  db.selectFrom("merchants as m").selectAll("m").select(payoutKeysColumn)

/**
 * Sets a merchant's payout keys of the families given (a null key removes the family's): one statement each
 * way. A key replaced is a row updated; slots of the address pool derived under the old key stop being handed
 * out at once (AddressPoolPg.ts compares the keys).
 */
const writePayoutKeys = async (
  trx: Transaction<DB>,
  merchantId: string,
  keys: Readonly<Partial<Record<string, string | null>>>,
) => {
  const set = Object.entries(keys).filter((e): e is [string, string] => typeof e[1] === "string")
  const cleared = Object.entries(keys)
    .filter(([, k]) => k === null)
    .map(([f]) => f)
  if (set.length > 0)
    await trx
      .insertInto("merchant_payout_keys")
      .values(set.map(([family, key]) => ({ merchant_id: merchantId, family, key })))
      .onConflict((oc) =>
        oc.columns(["merchant_id", "family"]).doUpdateSet((eb) => ({ key: eb.ref("excluded.key") })),
      )
      .execute()
  if (cleared.length > 0)
    await trx
      .deleteFrom("merchant_payout_keys")
      .where("merchant_id", "=", merchantId)
      .where("family", "in", cleared)
      .execute()
}

export const makeMerchantStore = (
  db: Kysely<DB>,
  box: SecretBox | null = null,
): Context.Tag.Service<typeof MerchantStore> => {
  const fromRow = (r: MerchantRow) => merchantFromRow(r, box)
  const keyByHash = precompile(
    db,
    (hash: string) =>
      db
        .selectFrom("api_keys as k")
        .innerJoin("merchants as m", "m.id", "k.merchant_id")
        .selectAll("m")
        .select(payoutKeysColumn)
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
          await trx.updateTable("merchants").set({ index_sequence: seqName }).where("id", "=", m.id).execute()
          await writePayoutKeys(trx, m.id, m.payoutKeys)
          return fromRow(await selectMerchants(trx).where("m.id", "=", m.id).executeTakeFirstOrThrow())
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
        if (patch.allowedRedirectHosts !== undefined)
          set.allowed_redirect_hosts = JSON.stringify(patch.allowedRedirectHosts)
        if (patch.allowedWebhookHosts !== undefined)
          set.allowed_webhook_hosts = JSON.stringify(patch.allowedWebhookHosts)
        if (patch.branding !== undefined) set.branding = JSON.stringify(patch.branding)
        if (patch.networks !== undefined)
          set.networks = JSON.stringify({ live: patch.networks.live, test: patch.networks.test })
        const logo = patch.branding?.logo
        const row = await db.transaction().execute(async (trx) => {
          if (patch.branding !== undefined) {
            // Branding changes one at a time: the orphan sweep below then sees every committed pointer, so it
            // cannot drop a logo another merchant is being pointed at in a transaction still open.
            await sql`SELECT pg_advisory_xact_lock(${sql.lit(LOGO_LOCK)})`.execute(trx)
            // saveLogo is a call of its own: another merchant's sweep may have dropped the image since.
            if (logo?.kind === "image") {
              const stored = await trx
                .selectFrom("merchant_logos")
                .select("sha256")
                .where("sha256", "=", logo.sha256)
                .executeTakeFirst()
              if (stored === undefined)
                throw new Fail(
                  new StoreError({
                    message: `logo ${logo.sha256} is not stored: save it (again), then retry`,
                  }),
                )
            }
          }
          const updated = await trx
            .updateTable("merchants")
            .set(set)
            .where("id", "=", id)
            .returning("id")
            .executeTakeFirst()
          if (updated !== undefined && patch.payoutKeys !== undefined)
            await writePayoutKeys(trx, id, patch.payoutKeys)
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
          return updated === undefined
            ? undefined
            : await selectMerchants(trx).where("m.id", "=", id).executeTakeFirstOrThrow()
        })
        if (row === undefined) throw new Fail(new MerchantNotFound({ id }))
        return fromRow(row)
      }),

    getMerchant: (id) =>
      run<ReturnType<typeof merchantFromRow>, MerchantNotFound>("getMerchant", async () => {
        const row = await selectMerchants(db).where("m.id", "=", id).executeTakeFirst()
        if (row === undefined) throw new Fail(new MerchantNotFound({ id }))
        return fromRow(row)
      }),

    listMerchants: () =>
      run("listMerchants", async () => {
        const rows = await selectMerchants(db).orderBy("m.seq_no").execute()
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
