/**
 * Child process: the baseline. A bare `node:http` + `pg` server doing the same SQL as the API's hot paths,
 * with nothing else (no auth lookup, no transaction, no address derivation, no framework):
 * POST /checkouts validates the amount and inserts one checkout row whose derivation index comes from a
 * sequence; GET /checkouts/:id selects it by primary key; GET /checkouts selects page 1 and counts.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import pg from "pg"
import { serveAsks, signalReady } from "../lib/proc.js"
import { DATABASE_URL } from "../lib/shared.js"

const schema = process.argv[2]
if (schema === undefined || !/^[a-z_][a-z0-9_]*$/.test(schema))
  throw new Error("usage: bare-server.ts <schema>")
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

const handle = async (req: IncomingMessage, res: ServerResponse) => {
  const url = req.url ?? "/"
  if (req.method === "POST" && url === "/checkouts") {
    let body: { amount?: unknown; description?: unknown }
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      return send(res, 400, '{"error":"invalid_json"}')
    }
    if (typeof body.amount !== "string" || !AMOUNT.test(body.amount))
      return send(res, 400, '{"error":"amount_invalid"}')
    const cents = BigInt(Math.round(Number(body.amount) * 100))
    const now = new Date(Math.floor(Date.now() / 1000) * 1000)
    const r = await pool.query<Row>(
      `INSERT INTO bare_checkouts (id, merchant_id, mode, status, amount_cents, description, metadata, networks,
         derivation_index, expires_at, created_at, updated_at)
       VALUES ($1, $2, 'test', 'pending', $3, $4, NULL, $5, nextval('bare_index'), $6, $7, $7) RETURNING ${COLS}`,
      [
        newId(),
        MERCHANT,
        cents.toString(),
        typeof body.description === "string" ? body.description : null,
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
      (await pool.query<{ id: string }>("SELECT id FROM bare_checkouts LIMIT $1", [Number(n)])).rows.map(
        (r) => r.id,
      ),
  })
  signalReady({ url: `http://127.0.0.1:${a.port}` })
})
process.on("SIGTERM", () => {
  server.close()
  server.closeAllConnections()
  pool.end().finally(() => process.exit(0))
})
