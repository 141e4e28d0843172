/**
 * The API-key cache (INZI_KEY_CACHE_MS): a revocation through this server's own store is immediate; one made
 * elsewhere (another process, here a direct UPDATE on the database) is honoured within the TTL, not later.
 */
import { hashApiKey } from "@inzi/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiServer, client, expectError, startApiServer } from "./harness.js"

const TTL = 400
let server: ApiServer
let api: ReturnType<typeof client>
beforeAll(async () => {
  server = await startApiServer("pglite", { env: { INZI_KEY_CACHE_MS: String(TTL) } })
  api = client(server.url)
}, 60_000)
afterAll(async () => {
  await server?.close()
})

const list = (key: string) => api.get("/api/v1/checkouts?limit=1", { key })
const revokeInDatabase = async (key: string) => {
  const db = await server.db()
  // what `inzi key revoke` in another process does: the row changes, this server's store is not told
  await db
    .updateTable("api_keys")
    .set({ revoked_at: new Date() })
    .where("hash", "=", hashApiKey(key))
    .execute()
}

describe("API-key cache", () => {
  it("a key revoked through this server's store is refused at once", async () => {
    const m = await server.merchant()
    expect((await list(m.test)).status).toBe(200)
    await server.revoke(m.test)
    expectError(await list(m.test), 401, "authentication_error", "invalid_api_key")
  })

  it("a key revoked by another process is refused within the TTL (and was served from the cache before)", async () => {
    const m = await server.merchant()
    const key = await m.newKey("test")
    expect((await list(key)).status).toBe(200)
    await revokeInDatabase(key)
    const db = await server.db()
    const row = await db.selectFrom("api_keys").select("revoked_at").where("merchant_id", "=", m.id).execute()
    expect(row.some((r) => r.revoked_at !== null)).toBe(true)
    // still trusted from the cache right after the change…
    expect((await list(key)).status).toBe(200)
    // …and refused once the TTL has passed
    await new Promise((r) => setTimeout(r, TTL + 150))
    expectError(await list(key), 401, "authentication_error", "invalid_api_key")
    // other keys of the merchant are untouched
    expect((await list(m.test)).status).toBe(200)
  })
})
