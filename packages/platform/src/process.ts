import { Cause, Exit } from "effect"
import { EnvError, type InziEnv, readEnv } from "./env.js"
import { type Logger, makeLogger } from "./log.js"
import { loadNetworks } from "./networks.js"
import { type NetworkConfig, NetworkConfigError } from "@inzi/core"

/**
 * Exit codes of the server and worker processes: 0 after SIGINT/SIGTERM, `EXIT_CONFIG` (78, sysexits'
 * EX_CONFIG) when the configuration is wrong and restarting cannot help, 1 for any other failure.
 */
export const EXIT_CONFIG = 78
export const EXIT_FAILURE = 1

const isConfigError = (e: unknown): e is EnvError | NetworkConfigError =>
  e instanceof EnvError || e instanceof NetworkConfigError

const reasonOf = (e: unknown): Record<string, unknown> =>
  e instanceof NetworkConfigError && e.network !== undefined
    ? { network: e.network, error: e.message }
    : { error: e instanceof Error ? e.message : String(e) }

/** Logs why the process stops (one JSON line) and returns its exit code. */
const stopping = (logger: Logger, e: unknown): number => {
  if (isConfigError(e)) {
    logger.error("configuration error, stopping", reasonOf(e))
    return EXIT_CONFIG
  }
  logger.error("stopped by an unexpected failure", {
    ...reasonOf(e),
    ...(e instanceof Error && e.stack ? { stack: e.stack } : {}),
  })
  return EXIT_FAILURE
}

/**
 * The environment, network file and logger of a process entry point. A bad setting ends the process at once
 * with `EXIT_CONFIG` and a JSON line naming it.
 */
export const loadProcessConfig = (
  base: (env: InziEnv) => Record<string, unknown>,
): { readonly env: InziEnv; readonly networks: ReadonlyArray<NetworkConfig>; readonly logger: Logger } => {
  let env: InziEnv | null = null
  try {
    env = readEnv()
    const logger = makeLogger(env.logLevel, base(env))
    return { env, networks: loadNetworks(env.networksFile), logger }
  } catch (e) {
    const logger = makeLogger(env?.logLevel ?? "info", env !== null ? base(env) : {})
    process.exit(stopping(logger, e))
  }
}

/**
 * Options for `NodeRuntime.runMain` of an entry point: the program's failure is logged as one JSON line
 * through `logger` (not Effect's pretty multi-line report) and the process exits `EXIT_CONFIG` for a
 * configuration error, `EXIT_FAILURE` for anything else; an interruption (SIGINT/SIGTERM) exits 0.
 */
export const mainOptions = (logger: Logger) => ({
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit: Exit.Exit<unknown, unknown>, onExit: (code: number) => void) => {
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) onExit(0)
    else onExit(stopping(logger, Cause.squash(exit.cause)))
  },
})
