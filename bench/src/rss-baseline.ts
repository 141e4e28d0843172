/** Baseline process for bench:rss: node + tsx + a connected `pg` client, idle. */
import pg from "pg"

const c = new pg.Client({ connectionString: process.env.DATABASE_URL })
await c.connect()
await c.query("SELECT 1")
setInterval(() => {}, 1000)
process.on("SIGTERM", () => c.end().finally(() => process.exit(0)))
