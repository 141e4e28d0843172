/**
 * `WebhookTransport` over node:http / node:https.
 *
 * - One POST, no redirects followed (a 3xx is just a non-2xx answer), any 2xx is success. A reused keep-alive
 *   connection that the receiver closes before any answer (its idle timeout meeting our request) gets the POST
 *   once more on a new connection: the receiver never answered it, and delivery is at least once anyway.
 * - `timeoutMs` bounds the whole exchange (DNS, connect, TLS, request, response headers). If the headers came
 *   in time, the status stands even when the body is still trickling: the body is read, discarded and capped.
 * - SSRF: with `blockPrivateAddresses`, a literal IP host is checked before connecting, a hostname is resolved
 *   by our own `lookup` inside the connect call (so the addresses checked are the addresses connected to:
 *   DNS rebinding between a check and the connect is not possible), and the socket's remote address is
 *   checked again once connected (covers reused keep-alive sockets).
 * - Nothing is logged here; errors carry the host and the reason, never the body or headers.
 */
import * as dns from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import { isIP, type LookupFunction, type Socket } from "node:net"
import { performance } from "node:perf_hooks"
import * as tls from "node:tls"
import { urlToHttpOptions } from "node:url"
import {
  type WebhookRequest,
  type WebhookResponse,
  WebhookTransport,
  WebhookTransportError,
} from "@inzi/core"
import { Effect, Layer } from "effect"
import { metadataAddressReason, refusedAddressReason } from "./address-policy.js"

/** One resolved address, as `dns.lookup(…, { all: true })` gives them. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: number
}

/** Resolves a hostname to all its addresses (family 0 = any). */
export type ResolveHost = (hostname: string, family: 0 | 4 | 6) => Promise<ReadonlyArray<ResolvedAddress>>

export interface NodeWebhookTransportOptions {
  /** Hostname resolver; default `dns.lookup` with `all: true`. Tests inject one to simulate DNS rebinding. */
  readonly resolve?: ResolveHost
  /** Response body bytes read at most (then the connection is dropped; the status stands). Default 64 KiB. */
  readonly maxResponseBytes?: number
  /** Reuse connections between deliveries. Default true. */
  readonly keepAlive?: boolean
  /** Extra trusted CA certificates (PEM) for https destinations, e.g. a private CA in development. */
  readonly ca?: string | ReadonlyArray<string>
}

const systemResolve: ResolveHost = (hostname, family) =>
  dns.promises.lookup(hostname, { all: true, family, order: "verbatim" })

/** A parsed webhook URL: its scheme, its host (IPv6 without brackets) and the request options it gives. */
interface Target {
  readonly protocol: string
  readonly host: string
  readonly options: Readonly<http.RequestOptions>
}

/** Raised inside the connect path when policy refuses an address; turned into `refused: true`. */
class RefusedAddress extends Error {}

/** Raised when `timeoutMs` elapses before the response headers. */
class DeliveryTimeout extends Error {}

/** The receiver closed or reset the connection ("socket hang up", a write to a closed socket). */
const isConnectionClosed = (e: Error): boolean => {
  const code = (e as NodeJS.ErrnoException).code
  return code === "ECONNRESET" || code === "EPIPE"
}

const describeError = (e: unknown): string => {
  if (e instanceof RefusedAddress || e instanceof DeliveryTimeout) return e.message
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code
    return code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message
  }
  return String(e)
}

/**
 * A `net` lookup through `resolve`: the host is refused if `refused` names a reason for ANY of its addresses
 * (checked at connect time, so DNS rebinding cannot get around it).
 */
const lookupVia =
  (resolve: ResolveHost, refused: (ip: string) => string | null): LookupFunction =>
  (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : 0
    resolve(hostname, family).then(
      (addresses) => {
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`)
          err.code = "ENOTFOUND"
          return callback(err, "", 0)
        }
        for (const a of addresses) {
          const reason = refused(a.address)
          if (reason !== null) {
            return callback(
              new RefusedAddress(`refused: ${hostname} resolves to ${a.address} (${reason})`),
              "",
              0,
            )
          }
        }
        if (options.all === true)
          return callback(
            null,
            addresses.map((a) => ({ ...a })),
          )
        const first = addresses[0]!
        return callback(null, first.address, first.family)
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    )
  }

/**
 * Builds the transport; its keep-alive agents are destroyed when the scope closes.
 *
 * @example
 * const transport = yield* makeNodeWebhookTransport({ maxResponseBytes: 16_384 })
 */
export const makeNodeWebhookTransport = (options: NodeWebhookTransportOptions = {}) =>
  Effect.gen(function* () {
    const resolve = options.resolve ?? systemResolve
    const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024
    const keepAlive = options.keepAlive ?? true
    const ca =
      options.ca === undefined
        ? {}
        : { ca: [...tls.rootCertificates, ...(typeof options.ca === "string" ? [options.ca] : options.ca)] }
    const httpAgent = new http.Agent({ keepAlive, maxSockets: 64, maxFreeSockets: 16 })
    const httpsAgent = new https.Agent({ keepAlive, maxSockets: 64, maxFreeSockets: 16, ...ca })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        httpAgent.destroy()
        httpsAgent.destroy()
      }),
    )
    // Parsed destinations by URL string (a dispatcher sends to the same few URLs over and over); bounded.
    const targets = new Map<string, Target | null>()
    const parseTarget = (raw: string): Target | null => {
      let t = targets.get(raw)
      if (t !== undefined) return t
      try {
        const url = new URL(raw)
        t = {
          protocol: url.protocol,
          host: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
          options: urlToHttpOptions(url),
        }
      } catch {
        t = null
      }
      if (targets.size >= 1024) targets.clear()
      targets.set(raw, t)
      return t
    }
    // What each request's policy refuses: private addresses (loopback too, or not), or — when the operator
    // lets webhooks reach private addresses — still the link-local / cloud metadata ones.
    const strictRefusal = (ip: string) => refusedAddressReason(ip, false)
    const loopbackRefusal = (ip: string) => refusedAddressReason(ip, true)
    const refusalOf = (req: WebhookRequest) =>
      !req.blockPrivateAddresses ? metadataAddressReason : req.allowLoopback ? loopbackRefusal : strictRefusal
    const lookups = new Map(
      [strictRefusal, loopbackRefusal, metadataAddressReason].map((f) => [f, lookupVia(resolve, f)]),
    )

    const send = (req: WebhookRequest): Effect.Effect<WebhookResponse, WebhookTransportError> =>
      Effect.async<WebhookResponse, WebhookTransportError>((resume) => {
        const started = performance.now()
        const elapsed = () => Math.round(performance.now() - started)
        const fail = (message: string, refused: boolean) =>
          resume(Effect.fail(new WebhookTransportError({ message, refused })))

        const target = parseTarget(req.url)
        if (target === null) {
          fail("invalid webhook URL", false)
          return
        }
        const { protocol, host } = target
        if (protocol !== "http:" && protocol !== "https:") {
          fail(`refused: scheme ${protocol} is not http(s)`, true)
          return
        }
        const refused = refusalOf(req)
        if (isIP(host) !== 0) {
          // `net.connect` skips `lookup` for literal IPs, so they are judged here.
          const reason = refused(host)
          if (reason !== null) {
            fail(`refused: ${host} (${reason})`, true)
            return
          }
        }

        const body = Buffer.from(req.body, "utf8")
        const isHttps = protocol === "https:"
        const requestOptions: http.RequestOptions = {
          ...target.options,
          method: "POST",
          headers: { ...req.headers, "Content-Length": String(body.length) },
          agent: isHttps ? httpsAgent : httpAgent,
          lookup: lookups.get(refused),
        }
        let done = false
        let gotResponse = false
        let statusCode = 0
        let resent = false
        const succeed = () => {
          if (done) return
          done = true
          clearTimeout(timer)
          resume(Effect.succeed({ statusCode, latencyMs: elapsed() }))
        }
        /** The request in flight (the resend replaces it). */
        let cr: http.ClientRequest
        /** Starts one request; false when Node refused to build it (nothing sent, attempt failed). */
        const start = (options: http.RequestOptions): boolean => {
          let r: http.ClientRequest
          try {
            r = isHttps ? https.request(options) : http.request(options)
          } catch (e) {
            // e.g. a header value with a control character: nothing was sent
            fail(describeError(e), false)
            return false
          }
          cr = r
          r.on("socket", (socket: Socket) => {
            const check = () => {
              const remote = socket.remoteAddress
              if (remote === undefined) return
              const reason = refused(remote)
              if (reason !== null)
                r.destroy(new RefusedAddress(`refused: connected to ${remote} (${reason})`))
            }
            if (socket.connecting) socket.once("connect", check)
            else check()
          })

          r.on("response", (res) => {
            gotResponse = true
            statusCode = res.statusCode ?? 0
            let bytes = 0
            res.on("data", (chunk: Buffer) => {
              bytes += chunk.length
              if (bytes > maxResponseBytes) {
                succeed()
                r.destroy() // stop reading; the connection is not reused
              }
            })
            res.on("end", succeed)
            res.on("error", succeed)
            res.on("close", succeed)
          })

          r.on("error", (e) => {
            if (gotResponse) return succeed() // the status line came in time; a body error does not change it
            if (done) return
            if (!resent && r.reusedSocket && isConnectionClosed(e)) {
              // A pooled connection the receiver closed as this request went out: never answered. Once more,
              // on a connection of its own (another pooled one may be just as stale).
              resent = true
              start({ ...requestOptions, agent: false, ...(isHttps ? ca : {}) })
              return
            }
            done = true
            clearTimeout(timer)
            const refused = e instanceof RefusedAddress
            resume(Effect.fail(new WebhookTransportError({ message: describeError(e), refused })))
          })

          r.end(body)
          return true
        }
        if (!start(requestOptions)) return
        const timer = setTimeout(
          () => cr.destroy(new DeliveryTimeout(`timed out after ${req.timeoutMs} ms`)),
          req.timeoutMs,
        )

        return Effect.sync(() => {
          done = true
          clearTimeout(timer)
          cr.destroy()
        })
      })

    return WebhookTransport.of({ send })
  })

/** Layers providing `WebhookTransport` over node:http(s). */
export const NodeWebhookTransport = {
  /** With options (a custom resolver, response cap, keep-alive). */
  layer: (options: NodeWebhookTransportOptions = {}): Layer.Layer<WebhookTransport> =>
    Layer.scoped(WebhookTransport, makeNodeWebhookTransport(options)),
}

/** The default transport (system resolver, 64 KiB response cap, keep-alive). */
export const NodeWebhookTransportLive: Layer.Layer<WebhookTransport> = NodeWebhookTransport.layer()
