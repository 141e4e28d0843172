/**
 * The dispatcher's own CPU per delivery, without HTTP or a database: `dispatcherLoop` over an outbox and a
 * transport that answer on the next turn of the event loop (`setImmediate`). Prints only (no RESULTS entry).
 * Usage (from bench/): `node --import tsx --conditions=@inzi/source src/webhooks/dispatcher-only.ts [events]`
 */
import { type ClaimedDelivery, Outbox, WebhookTransport } from "@inzi/core"
import { dispatcherLoop } from "@inzi/worker"
import { Effect, Fiber, Layer } from "effect"

const N = Number(process.argv[2] ?? 20_000)
const body = JSON.stringify({
  id: "evt_x",
  type: "checkout.completed",
  data: { object: { pad: "y".repeat(1000) } },
})
const queue: ClaimedDelivery[] = []
const fill = (round: number) => {
  for (let i = 0; i < N; i++)
    queue.push({
      eventId: `evt_${round}_${i}`,
      type: "checkout.completed",
      checkoutId: "chk_x",
      merchantId: "mer_x",
      mode: "test",
      url: `http://127.0.0.1:${9000 + (i % 8)}/hook`,
      secret: "whsec_bench",
      body,
      attempts: 0,
      createdAt: new Date(),
    })
}
const nextTurn = <A>(f: () => A) => new Promise<A>((resolve) => setImmediate(() => resolve(f())))
let recorded = 0
let statements = 0
const outbox = Outbox.of({
  claimDue: ({ limit }) => Effect.promise(() => nextTurn(() => queue.splice(0, limit))),
  recordAttempt: () => Effect.sync(() => void recorded++),
  recordAttempts: ({ attempts }) =>
    Effect.promise(() =>
      nextTurn(() => {
        recorded += attempts.length
        statements++
        return attempts.length
      }),
    ),
  renewClaims: ({ eventIds }) => Effect.succeed(eventIds),
  release: () => Effect.void,
  listEvents: () => Effect.succeed([]),
  listAttempts: () => Effect.succeed([]),
  resend: () => Effect.succeed(true),
  stats: () => Effect.succeed({ pending: 0, failed: 0, oldestPendingAgeSeconds: 0 }),
})
const transport = WebhookTransport.of({
  send: () =>
    Effect.async((resume) => {
      setImmediate(() => resume(Effect.succeed({ statusCode: 200, latencyMs: 1 })))
    }),
})
const layer = Layer.merge(Layer.succeed(Outbox, outbox), Layer.succeed(WebhookTransport, transport))
for (let round = 0; round < 2; round++) {
  fill(round)
  recorded = 0
  statements = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const fiber = Effect.runFork(dispatcherLoop({ worker: "w", pollIntervalMs: 5 }).pipe(Effect.provide(layer)))
  while (recorded < N) await new Promise((r) => setTimeout(r, 5))
  const c = process.cpuUsage(c0)
  console.log(
    `round ${round + 1}: ${N} deliveries, ${(N / ((performance.now() - t0) / 1000)).toFixed(0)}/s, ${((c.user + c.system) / N).toFixed(1)} µs CPU per delivery, ${statements} record statements`,
  )
  await Effect.runPromise(Fiber.interrupt(fiber))
}
