import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"
import { type Kysely, sql } from "kysely"
import type { DB } from "./schema.js"

/**
 * Webhook secrets at rest: AES-256-GCM under an operator key (`INZI_SECRET_KEY`, 32 bytes in base64), stored as
 * `enc:v1:<kid>:<iv>:<tag>:<ct>` (base64url parts). `kid` is the first 8 hex digits of the key's SHA-256, so a
 * row says which key sealed it; the merchant id and column are authenticated with it, so a sealed value copied
 * to another row or column does not open. A value without the prefix is a clear secret (older rows, or no key
 * configured) and is returned as stored.
 */
export interface SecretBox {
  /** Key id of the current key (the one `seal` uses). */
  readonly kid: string
  readonly seal: (plain: string, where: SecretPlace) => string
  /** The clear secret; throws `SecretKeyError` when the value was sealed by a key this box does not hold. */
  readonly open: (stored: string, where: SecretPlace) => string
  /** True when `stored` is sealed by the current key (nothing to re-encrypt). */
  readonly isCurrent: (stored: string) => boolean
}

/** Where a secret lives: its merchant and column (authenticated with the ciphertext). */
export interface SecretPlace {
  readonly merchantId: string
  readonly column: SecretColumn
}

export const SECRET_COLUMNS = ["webhook_secret", "test_webhook_secret"] as const
export type SecretColumn = (typeof SECRET_COLUMNS)[number]

/** A missing, malformed or wrong secret key: the message says which and what to do, never a secret. */
export class SecretKeyError extends Error {
  override readonly name = "SecretKeyError"
}

const PREFIX = "enc:v1:"
const b64u = (b: Buffer) => b.toString("base64url")

export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX)

/** The key id a sealed value names (`null` for a clear value). */
export const sealedKid = (stored: string): string | null =>
  isSealed(stored) ? (stored.slice(PREFIX.length).split(":")[0] ?? null) : null

const parseKey = (text: string, name: string): { kid: string; key: Buffer } => {
  const key = Buffer.from(text.trim(), "base64")
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(text.trim()) || key.length !== 32)
    throw new SecretKeyError(`${name} must be 32 random bytes in base64 (openssl rand -base64 32)`)
  return { kid: createHash("sha256").update(key).digest("hex").slice(0, 8), key }
}

const aad = (where: SecretPlace) => Buffer.from(`merchants.${where.column}:${where.merchantId}`)

/**
 * The box of `key` (current) and `oldKey` (still opens rows sealed before a rotation); `null` without a key:
 * secrets are then stored in clear and a sealed row cannot be read.
 * @example const box = makeSecretBox({ key: process.env.INZI_SECRET_KEY, oldKey: process.env.INZI_SECRET_KEY_OLD })
 */
export const makeSecretBox = (keys: {
  readonly key?: string | null | undefined
  readonly oldKey?: string | null | undefined
}): SecretBox | null => {
  if (keys.key === undefined || keys.key === null || keys.key === "") {
    if (keys.oldKey) throw new SecretKeyError("INZI_SECRET_KEY_OLD is set without INZI_SECRET_KEY")
    return null
  }
  const current = parseKey(keys.key, "INZI_SECRET_KEY")
  const ring = new Map([[current.kid, current.key]])
  if (keys.oldKey) {
    const old = parseKey(keys.oldKey, "INZI_SECRET_KEY_OLD")
    if (!ring.has(old.kid)) ring.set(old.kid, old.key)
  }
  return {
    kid: current.kid,
    seal: (plain, where) => {
      const iv = randomBytes(12)
      const c = createCipheriv("aes-256-gcm", current.key, iv)
      c.setAAD(aad(where))
      const ct = Buffer.concat([c.update(plain, "utf8"), c.final()])
      return `${PREFIX}${current.kid}:${b64u(iv)}:${b64u(c.getAuthTag())}:${b64u(ct)}`
    },
    open: (stored, where) => openWith(ring, stored, where),
    isCurrent: (stored) => sealedKid(stored) === current.kid,
  }
}

const openWith = (ring: ReadonlyMap<string, Buffer> | null, stored: string, where: SecretPlace): string => {
  if (!isSealed(stored)) return stored
  const [kid, iv, tag, ct] = stored.slice(PREFIX.length).split(":")
  const label = `${where.column} of merchant ${where.merchantId}`
  if (ring === null)
    throw new SecretKeyError(
      `${label} is encrypted (key id ${kid}) but INZI_SECRET_KEY is not set: set the key it was sealed with`,
    )
  const key = ring.get(kid ?? "")
  if (key === undefined)
    throw new SecretKeyError(
      `${label} is encrypted with key id ${kid}, which neither INZI_SECRET_KEY (id ${[...ring.keys()][0]}) nor INZI_SECRET_KEY_OLD is`,
    )
  try {
    const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv ?? "", "base64url"))
    d.setAAD(aad(where))
    d.setAuthTag(Buffer.from(tag ?? "", "base64url"))
    return Buffer.concat([d.update(Buffer.from(ct ?? "", "base64url")), d.final()]).toString("utf8")
  } catch {
    throw new SecretKeyError(`${label} does not decrypt with key id ${kid}: the value was altered or moved`)
  }
}

/** Opens a stored secret with `box` (clear values as they are; sealed ones need the box). */
export const openSecret = (box: SecretBox | null | undefined, stored: string, where: SecretPlace): string =>
  box ? box.open(stored, where) : openWith(null, stored, where)

/** Seals a secret for storage when a box is configured (clear otherwise). */
export const sealSecret = (box: SecretBox | null | undefined, plain: string, where: SecretPlace): string =>
  box ? box.seal(plain, where) : plain

export interface ResealResult {
  /** Secrets (columns) written again under the current key. */
  readonly sealed: number
  /** Secrets left as they were: already under the current key (or, with `onlyClear`, sealed by another). */
  readonly current: number
}

/**
 * Seals every merchant secret that is clear or sealed by another key (the old one after a rotation) under the
 * box's current key, one merchant row at a time (row locked, so a concurrent secret rotation is not lost).
 * Re-running it is harmless. `onlyClear`: leave values sealed by another key alone (`inzi secrets encrypt`).
 */
export const resealSecrets = async (
  db: Kysely<DB>,
  box: SecretBox,
  opts: { readonly onlyClear?: boolean } = {},
): Promise<ResealResult> => {
  let sealed = 0
  let current = 0
  const ids = await db.selectFrom("merchants").select("id").orderBy("seq_no").execute()
  for (const { id } of ids)
    await db.transaction().execute(async (trx) => {
      const r = await sql<{ webhook_secret: string; test_webhook_secret: string }>`
        SELECT webhook_secret, test_webhook_secret FROM merchants WHERE id = ${id} FOR UPDATE`.execute(trx)
      const row = r.rows[0]
      if (row === undefined) return
      const set: Record<string, string> = {}
      for (const column of SECRET_COLUMNS) {
        const stored = row[column]
        if (box.isCurrent(stored) || (opts.onlyClear === true && isSealed(stored))) {
          current++
          continue
        }
        const where = { merchantId: id, column }
        set[column] = box.seal(box.open(stored, where), where)
        sealed++
      }
      if (Object.keys(set).length > 0)
        await trx.updateTable("merchants").set(set).where("id", "=", id).execute()
    })
  return { sealed, current }
}

/**
 * Fails with a clear `SecretKeyError` when a stored secret cannot be opened with `box` (missing or wrong key),
 * so a process stops at start-up instead of at its first delivery.
 */
export const verifySecretKey = async (db: Kysely<DB>, box: SecretBox | null): Promise<void> => {
  const rows = await sql<{ id: string; webhook_secret: string; test_webhook_secret: string }>`
    SELECT id, webhook_secret, test_webhook_secret FROM merchants
    WHERE webhook_secret LIKE 'enc:%' OR test_webhook_secret LIKE 'enc:%'`.execute(db)
  const kids = new Map<string, { id: string; column: SecretColumn; stored: string }>()
  for (const r of rows.rows)
    for (const column of SECRET_COLUMNS) {
      const kid = sealedKid(r[column])
      if (kid !== null && !kids.has(kid)) kids.set(kid, { id: r.id, column, stored: r[column] })
    }
  for (const { id, column, stored } of kids.values()) openSecret(box, stored, { merchantId: id, column })
}
