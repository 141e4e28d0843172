import { UsageError } from "./args.js"

/**
 * The local EVM devnet (hardhat) is a dev dependency: production installs leave it out, so only `inzi dev`,
 * `inzi pay` and devnet sweeps load it, with a clear error when it is missing.
 */
export const loadDevnet = async (): Promise<typeof import("@inzi/devnet")> => {
  try {
    return await import("@inzi/devnet")
  } catch (e) {
    if ((e as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw e
    throw new UsageError(
      "this command needs the development tooling (@inzi/devnet, hardhat), which production installs leave out: run it from a workspace checkout after `pnpm install`",
    )
  }
}
