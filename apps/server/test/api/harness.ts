/**
 * Black-box harness for the HTTP API: a real server on an ephemeral port over PGlite or real Postgres,
 * merchants and keys created through the store ports, and a raw HTTP client (node:http) that keeps the
 * exact response text.
 */
import { createHash } from "node:crypto"
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { Agent, request } from "node:http"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { EVM_PRESETS } from "@inzi/adapter-evm"
import { dropSchema, MIGRATIONS, PgDatabase } from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import { tonMainnet, tonTestnet } from "@inzi/adapter-ton"
import { TRON_MAINNET, TRON_NILE } from "@inzi/adapter-tron"
import {
  hashApiKey,
  issueApiKey,
  MerchantStore,
  type Mode,
  type NetworkConfig,
  refillAddressPool,
  registerMerchant,
} from "@inzi/core"
import { FAMILIES, type InziEnv, readEnv } from "@inzi/platform"
import { encodeBase58, getBytes, HDNodeWallet, Mnemonic, sha256 } from "ethers"
import { Effect } from "effect"
import { expect } from "vitest"
import { startServer } from "../../src/app.js"

// ------------------------------------------------------------------------------------------------ networks

/** A test USDT jetton master for ton-testnet (any valid address: no chain is contacted). */
export const TON_TESTNET_MASTER = "EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ"
/** The merchants' TON wallet (from the recorded fixtures; only rendered, never contacted). */
export const TON_WALLET = "EQCWZJqPYmVbsm7ljOgM2lxCtkS3cyY51mAiQPAv91wDq79o"

/** Test mode: devnet (EVM, 3 tokens), tron-nile, ton-testnet. Live mode: base, tron, ton. */
export const NETWORKS: ReadonlyArray<NetworkConfig> = [
  EVM_PRESETS.devnet,
  TRON_NILE,
  tonTestnet({ usdtMaster: TON_TESTNET_MASTER }),
  EVM_PRESETS.base,
  TRON_MAINNET,
  tonMainnet,
]

export const PUBLIC_URL = "https://pay.example.test"

// ------------------------------------------------------------------------------------------------ keys

/** The well-known test mnemonic (Hardhat's). */
export const MNEMONIC = "test test test test test test test test test test test junk"
const ROOT = HDNodeWallet.fromSeed(Mnemonic.fromPhrase(MNEMONIC).computeSeed())

/** Account-level xpub `m/44'/<coin>'/<account>'` (coin 60 = EVM, 195 = Tron). */
export const accountXpub = (coin: 60 | 195, account: number): string =>
  ROOT.derivePath(`m/44'/${coin}'/${account}'`).neuter().extendedKey

/** The address at `m/44'/60'/<account>'/0/<index>` (lower-case), computed from the private key path. */
export const evmAddressAt = (account: number, index: number): string =>
  ROOT.derivePath(`m/44'/60'/${account}'/0/${index}`).address.toLowerCase()

/** The Tron address at `m/44'/195'/<account>'/0/<index>`: base58check(0x41 ‖ the 20 address bytes). */
export const tronAddressAt = (account: number, index: number): string => {
  const body = new Uint8Array([
    0x41,
    ...getBytes(ROOT.derivePath(`m/44'/195'/${account}'/0/${index}`).address),
  ])
  const check = getBytes(sha256(sha256(body))).slice(0, 4)
  return encodeBase58(new Uint8Array([...body, ...check]))
}

// ------------------------------------------------------------------------------------------------ backends

export type BackendName = "pglite" | "postgres"

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL && process.env.TEST_DATABASE_URL !== "" ? process.env.TEST_DATABASE_URL : null
export const PG_REQUIRED = process.env.INZI_REQUIRE_PG === "1"

const shmOrTmp = (): string => (existsSync("/dev/shm") ? "/dev/shm" : tmpdir())

/**
 * A migrated PGlite data folder for one server. PGlite's `memory://` cold start (initdb + migrations) takes
 * 10–15 s; reopening an existing migrated folder takes ≈ 2 s. The template folder is built once per machine
 * (from adapter-postgres's cached snapshot, keyed by the migrations and the PGlite version) and copied.
 */
const pgliteDataDir = async (): Promise<string> => {
  const key = createHash("sha256")
    .update(JSON.stringify(MIGRATIONS))
    .update(
      readFileSync(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8"),
    )
    .digest("hex")
    .slice(0, 16)
  const template = join(shmOrTmp(), `inzi-api-pglite-${key}`)
  if (!existsSync(template)) {
    const snap = await makeTestDatabase()
    try {
      const dump = await snap.pglite!.dumpDataDir("none")
      const building = `${template}.${process.pid}.tmp`
      const pg = await PGlite.create({ dataDir: building, loadDataDir: dump })
      await pg.close()
      try {
        renameSync(building, template)
      } catch {
        // another worker won the race: its template is as good as ours
        rmSync(building, { recursive: true, force: true })
      }
    } finally {
      await snap.close()
    }
  }
  const dir = mkdtempSync(join(shmOrTmp(), "inzi-api-db-"))
  cpSync(template, dir, { recursive: true })
  return dir
}

// ------------------------------------------------------------------------------------------------ server

export interface ApiServer {
  readonly backend: BackendName
  readonly url: string
  /** The metrics listener's base URL (INZI_METRICS_ADDR). */
  readonly metricsUrl: string
  readonly runtime: Awaited<ReturnType<typeof startServer>>["runtime"]
  /** A fresh merchant with one live and one test key (and the xpub account it was given). */
  readonly merchant: (opts?: MerchantOptions) => Promise<TestMerchant>
  /** Revokes an API key by its full value. */
  readonly revoke: (key: string) => Promise<void>
  /** Tops the merchant's deposit address pool up to `target` slots (what the worker's pool job does). */
  readonly fillPool: (merchantId: string, target: number) => Promise<void>
  /** The merchant's pooled slots, by index (ascending). */
  readonly poolIndices: (merchantId: string) => Promise<ReadonlyArray<bigint>>
  /** Runs a query on the server's own database (kysely), to move time-dependent rows. */
  readonly db: () => Promise<Awaited<ReturnType<typeof dbOf>>>
  readonly close: () => Promise<void>
}

export interface MerchantOptions {
  readonly evm?: boolean
  readonly tron?: boolean
  readonly ton?: boolean
  readonly networks?: { readonly live: ReadonlyArray<string>; readonly test: ReadonlyArray<string> }
}

export interface TestMerchant {
  readonly id: string
  readonly account: number
  readonly live: string
  readonly test: string
  /** Creates one more key of `mode`. */
  readonly newKey: (mode: Mode) => Promise<string>
}

const dbOf = (rt: ApiServer["runtime"]) => rt.runPromise(Effect.map(PgDatabase, (d) => d.database.db))

let accounts = 0

/**
 * Starts the real server (startServer) on an ephemeral port. `postgres` uses TEST_DATABASE_URL with a schema
 * of its own (dropped on close); `pglite` a private migrated data folder (deleted on close).
 */
export const startApiServer = async (
  backend: BackendName,
  opts: {
    readonly rateLimit?: number
    readonly env?: Readonly<Record<string, string>>
    /** A last change to the environment read (for settings no variable spells). */
    readonly adjustEnv?: (env: InziEnv) => InziEnv
    /** The server's storage + derivation + ids layer (startServer's `base`). */
    readonly base?: Parameters<typeof startServer>[0]["base"]
  } = {},
): Promise<ApiServer> => {
  let dataDir = "memory://"
  let schema: string | null = null
  if (backend === "postgres") {
    if (TEST_DATABASE_URL === null) throw new Error("TEST_DATABASE_URL is not set")
    schema = `inzi_api_${process.pid}_${Date.now().toString(36)}`
  } else {
    dataDir = await pgliteDataDir()
  }
  const env = readEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    PUBLIC_URL,
    INZI_DATA_DIR: dataDir,
    ...(backend === "postgres"
      ? { DATABASE_URL: TEST_DATABASE_URL ?? "", INZI_DB_SCHEMA: schema ?? "" }
      : {}),
    INZI_RATE_LIMIT: String(opts.rateLimit ?? 0),
    // the suite's requests all come from 127.0.0.1: per-address limits only where a test sets them
    INZI_AUTH_FAILURE_LIMIT: "0",
    INZI_PAGE_RATE_LIMIT: "0",
    // its own metrics listener on a free port; gauges read fresh on every scrape
    INZI_METRICS_ADDR: "127.0.0.1:0",
    INZI_METRICS_CACHE_MS: "0",
    LOG_LEVEL: "error",
    ...opts.env,
  })
  const s = await startServer({
    env: opts.adjustEnv?.(env) ?? env,
    networks: NETWORKS,
    explicitPublicUrl: true,
    base: opts.base,
  })
  const runtime = s.runtime
  if (schema !== null) {
    // never write into a shared schema: the server must be on ours
    const db = await dbOf(runtime)
    const r = await db.selectNoFrom((eb) => eb.fn<string>("current_schema", []).as("s")).executeTakeFirst()
    if (r?.s !== schema) {
      await s.close()
      throw new Error(`the server uses schema ${r?.s}, not ${schema}: INZI_DB_SCHEMA is not honoured`)
    }
  }

  const merchant = async (o: MerchantOptions = {}): Promise<TestMerchant> => {
    const account = accounts++
    const evm = o.evm ?? true
    const tron = o.tron ?? true
    const ton = o.ton ?? true
    return runtime
      .runPromise(
        Effect.gen(function* () {
          const { id } = yield* registerMerchant({
            name: `Shop ${account}`,
            payoutKeys: {
              ...(evm ? { evm: accountXpub(60, account) } : {}),
              ...(tron ? { tron: accountXpub(195, account) } : {}),
              ...(ton ? { ton: TON_WALLET } : {}),
            },
            networks: o.networks ?? { live: [], test: [] },
          })
          const newKey = (mode: Mode) =>
            runtime.runPromise(
              Effect.gen(function* () {
                return (yield* issueApiKey(id, mode)).key
              }),
            )
          return { id, account, newKey, live: "", test: "" }
        }),
      )
      .then(async (m) => ({ ...m, live: await m.newKey("live"), test: await m.newKey("test") }))
  }

  const revoke = (key: string) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* MerchantStore
        const found = yield* store.findActiveKeyByHash(hashApiKey(key))
        if (found === null) throw new Error("key not found")
        const r = yield* store.revokeApiKey(found.key.id, new Date())
        if (r === null) throw new Error("revoke failed")
      }),
    )

  const fillPool = (merchantId: string, target: number) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const m = yield* (yield* MerchantStore).getMerchant(merchantId)
        yield* refillAddressPool(m, FAMILIES, { target })
      }),
    )

  const poolIndices = async (merchantId: string) => {
    const rows = await (await dbOf(runtime))
      .selectFrom("address_pool")
      .select("derivation_index")
      .where("merchant_id", "=", merchantId)
      .orderBy("derivation_index")
      .execute()
    return rows.map((r) => BigInt(r.derivation_index as string | number | bigint))
  }

  return {
    backend,
    url: s.url,
    metricsUrl: s.metricsUrl ?? "",
    runtime,
    merchant,
    revoke,
    fillPool,
    poolIndices,
    db: () => dbOf(runtime),
    close: async () => {
      if (schema !== null) await dropSchema(await dbOf(runtime), schema).catch(() => {})
      await s.close()
      if (dataDir !== "memory://") rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

// ------------------------------------------------------------------------------------------------ client

export interface Res {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
  /** The body parsed as JSON (throws when it is not). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON response fields
  json(): any
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

export interface ReqOptions {
  /** API key (sent as `Authorization: Bearer <key>`), or an explicit Authorization header value. */
  readonly key?: string | undefined
  readonly authorization?: string | undefined
  /** A string is sent verbatim; anything else as JSON.stringify. */
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** Send the body with chunked transfer encoding (no Content-Length). */
  readonly chunked?: boolean
}

/** One HTTP request with node:http; the response text is kept verbatim. */
export const http = (base: string, method: string, path: string, o: ReqOptions = {}): Promise<Res> =>
  new Promise((resolve, reject) => {
    const body =
      o.body === undefined ? undefined : typeof o.body === "string" ? o.body : JSON.stringify(o.body)
    const headers: Record<string, string> = { ...o.headers }
    if (o.key !== undefined) headers.authorization = `Bearer ${o.key}`
    if (o.authorization !== undefined) headers.authorization = o.authorization
    if (body !== undefined) {
      headers["content-type"] ??= "application/json"
      if (!o.chunked) headers["content-length"] = String(Buffer.byteLength(body))
    }
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text),
        })
      })
      res.on("error", reject)
    })
    req.on("error", reject)
    if (body !== undefined && o.chunked) {
      // several writes, so the body really travels in chunks
      const buf = Buffer.from(body)
      for (let i = 0; i < buf.length; i += 4096) req.write(buf.subarray(i, i + 4096))
      req.end()
    } else req.end(body)
  })

/** A client bound to one server. */
/**
 * Bytes written as they are to a new connection (for what node:http's client refuses to send: no Content-Type,
 * a malformed request line, invalid UTF-8 …); the response is read until the server closes the connection.
 */
export const rawRequest = (base: string, bytes: string | Buffer): Promise<Res> =>
  new Promise((resolve, reject) => {
    const u = new URL(base)
    const socket = connect(Number(u.port), u.hostname, () => socket.end(bytes))
    const chunks: Buffer[] = []
    socket.on("data", (c: Buffer) => chunks.push(c))
    socket.on("error", reject)
    socket.on("close", () => {
      const all = Buffer.concat(chunks).toString("utf8")
      const split = all.indexOf("\r\n\r\n")
      const head = (split === -1 ? all : all.slice(0, split)).split("\r\n")
      const text = split === -1 ? "" : all.slice(split + 4)
      const headers: Record<string, string> = {}
      for (const line of head.slice(1)) {
        const i = line.indexOf(":")
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
      }
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "")?.[1] ?? 0),
        headers,
        text,
        json: () => JSON.parse(text),
      })
    })
  })

export const client = (base: string) => ({
  get: (path: string, o?: ReqOptions) => http(base, "GET", path, o),
  post: (path: string, o?: ReqOptions) => http(base, "POST", path, o),
  req: (method: string, path: string, o?: ReqOptions) => http(base, method, path, o),
})

// ------------------------------------------------------------------------------------------------ asserts

const LEAKS = /\bat [\w.<>]+ \(|\.ts:\d+|node_modules|SELECT |INSERT |UPDATE |stack|kysely|pglite/i

/**
 * The response is an API error with exactly `{ error: { type, code, message, param? } }`, JSON, the
 * status of its type, and no stack trace or SQL. `param`: a string must match; `null` must be absent;
 * omitted: either (a string when present).
 */
export const expectError = (
  r: Res,
  status: number,
  type: string,
  code?: string,
  param?: string | null,
): { type: string; code: string; message: string; param?: string } => {
  const ctx = `${r.status} ${r.text.slice(0, 400)}`
  expect(r.status, ctx).toBe(status)
  expect(String(r.headers["content-type"]), ctx).toMatch(/^application\/json/)
  const body = r.json()
  expect(Object.keys(body), ctx).toEqual(["error"])
  const e = body.error
  const keys = Object.keys(e).sort()
  const withParam = param === undefined ? "param" in e : param !== null
  expect(keys, ctx).toEqual(withParam ? ["code", "message", "param", "type"] : ["code", "message", "type"])
  expect(e.type, ctx).toBe(type)
  expect(typeof e.code, ctx).toBe("string")
  expect(e.code, ctx).toMatch(/^[a-z_]+$/)
  if (code !== undefined) expect(e.code, ctx).toBe(code)
  expect(typeof e.message, ctx).toBe("string")
  expect(e.message.length, ctx).toBeGreaterThan(0)
  if (withParam) expect(typeof e.param, ctx).toBe("string")
  if (typeof param === "string") expect(e.param, ctx).toBe(param)
  expect(r.text, ctx).not.toMatch(LEAKS)
  return e
}

/** Every key of the checkout object, in API.md's order. */
export const CHECKOUT_KEYS = [
  "id",
  "status",
  "amount",
  "currency",
  "description",
  "metadata",
  "customer_email",
  "redirect_url",
  "checkout_url",
  "payment",
  "amount_paid",
  "payments",
  "payment_options",
  "expires_at",
  "created_at",
]

export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
export const CHECKOUT_ID_RE = /^chk_(live|test)_[a-z0-9]{24}$/
