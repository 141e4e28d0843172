import { createHash } from "node:crypto"
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { createRequire } from "node:module"
import { PGlite } from "@electric-sql/pglite"
import { type Database, makeDatabase } from "./database.js"
import { MIGRATION_SQL, migrate } from "./migrations.js"

/**
 * Test fixtures: a fresh, migrated, in-memory PGlite in ≈ 1–2 s instead of a 5–10 s cold start plus
 * migrations. The first call in a machine builds the migrated data dir once and caches its dump in the temp
 * folder (keyed by the migrations' SQL and the PGlite version); every later call, in any test file or package,
 * loads that snapshot into a new, independent instance.
 * @example
 * const database = await makeTestDatabase()
 * const stores = makeStores(database.db)
 * afterAll(() => database.close())
 */
export const makeTestDatabase = async (): Promise<Database> => {
  const pglite = await PGlite.create({ loadDataDir: await migratedSnapshot() })
  return makeDatabase({ pglite })
}

let cached: Promise<Blob> | undefined

const snapshotFile = (): string => {
  const key = createHash("sha256")
    .update(JSON.stringify(MIGRATION_SQL))
    .update(pgliteVersion())
    .digest("hex")
    .slice(0, 16)
  return join(tmpdir(), `inzi-pglite-migrated-${key}.tar.gz`)
}

// The installed PGlite's version is part of the snapshot key: data dirs are not portable across versions.
const pgliteVersion = (): string => {
  try {
    const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite")
    const idx = entry.lastIndexOf("/dist/")
    const pkg = readFileSync(join(idx >= 0 ? entry.slice(0, idx) : dirname(entry), "package.json"), "utf8")
    return (JSON.parse(pkg) as { version?: string }).version ?? "?"
  } catch {
    return "?"
  }
}

const migratedSnapshot = (): Promise<Blob> => {
  cached ??= (async () => {
    const file = snapshotFile()
    if (existsSync(file)) return new Blob([readFileSync(file)])
    const pglite = await PGlite.create({ dataDir: "memory://" })
    const database = await makeDatabase({ pglite })
    try {
      await migrate(database.db)
      const dump = await pglite.dumpDataDir("gzip")
      const bytes = new Uint8Array(await dump.arrayBuffer())
      // Write then rename: concurrent test processes never read a half-written snapshot.
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, bytes)
      renameSync(tmp, file)
      return new Blob([bytes])
    } finally {
      await database.close()
    }
  })()
  return cached
}
