import type { WatchedTarget, WatchTargetsService } from "@inzi/core"
import { type Kysely, sql, type Transaction } from "kysely"
import { run } from "./errors.js"
import type { DB } from "./schema.js"

type Db = Kysely<DB> | Transaction<DB>

/** Rows per fetch of a whole read of the watched targets (`watchTargets` without a cursor). */
const WATCH_PAGE = 50_000

/** `WatchTargets` over kysely: the deposit targets the watchers match (`openTargets`, `watchTargets`). */
export const makeWatchTargets = (db: Kysely<DB>): WatchTargetsService => {
  return {
    openTargets: (q) =>
      run("openTargets", async () => {
        const open = (db: Db) =>
          db
            .selectFrom("checkouts as c")
            .innerJoin("deposit_targets as t", (j) =>
              j.onRef("t.checkout_id", "=", "c.id").on("t.family", "=", q.family),
            )
            .where("c.mode", "=", q.mode)
            .where(sql<boolean>`c.networks @> jsonb_build_array(${q.network}::text)`)
            .where((eb) =>
              eb.or([eb("c.expires_at", ">", q.since), eb("c.status", "in", ["pending", "processing"])]),
            )
        if (q.deposit.kind === "derived-address") {
          const rows = await open(db)
            .select("t.lookup as address")
            .where("t.address", "is not", null)
            .execute()
          return { addresses: rows.map((r) => r.address), memos: [] }
        }
        const rows = await open(db)
          .innerJoin("merchant_payout_keys as k", (j) =>
            j.onRef("k.merchant_id", "=", "c.merchant_id").on("k.family", "=", q.family),
          )
          .select(["k.key as wallet", "t.memo"])
          .where("t.memo", "is not", null)
          .execute()
        const wallets = await db
          .selectFrom("merchant_payout_keys as k")
          .innerJoin("merchants as m", "m.id", "k.merchant_id")
          .select("k.key as wallet")
          .where("k.family", "=", q.family)
          .where(sql<boolean>`m.networks -> ${q.mode}::text @> jsonb_build_array(${q.network}::text)`)
          .execute()
        return {
          addresses: [],
          memos: rows.map((r) => ({ wallet: r.wallet, memo: r.memo ?? "" })),
          wallets: [...new Set(wallets.map((w) => w.wallet))],
        }
      }),

    watchTargets: (q) =>
      run("watchTargets", async () => {
        const memos = q.deposit.kind === "wallet-memo"
        // Taken before reading: a transaction still open now has an id at or above it (and one not started
        // yet, a higher one), so the next read, from this cursor, sees every target this one may miss.
        const snap = await sql<{
          xmin: string
        }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(db)
        const cursor = snap.rows[0]?.xmin ?? "0"
        // Address families match on the key alone: their rows carry no merchant.
        const targets = (db: Db) =>
          db
            .selectFrom("deposit_targets as t")
            .innerJoin("checkouts as c", "c.id", "t.checkout_id")
            .select([
              sql<string>`${sql.ref(memos ? "t.memo" : "t.lookup")}`.as("key"),
              memos ? sql<string>`c.merchant_id`.as("merchantId") : sql<string>`''`.as("merchantId"),
              sql<number>`ceil(extract(epoch FROM c.expires_at) * 1000)::float8`.as("expiresAtMs"),
            ])
            .where("t.family", "=", q.family)
            .where(memos ? "t.memo" : "t.address", "is not", null)
            .where("c.mode", "=", q.mode)
            .where(sql<boolean>`c.networks @> jsonb_build_array(${q.network}::text)`)
        type Row = { key: string; merchantId: string; expiresAtMs: number | string }
        // Rows come in the target's shape: a driver that reads float8 as a number hands them over as they are.
        const toTarget = (r: Row): WatchedTarget =>
          typeof r.expiresAtMs === "number"
            ? (r as WatchedTarget)
            : { ...r, expiresAtMs: Number(r.expiresAtMs) }
        const added: Array<WatchedTarget> = []
        if (q.after === null) {
          // Whole: one statement (a join of both tables in one pass, where pages in key order would probe the
          // checkouts' primary key once per row), fetched through a cursor by pages so that neither side holds
          // a million rows at once. Its snapshot is taken after the cursor above: it misses nothing before it.
          await db.transaction().execute(async (trx) => {
            // A cursor is planned for its first rows by default; this one is read to the end.
            await sql`SET LOCAL cursor_tuple_fraction = 1`.execute(trx)
            await sql`DECLARE watch_whole NO SCROLL CURSOR FOR ${targets(trx).where("c.expires_at", ">", q.since)}`.execute(
              trx,
            )
            for (;;) {
              const page = await sql<Row>`FETCH FORWARD ${sql.lit(WATCH_PAGE)} FROM watch_whole`.execute(trx)
              if (q.onPage !== undefined) q.onPage(page.rows.map(toTarget))
              else for (const r of page.rows) added.push(toTarget(r))
              if (page.rows.length < WATCH_PAGE) break
            }
          })
        } else {
          const rows = await targets(db)
            .where("c.expires_at", ">", q.since)
            .where(sql<boolean>`t.created_xid >= ${q.after}::xid8`)
            .execute()
          for (const r of rows) added.push(toTarget(r))
        }
        const held = await targets(db)
          .where("c.expires_at", "<=", q.since)
          .where("c.status", "in", ["pending", "processing"])
          .execute()
        // Memo families: every merchant's wallet on a whole read; from a cursor, only the merchants whose payout
        // keys or networks changed since (migration 0024), with a null wallet for one that has none now.
        const scanned = sql<boolean>`coalesce(m.networks -> ${q.mode}::text @> jsonb_build_array(${q.network}::text), false)`
        const wallets = !memos
          ? undefined
          : q.after === null
            ? await db
                .selectFrom("merchant_payout_keys as k")
                .innerJoin("merchants as m", "m.id", "k.merchant_id")
                .select(["k.merchant_id", "k.key as wallet", scanned.as("scanned")])
                .where("k.family", "=", q.family)
                .execute()
            : await db
                .selectFrom("merchants as m")
                .leftJoin("merchant_payout_keys as k", (j) =>
                  j.onRef("k.merchant_id", "=", "m.id").on("k.family", "=", q.family),
                )
                .select(["m.id as merchant_id", "k.key as wallet", scanned.as("scanned")])
                .where(sql<boolean>`m.wallet_xid >= ${q.after}::xid8`)
                .execute()
        return {
          cursor,
          full: q.after === null,
          added,
          held: held.map(toTarget),
          wallets: wallets?.map((w) => ({ merchantId: w.merchant_id, wallet: w.wallet, scanned: w.scanned })),
        }
      }),
  }
}
