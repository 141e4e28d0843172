import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { loadProcessConfig, mainOptions, warnIfClearSecrets } from "@inzi/platform"
import { launchWorker, WorkerLayer } from "./app.js"

/**
 * `inzi work` / `node apps/worker`: watchers, sweeper and webhook dispatcher (composition root). Exits 78
 * on a configuration error (bad setting, a chain refusing a network's config), 1 on any other failure.
 */
const { env, networks, logger } = loadProcessConfig((env) => ({ service: "worker", worker: env.workerId }))
warnIfClearSecrets(env, logger)
NodeRuntime.runMain(launchWorker(WorkerLayer({ env, networks, logger })), mainOptions(logger))
