import { readEnv } from "@inzi/platform/env"
import { openRuntime, type RuntimeServices } from "@inzi/platform/runtime"
import { Cause, type Effect, Runtime } from "effect"
import { terminalSafe } from "./text.js"

/** A store's "not found" as the operator's next step; other errors unchanged. */
export const notFound = (failure: unknown): unknown => {
  // `runPromise` rejects with a FiberFailure wrapping the error.
  const e = Runtime.isFiberFailure(failure) ? Cause.squash(failure[Runtime.FiberFailureCauseId]) : failure
  const tag = (e as { _tag?: unknown } | null)?._tag
  const id = terminalSafe(String((e as { id?: unknown }).id))
  if (tag === "MerchantNotFound") return new Error(`no merchant ${id} (inzi merchant list shows them)`)
  if (tag === "CheckoutNotFound") return new Error(`no checkout ${id}`)
  return failure
}

/** Runs an Effect against the configured database (embedded PGlite or DATABASE_URL). */
export const withRuntime = async <A, E>(eff: Effect.Effect<A, E, RuntimeServices>): Promise<A> => {
  const rt = await openRuntime(readEnv(), { migrate: true })
  try {
    return await rt.run(eff)
  } catch (e) {
    throw notFound(e)
  } finally {
    await rt.close()
  }
}
