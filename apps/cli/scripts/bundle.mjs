#!/usr/bin/env node
// Bundles the database commands (dist/commands.js and everything it imports, workspace packages' dist/ included)
// into dist/bundle/: one file instead of ~950 modules, and only the parts of effect and kysely they use. main.ts
// loads it when present. Run by `pnpm build` after tsc.
import { rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const cli = join(dirname(fileURLToPath(import.meta.url)), "..")
const outdir = join(cli, "dist", "bundle")
rmSync(outdir, { recursive: true, force: true })

await build({
  entryPoints: [join(cli, "dist", "commands.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  // PGlite finds its WASM and data files next to its own modules; pg-native is pg's optional native driver.
  external: ["@electric-sql/pglite", "@electric-sql/pglite/*", "pg-native"],
  // The bundled CommonJS packages (pg) call require().
  banner: {
    js: "import { createRequire as __inziRequire } from 'node:module'; const require = __inziRequire(import.meta.url);",
  },
  plugins: [
    {
      // main.ts tells a usage error by its class: the commands must throw the one main.ts imports.
      name: "shared-args",
      setup: (b) => {
        b.onResolve({ filter: /^\.\/args\.js$/ }, (a) =>
          a.importer.startsWith(join(cli, "dist")) ? { path: "../args.js", external: true } : undefined,
        )
      },
    },
  ],
})
