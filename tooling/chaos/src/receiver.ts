import { appendFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { parseWebhookEventEither } from "@inzi/client"
import { Either } from "effect"

/** One request the receiver got, as written to its log (one JSON object a line). */
export interface Delivery {
  readonly at: string
  /** The `Inzi-Event-Id` header. */
  readonly header: string | null
  /** The body's `id` (null when the signature or the body did not verify). */
  readonly id: string | null
  readonly type: string | null
  readonly checkout: string | null
  /** `data.object.status` of the event. */
  readonly status: string | null
  /** Signature valid and body an Inzi webhook event. */
  readonly ok: boolean
  readonly reason: string | null
  /** What the receiver did: 200, 500, or hang (held past the dispatcher's timeout, then the socket dropped). */
  readonly answer: 200 | 500 | "hang"
}

export interface ReceiverOptions {
  /** The merchant's webhook secret (set once the merchant exists). */
  readonly secret: () => string
  /** Chance that an event's first delivery gets a 500, and that it hangs. An event fails at most once. */
  readonly failRate: number
  readonly hangRate: number
  readonly hangMs: number
  readonly random: () => number
  /** JSON-lines log file. */
  readonly logFile: string
}

/**
 * The merchant's webhook endpoint: verifies every signature with `@inzi/client` and logs each request. It
 * answers 500 or hangs on some first deliveries so the dispatcher's retries are exercised, but never fails one
 * event twice, so every event can be delivered within the run.
 */
export const startReceiver = async (opts: ReceiverOptions) => {
  const log: Array<Delivery> = []
  const failedOnce = new Set<string>()
  const hanging = new Set<ServerResponse>()
  const counts = { fail500: 0, hang: 0 }
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const header = typeof req.headers["inzi-event-id"] === "string" ? req.headers["inzi-event-id"] : null
    const parsed = parseWebhookEventEither({
      payload: body,
      header: req.headers["inzi-signature"],
      secret: opts.secret(),
      livemode: false,
    })
    const event = Either.isRight(parsed) ? parsed.right : null
    const key = event?.id ?? header ?? ""
    let answer: Delivery["answer"] = 200
    if (event !== null && !failedOnce.has(key)) {
      const r = opts.random()
      if (r < opts.failRate) answer = 500
      else if (r < opts.failRate + opts.hangRate) answer = "hang"
      if (answer !== 200) failedOnce.add(key)
    }
    const entry: Delivery = {
      at: new Date().toISOString(),
      header,
      id: event?.id ?? null,
      type: event?.type ?? null,
      checkout: event?.data.object.id ?? null,
      status: event?.data.object.status ?? null,
      ok: event !== null,
      reason: Either.isLeft(parsed) ? parsed.left.reason : null,
      answer: event === null ? 200 : answer,
    }
    log.push(entry)
    appendFileSync(opts.logFile, `${JSON.stringify(entry)}\n`)
    if (event === null) {
      res.writeHead(400).end()
    } else if (answer === 500) {
      counts.fail500++
      res.writeHead(500).end("chaos")
    } else if (answer === "hang") {
      counts.hang++
      hanging.add(res)
      setTimeout(() => {
        hanging.delete(res)
        req.socket.destroy()
      }, opts.hangMs).unref()
    } else {
      res.writeHead(200).end()
    }
  }
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => handle(req, res, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    log,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>
