import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { loadNetworks, makeLogger, readEnv } from "@inzi/platform"
import { Layer } from "effect"
import { ServerLayer } from "./app.js"

/** `inzi serve` / `node apps/server`: the HTTP server alone (composition root). */
const env = readEnv()
const logger = makeLogger(env.logLevel, { service: "server" })
const networks = loadNetworks(env.networksFile)
logger.info("starting server", { host: env.host, port: env.port, networks: networks.map((n) => n.id) })
Layer.launch(ServerLayer({ env, networks, logger })).pipe(NodeRuntime.runMain)
