import { createServer, type IncomingMessage } from "node:http"
import { verifyWebhookSignature } from "@inzi/core"
import { terminalSafe } from "./text.js"

/**
 * Prints every webhook it receives, after checking its signature with the demo merchant's test secret and its
 * mode: it is a test-mode endpoint, so a live-mode event is refused like a bad signature (400).
 */
export const startReceiver = (secretRef: { current: string }, log: (line: string) => void, port: number) =>
  new Promise<{ url: string; close: () => void }>((resolve, reject) => {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        const ok = verifyWebhookSignature({
          secret: secretRef.current,
          header: req.headers["inzi-signature"] as string | undefined,
          payload: body,
        })
        let type = "?"
        let status = "?"
        let livemode: unknown
        try {
          const e = JSON.parse(body) as {
            type: string
            livemode: unknown
            data: { object: { id: string; status: string } }
          }
          type = e.type
          livemode = e.livemode
          status = `${e.data.object.id} → ${e.data.object.status}`
        } catch {}
        const verdict = !ok.ok ? "BAD SIGNATURE" : livemode !== false ? "NOT TEST MODE" : "signature ok"
        log(`[webhook] ${verdict}  ${terminalSafe(type)}  ${terminalSafe(status)}`)
        res.writeHead(verdict === "signature ok" ? 200 : 400).end()
      })
    })
    server.once("error", (e) =>
      reject(new Error(`the dev webhook receiver cannot listen on 127.0.0.1:${port}: ${e.message}`)),
    )
    server.listen(port, "127.0.0.1", () => {
      const a = server.address()
      resolve({
        url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/webhooks`,
        close: () => server.close(),
      })
    })
  })
