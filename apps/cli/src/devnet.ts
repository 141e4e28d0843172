import { UsageError } from "./args.js"

/** The TON devnet's network id, in test mode like every local chain. */
export const TON_DEVNET = "ton-devnet"

const loadTooling = async <T>(load: () => Promise<T>, what: string): Promise<T> => {
  try {
    return await load()
  } catch (e) {
    if ((e as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw e
    throw new UsageError(
      `this command needs the development tooling (${what}), which production installs leave out: run it from a workspace checkout after \`pnpm install\``,
    )
  }
}

/**
 * The local devnets (hardhat; the TON emulator) are dev dependencies: production installs leave them out, so
 * only `inzi dev`, `inzi devnet`, `inzi pay` and devnet sweeps load them, with a clear error when missing.
 */
export const loadDevnet = (): Promise<typeof import("@inzi/devnet")> =>
  loadTooling(() => import("@inzi/devnet"), "@inzi/devnet, hardhat")

export const loadTonDevnet = (): Promise<typeof import("@inzi/devnet-ton")> =>
  loadTooling(() => import("@inzi/devnet-ton"), "@inzi/devnet-ton, @ton/sandbox")
