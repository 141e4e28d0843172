import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { jsonLogs, loadProcessConfig, mainOptions, warnIfClearSecrets } from "@inzi/platform"
import { Effect, Layer } from "effect"
import { ServerLayer } from "./app.js"

/** `inzi serve` / `node apps/server`: the HTTP server alone (composition root). Exit codes as the worker's. */
const { env, networks, logger } = loadProcessConfig(() => ({ service: "server" }))
warnIfClearSecrets(env, logger)
logger.info("starting server", { host: env.host, port: env.port, networks: networks.map((n) => n.id) })
NodeRuntime.runMain(
  Layer.launch(ServerLayer({ env, networks, logger })).pipe(Effect.provide(jsonLogs(logger))),
  mainOptions(logger),
)
