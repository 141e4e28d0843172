import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Data, Effect, ManagedRuntime } from "effect"
import { describe, expect, it } from "vitest"
import { readEnv } from "../src/env.js"
import { jsonLogs, makeLogger } from "../src/log.js"
import { appLayer } from "../src/runtime.js"

class StoreError extends Data.TaggedError("StoreError")<{ readonly message: string }> {}

const run = (level: "debug" | "info" | "warn" | "error", program: Effect.Effect<void>) => {
  const lines: Array<string> = []
  const logger = makeLogger(level, { service: "worker" }, (l) => lines.push(l))
  Effect.runSync(program.pipe(Effect.provide(jsonLogs(logger))))
  return lines
}

describe("jsonLogs: Effect.log* through the JSON logger", () => {
  it("writes one redacted JSON object per call, with annotations, errors and causes as fields", () => {
    const lines = run(
      "debug",
      Effect.gen(function* () {
        yield* Effect.logInfo("webhook attempt failed, retry at 2026-01-01T00:00:00.000Z: HTTP 500").pipe(
          Effect.annotateLogs({ eventId: "evt_1", attempt: 1, statusCode: 500, webhookSecret: "whsec_abc" }),
        )
        yield* Effect.logWarning("expiry sweep failed", new StoreError({ message: "db down" }))
        yield* Effect.logWarning("devnet: reorg at or below block 7,\nrescanning from 5")
        yield* Effect.logError("webhook delivery crashed", yield* Effect.cause(Effect.die(new Error("boom"))))
        yield* Effect.logDebug("key sk_live_abcdefghijklmnopqrst", { n: 1n })
      }),
    )
    expect(lines).toHaveLength(5)
    const objs = lines.map((l) => {
      expect(l).not.toContain("\n")
      return JSON.parse(l) as Record<string, unknown>
    })
    expect(objs[0]).toMatchObject({
      level: "info",
      service: "worker",
      eventId: "evt_1",
      attempt: 1,
      statusCode: 500,
      webhookSecret: "[redacted]",
    })
    expect(objs[1]).toMatchObject({ level: "warn", msg: "expiry sweep failed", error: "db down" })
    expect(objs[2]).toMatchObject({
      level: "warn",
      msg: "devnet: reorg at or below block 7,\nrescanning from 5",
    })
    expect(objs[3]).toMatchObject({ level: "error", msg: "webhook delivery crashed", error: "boom" })
    expect(String(objs[3]!.stack)).toMatch(/^Error: boom/)
    expect(objs[4]).toMatchObject({ level: "debug", msg: "key sk_live_abcd…", data: { n: "1" } })
  })

  it("follows LOG_LEVEL: below it nothing is written", () => {
    const lines = run(
      "warn",
      Effect.gen(function* () {
        yield* Effect.logDebug("d")
        yield* Effect.logInfo("i")
        yield* Effect.logWarning("w")
        yield* Effect.logError("e")
      }),
    )
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["w", "e"])
  })

  it("replaces Effect's default and pretty loggers instead of writing beside them", () => {
    const writes: Array<string> = []
    const originalLog = console.log
    console.log = (...a: Array<unknown>) => void writes.push(a.join(" "))
    try {
      const lines = run("info", Effect.logInfo("only once"))
      expect(lines).toHaveLength(1)
      expect(writes).toEqual([])
    } finally {
      console.log = originalLog
    }
  })
})

describe("appLayer: the database's notices through the process's logger", () => {
  it("a data folder whose permissions were tightened is told in one JSON warn line, not on stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "inzi-notice-"))
    chmodSync(dir, 0o755)
    const lines: Array<Record<string, unknown>> = []
    const logger = makeLogger("info", { service: "worker" }, (l) => lines.push(JSON.parse(l)))
    const stderr: Array<string> = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk))
      return true
    }) as typeof process.stderr.write
    const rt = ManagedRuntime.make(
      appLayer(readEnv({ INZI_DATA_DIR: dir }), [], { logger, migrate: false, share: false }),
    )
    try {
      await rt.runPromise(Effect.void)
    } finally {
      await rt.dispose()
      process.stderr.write = write
      rmSync(dir, { recursive: true, force: true })
    }
    expect(stderr.filter((s) => s.includes("readable or writable by other users"))).toEqual([])
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        service: "worker",
        msg: expect.stringMatching(/readable or writable by other users; now 0600\/0700/),
      }),
    )
  }, 120_000)
})
