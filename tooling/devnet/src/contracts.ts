import TestTokenArtifact from "./generated/TestToken.json" with { type: "json" }

/** ABI and creation bytecode of contracts/TestToken.sol, compiled by `pnpm --filter @inzi/devnet compile`. */
export const TestToken: { readonly abi: ReadonlyArray<unknown>; readonly bytecode: string } =
  TestTokenArtifact
