/**
 * Where a request's server CPU goes, one piece at a time, in this process (sequential calls, no concurrency):
 * the store calls behind each endpoint through the real adapter, the same SQL through a bare `pg` client,
 * address derivation and rendering. Used by bench:api after the load runs.
 */
import { EvmAddressDeriver } from "@inzi/adapter-evm"
import { TronAddressDeriver } from "@inzi/adapter-tron"
import { CheckoutStore, hashApiKey, MerchantStore, renderCheckoutJson } from "@inzi/core"
import { appLayer, FAMILIES, readEnv } from "@inzi/platform"
import { Effect, ManagedRuntime } from "effect"
import pg from "pg"
import { fmt, table } from "../lib/results.js"
import { accountXpub, BENCH_NETWORKS, DATABASE_URL } from "../lib/shared.js"

const timeIt = async (n: number, f: (i: number) => Promise<unknown> | unknown) => {
  for (let i = 0; i < Math.min(50, n); i++) await f(i)
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await f(i)
  const c = process.cpuUsage(c0)
  return { wallUs: ((performance.now() - t0) / n) * 1000, cpuUs: (c.user + c.system) / n }
}

export const breakdown = async (opts: {
  readonly schema: string
  readonly key: string
  readonly merchantId: string
  readonly ids: ReadonlyArray<string>
}): Promise<string> => {
  const env = readEnv({ DATABASE_URL, INZI_DB_SCHEMA: opts.schema, INZI_RATE_LIMIT: "0" })
  const rt = ManagedRuntime.make(appLayer(env, BENCH_NETWORKS, { migrate: false }))
  const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${opts.schema}` })
  await client.connect()
  const rows: Array<[string, number, number]> = []
  const add = async (name: string, n: number, f: (i: number) => Promise<unknown> | unknown) => {
    const r = await timeIt(n, f)
    rows.push([name, r.cpuUs, r.wallUs])
    console.log(`${name.padEnd(58)} ${fmt(r.cpuUs).padStart(6)} µs cpu ${fmt(r.wallUs).padStart(6)} µs wall`)
  }
  const ids = opts.ids
  const hash = hashApiKey(opts.key)
  const run = <A, E>(e: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof rt>>) =>
    rt.runPromise(e)
  try {
    await add("bare pg: SELECT 1", 300, () => client.query("SELECT 1"))
    await add("harness: ManagedRuntime.runPromise(Effect.void) (in every adapter row below)", 2000, () =>
      run(Effect.void),
    )
    await add("bare pg: api key + merchant by hash (same SQL, 1 query)", 300, () =>
      client.query(
        "SELECT m.*, (SELECT json_object_agg(p.family, p.key) FROM merchant_payout_keys p WHERE p.merchant_id = m.id) AS payout_keys, k.id AS key_id, k.mode AS key_mode FROM api_keys k JOIN merchants m ON m.id = k.merchant_id WHERE k.hash = $1 AND k.revoked_at IS NULL",
        [hash],
      ),
    )
    await add("adapter: MerchantStore.findActiveKeyByHash (1 query)", 300, () =>
      run(Effect.flatMap(MerchantStore, (s) => s.findActiveKeyByHash(hash))),
    )
    await add("bare pg: checkout + targets by id (1 query)", 300, (i) =>
      client.query(
        "SELECT c.*, (SELECT json_agg(json_build_object('family', t.family, 'address', t.address, 'memo', t.memo, 'index', t.derivation_index::text)) FROM deposit_targets t WHERE t.checkout_id = c.id) AS targets FROM checkouts c WHERE c.id = $1 AND c.merchant_id = $2 AND c.mode = 'test'",
        [ids[i % ids.length], opts.merchantId],
      ),
    )
    await add(
      "adapter: CheckoutStore.getCheckout (1 query: the row as JSON with targets and payments)",
      300,
      (i) =>
        run(
          Effect.flatMap(CheckoutStore, (s) =>
            s.getCheckout({
              id: ids[i % ids.length]!,
              merchantId: opts.merchantId,
              mode: "test",
              now: new Date(),
            }),
          ),
        ),
    )
    await add("adapter: CheckoutStore.allocateDerivationIndex (nextval)", 300, () =>
      run(Effect.flatMap(CheckoutStore, (s) => s.allocateDerivationIndex(opts.merchantId))),
    )
    await add("adapter: listCheckouts page 1 + total (small merchant)", 100, () =>
      run(
        Effect.flatMap(CheckoutStore, (s) =>
          s.listCheckouts({
            merchantId: opts.merchantId,
            mode: "test",
            now: new Date(),
            limit: 10,
            offset: 0,
          }),
        ),
      ),
    )
    const evm = accountXpub(60, 7)
    const tron = accountXpub(195, 7)
    await add("derive EVM address from xpub (adapter-evm)", 200, (i) =>
      Effect.runSync(EvmAddressDeriver.derive(evm, BigInt(i))),
    )
    await add("derive Tron address from xpub (adapter-tron)", 200, (i) =>
      Effect.runSync(TronAddressDeriver.derive(tron, BigInt(i))),
    )
    const c = await run(
      Effect.flatMap(CheckoutStore, (s) =>
        s.getCheckout({ id: ids[0]!, merchantId: opts.merchantId, mode: "test", now: new Date() }),
      ),
    )
    const merchant = await run(Effect.flatMap(MerchantStore, (s) => s.getMerchant(opts.merchantId)))
    await add("renderCheckoutJson (core)", 2000, () =>
      renderCheckoutJson(c, {
        publicUrl: "http://127.0.0.1",
        now: new Date(),
        networks: BENCH_NETWORKS,
        merchant: { ...merchant, payoutKeys: { ...merchant.payoutKeys, ton: undefined } },
        families: FAMILIES,
      }),
    )
    await add("hashApiKey (core, SHA-256)", 2000, () => hashApiKey(opts.key))
  } finally {
    await client.end()
    await rt.dispose()
  }
  return `### where the time goes (one call at a time in the bench process; CPU of this process only, Postgres's own CPU not included)\n\n${table(
    ["piece", "CPU µs/call", "wall µs/call"],
    rows.map(([n, c, w]) => [n, fmt(c), fmt(w)]),
  )}`
}
