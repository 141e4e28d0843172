// INZI_WEBHOOK_SECRET=whsec_… INZI_LIVEMODE=0 PORT=4000 pnpm --filter @inzi/example-merchant-webhook start
import { createWebhookReceiver } from "./receiver.js"

// Which money this endpoint fulfils: say it explicitly. A test event never ships a live order.
const livemode = process.env.INZI_LIVEMODE
if (livemode !== "0" && livemode !== "1") {
  console.error("set INZI_LIVEMODE=1 for the live endpoint or INZI_LIVEMODE=0 for the test one")
  process.exit(2)
}

const secret = process.env.INZI_WEBHOOK_SECRET
if (secret === undefined || !secret.startsWith("whsec_")) {
  console.error(
    "set INZI_WEBHOOK_SECRET to the merchant's whsec_… secret of that mode (printed by `inzi merchant create`)",
  )
  process.exit(2)
}
const port = Number(process.env.PORT ?? 4000)
const server = createWebhookReceiver({
  secret,
  livemode: livemode === "1",
  log: (line) => console.log(line),
  onEvent: (event) => {
    // A checkout's events may arrive out of order (retries): `event.sequence` orders them; keep the highest
    // one seen per checkout as its latest state (in memory here; use your database).
    if (event.type === "checkout.completed") {
      // fulfil the order: event.data.object.metadata holds what you sent at creation
      console.log(`order paid: ${JSON.stringify(event.data.object.metadata)}`)
    } else if (event.type === "checkout.payment_reverted") {
      // a chain reorganisation removed a payment: data.object.status says where the checkout stands now
      console.log(
        `payment ${event.data.payment?.tx_hash} reverted; checkout now ${event.data.object.status}: ${JSON.stringify(event.data.object.metadata)}`,
      )
    }
  },
})
server.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}/webhooks/inzi`))
