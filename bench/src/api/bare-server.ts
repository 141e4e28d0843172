/**
 * Child process: a baseline. A bare `node:http` + `pg` server with nothing else (no auth lookup, no address
 * derivation, no framework), in one of two modes:
 * - minimal (argv: schema): its own one-table schema. POST /checkouts validates the amount and inserts one
 *   checkout row whose derivation index comes from a sequence; GET /checkouts/:id selects it by primary key;
 *   GET /checkouts selects page 1 and counts. What the hot paths would cost on the smallest possible schema.
 * - same SQL (argv: schema, JSON of `SameSql`): Inzi's own tables and Inzi's exact statements, as named prepared
 *   statements like Inzi runs them: POST /checkouts runs the pooled create statement (a pre-derived slot of its
 *   own merchant's address pool + the checkout + its targets, with the same above-the-last-slot hint),
 *   GET /checkouts/:id runs the checkout read and checks the owner. The difference to Inzi is the server alone.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import pg from "pg"
import { serveAsks, signalReady } from "../lib/proc.js"
import { DATABASE_URL } from "../lib/shared.js"

/** What the same-SQL mode needs: the statements (with each `$n`'s argument index) and its merchant. */
export interface SameSql {
  readonly pooledCreate: { readonly sql: string; readonly positions: ReadonlyArray<number> }
  readonly checkoutById: { readonly sql: string; readonly positions: ReadonlyArray<number> }
  readonly merchantId: string
  /** The merchant's payout keys by family (the pool's slots were derived under them). */
  readonly payoutKeys: Readonly<Record<string, string>>
  /** Network ids stored on each checkout (the merchant's enabled test networks). */
  readonly networks: ReadonlyArray<string>
}

const schema = process.argv[2]
if (schema === undefined || !/^[a-z_][a-z0-9_]*$/.test(schema))
  throw new Error("usage: bare-server.ts <schema> [same-sql JSON]")
const same: SameSql | null = process.argv[3] === undefined ? null : JSON.parse(process.argv[3])
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10, options: `-c search_path=${schema}` })
pool.on("error", () => {})
await pool.query(`CREATE TABLE IF NOT EXISTS bare_checkouts (
  id text PRIMARY KEY, merchant_id text NOT NULL, mode text NOT NULL, status text NOT NULL,
  amount_cents bigint NOT NULL, description text, metadata text, networks jsonb NOT NULL,
  derivation_index bigint NOT NULL, expires_at timestamptz NOT NULL, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL)`)
await pool.query(
  "CREATE INDEX IF NOT EXISTS bare_checkouts_list ON bare_checkouts (merchant_id, mode, created_at DESC, id DESC)",
)
await pool.query("CREATE SEQUENCE IF NOT EXISTS bare_index")

const MERCHANT = "mer_bare"
const AMOUNT = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
const newId = () => {
  const b = randomBytes(24)
  let s = "chk_test_"
  for (const x of b) s += ALPHABET[x % 36]
  return s
}

type Row = {
  id: string
  status: string
  amount_cents: string
  description: string | null
  derivation_index: string
  expires_at: Date
  created_at: Date
}
const render = (r: Row) =>
  JSON.stringify({
    id: r.id,
    status: r.status,
    amount: `${(Number(r.amount_cents) / 100).toFixed(2)}`,
    currency: "USD",
    description: r.description,
    derivation_index: r.derivation_index,
    expires_at: r.expires_at.toISOString().replace(/\.\d+Z$/, "Z"),
    created_at: r.created_at.toISOString().replace(/\.\d+Z$/, "Z"),
  })

const send = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const COLS = "id, status, amount_cents, description, derivation_index, expires_at, created_at"

/** The create body's amount (in cents) and description (null unless a string); null once a 400 was sent. */
const createBody = async (
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ cents: bigint; description: string | null } | null> => {
  let body: { amount?: unknown; description?: unknown }
  try {
    body = JSON.parse(await readBody(req))
  } catch {
    send(res, 400, '{"error":"invalid_json"}')
    return null
  }
  if (typeof body.amount !== "string" || !AMOUNT.test(body.amount)) {
    send(res, 400, '{"error":"amount_invalid"}')
    return null
  }
  return {
    cents: BigInt(Math.round(Number(body.amount) * 100)),
    description: typeof body.description === "string" ? body.description : null,
  }
}

const TON_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
const tonComment = () => {
  let s = ""
  for (const x of randomBytes(8)) s += TON_ALPHABET[x % TON_ALPHABET.length]
  return s
}
/** The highest slot index this process took (Inzi's per-process hint: takes look above it first). */
let hint = -1n

const handleSame = async (cfg: SameSql, req: IncomingMessage, res: ServerResponse) => {
  const url = req.url ?? "/"
  if (req.method === "POST" && url === "/checkouts") {
    const body = await createBody(req, res)
    if (body === null) return
    const cents = body.cents
    const now = new Date(Math.floor(Date.now() / 1000) * 1000)
    const id = newId()
    const comment = tonComment()
    const memos = JSON.stringify([{ family: "ton", memo: comment, lookup: `${cfg.merchantId}:${comment}` }])
    const expires = new Date(now.getTime() + 3_600_000)
    const run = (above: bigint) => {
      // The statement's arguments in its own order (pooledCreate.ts's pooledCreateStatement).
      const args = [
        id,
        cfg.merchantId,
        "test",
        cents.toString(),
        body.description,
        null,
        null,
        null,
        null,
        JSON.stringify(cfg.networks),
        expires,
        now,
        '["evm","tron"]',
        memos,
        JSON.stringify(cfg.payoutKeys),
        above.toString(),
      ]
      return pool.query<{ index: string; family: string; address: string | null }>({
        name: "same_create",
        text: cfg.pooledCreate.sql,
        values: cfg.pooledCreate.positions.map((i) => args[i]),
      })
    }
    let r = await run(hint)
    if (r.rows.length === 0 && hint !== -1n) r = await run(-1n)
    const row = r.rows[0]
    if (row === undefined) return send(res, 503, '{"error":"address_pool_empty"}')
    const index = BigInt(row.index)
    if (index > hint) hint = index
    return send(
      res,
      201,
      JSON.stringify({
        id,
        status: "pending",
        amount: `${(Number(cents) / 100).toFixed(2)}`,
        currency: "USD",
        description: body.description,
        derivation_index: row.index,
        targets: r.rows.map((t) => ({ family: t.family, address: t.address })),
        ton_comment: comment,
        expires_at: expires.toISOString().replace(/\.\d+Z$/, "Z"),
        created_at: now.toISOString().replace(/\.\d+Z$/, "Z"),
      }),
    )
  }
  if (req.method === "GET" && url.startsWith("/checkouts/")) {
    const args = [url.slice("/checkouts/".length)]
    const r = await pool.query<{ checkout: string }>({
      name: "same_get",
      text: cfg.checkoutById.sql,
      values: cfg.checkoutById.positions.map((i) => args[i]),
    })
    // The statement returns the row's JSON as text: parsed here, as the driver parses a json column.
    const text = r.rows[0]?.checkout
    const c: { merchant_id: string; mode: string } | undefined =
      text === undefined ? undefined : JSON.parse(text)
    return c === undefined || c.merchant_id !== cfg.merchantId || c.mode !== "test"
      ? send(res, 404, '{"error":"not_found"}')
      : send(res, 200, JSON.stringify(c))
  }
  if (url === "/healthz") return send(res, 200, '{"status":"ok"}')
  send(res, 404, '{"error":"not_found"}')
}

const handle = async (req: IncomingMessage, res: ServerResponse) => {
  if (same !== null) return handleSame(same, req, res)
  const url = req.url ?? "/"
  if (req.method === "POST" && url === "/checkouts") {
    const body = await createBody(req, res)
    if (body === null) return
    const cents = body.cents
    const now = new Date(Math.floor(Date.now() / 1000) * 1000)
    const r = await pool.query<Row>(
      `INSERT INTO bare_checkouts (id, merchant_id, mode, status, amount_cents, description, metadata, networks,
         derivation_index, expires_at, created_at, updated_at)
       VALUES ($1, $2, 'test', 'pending', $3, $4, NULL, $5, nextval('bare_index'), $6, $7, $7) RETURNING ${COLS}`,
      [
        newId(),
        MERCHANT,
        cents.toString(),
        body.description,
        '["devnet","tron-nile","ton-testnet"]',
        new Date(now.getTime() + 3_600_000),
        now,
      ],
    )
    return send(res, 201, render(r.rows[0]!))
  }
  if (req.method === "GET" && url.startsWith("/checkouts/")) {
    const id = url.slice("/checkouts/".length)
    // By primary key only, owner checked here: with "AND merchant_id = … AND mode = …" in SQL the planner may pick
    // the (merchant_id, mode, …) list index on a small table and scan the merchant's whole range.
    const r = await pool.query<Row & { merchant_id: string; mode: string }>(
      `SELECT ${COLS}, merchant_id, mode FROM bare_checkouts WHERE id = $1`,
      [id],
    )
    const row = r.rows[0]
    return row === undefined || row.merchant_id !== MERCHANT || row.mode !== "test"
      ? send(res, 404, '{"error":"not_found"}')
      : send(res, 200, render(row))
  }
  if (req.method === "GET" && (url === "/checkouts" || url.startsWith("/checkouts?"))) {
    const page = await pool.query<Row>(
      `SELECT ${COLS} FROM bare_checkouts WHERE merchant_id = $1 AND mode = 'test'
       ORDER BY created_at DESC, id DESC LIMIT 10`,
      [MERCHANT],
    )
    const count = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM bare_checkouts WHERE merchant_id = $1 AND mode = 'test'",
      [MERCHANT],
    )
    return send(
      res,
      200,
      `{"data":[${page.rows.map(render).join(",")}],"total":${Number(count.rows[0]?.n ?? 0)},"limit":10,"offset":0}`,
    )
  }
  if (url === "/healthz") return send(res, 200, '{"status":"ok"}')
  send(res, 404, '{"error":"not_found"}')
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  handle(req, res).catch(() => send(res, 500, '{"error":"internal"}'))
})
server.listen(0, "127.0.0.1", () => {
  const a = server.address()
  if (typeof a !== "object" || a === null) throw new Error("no address")
  serveAsks({
    ids: async (n: unknown) =>
      (same === null
        ? await pool.query<{ id: string }>("SELECT id FROM bare_checkouts LIMIT $1", [Number(n)])
        : await pool.query<{ id: string }>("SELECT id FROM checkouts WHERE merchant_id = $1 LIMIT $2", [
            same.merchantId,
            Number(n),
          ])
      ).rows.map((r) => r.id),
  })
  signalReady({ url: `http://127.0.0.1:${a.port}` })
})
process.on("SIGTERM", () => {
  server.close()
  server.closeAllConnections()
  pool.end().finally(() => process.exit(0))
})
