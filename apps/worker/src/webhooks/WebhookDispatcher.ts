/**
 * The webhook dispatcher: claims due deliveries from the `Outbox`, signs and POSTs them through the
 * `WebhookTransport`, and records every attempt with the next retry time from core's schedule.
 *
 * Scheduling inside one dispatcher:
 * - at most `maxInFlight` sends at once, and at most `maxPerOrigin` to one destination (URL origin), so a slow
 *   merchant endpoint occupies a few slots, never all of them;
 * - claimed deliveries that cannot start yet wait in a per-origin queue of at most `maxQueuedPerOrigin`; the
 *   claims beyond that are *deferred*: released at once with `notBefore = now + deferMs` (not sent, no attempt
 *   counted). Later claims then reach other destinations first, and the deferred ones are due again a moment
 *   later. That keeps a backlog for one slow origin from starving the rest, with a claim that knows nothing of
 *   origins — without parking the deferred ones for a whole lease (which stalled a single busy merchant).
 * - memory is bounded: at most `maxHeld` claimed deliveries are held (running + queued).
 *
 * Time comes from effect's `Clock` (signature timestamps, attempt times, retry times, leases, polling), so tests
 * run days of retries with `TestClock`. Randomness for the jitter comes from effect's `Random`.
 */
import {
  type ClaimedDelivery,
  type DeliveryAttempt,
  nextAttemptAt,
  Outbox,
  signWebhook,
  type StoreError,
  WebhookTransport,
} from "@inzi/core"
import { Clock, Effect, Either, FiberSet, Random } from "effect"
import { performance } from "node:perf_hooks"

/** Which destinations are checked against private/loopback/link-local/metadata addresses. */
export type PrivateAddressPolicy =
  /** Live-mode deliveries are checked, test-mode ones are not (API.md: "refused in live mode"). */
  | "block-live"
  /** Every delivery is checked. */
  | "block-all"
  /** Nothing is checked: an explicit operator setting for development. */
  | "allow"

export interface WebhookDispatcherConfig {
  /** This dispatcher's identity in claims (unique per process). */
  readonly worker: string
  /** Whole-exchange timeout of one POST. Default 10 000 (API.md). */
  readonly timeoutMs: number
  /** Claim lease; must leave room for a queued delivery to wait and then run a full timeout. Default 120 000. */
  readonly leaseMs: number
  /** Deliveries claimed per claim call at most. Default 50. */
  readonly batchSize: number
  /** Concurrent sends at most, all destinations together. Default 32. */
  readonly maxInFlight: number
  /** Concurrent sends to one origin at most. Default 4. */
  readonly maxPerOrigin: number
  /** Claimed deliveries waiting for one origin at most (beyond: deferred). Default 8. */
  readonly maxQueuedPerOrigin: number
  /** How long a deferred delivery waits before it is due again. Default 1 000. */
  readonly deferMs: number
  /** Claimed deliveries held at most (running + waiting). Default 4 × maxInFlight. */
  readonly maxHeld: number
  /** Pause between claims when there was nothing (more) to claim. Default 1 000. */
  readonly pollIntervalMs: number
  /** Default "block-live". */
  readonly privateAddresses: PrivateAddressPolicy
}

export type WebhookDispatcherOptions = Pick<WebhookDispatcherConfig, "worker"> &
  Partial<Omit<WebhookDispatcherConfig, "worker">>

export const USER_AGENT = "Inzi-Webhooks/1"

/** Time kept free at the end of a lease: a queued delivery starting later than this is left to its lease. */
const LEASE_MARGIN_MS = 5_000

/** Fills in the defaults and checks that the lease can cover a send. */
export const dispatcherConfig = (o: WebhookDispatcherOptions): WebhookDispatcherConfig => {
  const timeoutMs = o.timeoutMs ?? 10_000
  const maxInFlight = o.maxInFlight ?? 32
  const c: WebhookDispatcherConfig = {
    worker: o.worker,
    timeoutMs,
    leaseMs: o.leaseMs ?? Math.max(120_000, 3 * timeoutMs + LEASE_MARGIN_MS),
    batchSize: o.batchSize ?? 50,
    maxInFlight,
    maxPerOrigin: o.maxPerOrigin ?? 4,
    maxQueuedPerOrigin: o.maxQueuedPerOrigin ?? 8,
    deferMs: o.deferMs ?? 1_000,
    maxHeld: o.maxHeld ?? 4 * maxInFlight,
    pollIntervalMs: o.pollIntervalMs ?? 1_000,
    privateAddresses: o.privateAddresses ?? "block-live",
  }
  if (c.leaseMs < c.timeoutMs + LEASE_MARGIN_MS) {
    throw new Error(`webhook dispatcher: leaseMs (${c.leaseMs}) must exceed timeoutMs + ${LEASE_MARGIN_MS}`)
  }
  for (const k of ["batchSize", "maxInFlight", "maxPerOrigin", "maxHeld", "pollIntervalMs"] as const) {
    if (!(c[k] >= 1)) throw new Error(`webhook dispatcher: ${k} must be at least 1`)
  }
  return c
}

/** What one `runDispatcherOnce` did. */
export interface DispatchSummary {
  readonly claimed: number
  readonly delivered: number
  /** Failed attempts with a retry scheduled. */
  readonly retrying: number
  /** Failed attempts that ended the schedule (event now `failed`). */
  readonly failed: number
  /** Claims left to their lease (origin saturated, or lease too short to start). */
  readonly deferred: number
  /** Claims given back without an attempt (shutdown). */
  readonly released: number
  /** Attempts made whose recording failed (the lease will make the event due again). */
  readonly storeErrors: number
}

/** How one attempt ended for the dispatcher's bookkeeping. */
export type DeliveryOutcome = "delivered" | "retrying" | "failed" | "storeError"
type Outcome = DeliveryOutcome

/** The per-destination key: the URL's origin (scheme, host, port). */
export const destinationOf = (url: string): string => {
  try {
    const u = new URL(url)
    return u.origin === "null" ? `${u.protocol}${u.host}` : u.origin
  } catch {
    return "invalid-url"
  }
}

const blocks = (policy: PrivateAddressPolicy, d: ClaimedDelivery): boolean =>
  policy === "block-all" || (policy === "block-live" && d.mode === "live")

/**
 * One delivery attempt: sign at send time, POST, record the attempt and the next attempt time (or null when
 * the schedule is over, which marks the event failed).
 */
export const deliverOne = (
  config: WebhookDispatcherConfig,
  d: ClaimedDelivery,
): Effect.Effect<DeliveryOutcome, never, Outbox | WebhookTransport> =>
  Effect.gen(function* () {
    const outbox = yield* Outbox
    const transport = yield* WebhookTransport
    const startMs = yield* Clock.currentTimeMillis
    const signature = signWebhook({
      payload: d.body,
      secret: d.secret,
      timestamp: Math.floor(startMs / 1000),
    })
    const t0 = performance.now()
    const result = yield* Effect.either(
      transport.send({
        url: d.url,
        headers: {
          "Content-Type": "application/json",
          "Inzi-Event-Id": d.eventId,
          "Inzi-Signature": signature,
          "User-Agent": USER_AGENT,
        },
        body: d.body,
        timeoutMs: config.timeoutMs,
        blockPrivateAddresses: blocks(config.privateAddresses, d),
      }),
    )
    const endMs = yield* Clock.currentTimeMillis
    const attempt: DeliveryAttempt = Either.match(result, {
      onRight: (r) => ({
        eventId: d.eventId,
        at: new Date(startMs),
        statusCode: r.statusCode,
        latencyMs: r.latencyMs,
        error: r.statusCode >= 200 && r.statusCode < 300 ? null : `HTTP ${r.statusCode}`,
        ok: r.statusCode >= 200 && r.statusCode < 300,
      }),
      onLeft: (e) => ({
        eventId: d.eventId,
        at: new Date(startMs),
        statusCode: null,
        latencyMs: Math.round(performance.now() - t0),
        error: e.message,
        ok: false,
      }),
    })
    const attemptNo = d.attempts + 1
    const next = attempt.ok ? null : nextAttemptAt(attemptNo, new Date(endMs), yield* Random.next)
    const log = Effect.annotateLogs({
      eventId: d.eventId,
      destination: destinationOf(d.url),
      attempt: attemptNo,
      statusCode: attempt.statusCode ?? "none",
      latencyMs: attempt.latencyMs,
    })
    const recorded = yield* Effect.either(
      outbox.recordAttempt({ attempt, worker: config.worker, nextAttemptAt: next }),
    )
    if (Either.isLeft(recorded)) {
      yield* Effect.logWarning(`webhook attempt not recorded: ${recorded.left.message}`).pipe(log)
      return "storeError" as const
    }
    if (attempt.ok) {
      yield* Effect.logDebug("webhook delivered").pipe(log)
      return "delivered" as const
    }
    if (next === null) {
      yield* Effect.logWarning(`webhook failed for good: ${attempt.error}`).pipe(log)
      return "failed" as const
    }
    yield* Effect.logInfo(`webhook attempt failed, retry at ${next.toISOString()}: ${attempt.error}`).pipe(
      log,
    )
    return "retrying" as const
  })

interface Held {
  readonly delivery: ClaimedDelivery
  readonly destination: string
  readonly claimedAtMs: number
}

interface DestinationState {
  running: number
  readonly waiting: Array<Held>
}

/**
 * The in-process scheduler shared by `runDispatcherOnce` and `dispatcherLoop`. Its scope's finalizer releases
 * the claims not started and waits for the sends in flight (each bounded by `timeoutMs`).
 */
const makePool = (config: WebhookDispatcherConfig) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox
    const context = yield* Effect.context<Outbox | WebhookTransport>()
    const fibers = yield* FiberSet.make<void, never>()
    const destinations = new Map<string, DestinationState>()
    let running = 0
    let waiting = 0
    let stopping = false
    const counts = {
      claimed: 0,
      delivered: 0,
      retrying: 0,
      failed: 0,
      deferred: 0,
      released: 0,
      storeErrors: 0,
    }

    /** Picks the next startable delivery (round robin over destinations) and books its slot; sync. */
    const pickNext = (): Held | null => {
      if (stopping || running >= config.maxInFlight) return null
      for (const [key, st] of destinations) {
        if (st.waiting.length > 0 && st.running < config.maxPerOrigin) {
          const h = st.waiting.shift()!
          waiting--
          st.running++
          running++
          // Move this destination to the back so the others get the next free slot.
          destinations.delete(key)
          destinations.set(key, st)
          return h
        }
      }
      return null
    }

    const finished = (h: Held, outcome: Outcome | "deferred") =>
      Effect.sync(() => {
        const st = destinations.get(h.destination)
        if (st !== undefined) {
          st.running--
          if (st.running === 0 && st.waiting.length === 0) destinations.delete(h.destination)
        }
        running--
        counts[outcome === "storeError" ? "storeErrors" : outcome]++
      })

    const run = (h: Held): Effect.Effect<void> =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        // Not enough lease left to run a whole send: leave it to its lease rather than risk a double send.
        if (now - h.claimedAtMs > config.leaseMs - config.timeoutMs - LEASE_MARGIN_MS) {
          return yield* finished(h, "deferred")
        }
        const outcome = yield* deliverOne(config, h.delivery).pipe(
          Effect.catchAllCause((cause) =>
            Effect.logError("webhook delivery crashed", cause).pipe(Effect.as("storeError" as const)),
          ),
        )
        yield* finished(h, outcome)
      }).pipe(Effect.provide(context), Effect.ensuring(Effect.suspend(() => pump)))

    /** Starts every delivery that has a free slot. */
    const pump: Effect.Effect<void> = Effect.gen(function* () {
      while (true) {
        const h = pickNext()
        if (h === null) return
        yield* FiberSet.run(fibers, run(h))
      }
    })

    /** Queues freshly claimed deliveries (or defers them) and starts what can start. */
    const admit = (claimed: ReadonlyArray<ClaimedDelivery>, claimedAtMs: number) =>
      Effect.gen(function* () {
        counts.claimed += claimed.length
        for (const delivery of claimed) {
          const destination = destinationOf(delivery.url)
          let st = destinations.get(destination)
          if (st === undefined) {
            st = { running: 0, waiting: [] }
            destinations.set(destination, st)
          }
          if (st.waiting.length >= config.maxQueuedPerOrigin) {
            counts.deferred++
            yield* outbox
              .release(delivery.eventId, config.worker, new Date(claimedAtMs + config.deferMs))
              .pipe(Effect.catchAll((e) => Effect.logWarning(`deferred webhook not released: ${e.message}`)))
            continue
          }
          st.waiting.push({ delivery, destination, claimedAtMs })
          waiting++
          yield* pump
        }
        // Destinations created only for deferred deliveries hold nothing.
        for (const [key, st] of destinations) {
          if (st.running === 0 && st.waiting.length === 0) destinations.delete(key)
        }
      })

    /** Claims up to the free capacity; returns how many were asked for and how many came. */
    const claimOnce = Effect.gen(function* () {
      const limit = Math.min(config.batchSize, config.maxHeld - running - waiting)
      if (limit <= 0 || stopping) return { asked: 0, got: 0 }
      const now = yield* Clock.currentTimeMillis
      const claimed = yield* outbox.claimDue({
        worker: config.worker,
        now: new Date(now),
        limit,
        leaseMs: config.leaseMs,
      })
      yield* admit(claimed, now)
      return { asked: limit, got: claimed.length }
    }).pipe(
      // A claim that came back is always admitted, so a stop right now releases it instead of losing track.
      Effect.uninterruptible,
    )

    /** Gives back every claim not started; sends in flight are let finish. */
    const stop = Effect.gen(function* () {
      stopping = true
      const toRelease: Held[] = []
      for (const st of destinations.values()) toRelease.push(...st.waiting.splice(0))
      waiting = 0
      yield* Effect.forEach(
        toRelease,
        (h) =>
          outbox.release(h.delivery.eventId, config.worker).pipe(
            Effect.tap(() => Effect.sync(() => counts.released++)),
            Effect.catchAll((e) => Effect.logWarning(`webhook claim not released: ${e.message}`)),
          ),
        { discard: true },
      )
      yield* FiberSet.awaitEmpty(fibers)
    }).pipe(Effect.uninterruptible)

    yield* Effect.addFinalizer(() => stop)

    return {
      claimOnce,
      idle: FiberSet.awaitEmpty(fibers),
      summary: (): DispatchSummary => ({ ...counts }),
      held: () => running + waiting,
    }
  })

/**
 * One cycle: claim up to `batchSize` due deliveries, send them (respecting the concurrency limits) and wait
 * for every started send. Deliveries deferred in this cycle stay claimed until their lease ends.
 *
 * @example
 * const summary = yield* runDispatcherOnce({ worker: "w1", maxPerOrigin: 2 })
 */
export const runDispatcherOnce = (
  options: WebhookDispatcherOptions,
): Effect.Effect<DispatchSummary, StoreError, Outbox | WebhookTransport> =>
  Effect.scoped(
    Effect.gen(function* () {
      const pool = yield* makePool(dispatcherConfig(options))
      yield* pool.claimOnce
      yield* pool.idle
      return pool.summary()
    }),
  )

/**
 * Runs forever: claims whenever there is free capacity, pausing `pollIntervalMs` when the last claim came back
 * short. Interrupt it to stop: claims not started are released, sends in flight finish first. A failing
 * claim (database down) is logged and retried after the poll interval.
 *
 * @example
 * yield* Effect.fork(dispatcherLoop({ worker: `worker-${process.pid}` }))
 */
export const dispatcherLoop = (
  options: WebhookDispatcherOptions,
  /**
   * Completes when new events were just written (e.g. a watcher in the same process applied payments): the
   * loop then claims at once instead of finishing its poll sleep, which cuts detection-to-webhook latency.
   */
  wake: Effect.Effect<void> = Effect.never,
): Effect.Effect<never, never, Outbox | WebhookTransport> =>
  Effect.scoped(
    Effect.gen(function* () {
      const config = dispatcherConfig(options)
      const pool = yield* makePool(config)
      while (true) {
        const r = yield* pool.claimOnce.pipe(
          Effect.catchAll((e) =>
            Effect.logWarning(`webhook claim failed: ${e.message}`).pipe(Effect.as({ asked: 1, got: 0 })),
          ),
        )
        // A full batch means there may be more due: claim again at once (if there is room).
        if (r.asked === 0 || r.got < r.asked) yield* Effect.race(Effect.sleep(config.pollIntervalMs), wake)
        else yield* Effect.yieldNow()
      }
    }),
  )
