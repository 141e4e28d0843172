import { Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type Database,
  dropSchema,
  makeDatabase,
  makeSecretBox,
  makeStores,
  migrate,
  PgStore,
  resealSecrets,
  SecretKeyError,
  verifySecretKey,
} from "../src/index.js"
import { makeTestDatabase } from "../src/testing.js"

const KEY1 = Buffer.alloc(32, 1).toString("base64")
const KEY2 = Buffer.alloc(32, 2).toString("base64")
const box1 = makeSecretBox({ key: KEY1 })!
const box2 = makeSecretBox({ key: KEY2, oldKey: KEY1 })!
const only2 = makeSecretBox({ key: KEY2 })!

let database: Database
let seq = 0
beforeAll(async () => {
  database = await makeTestDatabase()
})
afterAll(async () => {
  await database?.close()
})

const raw = (id: string) =>
  database.db
    .selectFrom("merchants")
    .select(["webhook_secret", "test_webhook_secret"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow()

const create = (box: Parameters<typeof makeSecretBox>[0] | null, over: { testWebhookSecret?: string } = {}) =>
  Effect.runPromise(
    makeStores(database.db, { secrets: box === null ? null : makeSecretBox(box) }).merchants.createMerchant({
      id: `mer_sec_${++seq}`,
      name: "Sealed",
      webhookUrl: null,
      webhookSecret: `whsec_live_${seq}`,
      ...over,
      payoutKeys: {},
      networks: { live: [], test: [] },
    }),
  )

const getWith = (box: ReturnType<typeof makeSecretBox>, id: string) =>
  Effect.runPromise(Effect.either(makeStores(database.db, { secrets: box }).merchants.getMerchant(id)))

describe("webhook secrets at rest (INZI_SECRET_KEY)", () => {
  it("stores a sealed value, never the secret, and reads the secret back", async () => {
    const m = await create({ key: KEY1 }, { testWebhookSecret: "whsec_test_given" })
    const r = await raw(m.id)
    expect(r.webhook_secret).toMatch(
      new RegExp(`^enc:v1:${box1.kid}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$`),
    )
    expect(r.webhook_secret).not.toContain(m.webhookSecret)
    expect(r.test_webhook_secret).not.toContain("whsec_test_given")
    expect(m).toMatchObject({ webhookSecret: `whsec_live_${seq}`, testWebhookSecret: "whsec_test_given" })
    expect((await getWith(box1, m.id)).pipe(Either.getOrThrow)).toMatchObject({
      webhookSecret: m.webhookSecret,
      testWebhookSecret: "whsec_test_given",
    })
    // A drawn test secret is sealed too (the database's default would have been clear).
    const drawn = await create({ key: KEY1 })
    expect((await raw(drawn.id)).test_webhook_secret).toMatch(/^enc:v1:/)
    expect(drawn.testWebhookSecret).toMatch(/^whsec_[0-9a-f]{64}$/)
    // Updates are sealed as well.
    await Effect.runPromise(
      makeStores(database.db, { secrets: box1 }).merchants.updateMerchant(m.id, {
        webhookSecret: "whsec_rotated",
      }),
    )
    expect((await raw(m.id)).webhook_secret).toMatch(/^enc:v1:/)
    expect((await getWith(box1, m.id)).pipe(Either.getOrThrow).webhookSecret).toBe("whsec_rotated")
  })

  it("a missing or wrong key is a clear error naming the key id; a moved value does not open", async () => {
    const m = await create({ key: KEY1 })
    const none = await getWith(null, m.id)
    expect(Either.isLeft(none) && none.left.message).toContain(
      `webhook_secret of merchant ${m.id} is encrypted (key id ${box1.kid}) but INZI_SECRET_KEY is not set`,
    )
    const wrong = await getWith(only2, m.id)
    expect(Either.isLeft(wrong) && wrong.left.message).toContain(
      `is encrypted with key id ${box1.kid}, which neither INZI_SECRET_KEY (id ${only2.kid}) nor INZI_SECRET_KEY_OLD is`,
    )
    await expect(verifySecretKey(database.db, only2)).rejects.toBeInstanceOf(SecretKeyError)
    await expect(verifySecretKey(database.db, box1)).resolves.toBeUndefined()
    // The live value copied into the test column (or another merchant) fails authentication.
    const r = await raw(m.id)
    await database.db
      .updateTable("merchants")
      .set({ test_webhook_secret: r.webhook_secret })
      .where("id", "=", m.id)
      .execute()
    const moved = await getWith(box1, m.id)
    expect(Either.isLeft(moved) && moved.left.message).toContain("does not decrypt with key id")
    expect(() => makeSecretBox({ key: "c2hvcnQ=" })).toThrow(
      "INZI_SECRET_KEY must be 32 random bytes in base64",
    )
    expect(() => makeSecretBox({ oldKey: KEY1 })).toThrow(
      "INZI_SECRET_KEY_OLD is set without INZI_SECRET_KEY",
    )
    await database.db.deleteFrom("merchants").execute()
  })

  it("encrypt seals clear rows; rotate re-seals under the new key so the old one can go", async () => {
    const clear = await create(null)
    expect((await raw(clear.id)).webhook_secret).toBe(clear.webhookSecret)
    const sealed1 = await create({ key: KEY1 })
    // encrypt (onlyClear) with the new key: the clear row is sealed, the key-1 row is left alone.
    expect(await resealSecrets(database.db, box2, { onlyClear: true })).toEqual({ sealed: 2, current: 2 })
    expect((await raw(clear.id)).webhook_secret).toMatch(new RegExp(`^enc:v1:${box2.kid}:`))
    expect((await raw(sealed1.id)).webhook_secret).toMatch(new RegExp(`^enc:v1:${box1.kid}:`))
    // rotate: everything under key 2; then key 2 alone opens every row.
    expect(await resealSecrets(database.db, box2)).toEqual({ sealed: 2, current: 2 })
    for (const m of [clear, sealed1]) {
      const r = await raw(m.id)
      expect(r.webhook_secret.startsWith(`enc:v1:${box2.kid}:`)).toBe(true)
      expect(r.test_webhook_secret.startsWith(`enc:v1:${box2.kid}:`)).toBe(true)
      expect((await getWith(only2, m.id)).pipe(Either.getOrThrow)).toMatchObject({
        webhookSecret: m.webhookSecret,
        testWebhookSecret: m.testWebhookSecret,
      })
    }
    expect(await resealSecrets(database.db, only2)).toEqual({ sealed: 0, current: 4 })
    await expect(verifySecretKey(database.db, box1)).rejects.toThrow(/key id/)
  })

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "a process with a wrong key stops at start-up (PgStore layer)",
    async () => {
      const url = process.env.TEST_DATABASE_URL!
      const schema = `inzi_secrets_${process.pid}_${Date.now().toString(36)}`
      const setup = await makeDatabase({ databaseUrl: url, schema })
      try {
        await migrate(setup.db)
        await Effect.runPromise(
          makeStores(setup.db, { secrets: box1 }).merchants.createMerchant({
            id: "mer_layer",
            name: "L",
            webhookUrl: null,
            webhookSecret: "whsec_layer",
            payoutKeys: {},
            networks: { live: [], test: [] },
          }),
        )
        const build = (secrets: ReturnType<typeof makeSecretBox>) =>
          Effect.runPromise(
            Effect.either(Effect.scoped(Layer.build(PgStore.layer({ databaseUrl: url, schema, secrets })))),
          )
        const wrong = await build(only2)
        expect(Either.isLeft(wrong) && wrong.left.message).toContain(`encrypted with key id ${box1.kid}`)
        const missing = await build(null)
        expect(Either.isLeft(missing) && missing.left.message).toContain("INZI_SECRET_KEY is not set")
        expect(Either.isRight(await build(box2))).toBe(true)
      } finally {
        await dropSchema(setup.db, schema)
        await setup.close()
      }
    },
  )
})
