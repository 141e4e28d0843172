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
 * - finished attempts are recorded in batches: one statement (`Outbox.recordAttempts`) writes every attempt
 *   that finished while the previous statement ran, so a busy dispatcher makes one round trip per batch, not
 *   per delivery;
 * - memory is bounded: at most `maxHeld` claimed deliveries are held (running + queued + finished but not yet
 *   recorded), and the loop claims only when a whole batch fits.
 *
 * Time comes from effect's `Clock` (signature timestamps, attempt times, retry times, leases, polling), so tests
 * run days of retries with `TestClock`. Randomness for the jitter comes from effect's `Random`.
 */
import { performance } from "node:perf_hooks"
import {
  type ClaimedDelivery,
  type DeliveryAttempt,
  nextAttemptAt,
  Outbox,
  type RecordedAttempt,
  type StoreError,
  signWebhook,
  WebhookTransport,
} from "@inzi/core"
import {
  Cause,
  Clock,
  type Context,
  Deferred,
  Effect,
  Exit,
  FiberId,
  FiberRef,
  FiberSet,
  LogLevel,
  Random,
} from "effect"

/** Which destinations are refused: private, loopback, link-local / cloud-metadata and other special addresses. */
export type PrivateAddressPolicy =
  /** Every delivery, live or test, is checked (the default). */
  | "block-all"
  /** As "block-all", but a test-mode delivery may reach a loopback address (a developer's local receiver). */
  | "allow-test-loopback"
  /** Nothing is checked: an explicit operator setting for development. */
  | "allow"

export interface WebhookDispatcherConfig {
  /** This dispatcher's identity in claims (unique per process). */
  readonly worker: string
  /** Whole-exchange timeout of one POST. Default 10 000 (API.md). */
  readonly timeoutMs: number
  /**
   * Claim lease, renewed every `renewEveryMs` while a claim waits or runs; what a dead worker's claims wait
   * before another worker takes them. Must exceed `timeoutMs` + 5 s + `renewEveryMs`.
   * Default `timeoutMs` + 5 s + 3 × `renewEveryMs` (21 s).
   */
  readonly leaseMs: number
  /** How often held claims have their lease renewed. Default 2 000. */
  readonly renewEveryMs: number
  /** Deliveries claimed per claim call at most. Default 50. */
  readonly batchSize: number
  /** Finished attempts written per statement at most (`Outbox.recordAttempts`). Default 100. */
  readonly recordBatchSize: number
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
  /** Default "block-all". */
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
  const renewEveryMs = o.renewEveryMs ?? 2_000
  const c: WebhookDispatcherConfig = {
    worker: o.worker,
    timeoutMs,
    leaseMs: o.leaseMs ?? timeoutMs + LEASE_MARGIN_MS + 3 * renewEveryMs,
    renewEveryMs,
    batchSize: o.batchSize ?? 50,
    recordBatchSize: o.recordBatchSize ?? 100,
    maxInFlight,
    maxPerOrigin: o.maxPerOrigin ?? 4,
    maxQueuedPerOrigin: o.maxQueuedPerOrigin ?? 8,
    deferMs: o.deferMs ?? 1_000,
    maxHeld: o.maxHeld ?? 4 * maxInFlight,
    pollIntervalMs: o.pollIntervalMs ?? 1_000,
    privateAddresses: o.privateAddresses ?? "block-all",
  }
  if (c.leaseMs <= c.timeoutMs + LEASE_MARGIN_MS + c.renewEveryMs) {
    throw new Error(
      `webhook dispatcher: leaseMs (${c.leaseMs}) must exceed timeoutMs + ${LEASE_MARGIN_MS} + renewEveryMs`,
    )
  }
  for (const k of [
    "batchSize",
    "recordBatchSize",
    "maxInFlight",
    "maxPerOrigin",
    "maxHeld",
    "pollIntervalMs",
    "renewEveryMs",
  ] as const) {
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

/** A finished attempt, not yet recorded. */
export interface FinishedAttempt extends RecordedAttempt {
  /** 1 for the first attempt. */
  readonly attemptNo: number
  readonly destination: string
}

/**
 * Sends one attempt without recording it: signs at send time (core's `signWebhook`), POSTs, and computes the
 * next attempt time (null when the attempt succeeded or the schedule is over). Never fails: a transport error is
 * a failed attempt.
 */
export const attemptOne = (
  config: WebhookDispatcherConfig,
  transport: Context.Tag.Service<typeof WebhookTransport>,
  d: ClaimedDelivery,
  destination: string = destinationOf(d.url),
): Effect.Effect<FinishedAttempt> =>
  // Plain callbacks rather than a generator: this runs once per delivery, and the fewer effect steps the less
  // CPU and garbage per send. The time still comes from effect's Clock (TestClock in tests).
  Effect.clockWith((clock) => {
    const startMs = clock.unsafeCurrentTimeMillis()
    const t0 = performance.now()
    const attemptNo = d.attempts + 1
    const done = (attempt: DeliveryAttempt): Effect.Effect<FinishedAttempt> =>
      attempt.ok
        ? Effect.succeed({ attempt, nextAttemptAt: null, attemptNo, destination })
        : Effect.map(Random.next, (r) => ({
            attempt,
            nextAttemptAt: nextAttemptAt(attemptNo, new Date(clock.unsafeCurrentTimeMillis()), r),
            attemptNo,
            destination,
          }))
    return Effect.matchEffect(
      transport.send({
        url: d.url,
        headers: {
          "Content-Type": "application/json",
          "Inzi-Event-Id": d.eventId,
          "Inzi-Signature": signWebhook({ payload: d.body, secret: d.secret, timestamp: startMs / 1000 }),
          "User-Agent": USER_AGENT,
        },
        body: d.body,
        timeoutMs: config.timeoutMs,
        blockPrivateAddresses: config.privateAddresses !== "allow",
        allowLoopback: config.privateAddresses === "allow-test-loopback" && d.mode === "test",
      }),
      {
        onSuccess: (r) =>
          done({
            eventId: d.eventId,
            at: new Date(startMs),
            statusCode: r.statusCode,
            latencyMs: r.latencyMs,
            error: isOk(r.statusCode) ? null : `HTTP ${r.statusCode}`,
            ok: isOk(r.statusCode),
          }),
        onFailure: (e) =>
          done({
            eventId: d.eventId,
            at: new Date(startMs),
            statusCode: null,
            latencyMs: Math.round(performance.now() - t0),
            error: e.message,
            ok: false,
          }),
      },
    )
  })

const isOk = (status: number) => status >= 200 && status < 300

const outcomeOf = (f: RecordedAttempt): Exclude<Outcome, "storeError"> =>
  f.attempt.ok ? "delivered" : f.nextAttemptAt === null ? "failed" : "retrying"

/** Logs one recorded (or not recorded) attempt; the event id, destination, attempt, status and latency. */
const logAttempt = (f: FinishedAttempt, outcome: Outcome, storeMessage?: string): Effect.Effect<void> => {
  const message =
    outcome === "storeError"
      ? Effect.logWarning(`webhook attempt not recorded: ${storeMessage ?? "?"}`)
      : outcome === "delivered"
        ? Effect.logDebug("webhook delivered")
        : outcome === "failed"
          ? Effect.logWarning(`webhook failed for good: ${f.attempt.error}`)
          : Effect.logInfo(
              `webhook attempt failed, retry at ${f.nextAttemptAt!.toISOString()}: ${f.attempt.error}`,
            )
  return message.pipe(
    Effect.annotateLogs({
      eventId: f.attempt.eventId,
      destination: f.destination,
      attempt: f.attemptNo,
      statusCode: f.attempt.statusCode ?? "none",
      latencyMs: f.attempt.latencyMs,
    }),
  )
}

/**
 * One delivery attempt, recorded on its own (`Outbox.recordAttempt`). The dispatcher's pool does not use it:
 * it records finished attempts in batches (`Outbox.recordAttempts`).
 */
export const deliverOne = (
  config: WebhookDispatcherConfig,
  d: ClaimedDelivery,
): Effect.Effect<DeliveryOutcome, never, Outbox | WebhookTransport> =>
  Effect.gen(function* () {
    const outbox = yield* Outbox
    const f = yield* attemptOne(config, yield* WebhookTransport, d)
    const recorded = yield* Effect.either(
      outbox.recordAttempt({ attempt: f.attempt, worker: config.worker, nextAttemptAt: f.nextAttemptAt }),
    )
    const outcome: Outcome = recorded._tag === "Left" ? "storeError" : outcomeOf(f)
    yield* logAttempt(f, outcome, recorded._tag === "Left" ? recorded.left.message : undefined)
    return outcome
  })

interface Held {
  readonly delivery: ClaimedDelivery
  readonly destination: string
  /** Until when this worker surely holds the claim: the claim's or the last renewal's time + `leaseMs`. */
  leaseUntilMs: number
}

interface DestinationState {
  running: number
  readonly waiting: Array<Held>
}

/**
 * The in-process scheduler shared by `runDispatcherOnce` and `dispatcherLoop`. Its scope's finalizer releases
 * the claims not started and waits for the sends in flight (each bounded by `timeoutMs`) and their recording.
 *
 * A send's slot is freed as soon as its answer is in; the finished attempt then waits in `toRecord` until
 * the recorder (one fiber at a time) writes it with the others that finished meanwhile, in one statement
 * (`Outbox.recordAttempts`, at most `recordBatchSize` per statement). No timer: under load a batch is whatever
 * finished during the previous write, when idle it is one attempt written at once. Finished attempts count in
 * `maxHeld` until written, so memory stays bounded even if the database is slow.
 */
const makePool = (config: WebhookDispatcherConfig) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox
    const transport = yield* WebhookTransport
    const fibers = yield* FiberSet.make<void, never>()
    // Forks into the set synchronously (no effect step per fork): sends and the recorder are started from
    // plain bookkeeping code.
    const fork = yield* FiberSet.runtime(fibers)<never>()
    const destinations = new Map<string, DestinationState>()
    let running = 0
    let waiting = 0
    /** Sends in flight (their claims are renewed too, so a slow recording does not lose the lease). */
    const inFlight = new Set<Held>()
    let stopping = false
    const toRecord: Array<FinishedAttempt> = []
    /** Finished attempts not yet written (queued in `toRecord` or in the statement being run). */
    let recording = 0
    let flushing = false
    /** Completed when room for a claim frees up (see `awaitRoom`). */
    let roomWaiter: Deferred.Deferred<void> | null = null
    const counts = {
      claimed: 0,
      delivered: 0,
      retrying: 0,
      failed: 0,
      deferred: 0,
      released: 0,
      storeErrors: 0,
    }
    const held = () => running + waiting + recording
    /** Room for a whole claim (or an empty pool): worth a claim round trip. */
    const roomForClaim = () =>
      held() === 0 || config.maxHeld - held() >= Math.min(config.batchSize, config.maxHeld)
    const freed = () => {
      if (roomWaiter !== null && roomForClaim()) {
        Deferred.unsafeDone(roomWaiter, Exit.void)
        roomWaiter = null
      }
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
          inFlight.add(h)
          // Move this destination to the back so the others get the next free slot.
          destinations.delete(key)
          destinations.set(key, st)
          return h
        }
      }
      return null
    }

    /** Frees a send slot; with a finished attempt, hands it to the recorder. Sync. */
    const slotDone = (h: Held, finished: FinishedAttempt | null) => {
      inFlight.delete(h)
      const st = destinations.get(h.destination)
      if (st !== undefined) {
        st.running--
        if (st.running === 0 && st.waiting.length === 0) destinations.delete(h.destination)
      }
      running--
      if (finished !== null) {
        toRecord.push(finished)
        recording++
        startRecorder()
      }
      freed()
      pump()
    }

    /** Writes one batch of finished attempts (one statement) and books the outcomes. Never fails. */
    const writeBatch = (batch: ReadonlyArray<FinishedAttempt>): Effect.Effect<void> =>
      outbox.recordAttempts({ worker: config.worker, attempts: batch }).pipe(
        Effect.matchCauseEffect({
          // Not recorded (database down, or a crash before the write would look the same): the events stay
          // claimed until their lease ends and are then sent again: at least once, never marked delivered
          // without a record.
          onFailure: (cause) => {
            counts.storeErrors += batch.length
            const message = Cause.isFailType(cause) ? cause.error.message : Cause.pretty(cause)
            return Effect.forEach(batch, (f) => logAttempt(f, "storeError", message), { discard: true })
          },
          onSuccess: () =>
            Effect.gen(function* () {
              const debug = LogLevel.lessThanEqual(
                yield* FiberRef.get(FiberRef.currentMinimumLogLevel),
                LogLevel.Debug,
              )
              for (const f of batch) {
                const outcome = outcomeOf(f)
                counts[outcome]++
                if (outcome !== "delivered" || debug) yield* logAttempt(f, outcome)
              }
            }),
        }),
        Effect.ensuring(
          Effect.sync(() => {
            recording -= batch.length
            freed()
          }),
        ),
      )

    /** The recorder: drains `toRecord` batch by batch; at most one runs. */
    const recorder: Effect.Effect<void> = Effect.suspend(function loop(): Effect.Effect<void> {
      const batch = toRecord.splice(0, config.recordBatchSize)
      if (batch.length === 0) {
        // In the same synchronous step as the emptiness check: an attempt finishing after this starts a new
        // recorder (no window where it would see `flushing` and be left unwritten).
        flushing = false
        return Effect.void
      }
      return Effect.zipRight(writeBatch(batch), Effect.suspend(loop))
    }).pipe(
      Effect.onError(() => Effect.sync(() => (flushing = false))),
      // A batch being written is finished and counted even when the dispatcher is interrupted.
      Effect.uninterruptible,
    )

    /** Starts the recorder unless it runs or there is nothing to write. Sync. */
    const startRecorder = () => {
      if (flushing || toRecord.length === 0) return
      flushing = true
      fork(recorder)
    }

    const run = (h: Held): Effect.Effect<void> =>
      Effect.clockWith((clock) => {
        // Not enough lease left to run a whole send (renewals failed): leave it to its lease rather than risk
        // a send at the same time as the worker that takes it over.
        if (h.leaseUntilMs - clock.unsafeCurrentTimeMillis() < config.timeoutMs + LEASE_MARGIN_MS) {
          counts.deferred++
          slotDone(h, null)
          return Effect.void
        }
        return Effect.matchCauseEffect(attemptOne(config, transport, h.delivery, h.destination), {
          onFailure: (cause) => {
            counts.storeErrors++
            slotDone(h, null)
            return Effect.logError("webhook delivery crashed", cause)
          },
          onSuccess: (f) => {
            slotDone(h, f)
            return Effect.void
          },
        })
      })

    /** Starts every delivery that has a free slot. Sync. */
    const pump = () => {
      for (let h = pickNext(); h !== null; h = pickNext()) fork(run(h))
    }

    /** Queues freshly claimed deliveries (or defers them) and starts what can start. */
    const admit = (claimed: ReadonlyArray<ClaimedDelivery>, claimedAtMs: number) =>
      Effect.gen(function* () {
        counts.claimed += claimed.length
        const deferred: Array<string> = []
        for (const delivery of claimed) {
          const destination = destinationOf(delivery.url)
          let st = destinations.get(destination)
          if (st === undefined) {
            st = { running: 0, waiting: [] }
            destinations.set(destination, st)
          }
          if (st.waiting.length >= config.maxQueuedPerOrigin) {
            deferred.push(delivery.eventId)
            continue
          }
          st.waiting.push({ delivery, destination, leaseUntilMs: claimedAtMs + config.leaseMs })
          waiting++
          // Start it now if it can start, so the queue limit counts only what really waits.
          pump()
        }
        // Destinations created only for deferred deliveries hold nothing.
        for (const [key, st] of destinations) {
          if (st.running === 0 && st.waiting.length === 0) destinations.delete(key)
        }
        counts.deferred += deferred.length
        const notBefore = new Date(claimedAtMs + config.deferMs)
        yield* Effect.forEach(
          deferred,
          (eventId) =>
            outbox
              .release(eventId, config.worker, notBefore)
              .pipe(Effect.catchAll((e) => Effect.logWarning(`deferred webhook not released: ${e.message}`))),
          { discard: true },
        )
      })

    /** Claims up to the free capacity; returns how many were asked for and how many came. */
    const claimOnce = Effect.gen(function* () {
      const limit = Math.min(config.batchSize, config.maxHeld - held())
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

    /** Waits until a whole claim fits (`batchSize` free, or nothing held). */
    const awaitRoom: Effect.Effect<void> = Effect.suspend(() => {
      if (roomForClaim()) return Effect.void
      if (roomWaiter === null) roomWaiter = Deferred.unsafeMake<void>(FiberId.none)
      return Deferred.await(roomWaiter)
    })

    /** Gives back every claim not started; sends in flight are let finish and be recorded. */
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

    /**
     * Renews the leases of the claims held, waiting or in flight (one statement for all of them). A waiting
     * claim the store did not renew is no longer this worker's: it is dropped unsent and left to whoever holds
     * it now.
     */
    const renewOnce = Effect.gen(function* () {
      const queued: Held[] = [...inFlight]
      for (const st of destinations.values()) queued.push(...st.waiting)
      if (queued.length === 0 || stopping) return
      const now = yield* Clock.currentTimeMillis
      const renewed = new Set(
        yield* outbox.renewClaims({
          worker: config.worker,
          eventIds: queued.map((h) => h.delivery.eventId),
          now: new Date(now),
          leaseMs: config.leaseMs,
        }),
      )
      for (const h of queued) if (renewed.has(h.delivery.eventId)) h.leaseUntilMs = now + config.leaseMs
      if (renewed.size === queued.length) return
      const lost = new Set(queued.filter((h) => !renewed.has(h.delivery.eventId)))
      for (const [key, st] of destinations) {
        for (let i = st.waiting.length - 1; i >= 0; i--) {
          if (!lost.has(st.waiting[i]!)) continue
          st.waiting.splice(i, 1)
          waiting--
          counts.deferred++
        }
        if (st.running === 0 && st.waiting.length === 0) destinations.delete(key)
      }
      freed()
    })

    yield* Effect.addFinalizer(() => stop)
    // Interrupted before `stop` runs (finalizers run in reverse order): no renewal races the release.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          Effect.sleep(config.renewEveryMs),
          renewOnce.pipe(
            Effect.catchAll((e) => Effect.logWarning(`webhook claims not renewed: ${e.message}`)),
          ),
        ),
      ),
    )

    return {
      claimOnce,
      awaitRoom,
      idle: FiberSet.awaitEmpty(fibers),
      summary: (): DispatchSummary => ({ ...counts }),
      held,
    }
  })

/**
 * One cycle: claim up to `batchSize` due deliveries, send them (respecting the concurrency limits) and wait
 * for every started send and its recording. Deliveries deferred in this cycle are released, due again after
 * `deferMs`.
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
 * Runs forever: claims whenever a whole batch fits, pausing `pollIntervalMs` when the last claim came back
 * short. Interrupt it to stop: claims not started are released, sends in flight finish and are recorded
 * first. A failing claim (database down) is logged and retried after the poll interval.
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
        // Full: wait for sends and records to make room for a whole claim (not a poll interval).
        yield* pool.awaitRoom
        const r = yield* pool.claimOnce.pipe(
          Effect.catchAll((e) =>
            Effect.logWarning(`webhook claim failed: ${e.message}`).pipe(Effect.as({ asked: 1, got: 0 })),
          ),
        )
        // A full batch means there may be more due: claim again as soon as there is room.
        if (r.got < r.asked) yield* Effect.race(Effect.sleep(config.pollIntervalMs), wake)
        else yield* Effect.yieldNow()
      }
    }),
  )
