/**
 * The load generator, in its own process so that it does not share an event loop with the server under test:
 * runs autocannon with the JSON config in argv[2] and sends the summary back as its `ready` message. With
 * `persistent`, it signals `ready` at once and then runs a load per `run` ask (`{ seconds }`), so one process can
 * warm up and then measure: a load generator started for the measurement itself was still compiling its own code
 * in the first fraction of a second, and every server's slowest requests clustered there.
 */
import autocannon from "autocannon"
import { serveAsks, signalReady } from "./proc.js"

export interface LoadConfig {
  readonly url: string
  readonly method: "GET" | "POST"
  /** Paths, used in turn (one per request). */
  readonly paths: ReadonlyArray<string>
  readonly headers: Record<string, string>
  readonly body?: string
  readonly connections: number
  readonly seconds: number
  /** Serve `run` asks instead of running once (see the file's comment). */
  readonly persistent?: boolean
}

export interface LoadResult {
  readonly requests: number
  readonly rps: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  readonly seconds: number
  /** This load generator's own CPU (user + system, µs) during the run: part of the machine's budget per request. */
  readonly cpuUs: number
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as LoadConfig
let i = 0
const paths = cfg.paths

const runLoad = async (seconds: number): Promise<LoadResult> => {
  const cpu0 = process.cpuUsage()
  const result = await autocannon({
    url: cfg.url,
    connections: cfg.connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: cfg.method,
        headers: cfg.headers,
        ...(cfg.body !== undefined ? { body: cfg.body } : {}),
        setupRequest: (req) => {
          const path = paths[i++ % paths.length]!
          return { ...req, path }
        },
      },
    ],
  })
  return {
    requests: result.requests.total,
    rps: result.requests.total / ((result.duration ?? seconds) || seconds),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    cpuUs: ((c) => c.user + c.system)(process.cpuUsage(cpu0)),
  }
}

if (cfg.persistent === true) {
  serveAsks({ run: (arg) => runLoad((arg as { seconds: number }).seconds) })
  signalReady({})
} else signalReady(await runLoad(cfg.seconds))
