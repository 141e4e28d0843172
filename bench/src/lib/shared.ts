import { EVM_PRESETS } from "@inzi/adapter-evm"
import { tonTestnet } from "@inzi/adapter-ton"
import { TRON_NILE } from "@inzi/adapter-tron"
import type { NetworkConfig } from "@inzi/core"
import { HDNodeWallet, Mnemonic } from "ethers"

export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** Test-mode networks of every family (no chain is contacted by the API). */
export const BENCH_NETWORKS: ReadonlyArray<NetworkConfig> = [
  EVM_PRESETS.devnet,
  TRON_NILE,
  tonTestnet({ usdtMaster: "EQBBeqhWkY2SifNIJRG7_umFqR6kjTp6oSIdyVXNATixuXOJ" }),
]
export const TON_WALLET = "EQCWZJqPYmVbsm7ljOgM2lxCtkS3cyY51mAiQPAv91wDq79o"

const ROOT = HDNodeWallet.fromSeed(
  Mnemonic.fromPhrase("test test test test test test test test test test test junk").computeSeed(),
)
/** Account-level xpub `m/44'/<coin>'/<account>'`. */
export const accountXpub = (coin: 60 | 195, account: number): string =>
  ROOT.derivePath(`m/44'/${coin}'/${account}'`).neuter().extendedKey

export const benchSchema = (name: string) => `bench_${name}_${process.pid}_${Date.now().toString(36)}`

/**
 * Fills `checkouts` with `rows` rows in one INSERT … SELECT generate_series, then VACUUM ANALYZE: row i belongs
 * to merchant i mod n, was created `i × spacingSecs` seconds ago and is test-mode unless i is a multiple of 3;
 * statuses: 5 % pending, 15 % completed, the rest expired. Returns the seconds it took.
 */
export const seedCheckouts = async (
  client: { query: (text: string, values?: ReadonlyArray<unknown>) => Promise<unknown> },
  opts: { readonly merchantIds: ReadonlyArray<string>; readonly rows: number; readonly spacingSecs?: number },
): Promise<number> => {
  const t0 = performance.now()
  await client.query(
    `INSERT INTO checkouts (id, merchant_id, mode, status, amount_cents, currency, description, networks,
       expires_at, created_at, updated_at)
     SELECT 'chk_test_' || lpad(to_hex(i), 24, '0'), ($1::text[])[1 + i % cardinality($1::text[])],
       CASE WHEN i % 3 = 0 THEN 'live' ELSE 'test' END,
       CASE WHEN i % 20 = 0 THEN 'pending' WHEN i % 5 = 0 THEN 'completed' ELSE 'expired' END,
       1000 + i % 5000, 'USD', 'seeded', '["devnet"]'::jsonb,
       now() - make_interval(secs => i * $3::float8) + interval '1 hour', now() - make_interval(secs => i * $3::float8),
       now() - make_interval(secs => i * $3::float8)
     FROM generate_series(1, $2::int) AS i`,
    [opts.merchantIds, opts.rows, opts.spacingSecs ?? 1],
  )
  await client.query("VACUUM ANALYZE checkouts")
  return (performance.now() - t0) / 1000
}
