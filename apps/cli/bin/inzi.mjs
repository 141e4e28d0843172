#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (no build step needed in the workspace).
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
const here = dirname(fileURLToPath(import.meta.url))
const r = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--conditions=@inzi/source",
    join(here, "..", "src", "main.ts"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
)
process.exit(r.status ?? 1)
