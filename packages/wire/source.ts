// The workspace's entry (`@inzi/source` condition) for tests and type-checking: the contract's one source is
// packages/core/src/wire, which `pnpm build` compiles into this package's dist (tsconfig.build.json).
export * from "../core/src/wire/index.js"
