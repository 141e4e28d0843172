import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { loadNetworks, makeLogger, readEnv } from "@inzi/platform"
import { Layer } from "effect"
import { WorkerLayer } from "./app.js"

/** `inzi work` / `node apps/worker`: watchers, sweeper and webhook dispatcher (composition root). */
const env = readEnv()
const logger = makeLogger(env.logLevel, { service: "worker", worker: env.workerId })
const networks = loadNetworks(env.networksFile)
Layer.launch(WorkerLayer({ env, networks, logger })).pipe(NodeRuntime.runMain)
