/**
 * A merchant's webhook endpoint with nothing but node:http and @inzi/client:
 * read the raw body → verify `Inzi-Signature` and decode (parseWebhookEvent) → skip events already handled
 * (delivery is at least once) → handle → answer 2xx quickly (within 10 s, or Inzi retries).
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import { InziWebhookError, parseWebhookEvent, type WebhookEvent } from "@inzi/client"

export interface ReceiverOptions {
  /**
   * The merchant's `whsec_…` secret of this endpoint's mode (live and test have their own); during a rotation,
   * the old and the new one.
   */
  readonly secret: string | ReadonlyArray<string>
  /** `true` for the live endpoint, `false` for the test one: events of the other mode are refused (400). */
  readonly livemode: boolean
  /** Your business logic. Throwing answers 500, and Inzi retries the event later. */
  readonly onEvent: (event: WebhookEvent) => void | Promise<void>
  /** Path of the endpoint. Default `/webhooks/inzi`. */
  readonly path?: string
  /** Ids of events already handled. Default: in memory; use your database in production. */
  readonly seen?: { has(id: string): boolean | Promise<boolean>; add(id: string): unknown }
  readonly log?: (line: string) => void
}

/** Largest body accepted. Inzi's events are a few KiB (a checkout object with at most 4 KiB of metadata). */
export const MAX_BODY_BYTES = 256 * 1024

const readRaw = (req: IncomingMessage): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        resolve(null)
        req.destroy()
      } else chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** An http.Server answering Inzi's webhook POSTs; `listen` it yourself. */
export const createWebhookReceiver = (o: ReceiverOptions): Server => {
  const path = o.path ?? "/webhooks/inzi"
  const seen = o.seen ?? new Set<string>()
  const log = o.log ?? (() => {})
  return createServer(async (req, res) => {
    const reply = (status: number, text: string) =>
      res.writeHead(status, { "content-type": "text/plain" }).end(text)
    if (new URL(req.url ?? "/", "http://x").pathname !== path) return reply(404, "not found")
    if (req.method !== "POST") return reply(405, "method not allowed")
    const raw = await readRaw(req).catch(() => null)
    if (raw === null) return reply(413, "body too large")
    let event: WebhookEvent
    try {
      // the raw bytes, not a re-serialized JSON.parse result: the signature is over what was sent
      event = parseWebhookEvent({
        payload: raw,
        header: req.headers["inzi-signature"],
        secret: o.secret,
        livemode: o.livemode,
      })
    } catch (e) {
      if (e instanceof InziWebhookError) {
        log(`rejected: ${e.reason}`)
        return reply(400, e.reason)
      }
      throw e
    }
    if (await seen.has(event.id)) {
      log(`duplicate ${event.id}: already handled`)
      return reply(200, "duplicate")
    }
    try {
      await o.onEvent(event)
    } catch (e) {
      log(`handler failed for ${event.id}: ${e instanceof Error ? e.message : String(e)}`)
      return reply(500, "handler failed") // Inzi retries with backoff
    }
    seen.add(event.id)
    log(
      `${event.type} ${event.data.object.id} status=${event.data.object.status} paid=${event.data.object.amount_paid}`,
    )
    return reply(200, "ok")
  })
}
