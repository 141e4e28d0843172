#!/usr/bin/env node
// Compiles contracts/*.sol with the `solc` npm package (pinned in package.json) and writes the ABI and
// bytecode to src/generated/<Name>.json. The output is committed: tests and `inzi dev` never compile.
// Usage: pnpm --filter @inzi/devnet compile
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const require = createRequire(import.meta.url)
const solc = require("solc")
const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const contractsDir = join(root, "contracts")
const outDir = join(root, "src", "generated")

const sources = {}
for (const name of readdirSync(contractsDir).filter((f) => f.endsWith(".sol"))) {
  sources[name] = { content: readFileSync(join(contractsDir, name), "utf8") }
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    // No metadata hash: the bytecode (and so the deployed addresses' code) does not depend on file paths.
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
}

function findImports(path) {
  try {
    return { contents: readFileSync(require.resolve(path), "utf8") }
  } catch {
    return { error: `not found: ${path}` }
  }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
const errors = (output.errors ?? []).filter((e) => e.severity === "error")
for (const e of output.errors ?? []) console.error(e.formattedMessage)
if (errors.length > 0) process.exit(1)

mkdirSync(outDir, { recursive: true })
for (const file of Object.keys(sources)) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    const artifact = {
      contractName: name,
      sourceName: `contracts/${file}`,
      compiler: `solc ${solc.version()}`,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
    }
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n")
    console.log(`wrote src/generated/${name}.json (${c.evm.bytecode.object.length / 2} bytes)`)
  }
}
